package dev.gcpt.core.state;

/** CSR numbers and bit fields used across the project (RISC-V privileged spec numbering). */
public final class Csr {
  private Csr() {}

  public static final int FFLAGS = 0x001;
  public static final int FRM = 0x002;
  public static final int FCSR = 0x003;
  public static final int VSTART = 0x008;
  public static final int VXSAT = 0x009;
  public static final int VXRM = 0x00A;
  public static final int VCSR = 0x00F;
  public static final int SSTATUS = 0x100;
  public static final int SIE = 0x104;
  public static final int STVEC = 0x105;
  public static final int SCOUNTEREN = 0x106;
  public static final int SENVCFG = 0x10A;
  public static final int SSCRATCH = 0x140;
  public static final int SEPC = 0x141;
  public static final int SCAUSE = 0x142;
  public static final int STVAL = 0x143;
  public static final int SIP = 0x144;
  public static final int STIMECMP = 0x14D;
  public static final int SATP = 0x180;
  public static final int VSSTATUS = 0x200;
  public static final int VSIE = 0x204;
  public static final int VSTVEC = 0x205;
  public static final int VSSCRATCH = 0x240;
  public static final int VSEPC = 0x241;
  public static final int VSCAUSE = 0x242;
  public static final int VSTVAL = 0x243;
  public static final int VSIP = 0x244;
  public static final int VSATP = 0x280;
  public static final int MSTATUS = 0x300;
  public static final int MISA = 0x301;
  public static final int MEDELEG = 0x302;
  public static final int MIDELEG = 0x303;
  public static final int MIE = 0x304;
  public static final int MTVEC = 0x305;
  public static final int MCOUNTEREN = 0x306;
  public static final int MENVCFG = 0x30A;
  public static final int MSCRATCH = 0x340;
  public static final int MEPC = 0x341;
  public static final int MCAUSE = 0x342;
  public static final int MTVAL = 0x343;
  public static final int MIP = 0x344;
  public static final int MTINST = 0x34A;
  public static final int MTVAL2 = 0x34B;
  public static final int PMPCFG0 = 0x3A0;
  public static final int PMPADDR0 = 0x3B0;
  public static final int HSTATUS = 0x600;
  public static final int HEDELEG = 0x602;
  public static final int HIDELEG = 0x603;
  public static final int HIE = 0x604;
  public static final int HCOUNTEREN = 0x606;
  public static final int HGEIE = 0x607;
  public static final int HTVAL = 0x643;
  public static final int HIP = 0x644;
  public static final int HVIP = 0x645;
  public static final int HTINST = 0x64A;
  public static final int HGATP = 0x680;
  public static final int HENVCFG = 0x60A;
  public static final int MCYCLE = 0xB00;
  public static final int MINSTRET = 0xB02;
  public static final int VL = 0xC20;
  public static final int VTYPE = 0xC21;
  public static final int VLENB = 0xC22;
  public static final int MHARTID = 0xF14;

  // misa extension bits
  public static final long MISA_D = 1L << 3;
  public static final long MISA_F = 1L << 5;
  public static final long MISA_H = 1L << 7;
  public static final long MISA_V = 1L << 21;

  // mstatus fields
  public static final int MSTATUS_SIE = 1;
  public static final int MSTATUS_MIE = 3;
  public static final int MSTATUS_SPIE = 5;
  public static final int MSTATUS_MPIE = 7;
  public static final int MSTATUS_SPP = 8;
  public static final int MSTATUS_VS_SHIFT = 9;
  public static final int MSTATUS_MPP_SHIFT = 11;
  public static final int MSTATUS_FS_SHIFT = 13;
  public static final long MSTATUS_MPV = 1L << 39;

  public static long mstatusFs(long mstatus) {
    return (mstatus >>> MSTATUS_FS_SHIFT) & 3;
  }

  public static long mstatusVs(long mstatus) {
    return (mstatus >>> MSTATUS_VS_SHIFT) & 3;
  }

  public static long mstatusMpp(long mstatus) {
    return (mstatus >>> MSTATUS_MPP_SHIFT) & 3;
  }
}
