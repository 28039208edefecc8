/*
 * gcpt's bare-metal workload for the NEMU end-to-end tests (see docs/nemu-tests.md).
 *
 * Starts in M-mode at 0x8010_0000 (behind a boot restorer at DRAM + 0), tells NEMU to start its
 * instruction count (nemu_trap a0 = 0x101), turns on Sv39 (gigapages: VA 0x0 -> PA 0x8000_0000
 * alias, UART and DRAM identity), enables F and V, and drops to S-mode. There it runs two phases
 * of a deterministic computation over live integer, FP (frm = RDN), vector (vl = 4 x e32,
 * vxrm = RDN) and CSR (sscratch) state and a 64 KiB table reached only through the Sv39 alias,
 * and prints
 *     GCPT-WORKLOAD checksum=<16 hex> vxrm-sum=<16 hex>
 * on NEMU's uartlite (0x4060_0000 + 4), then executes NEMU's good trap (a0 = 0).
 * "checksum" mixes every piece of state except the vxrm-rounded accumulator, which is reported
 * on its own as "vxrm-sum" (a restorer that drops vxrm changes only that one).
 * Any exception ends in NEMU's bad trap with a0 = 0x1000 + mcause.
 */
#define UART_TX     0x40600004
#define TABLE_VA    0x00200000          /* PA 0x80200000 through the alias gigapage */
#define TABLE_MASK  0xFFF8              /* 64 KiB of 64-bit words */
#define PHASE1      60000
#define PHASE2      70000
#define NEMU_TRAP   .insn r 0x6b, 0, 0, x0, x0, x0

  .section .text.start, "ax"
  .globl _start
_start:
  li a0, 0x101                          /* NEMU: start counting (profiling/checkpoints) here */
  NEMU_TRAP
  la t0, mtrap
  csrw mtvec, t0
  li t0, -1
  csrw pmpaddr0, t0
  li t0, 0x1f                           /* NAPOT, RWX over everything */
  csrw pmpcfg0, t0
  la t0, pt_root
  li t1, 0x200000CF                     /* [0] VA 0x0000_0000 -> PA 0x8000_0000, RWXAD */
  sd t1, 0(t0)
  li t1, 0x100000C7                     /* [1] VA 0x4000_0000 -> PA 0x4000_0000, RWAD (UART) */
  sd t1, 8(t0)
  li t1, 0x200000CF                     /* [2] VA 0x8000_0000 -> PA 0x8000_0000, RWXAD */
  sd t1, 16(t0)
  srli t1, t0, 12
  li t2, 8 << 60                        /* Sv39 */
  or t1, t1, t2
  csrw satp, t1
  sfence.vma
  li t0, (1 << 13) | (1 << 9)           /* FS = Initial, VS = Initial */
  csrs mstatus, t0
  li t0, 3 << 11
  csrc mstatus, t0
  li t0, 1 << 11                        /* MPP = S */
  csrs mstatus, t0
  la t0, smain
  csrw mepc, t0
  mret

smain:
  li t0, 2
  fsrm t0                               /* frm = RDN */
  csrwi vxrm, 2                         /* vxrm = RDN */
  li t0, 0x5C5C1234
  csrw sscratch, t0
  vsetvli t0, x0, e32, m1, ta, ma       /* vl = 4 at VLEN 128 */
  vid.v v1
  vmv.v.i v2, 7
  vmv.v.i v4, 0
  vmv.v.i v5, 0
  li t0, 3
  fcvt.d.l f1, t0                       /* f1 = 3.0 */
  li t0, 1
  fcvt.d.l f2, t0
  li t0, 2
  fcvt.d.l f6, t0
  fdiv.d f2, f2, f6                     /* f2 = 0.5 */
  fmv.d.x f5, x0
  fmv.d.x f7, x0
  li s3, TABLE_VA
  li s6, TABLE_MASK
  li s4, 6364136223846793005
  li s5, 1442695040888963407
  li s2, 0x243F6A8885A308D3             /* LCG state */
  li s0, 0x13198A2E03707344             /* checksum */
  /* the table, through the alias mapping */
  li t0, 0
  li t4, 0x9E3779B97F4A7C15
  li t5, 0
1:
  add t1, s3, t0
  sd t5, 0(t1)
  add t5, t5, t4
  addi t0, t0, 8
  ble t0, s6, 1b

  li s1, PHASE1
