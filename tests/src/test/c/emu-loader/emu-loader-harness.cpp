// gcpt's harness around the XiangShan emu's image loader (difftest compress.cpp, compiled
// unchanged next to this file by dev.gcpt.e2e.EmuLoaderTest).
//
//   emu-loader-harness IMAGE [RAM_BYTES]
//
// Loads IMAGE the way difftest's MmapMemory::load_image does (ram.cpp): an anonymous
// MAP_NORESERVE mapping of the simulated memory size (RAM_BYTES, default 8 GiB), then
// isGzFile -> readFromGz(ram, IMAGE, size, LOAD_RAM), else isZstdFile -> readFromZstd(...),
// else the file's bytes as they are. Prints one line:
//
//   loader=zstd return=R digested=L nonzero_end=E sha256=HEX
//
// R is the loader function's return value (the emu stores it as its image size; -1 is an error
// the emu's unsigned `assert(img_size >= 0)` does not catch). L = R when R >= 0, else E. E is the
// end of the last non-zero 8-byte word in RAM (what the loader demonstrably placed; the loaders
// write only non-zero words into the zeroed mapping). HEX is SHA-256 of RAM [0, L).
// Exit status 0 whenever the loader returned, 2 on a usage or system error.

#include "compress.h"

#include <cerrno>
#include <cinttypes>
#include <sys/mman.h>
#include <sys/stat.h>
#include <vector>

namespace {

// SHA-256 (FIPS 180-4).
class Sha256 {
 public:
  Sha256() {
    static const uint32_t init[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(h_, init, sizeof h_);
  }

  void update(const uint8_t *p, uint64_t n) {
    total_ += n;
    if (fill_ > 0) {
      uint64_t take = n < 64 - fill_ ? n : 64 - fill_;
      memcpy(block_ + fill_, p, take);
      fill_ += take;
      p += take;
      n -= take;
      if (fill_ < 64) {
        return;
      }
      compress(block_);
      fill_ = 0;
    }
    for (; n >= 64; p += 64, n -= 64) {
      compress(p);
    }
    memcpy(block_, p, n);
    fill_ = n;
  }

  void hex(char out[65]) {
    uint64_t bits = total_ * 8;
    uint8_t pad[72] = {0x80};
    uint64_t padLen = (fill_ < 56 ? 56 : 120) - fill_;
    for (int i = 0; i < 8; i++) {
      pad[padLen + i] = (uint8_t)(bits >> (56 - 8 * i));
    }
    uint64_t keep = total_;
    update(pad, padLen + 8);
    total_ = keep;
    for (int i = 0; i < 8; i++) {
      snprintf(out + 8 * i, 9, "%08x", h_[i]);
    }
  }

 private:
  static uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

  void compress(const uint8_t *b) {
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};
    uint32_t w[64];
    for (int i = 0; i < 16; i++) {
      w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 | (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
    }
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h_[0], bb = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; i++) {
      uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & bb) ^ (a & c) ^ (bb & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = bb;
      bb = a;
      a = t1 + t2;
    }
    h_[0] += a;
    h_[1] += bb;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    h_[5] += f;
    h_[6] += g;
    h_[7] += h;
  }

  uint32_t h_[8];
  uint8_t block_[64];
  uint64_t fill_ = 0;
  uint64_t total_ = 0;
};

// End of the last non-zero 8-byte word in ram[0, size): only resident pages can hold one.
uint64_t nonzeroEnd(const uint8_t *ram, uint64_t size) {
  long page = sysconf(_SC_PAGESIZE);
  std::vector<unsigned char> resident((size + page - 1) / page);
  if (mincore((void *)ram, size, resident.data()) != 0) {
    perror("mincore");
    exit(2);
  }
  for (uint64_t p = resident.size(); p-- > 0;) {
    if (!(resident[p] & 1)) {
      continue;
    }
    const uint64_t *w = (const uint64_t *)(ram + p * page);
    for (long i = page / 8; i-- > 0;) {
      if (w[i] != 0) {
        return p * page + (uint64_t)(i + 1) * 8;
      }
    }
  }
  return 0;
}

long readRaw(uint8_t *ram, const char *file, uint64_t size) {
  FILE *f = fopen(file, "rb");
  if (f == NULL) {
    return -1;
  }
  uint64_t n = 0;
  size_t got;
  while (n < size && (got = fread(ram + n, 1, size - n < (1 << 20) ? size - n : (1 << 20), f)) > 0) {
    n += got;
  }
  fclose(f);
  return (long)n;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: %s IMAGE [RAM_BYTES]\n", argv[0]);
    return 2;
  }
  const char *image = argv[1];
  uint64_t size = argc == 3 ? strtoull(argv[2], NULL, 0) : 8ULL << 30;
  struct stat st;
  if (stat(image, &st) != 0) {
    fprintf(stderr, "%s: %s\n", image, strerror(errno));
    return 2;
  }
  uint8_t *ram = (uint8_t *)mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_ANON | MAP_PRIVATE | MAP_NORESERVE, -1, 0);
  if (ram == MAP_FAILED) {
    fprintf(stderr, "mmap of 0x%" PRIx64 " bytes: %s\n", size, strerror(errno));
    return 2;
  }
  const char *loader;
  long ret;
  if (isGzFile(image)) {
    loader = "gz";
    ret = readFromGz(ram, image, (long)size, LOAD_RAM);
  } else if (isZstdFile(image)) {
    loader = "zstd";
    ret = readFromZstd(ram, image, (long)size, LOAD_RAM);
  } else {
    loader = "raw";
    ret = readRaw(ram, image, size);
  }
  fflush(stdout);  // the loaders print their errors on stdout: keep them before the result line
  uint64_t end = nonzeroEnd(ram, size);
  uint64_t digested = ret >= 0 ? (uint64_t)ret : end;
  if (digested > size) {
    digested = size;
  }
  Sha256 sha;
  sha.update(ram, digested);
  char hex[65];
  sha.hex(hex);
  printf("loader=%s return=%ld digested=%" PRIu64 " nonzero_end=%" PRIu64 " sha256=%s\n", loader, ret, digested, end,
         hex);
  return 0;
}
