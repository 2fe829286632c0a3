#include "llmcore/hal/topology.h"

#include <gtest/gtest.h>

#include <string>

#include "test_machines.h"

namespace llmcore::hal {
namespace {

using testing::XmlTopology;

TEST(TopologyTest, VendorAndCacheTypeNamesAreStable) {
  EXPECT_EQ(GpuVendorName(GpuVendor::kNvidia), "nvidia");
  EXPECT_EQ(GpuVendorName(GpuVendor::kAmd), "amd");
  EXPECT_EQ(GpuVendorName(GpuVendor::kIntel), "intel");
  EXPECT_EQ(GpuVendorName(GpuVendor::kOther), "other");
  EXPECT_EQ(CacheTypeName(CacheType::kUnified), "unified");
  EXPECT_EQ(CacheTypeName(CacheType::kData), "data");
  EXPECT_EQ(CacheTypeName(CacheType::kInstruction), "instruction");
}

TEST(TopologyTest, PciVendorIdsMapToVendors) {
  EXPECT_EQ(GpuVendorFromPciId(0x10de), GpuVendor::kNvidia);
  EXPECT_EQ(GpuVendorFromPciId(0x1002), GpuVendor::kAmd);
  EXPECT_EQ(GpuVendorFromPciId(0x8086), GpuVendor::kIntel);
  EXPECT_EQ(GpuVendorFromPciId(0x1a03), GpuVendor::kOther);
  EXPECT_EQ(GpuVendorFromPciId(0x1022), GpuVendor::kOther);  // AMD's CPU-side id
}

TEST(TopologyTest, AllCpusAndFindNumaNode) {
  Topology t;
  t.cores.push_back(Core{.cpus = {4, 0}});
  t.cores.push_back(Core{.cpus = {1, 5}});
  NumaNode node;
  node.id = 3;
  t.numa_nodes.push_back(node);
  EXPECT_EQ(t.AllCpus(), (CpuSet{0, 1, 4, 5}));
  EXPECT_EQ(t.LogicalCpuCount(), 4u);
  ASSERT_NE(t.FindNumaNode(3), nullptr);
  EXPECT_EQ(t.FindNumaNode(3)->id, 3);
  EXPECT_EQ(t.FindNumaNode(0), nullptr);
}

TEST(TopologyTest, SummaryOfTheXmlMachine) {
  const Result<Topology> t = XmlTopology("two_gpus.xml");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(Summary(*t),
            "2 packages, 4 cores, 8 logical CPUs, 2 NUMA nodes, 128 GiB\n"
            "node 0: 64 GiB, cpus 0-1,4-5\n"
            "node 1: 64 GiB, cpus 2-3,6-7\n"
            "caches: L1d 48 KiB x4 (1 core each), L2 2 MiB x4 (1 core each), "
            "L3 32 MiB x2 (2 cores each)\n"
            "gpu 0000:02:00.0 other [1a03:2000] ASPEED Graphics Family, no single local node\n"
            "gpu 0000:17:00.0 nvidia [10de:2330] NVIDIA H100 80GB HBM3, node 0\n"
            "gpu 0000:c1:00.0 amd [1002:74a1] Aqua Vanjaram [Instinct MI300X], node 1\n");
}

TEST(TopologyTest, SummaryShowsLiveCountersWhenPresent) {
  Topology t;
  t.packages.push_back(Package{.cores = {0}});
  t.cores.push_back(Core{.package = 0, .numa_node = 0, .cpus = {0}});
  NumaNode node;
  node.id = 0;
  node.total_bytes = uint64_t{3} << 29;
  node.free_bytes = uint64_t{1} << 29;
  node.cpus = {0};
  node.cores = {0};
  t.numa_nodes.push_back(node);
  t.total_memory_bytes = uint64_t{3} << 29;
  t.available_memory_bytes = uint64_t{1} << 30;
  EXPECT_EQ(Summary(t),
            "1 package, 1 core, 1 logical CPU, 1 NUMA node, 1.5 GiB (1 GiB available)\n"
            "node 0: 1.5 GiB (512 MiB free), cpus 0\n");
}

}  // namespace
}  // namespace llmcore::hal
