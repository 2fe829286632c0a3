#include "llmcore/hal/placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "llmcore/hal/hwloc_probe.h"
#include "test_machines.h"

namespace llmcore::hal {
namespace {

using testing::kSixtyFourCores;
using testing::kTwoSocketSmt;
using testing::SyntheticTopology;
using testing::XmlTopology;

CpuSet Range(int first, int last) {
  CpuSet out;
  for (int cpu = first; cpu <= last; ++cpu) out.push_back(cpu);
  return out;
}

// One single-CPU set per entry of `cpus`.
std::vector<CpuSet> OnePerThread(const std::vector<int>& cpus) {
  std::vector<CpuSet> out;
  for (int cpu : cpus) out.push_back(CpuSet{cpu});
  return out;
}

// Built field by field: GCC 12 warns about designated initializers that
// leave a member out.
PlacementOptions Options(int threads, int preferred_numa_node = -1, std::vector<int> cpus = {}) {
  PlacementOptions options;
  options.threads = threads;
  options.preferred_numa_node = preferred_numa_node;
  options.cpus = std::move(cpus);
  return options;
}

PlacementOptions OnCpus(std::vector<int> cpus, int threads = 0) {
  return Options(threads, -1, std::move(cpus));
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PlacementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // kTwoSocketSmt: core i = cpus {2i, 2i+1}, node k = cores 4k..4k+3.
    Result<Topology> t = SyntheticTopology(kTwoSocketSmt);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    machine_ = std::move(*t);
  }

  Result<Placement> Plan(const PlacementOptions& options, const CpuSet& allowed) {
    return PlanThreads(machine_, options, allowed);
  }
  Result<Placement> Plan(const PlacementOptions& options) {
    return PlanThreads(machine_, options, machine_.AllCpus());
  }

  Topology machine_;
};

TEST_F(PlacementTest, DefaultIsOneThreadPerPhysicalCoreOnItsFirstSibling) {
  const Result<Placement> p = Plan({});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->threads, OnePerThread({0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30}));
  EXPECT_EQ(p->note, "");
}

TEST_F(PlacementTest, PreferredNodeCoresComeFirst) {
  const Result<Placement> p = Plan(Options(0, 2));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  // Node 2, then the others in node order.
  EXPECT_EQ(p->threads, OnePerThread({16, 18, 20, 22, 0, 2, 4, 6, 8, 10, 12, 14, 24, 26, 28, 30}));
}

TEST_F(PlacementTest, FewThreadsStayOnThePreferredNode) {
  const Result<Placement> p = Plan(Options(4, 1));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->threads, OnePerThread({8, 10, 12, 14}));
}

TEST_F(PlacementTest, MoreThreadsThanCoresSpillOntoSiblings) {
  const Result<Placement> p = Plan(Options(20, 1));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_EQ(p->threads.size(), 20u);
  // Every physical core once, then the second siblings of the preferred
  // node's cores.
  EXPECT_EQ(p->threads, OnePerThread({8,  10, 12, 14, 0,  2,  4, 6,  16, 18,
                                      20, 22, 24, 26, 28, 30, 9, 11, 13, 15}));
}

TEST_F(PlacementTest, EveryLogicalCpuOnceAtMost) {
  const Result<Placement> p = Plan(Options(32));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  CpuSet used;
  for (const CpuSet& set : p->threads) used.insert(used.end(), set.begin(), set.end());
  std::sort(used.begin(), used.end());
  EXPECT_EQ(used, Range(0, 31));
}

TEST_F(PlacementTest, ExplicitCpuListIsTakenAsGiven) {
  const Result<Placement> p = Plan(Options(0, 3, {5, 3, 9}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->threads, OnePerThread({5, 3, 9}));
}

TEST_F(PlacementTest, ExplicitCpuListWithAThreadCountUsesItsFirstEntries) {
  const Result<Placement> p = Plan(OnCpus({5, 3, 9}, 2));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->threads, OnePerThread({5, 3}));
}

TEST_F(PlacementTest, ExplicitCpusOutsideTheAllowedSetAreRejected) {
  const Result<Placement> p = Plan(OnCpus({6, 7, 8, 9}), Range(0, 7));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kPermissionDenied);
  const std::string message = p.status().message();
  EXPECT_TRUE(Contains(message, "cpus 8-9 are outside")) << message;
  EXPECT_TRUE(Contains(message, "affinity mask and cgroup cpuset")) << message;
  EXPECT_TRUE(Contains(message, ": 0-7")) << message;
}

TEST_F(PlacementTest, ExplicitCpusMustExistAndBeDistinct) {
  const Result<Placement> unknown = Plan(OnCpus({1, 99}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(unknown.status().message(), "cpus 99 do not exist"))
      << unknown.status().message();

  const Result<Placement> twice = Plan(OnCpus({1, 2, 1}));
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(twice.status().message(), "listed twice")) << twice.status().message();
}

