#include "llmcore/hal/hwloc_probe.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_machines.h"

namespace llmcore::hal {
namespace {

using testing::DataFile;
using testing::kSixtyFourCores;
using testing::kTwoSocketSmt;
using testing::SyntheticTopology;
using testing::XmlTopology;

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;

// MemTotal of /proc/meminfo in bytes, parsed here independently of the HAL.
uint64_t ProcMemTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") return kib * 1024;
  }
  return 0;
}

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// Every core's CPUs, in order.
std::vector<CpuSet> CoreCpus(const Topology& t) {
  std::vector<CpuSet> out;
  for (const Core& core : t.cores) out.push_back(core.cpus);
  return out;
}

const Cache* FindCache(const Topology& t, int level) {
  for (const Cache& cache : t.caches) {
    if (cache.level == level) return &cache;
  }
  return nullptr;
}

// --- the real machine ---------------------------------------------------

TEST(HwlocProbeThisMachineTest, CountsAgreeWithSysconfAndMeminfo) {
  auto probe = HwlocProbe::ForThisMachine();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  const Result<Topology> t = (*probe)->Topology();
  ASSERT_TRUE(t.ok()) << t.status().ToString();

  EXPECT_EQ(static_cast<long>(t->LogicalCpuCount()), sysconf(_SC_NPROCESSORS_ONLN));
  const uint64_t mem_total = ProcMemTotalBytes();
  ASSERT_GT(mem_total, 0u);
  // Equal but for memory hot-plugged between the two reads.
  EXPECT_NEAR(static_cast<double>(t->total_memory_bytes), static_cast<double>(mem_total),
              static_cast<double>(mem_total) / 100);

  EXPECT_GE(t->packages.size(), 1u);
  EXPECT_GE(t->cores.size(), 1u);
  EXPECT_LE(t->cores.size(), t->LogicalCpuCount());
  EXPECT_GE(t->numa_nodes.size(), 1u);
}

TEST(HwlocProbeThisMachineTest, ReadsLiveMemoryCounters) {
  auto probe = HwlocProbe::ForThisMachine();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  const Result<Topology> t = (*probe)->Topology();
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE(t->available_memory_bytes.has_value());
  EXPECT_LE(*t->available_memory_bytes, t->total_memory_bytes);
  ASSERT_GE(t->numa_nodes.size(), 1u);
  for (const NumaNode& node : t->numa_nodes) {
    EXPECT_GT(node.total_bytes, 0u) << "node " << node.id;
    ASSERT_TRUE(node.free_bytes.has_value()) << "node " << node.id;
    EXPECT_LE(*node.free_bytes, node.total_bytes) << "node " << node.id;
  }
}

TEST(HwlocProbeThisMachineTest, FeaturesAreThoseDetected) {
  auto probe = HwlocProbe::ForThisMachine();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  EXPECT_EQ((*probe)->Features(), CpuFeatures::Detect());
}

TEST(HwlocProbeThisMachineTest, SmtSiblingsAgreeWithSysfs) {
  auto probe = HwlocProbe::ForThisMachine();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  const Result<Topology> t = (*probe)->Topology();
  ASSERT_TRUE(t.ok());
  for (const Core& core : t->cores) {
    ASSERT_FALSE(core.cpus.empty());
    const std::string path = "/sys/devices/system/cpu/cpu" + std::to_string(core.cpus[0]) +
                             "/topology/thread_siblings_list";
    const std::string siblings = ReadFirstLine(path);
    if (siblings.empty()) GTEST_SKIP() << path << " is not readable here";
    EXPECT_EQ(FormatCpuList(core.cpus), siblings) << path;
  }
}

TEST(HwlocProbeThisMachineTest, EveryCpuBelongsToOneCoreAndANode) {
  auto probe = HwlocProbe::ForThisMachine();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  const Result<Topology> t = (*probe)->Topology();
  ASSERT_TRUE(t.ok());
  size_t cpus_in_cores = 0;
  for (const Core& core : t->cores) cpus_in_cores += core.cpus.size();
  EXPECT_EQ(cpus_in_cores, t->LogicalCpuCount());  // no CPU in two cores
  CpuSet in_nodes;
  for (const NumaNode& node : t->numa_nodes) {
    in_nodes.insert(in_nodes.end(), node.cpus.begin(), node.cpus.end());
  }
  std::sort(in_nodes.begin(), in_nodes.end());
  in_nodes.erase(std::unique(in_nodes.begin(), in_nodes.end()), in_nodes.end());
  EXPECT_EQ(in_nodes, t->AllCpus());
  for (const Core& core : t->cores) EXPECT_NE(t->FindNumaNode(core.numa_node), nullptr);
}

