#include "llmcore/hal/cpu_features.h"

#if defined(__x86_64__)
#include <asm/prctl.h>
#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include <cstdint>

namespace llmcore::hal {
namespace {

#if defined(__x86_64__)

// Feature bits, spelled out here because compilers' <cpuid.h> differ in
// which they name (clang 14 has no AMX ones).
// CPUID leaf 1, ECX.
constexpr unsigned kLeaf1EcxFma = 1u << 12;
constexpr unsigned kLeaf1EcxOsxsave = 1u << 27;
constexpr unsigned kLeaf1EcxAvx = 1u << 28;
constexpr unsigned kLeaf1EcxF16c = 1u << 29;
// CPUID leaf 7 subleaf 0.
constexpr unsigned kLeaf7EbxAvx2 = 1u << 5;
constexpr unsigned kLeaf7EbxAvx512f = 1u << 16;
constexpr unsigned kLeaf7EbxAvx512bw = 1u << 30;
constexpr unsigned kLeaf7EbxAvx512vl = 1u << 31;
constexpr unsigned kLeaf7EcxAvx512Vnni = 1u << 11;
constexpr unsigned kLeaf7EdxAmxBf16 = 1u << 22;
constexpr unsigned kLeaf7EdxAmxTile = 1u << 24;
constexpr unsigned kLeaf7EdxAmxInt8 = 1u << 25;
// CPUID leaf 7 subleaf 1.
constexpr unsigned kLeaf7Sub1EaxAvx512Bf16 = 1u << 5;

// XCR0 bits: which register state the OS saves on a context switch.
constexpr uint64_t kXcr0Sse = 1u << 1;
constexpr uint64_t kXcr0Ymm = 1u << 2;
constexpr uint64_t kXcr0Opmask = 1u << 5;
constexpr uint64_t kXcr0ZmmHi256 = 1u << 6;
constexpr uint64_t kXcr0Hi16Zmm = 1u << 7;
constexpr uint64_t kXcr0TileCfg = 1u << 17;
constexpr uint64_t kXcr0TileData = 1u << 18;

#ifndef ARCH_REQ_XCOMP_PERM
#define ARCH_REQ_XCOMP_PERM 0x1023  // kernel headers before 5.16
#endif

// The XSAVE component number of AMX tile data, as arch_prctl wants it.
constexpr unsigned long kXfeatureXtileData = 18;

struct CpuidRegs {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
};

// Zeros for a leaf the CPU does not have, so its feature bits read as absent.
CpuidRegs Cpuid(unsigned leaf, unsigned subleaf) {
  CpuidRegs r;
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) return CpuidRegs{};
  return r;
}

// Only valid when CPUID.1:ECX.OSXSAVE is set; the instruction faults otherwise.
uint64_t ReadXcr0() {
  uint32_t lo = 0;
  uint32_t hi = 0;
  // Inline assembly rather than _xgetbv(), which needs the file built with
  // -mxsave; the mnemonic assembles whatever the target flags.
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

bool Has(unsigned reg, unsigned bit) {
  return (reg & bit) != 0;
}

// Linux keeps AMX tile data off until a process asks (kernel 5.16+); older
// kernels refuse the request, and then AMX is unusable anyway.
bool RequestAmxPermission() {
  return syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, kXfeatureXtileData) == 0;
}

CpuFeatures DetectX86() {
  CpuFeatures f;
  const unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf < 1) return f;
  const CpuidRegs leaf1 = Cpuid(1, 0);
  if (!Has(leaf1.ecx, kLeaf1EcxOsxsave)) return f;  // no XSAVE: no AVX state at all
  const uint64_t xcr0 = ReadXcr0();

  const bool os_avx = (xcr0 & (kXcr0Sse | kXcr0Ymm)) == (kXcr0Sse | kXcr0Ymm);
  const uint64_t avx512_state = kXcr0Opmask | kXcr0ZmmHi256 | kXcr0Hi16Zmm;
  const bool os_avx512 = os_avx && (xcr0 & avx512_state) == avx512_state;
  const uint64_t amx_state = kXcr0TileCfg | kXcr0TileData;
  const bool os_amx = (xcr0 & amx_state) == amx_state;