TEST_F(PlacementTest, MoreThreadsThanExplicitCpusIsRejected) {
  const Result<Placement> p = Plan(OnCpus({1, 2}, 4));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(p.status().message(), "4 threads asked for on 2 listed cpus"))
      << p.status().message();
}

TEST_F(PlacementTest, DefaultUsesOnlyAllowedCoresAndSaysSo) {
  const Result<Placement> p = Plan({}, Range(0, 7));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->threads, OnePerThread({0, 2, 4, 6}));
  EXPECT_TRUE(Contains(p->note, "cpus 8-31 are outside")) << p->note;
  EXPECT_TRUE(Contains(p->note, "4 of 16 physical cores remain")) << p->note;
}

TEST_F(PlacementTest, PartlyAllowedCoreKeepsItsAllowedSibling) {
  // Core 0 = {0,1} with 0 allowed only; core 1 = {2,3} fully allowed.
  const Result<Placement> defaults = Plan({}, {1, 2, 3});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->threads, OnePerThread({1, 2}));
  const Result<Placement> three = Plan(Options(3), {1, 2, 3});
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(three->threads, OnePerThread({1, 2, 3}));
}

TEST_F(PlacementTest, MoreThreadsThanAllowedCpusIsRejected) {
  const Result<Placement> p = Plan(Options(9), Range(0, 7));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(p.status().message(), "9 threads asked for")) << p.status().message();
  EXPECT_TRUE(Contains(p.status().message(), "only 8 logical cpus (0-7)")) << p.status().message();
}

TEST_F(PlacementTest, PreferredNodeOutsideTheAllowedSetIsNoted) {
  const Result<Placement> p = Plan(Options(0, 3), Range(0, 15));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->threads, OnePerThread({0, 2, 4, 6, 8, 10, 12, 14}));
  EXPECT_TRUE(Contains(p->note, "NUMA node 3 has no cpus this process may use")) << p->note;
}

TEST_F(PlacementTest, NoAllowedCpuOnTheMachineIsUnavailable) {
  const Result<Placement> p = Plan({}, {100, 101});
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(p.status().message(), "100-101")) << p.status().message();
}

TEST_F(PlacementTest, BadOptionsAreInvalidArguments) {
  const Result<Placement> negative = Plan(Options(-1));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().code(), StatusCode::kInvalidArgument);

  const Result<Placement> no_node = Plan(Options(0, 7));
  ASSERT_FALSE(no_node.ok());
  EXPECT_EQ(no_node.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(no_node.status().message(), "NUMA node 7 does not exist (nodes: 0-3)"))
      << no_node.status().message();
}

TEST(PlacementMachinesTest, LinuxStyleSiblingNumberingFromXml) {
  // two_gpus.xml: cores {0,4} {1,5} on node 0, {2,6} {3,7} on node 1.
  const Result<Topology> t = XmlTopology("two_gpus.xml");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const CpuSet all = t->AllCpus();

  const Result<Placement> defaults = PlanThreads(*t, {}, all);
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->threads, OnePerThread({0, 1, 2, 3}));

  const Result<Placement> near_amd = PlanThreads(*t, Options(6, 1), all);
  ASSERT_TRUE(near_amd.ok());
  EXPECT_EQ(near_amd->threads, OnePerThread({2, 3, 0, 1, 6, 7}));
}

TEST(PlacementMachinesTest, SixtyFourCoreBoxGetsSixtyFourThreads) {
  const Result<Topology> t = SyntheticTopology(kSixtyFourCores);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  const Result<Placement> p = PlanThreads(*t, {}, t->AllCpus());
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->threads.size(), 64u);
  for (size_t i = 0; i < 64; ++i) EXPECT_EQ(p->threads[i], CpuSet{static_cast<int>(2 * i)});
}

TEST(PlacementMachinesTest, ThisMachineStaysInsideTheProcessAffinity) {
  auto probe = HwlocProbe::ForThisMachine();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  const Result<Topology> t = (*probe)->Topology();
  ASSERT_TRUE(t.ok());
  const Result<CpuSet> allowed = AllowedCpus();
  ASSERT_TRUE(allowed.ok());

  const Result<Placement> p = PlanThreads(*t, {});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_FALSE(p->threads.empty());
  EXPECT_LE(p->threads.size(), t->cores.size());
  for (const CpuSet& set : p->threads) {
    ASSERT_EQ(set.size(), 1u);
    EXPECT_TRUE(std::binary_search(allowed->begin(), allowed->end(), set[0])) << set[0];
  }
}

}  // namespace
}  // namespace llmcore::hal
