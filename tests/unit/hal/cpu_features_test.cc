#include "llmcore/hal/cpu_features.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

namespace llmcore::hal {
namespace {

// The feature words of the first CPU in /proc/cpuinfo ("flags" on x86,
// "Features" on arm64).
std::set<std::string> ProcCpuinfoFlags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    if (key != "flags" && key != "Features") continue;
    std::istringstream words(line.substr(colon + 1));
    std::set<std::string> flags;
    for (std::string word; words >> word;) flags.insert(word);
    return flags;
  }
  return {};
}

TEST(CpuFeaturesTest, DetectAgreesWithProcCpuinfo) {
  const std::set<std::string> flags = ProcCpuinfoFlags();
  ASSERT_FALSE(flags.empty()) << "no flags line in /proc/cpuinfo";
  const CpuFeatures f = CpuFeatures::Detect();
  const auto has = [&](const char* name) { return flags.count(name) == 1; };
#if defined(__x86_64__)
  // The kernel clears these in cpuinfo when it does not enable their state,
  // which is exactly what Detect() checks with XGETBV.
  EXPECT_EQ(f.avx2, has("avx2"));
  EXPECT_EQ(f.avx512f, has("avx512f"));
  EXPECT_EQ(f.fma, has("fma"));
  EXPECT_EQ(f.avx, has("avx"));
  EXPECT_EQ(f.f16c, has("f16c"));
  EXPECT_EQ(f.avx512bw, has("avx512bw"));
  EXPECT_EQ(f.avx512vl, has("avx512vl"));
  EXPECT_EQ(f.avx512_vnni, has("avx512_vnni"));
  EXPECT_EQ(f.avx512_bf16, has("avx512_bf16"));
  EXPECT_FALSE(f.neon || f.dotprod || f.i8mm || f.sve);
#elif defined(__aarch64__)
  EXPECT_EQ(f.neon, has("asimd"));
  EXPECT_EQ(f.dotprod, has("asimddp"));
  EXPECT_EQ(f.i8mm, has("i8mm"));
  EXPECT_EQ(f.sve, has("sve"));
  EXPECT_FALSE(f.avx || f.avx2 || f.avx512f || f.amx_tile);
#else
  EXPECT_EQ(f, CpuFeatures{});
#endif
}

TEST(CpuFeaturesTest, DetectIsStable) {
  EXPECT_EQ(CpuFeatures::Detect(), CpuFeatures::Detect());
}

TEST(CpuFeaturesTest, ToStringListsThePresentFlagsInOrder) {
  EXPECT_EQ(CpuFeatures{}.ToString(), "none");
  CpuFeatures f;
  f.fma = true;
  f.avx2 = true;
  f.avx512_bf16 = true;
  f.dotprod = true;
  EXPECT_EQ(f.ToString(), "avx2 fma avx512_bf16 dotprod");
}

TEST(CpuFeaturesTest, EachFieldHasItsOwnName) {
  const std::pair<bool CpuFeatures::*, std::string_view> fields[] = {
      {&CpuFeatures::avx, "avx"},
      {&CpuFeatures::avx2, "avx2"},
      {&CpuFeatures::fma, "fma"},
      {&CpuFeatures::f16c, "f16c"},
      {&CpuFeatures::avx512f, "avx512f"},
      {&CpuFeatures::avx512bw, "avx512bw"},
      {&CpuFeatures::avx512vl, "avx512vl"},
      {&CpuFeatures::avx512_vnni, "avx512_vnni"},
      {&CpuFeatures::avx512_bf16, "avx512_bf16"},
      {&CpuFeatures::amx_tile, "amx_tile"},
      {&CpuFeatures::amx_int8, "amx_int8"},
      {&CpuFeatures::amx_bf16, "amx_bf16"},
      {&CpuFeatures::neon, "neon"},
      {&CpuFeatures::dotprod, "dotprod"},
      {&CpuFeatures::i8mm, "i8mm"},
      {&CpuFeatures::sve, "sve"},
  };
  EXPECT_EQ(CpuFeatures{}.Flags().size(), std::size(fields));
  for (const auto& [field, name] : fields) {
    CpuFeatures one;
    one.*field = true;
    EXPECT_EQ(one.ToString(), name);
    size_t set = 0;
    for (const auto& [flag_name, present] : one.Flags()) {
      if (present) {
        ++set;
        EXPECT_EQ(flag_name, name);
      }
    }
    EXPECT_EQ(set, 1u) << name;
  }
}

}  // namespace
}  // namespace llmcore::hal