phase1:
  mul s2, s2, s4
  add s2, s2, s5
  srli t0, s2, 37
  and t0, t0, s6
  add t0, t0, s3
  ld t1, 0(t0)
  xor t1, t1, s2
  sd t1, 0(t0)
  add s0, s0, t1
  slli t2, s0, 13
  srli t3, s0, 51
  or s0, t2, t3
  fcvt.d.l f3, s2                       /* rounds by frm */
  fdiv.d f4, f3, f1                     /* rounds by frm */
  fmadd.d f5, f5, f2, f4
  fmv.x.d t2, f5
  xor s0, s0, t2
  csrr t3, sscratch
  add t3, t3, t1
  csrw sscratch, t3
  vmv.v.x v6, s2
  vadd.vv v1, v1, v6
  vmul.vv v2, v2, v1
  vor.vi v2, v2, 1
  vssrl.vi v3, v1, 7                    /* rounds by vxrm */
  vadd.vv v4, v4, v3
  addi s1, s1, -1
  bnez s1, phase1

  li s1, PHASE2
phase2:
  mul s2, s2, s4
  add s2, s2, s5
  vmv.s.x v6, s2
  vslideup.vi v7, v6, 1
  vxor.vv v5, v5, v7
  vmacc.vv v5, v2, v6
  vrgather.vi v8, v5, 3
  vadd.vv v1, v1, v8
  vssrl.vi v3, v5, 3                    /* rounds by vxrm */
  vxor.vv v4, v4, v3
  vmv.x.s t1, v5
  srli t0, t1, 16
  and t0, t0, s6
  add t0, t0, s3
  ld t2, 0(t0)
  add t2, t2, s2
  sd t2, 0(t0)
  xor s0, s0, t2
  fcvt.d.w f3, t1                       /* exact */
  fsqrt.d f4, f5                        /* rounds by frm (f5 may be negative: NaN, flags) */
  fadd.d f7, f7, f3                     /* rounds by frm */
  fmv.x.d t3, f7
  add s0, s0, t3
  csrr t4, sscratch
  xor t4, t4, t2
  csrw sscratch, t4
  addi s1, s1, -1
  bnez s1, phase2

  /* fold everything but v4 into s0, v4 into s7 */
  li t0, TABLE_VA
  vse32.v v1, (t0)
  ld t1, 0(t0)
  xor s0, s0, t1
  ld t1, 8(t0)
  add s0, s0, t1
  vse32.v v2, (t0)
  ld t1, 0(t0)
  xor s0, s0, t1
  ld t1, 8(t0)
  add s0, s0, t1
  vse32.v v5, (t0)
  ld t1, 0(t0)
  xor s0, s0, t1
  ld t1, 8(t0)
  add s0, s0, t1
  fmv.x.d t1, f4
  xor s0, s0, t1
  fmv.x.d t1, f5
  add s0, s0, t1
  csrr t1, sscratch
  xor s0, s0, t1
  frcsr t1                              /* frm and the accrued flags */
  add s0, s0, t1
  csrr t1, vl
  add s0, s0, t1
  csrr t1, vtype
  xor s0, s0, t1
  li t1, 0
  li t2, 0xFFF8
2:
  add t3, s3, t1
  ld t4, 0(t3)
  add s0, s0, t4
  slli t5, s0, 7
  srli t6, s0, 57
  or s0, t5, t6
  addi t1, t1, 8
  ble t1, t2, 2b
  vse32.v v4, (t0)
  ld s7, 0(t0)
  ld t1, 8(t0)
  slli s7, s7, 1
  xor s7, s7, t1

  la a1, msg_checksum
  jal ra, puts
  mv a1, s0
  jal ra, puthex
  la a1, msg_vxrm
  jal ra, puts
  mv a1, s7
  jal ra, puthex
  li a1, '\n'
  jal ra, putc
  li a0, 0                              /* HIT GOOD TRAP */
  NEMU_TRAP
3:
  j 3b

/* a1 = NUL-terminated string */
puts:
  mv a3, ra
4:
  lbu a2, 0(a1)
  beqz a2, 5f
  li a4, UART_TX
  sb a2, 0(a4)
  addi a1, a1, 1
  j 4b
5:
  jr a3

/* a1 = value, printed as 16 hex digits (branch-free: the count does not depend on the value) */
puthex:
  li a2, 60
6:
  srl a3, a1, a2
  andi a3, a3, 15
  addi a4, a3, 6
  srli a4, a4, 4                        /* 1 for a..f */
  li a5, 'a' - 10 - '0'
  mul a4, a4, a5
  add a3, a3, a4
  addi a3, a3, '0'
  li a4, UART_TX
  sb a3, 0(a4)
  addi a2, a2, -4
  bgez a2, 6b
  ret

/* a1 = character */
putc:
  li a4, UART_TX
  sb a1, 0(a4)
  ret

  .balign 4
mtrap:
  csrr a0, mcause
  li t0, 0x1000
  add a0, a0, t0
  NEMU_TRAP
8:
  j 8b

  .section .rodata
msg_checksum:
  .asciz "GCPT-WORKLOAD checksum="
msg_vxrm:
  .asciz " vxrm-sum="

  .section .data
  .balign 4096
pt_root:
  .zero 4096