  if (os_avx) {
    f.avx = Has(leaf1.ecx, kLeaf1EcxAvx);
    // FMA and F16C operate on YMM registers: same OS requirement as AVX.
    f.fma = Has(leaf1.ecx, kLeaf1EcxFma);
    f.f16c = Has(leaf1.ecx, kLeaf1EcxF16c);
  }
  if (max_leaf < 7) return f;

  const CpuidRegs leaf7 = Cpuid(7, 0);
  // leaf7.eax is the highest subleaf of leaf 7.
  const CpuidRegs leaf7_1 = leaf7.eax >= 1 ? Cpuid(7, 1) : CpuidRegs{};
  if (os_avx) f.avx2 = Has(leaf7.ebx, kLeaf7EbxAvx2);
  if (os_avx512) {
    f.avx512f = Has(leaf7.ebx, kLeaf7EbxAvx512f);
    // The extensions are defined on top of AVX-512 F; a CPU reporting one
    // without F (a broken hypervisor) gets none of them.
    if (f.avx512f) {
      f.avx512bw = Has(leaf7.ebx, kLeaf7EbxAvx512bw);
      f.avx512vl = Has(leaf7.ebx, kLeaf7EbxAvx512vl);
      f.avx512_vnni = Has(leaf7.ecx, kLeaf7EcxAvx512Vnni);
      f.avx512_bf16 = Has(leaf7_1.eax, kLeaf7Sub1EaxAvx512Bf16);
    }
  }
  if (os_amx && Has(leaf7.edx, kLeaf7EdxAmxTile) && RequestAmxPermission()) {
    f.amx_tile = true;
    f.amx_int8 = Has(leaf7.edx, kLeaf7EdxAmxInt8);
    f.amx_bf16 = Has(leaf7.edx, kLeaf7EdxAmxBf16);
  }
  return f;
}

#elif defined(__aarch64__)

// Linux's arm64 hwcap bits (arch/arm64/include/uapi/asm/hwcap.h); spelled
// out because older libc headers lack the newer ones.
constexpr unsigned long kHwcapAsimd = 1ul << 1;
constexpr unsigned long kHwcapAsimdDp = 1ul << 20;
constexpr unsigned long kHwcapSve = 1ul << 22;
constexpr unsigned long kHwcap2I8mm = 1ul << 13;

CpuFeatures DetectAarch64() {
  CpuFeatures f;
  const unsigned long hwcap = getauxval(AT_HWCAP);
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);
  f.neon = (hwcap & kHwcapAsimd) != 0;
  f.dotprod = (hwcap & kHwcapAsimdDp) != 0;
  f.sve = (hwcap & kHwcapSve) != 0;
  f.i8mm = (hwcap2 & kHwcap2I8mm) != 0;
  return f;
}

#endif

}  // namespace

CpuFeatures CpuFeatures::Detect() {
#if defined(__x86_64__)
  return DetectX86();
#elif defined(__aarch64__)
  return DetectAarch64();
#else
  return CpuFeatures{};
#endif
}

std::vector<std::pair<std::string_view, bool>> CpuFeatures::Flags() const {
  return {
      {"avx", avx},
      {"avx2", avx2},
      {"fma", fma},
      {"f16c", f16c},
      {"avx512f", avx512f},
      {"avx512bw", avx512bw},
      {"avx512vl", avx512vl},
      {"avx512_vnni", avx512_vnni},
      {"avx512_bf16", avx512_bf16},
      {"amx_tile", amx_tile},
      {"amx_int8", amx_int8},
      {"amx_bf16", amx_bf16},
      {"neon", neon},
      {"dotprod", dotprod},
      {"i8mm", i8mm},
      {"sve", sve},
  };
}

std::string CpuFeatures::ToString() const {
  std::string out;
  for (const auto& [name, present] : Flags()) {
    if (!present) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace llmcore::hal
