#include "llmcore/hal/fake_probe.h"

#include <gtest/gtest.h>

#include <memory>

namespace llmcore::hal {
namespace {

Topology TinyMachine() {
  Topology t;
  t.packages.push_back(Package{.cores = {0, 1}});
  t.cores.push_back(Core{.package = 0, .numa_node = 0, .cpus = {0, 2}});
  t.cores.push_back(Core{.package = 0, .numa_node = 0, .cpus = {1, 3}});
  NumaNode node;
  node.id = 0;
  node.total_bytes = 1 << 30;
  node.cpus = {0, 1, 2, 3};
  node.cores = {0, 1};
  t.numa_nodes.push_back(node);
  t.total_memory_bytes = 1 << 30;
  return t;
}

TEST(FakeProbeTest, ReturnsTheGivenMachineThroughTheInterface) {
  CpuFeatures features;
  features.neon = true;
  const std::unique_ptr<HardwareProbe> probe = std::make_unique<FakeProbe>(TinyMachine(), features);
  const Result<Topology> t = probe->Topology();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(Summary(*t), Summary(TinyMachine()));
  EXPECT_EQ(t->cores[1].cpus, (CpuSet{1, 3}));
  EXPECT_EQ(probe->Features(), features);
}

TEST(FakeProbeTest, ReturnsTheGivenFailure) {
  const FakeProbe probe(Status(StatusCode::kIoError, "sysfs is gone"), CpuFeatures{});
  const Result<Topology> t = probe.Topology();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kIoError);
  EXPECT_EQ(t.status().message(), "sysfs is gone");
}

TEST(FakeProbeTest, AnOkStatusIsReportedAsATestMistake) {
  const FakeProbe probe(Status::Ok(), CpuFeatures{});
  const Result<Topology> t = probe.Topology();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace llmcore::hal
