// Stand-in for difftest's src/test/csrc/common/common.h, which compress.h includes: only the
// standard headers compress.cpp needs (difftest's own common.h also wants its generated config.h).
// Written for gcpt's emu-loader harness; no difftest code here.
#ifndef GCPT_EMU_LOADER_COMMON_H
#define GCPT_EMU_LOADER_COMMON_H

#include <cassert>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#endif