TEST(HwlocProbeThisMachineTest, ConcurrentCallsAgree) {
  auto probe = HwlocProbe::ForThisMachine();
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  const HardwareProbe& shared = **probe;
  std::vector<size_t> cores(4, 0);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < cores.size(); ++i) {
    threads.emplace_back([&shared, &cores, i] {
      for (int n = 0; n < 5; ++n) {
        const Result<Topology> t = shared.Topology();
        if (t.ok()) cores[i] = t->cores.size();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t count : cores) EXPECT_EQ(count, cores[0]);
  EXPECT_GT(cores[0], 0u);
}

// --- synthetic machines --------------------------------------------------

TEST(HwlocProbeSyntheticTest, TwoSocketsTwoNodesEachWithSmt) {
  const Result<Topology> t = SyntheticTopology(kTwoSocketSmt);
  ASSERT_TRUE(t.ok()) << t.status().ToString();

  ASSERT_EQ(t->packages.size(), 2u);
  EXPECT_EQ(t->packages[0].cores, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(t->packages[1].cores, (std::vector<int>{8, 9, 10, 11, 12, 13, 14, 15}));
  ASSERT_EQ(t->cores.size(), 16u);
  EXPECT_EQ(t->LogicalCpuCount(), 32u);
  for (int i = 0; i < 16; ++i) {
    const Core& core = t->cores[i];
    EXPECT_EQ(core.cpus, (CpuSet{2 * i, 2 * i + 1})) << "core " << i;
    EXPECT_EQ(core.package, i / 8) << "core " << i;
    EXPECT_EQ(core.numa_node, i / 4) << "core " << i;
  }

  ASSERT_EQ(t->numa_nodes.size(), 4u);
  for (int k = 0; k < 4; ++k) {
    const NumaNode& node = t->numa_nodes[k];
    EXPECT_EQ(node.id, k);
    EXPECT_EQ(node.total_bytes, 8 * kGiB);
    EXPECT_FALSE(node.free_bytes.has_value());  // a fake machine has no live counters
    EXPECT_EQ(node.cores, (std::vector<int>{4 * k, 4 * k + 1, 4 * k + 2, 4 * k + 3}));
    EXPECT_EQ(FormatCpuList(node.cpus), std::to_string(8 * k) + "-" + std::to_string(8 * k + 7));
  }
  EXPECT_EQ(t->total_memory_bytes, 32 * kGiB);
  EXPECT_FALSE(t->available_memory_bytes.has_value());

  ASSERT_EQ(t->caches.size(), 3u);
  const Cache l1{.level = 1,
                 .type = CacheType::kData,
                 .size_bytes = 48 * 1024,
                 .line_bytes = 64,
                 .cores_sharing = 1,
                 .count = 16};
  const Cache l2{.level = 2,
                 .type = CacheType::kUnified,
                 .size_bytes = 1 * kMiB,
                 .line_bytes = 64,
                 .cores_sharing = 1,
                 .count = 16};
  const Cache l3{.level = 3,
                 .type = CacheType::kUnified,
                 .size_bytes = 16 * kMiB,
                 .line_bytes = 64,
                 .cores_sharing = 4,
                 .count = 4};
  for (const auto& [got, want] :
       {std::pair(t->caches[0], l1), std::pair(t->caches[1], l2), std::pair(t->caches[2], l3)}) {
    EXPECT_EQ(got.level, want.level);
    EXPECT_EQ(got.type, want.type) << "L" << want.level;
    EXPECT_EQ(got.size_bytes, want.size_bytes) << "L" << want.level;
    EXPECT_EQ(got.line_bytes, want.line_bytes) << "L" << want.level;
    EXPECT_EQ(got.cores_sharing, want.cores_sharing) << "L" << want.level;
    EXPECT_EQ(got.count, want.count) << "L" << want.level;
  }
  EXPECT_TRUE(t->gpus.empty());
}

TEST(HwlocProbeSyntheticTest, SingleCore) {
  const Result<Topology> t = SyntheticTopology("package:1 core:1 pu:1");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->packages.size(), 1u);
  EXPECT_EQ(t->packages[0].cores, std::vector<int>{0});
  ASSERT_EQ(t->cores.size(), 1u);
  EXPECT_EQ(t->cores[0].cpus, CpuSet{0});
  EXPECT_EQ(t->cores[0].package, 0);
  EXPECT_EQ(t->cores[0].numa_node, 0);
  ASSERT_EQ(t->numa_nodes.size(), 1u);
  EXPECT_EQ(t->numa_nodes[0].cores, std::vector<int>{0});
  EXPECT_EQ(t->numa_nodes[0].cpus, CpuSet{0});
  EXPECT_TRUE(t->caches.empty());
}

TEST(HwlocProbeSyntheticTest, MachineWithoutCoreOrPackageObjects) {
  // Each PU stands for a core; the machine is one package.
  const Result<Topology> t = SyntheticTopology("pu:3");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->packages.size(), 1u);
  EXPECT_EQ(t->packages[0].cores, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(CoreCpus(*t), (std::vector<CpuSet>{{0}, {1}, {2}}));
  for (const Core& core : t->cores) EXPECT_EQ(core.package, 0);
}

TEST(HwlocProbeSyntheticTest, SixtyFourCoreBox) {
  const Result<Topology> t = SyntheticTopology(kSixtyFourCores);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->packages.size(), 1u);
  EXPECT_EQ(t->packages[0].cores.size(), 64u);
  ASSERT_EQ(t->cores.size(), 64u);
  EXPECT_EQ(t->LogicalCpuCount(), 128u);
  EXPECT_EQ(t->cores[63].cpus, (CpuSet{126, 127}));
  ASSERT_EQ(t->numa_nodes.size(), 1u);
  EXPECT_EQ(t->numa_nodes[0].cores.size(), 64u);
  EXPECT_EQ(t->total_memory_bytes, 256 * kGiB);

  const Cache* l2 = FindCache(*t, 2);
  ASSERT_NE(l2, nullptr);
  EXPECT_EQ(l2->count, 64);
  EXPECT_EQ(l2->cores_sharing, 1);
  const Cache* l3 = FindCache(*t, 3);
  ASSERT_NE(l3, nullptr);
  EXPECT_EQ(l3->size_bytes, 32 * kMiB);
  EXPECT_EQ(l3->count, 8);
  EXPECT_EQ(l3->cores_sharing, 8);
}

TEST(HwlocProbeSyntheticTest, FeaturesAreTheOnesGiven) {
  CpuFeatures features;
  features.avx2 = true;
  auto probe = HwlocProbe::FromSynthetic("pu:1", features);
  ASSERT_TRUE(probe.ok());
  EXPECT_EQ((*probe)->Features(), features);
}

TEST(HwlocProbeSyntheticTest, MalformedDescriptionsAreInvalidArguments) {
  for (const char* description :
       {"", "package:two", "bogus:3", "core:0", "pu:1 core:2", "package:2 core:", "(((("}) {
    auto probe = HwlocProbe::FromSynthetic(description);
    ASSERT_FALSE(probe.ok()) << "\"" << description << "\"";
    EXPECT_EQ(probe.status().code(), StatusCode::kInvalidArgument) << description;
    EXPECT_NE(probe.status().message().find("hwloc_topology_set_synthetic"), std::string::npos)
        << probe.status().message();
  }
}

// --- machines described in XML ------------------------------------------

TEST(HwlocProbeXmlTest, ReportsBothGpusWithVendorAndLocality) {
  const Result<Topology> t = XmlTopology("two_gpus.xml");
  ASSERT_TRUE(t.ok()) << t.status().ToString();

  // The NVMe drive at 0000:c2:00.0 is not a GPU; the BMC's VGA is one.
  ASSERT_EQ(t->gpus.size(), 3u);
  const Gpu& vga = t->gpus[0];
  EXPECT_EQ(vga.pci_address, "0000:02:00.0");
  EXPECT_EQ(vga.vendor, GpuVendor::kOther);
  EXPECT_EQ(vga.vendor_id, 0x1a03);
  EXPECT_EQ(vga.pci_class, 0x0300);
  EXPECT_EQ(vga.numa_node, -1);
  EXPECT_EQ(vga.name, "ASPEED Graphics Family");

  const Gpu& nvidia = t->gpus[1];
  EXPECT_EQ(nvidia.pci_address, "0000:17:00.0");
  EXPECT_EQ(nvidia.vendor, GpuVendor::kNvidia);
  EXPECT_EQ(nvidia.vendor_id, 0x10de);
  EXPECT_EQ(nvidia.device_id, 0x2330);
  EXPECT_EQ(nvidia.pci_class, 0x0302);
  EXPECT_EQ(nvidia.numa_node, 0);
  // The model name of the CUDA OS device wins over the PCI database's.
  EXPECT_EQ(nvidia.name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(nvidia.os_devices, (std::vector<std::string>{"card1", "renderD128", "cuda0"}));

  const Gpu& amd = t->gpus[2];
  EXPECT_EQ(amd.pci_address, "0000:c1:00.0");
  EXPECT_EQ(amd.vendor, GpuVendor::kAmd);
  EXPECT_EQ(amd.vendor_id, 0x1002);
  EXPECT_EQ(amd.device_id, 0x74a1);
  EXPECT_EQ(amd.pci_class, 0x1200);
  EXPECT_EQ(amd.numa_node, 1);
  EXPECT_EQ(amd.name, "Aqua Vanjaram [Instinct MI300X]");
  EXPECT_EQ(amd.os_devices, (std::vector<std::string>{"card2", "renderD129"}));
}

TEST(HwlocProbeXmlTest, ReadsCoresSiblingsNodesAndCaches) {
  const Result<Topology> t = XmlTopology("two_gpus.xml");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->packages.size(), 2u);
  EXPECT_EQ(CoreCpus(*t), (std::vector<CpuSet>{{0, 4}, {1, 5}, {2, 6}, {3, 7}}));
  EXPECT_EQ(t->cores[1].package, 0);
  EXPECT_EQ(t->cores[2].package, 1);
  EXPECT_EQ(t->cores[1].numa_node, 0);
  EXPECT_EQ(t->cores[2].numa_node, 1);
  ASSERT_EQ(t->numa_nodes.size(), 2u);
  EXPECT_EQ(t->numa_nodes[0].cpus, (CpuSet{0, 1, 4, 5}));
  EXPECT_EQ(t->numa_nodes[1].cores, (std::vector<int>{2, 3}));
  EXPECT_EQ(t->numa_nodes[1].total_bytes, 64 * kGiB);
  EXPECT_EQ(t->total_memory_bytes, 128 * kGiB);
  const Cache* l3 = FindCache(*t, 3);
  ASSERT_NE(l3, nullptr);
  EXPECT_EQ(l3->size_bytes, 32 * kMiB);
  EXPECT_EQ(l3->cores_sharing, 2);
  EXPECT_EQ(l3->count, 2);
  const Cache* l1 = FindCache(*t, 1);
  ASSERT_NE(l1, nullptr);
  EXPECT_EQ(l1->type, CacheType::kData);
  EXPECT_EQ(l1->size_bytes, 48u * 1024);
  EXPECT_EQ(l1->count, 4);
}

TEST(HwlocProbeXmlTest, TextAndFileGiveTheSameMachine) {
  std::ifstream in(DataFile("two_gpus.xml"));
  std::stringstream text;
  text << in.rdbuf();
  auto from_text = HwlocProbe::FromXmlText(text.str());
  ASSERT_TRUE(from_text.ok()) << from_text.status().ToString();
  const Result<Topology> a = (*from_text)->Topology();
  const Result<Topology> b = XmlTopology("two_gpus.xml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Summary(*a), Summary(*b));
}

TEST(HwlocProbeXmlTest, TruncatedFileIsCorrupt) {
  auto probe = HwlocProbe::FromXmlFile(DataFile("truncated.xml"));
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.status().code(), StatusCode::kCorrupt);
  EXPECT_NE(probe.status().message().find("hwloc_topology_"), std::string::npos)
      << probe.status().message();
  EXPECT_NE(probe.status().message().find("truncated.xml"), std::string::npos)
      << probe.status().message();
}

TEST(HwlocProbeXmlTest, TextThatIsNotAnHwlocTopologyIsCorrupt) {
  for (const char* text :
       {"", "not xml at all", "<html><body/></html>", "<?xml version=\"1.0\"?><topology>",
        "<?xml version=\"1.0\"?>\n<topology version=\"2.0\"></topology>\n",
        "<?xml version=\"1.0\"?>\n<topology version=\"2.0\"><object type=\"PU\" os_index=\"0\"/>"
        "</topology>\n"}) {
    auto probe = HwlocProbe::FromXmlText(text, "inline");
    ASSERT_FALSE(probe.ok()) << text;
    EXPECT_EQ(probe.status().code(), StatusCode::kCorrupt) << text;
    EXPECT_NE(probe.status().message().find("inline"), std::string::npos)
        << probe.status().message();
  }
}

// two_gpus.xml with the first occurrence of `from` replaced by `to`.
std::string EditedMachine(const std::string& from, const std::string& to) {
  std::ifstream in(DataFile("two_gpus.xml"));
  std::stringstream text;
  text << in.rdbuf();
  std::string xml = text.str();
  const size_t at = xml.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) xml.replace(at, from.size(), to);
  return xml;
}

