// CpuFeatures: the instruction-set extensions the CPU driver's kernels use.
//
// A flag is set only when the instructions may actually run in this process:
// the CPU has them *and* the kernel saves their register state. On x86-64
// that is CPUID plus XGETBV (XCR0: YMM state for AVX/AVX2/FMA/F16C, opmask
// and ZMM state for AVX-512, tile state for AMX) plus, for AMX, the per-process
// permission Linux asks for (arch_prctl ARCH_REQ_XCOMP_PERM). A CPU that has
// AVX-512 under a kernel or hypervisor that does not enable it reports no
// AVX-512 here, though CPUID shows it.
//
// Field names follow Linux's /proc/cpuinfo spelling where one exists
// ("dotprod" is cpuinfo's "asimddp", "neon" its "asimd"), and double as JSON
// keys; Flags() lists them for a serialiser.
//
// Thread safety: values; Detect() may be called from any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmcore::hal {

struct CpuFeatures {
  // x86-64
  bool avx = false;
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512_vnni = false;
  bool avx512_bf16 = false;
  bool amx_tile = false;
  bool amx_int8 = false;
  bool amx_bf16 = false;
  // aarch64
  bool neon = false;
  bool dotprod = false;
  bool i8mm = false;
  bool sve = false;

  // Features of the CPU this process runs on; all false on other
  // architectures. On x86-64 with AMX, it asks the kernel for tile-data
  // permission for the whole process (idempotent, inherited by threads
  // created afterwards), since whoever sees amx_tile will run tile
  // instructions; if the kernel refuses, the amx flags stay false.
  static CpuFeatures Detect();

  // Every flag with its name, in declaration order.
  std::vector<std::pair<std::string_view, bool>> Flags() const;

  // The names of the flags that are set, space-separated ("avx avx2 fma"),
  // or "none".
  std::string ToString() const;

  bool operator==(const CpuFeatures&) const = default;
};

}  // namespace llmcore::hal