// Topologies hwloc accepts but the model cannot represent, one per rule. (A
// PU without an OS number is rejected too, but hwloc spends seconds and
// half a gigabyte on such a file before that: not a unit test.)
TEST(HwlocProbeXmlTest, UnrepresentableMachinesAreCorrupt) {
  const struct {
    const char* from;
    const char* to;
    const char* message;
  } cases[] = {
      {R"(type="PU" os_index="4")", R"(type="PU" os_index="0")", "two PUs are numbered 0"},
      {R"(type="PU" os_index="4")", R"(type="PU" os_index="70000")",
       "PU number 70000 is beyond 65535"},
      {R"(type="NUMANode" os_index="1")", R"(type="NUMANode" os_index="0")",
       "two NUMA nodes are numbered 0"},
      {R"(type="NUMANode" os_index="1")", R"(type="NUMANode" os_index="70000")",
       "NUMA node number 70000 is beyond 65535"},
  };
  for (const auto& c : cases) {
    auto probe = HwlocProbe::FromXmlText(EditedMachine(c.from, c.to), "edited");
    ASSERT_FALSE(probe.ok()) << c.message;
    EXPECT_EQ(probe.status().code(), StatusCode::kCorrupt) << c.message;
    EXPECT_EQ(probe.status().message(), std::string("edited: hwloc topology: ") + c.message);
  }
}

TEST(HwlocProbeXmlTest, ControlCharactersInNamesAreReplaced) {
  auto probe = HwlocProbe::FromXmlText(
      EditedMachine("NVIDIA H100 80GB HBM3", "NVIDIA&#10;H100&#9;x"), "edited");
  ASSERT_TRUE(probe.ok()) << probe.status().ToString();
  const Result<Topology> t = (*probe)->Topology();
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->gpus.size(), 3u);
  EXPECT_EQ(t->gpus[1].name, "NVIDIA?H100?x");
}

TEST(HwlocProbeXmlTest, MissingFileIsNotFound) {
  auto probe = HwlocProbe::FromXmlFile(DataFile("no-such-machine.xml"));
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.status().code(), StatusCode::kNotFound);
  EXPECT_NE(probe.status().message().find("no-such-machine.xml"), std::string::npos);
}

TEST(HwlocProbeXmlTest, OversizedTextIsRefusedBeforeParsing) {
  const std::string huge(HwlocProbe::kMaxXmlBytes + 1, ' ');
  auto probe = HwlocProbe::FromXmlText(huge);
  ASSERT_FALSE(probe.ok());
  EXPECT_EQ(probe.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace llmcore::hal
