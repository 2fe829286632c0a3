// `llmctl hw`: GetHardware's structs get field names for --json, and the text
// summary shows each fact on its own line.
#include "hardware_format.h"

#include <gtest/gtest.h>

namespace llmcore::llmctl {
namespace {

Json Raw() {
  return Json::parse(R"({
    "cpu_model": "Example CPU", "packages": 1, "cores": 2, "threads": 4,
    "numa_nodes": [[0, 8589934592]], "memory_total": 8589934592,
    "memory_available": 4294967296, "cpu_features": "avx2 fma",
    "gpus": [],
    "drivers": [["cpu", "0.1.0", "/usr/lib/llmcore/drivers/cpu.so", 100, 1],
                ["reference", "0.3.0", "/usr/lib/llmcore/drivers/reference.so", 1, 0]],
    "devices": [["cpu", 0, "cpu", "Example CPU", "cpu", 8589934592, 4294967296],
                ["reference", 0, "cpu", "reference on the CPU", "cpu", 8589934592,
                 4294967296]]})");
}

TEST(LlmctlHardwareTest, JsonNamesTheStructFields) {
  const Json hw = HardwareJson(Raw());
  EXPECT_EQ(hw["numa_nodes"], Json::parse(R"([{"node":0,"memory":8589934592}])"));
  EXPECT_EQ(hw["drivers"], Json::parse(R"([
      {"name":"cpu","version":"0.1.0","path":"/usr/lib/llmcore/drivers/cpu.so","score":100,
       "instances":1},
      {"name":"reference","version":"0.3.0","path":"/usr/lib/llmcore/drivers/reference.so",
       "score":1,"instances":0}])"));
  EXPECT_EQ(hw["devices"], Json::parse(R"([
      {"driver":"cpu","index":0,"name":"cpu","description":"Example CPU","kind":"cpu",
       "memory_total":8589934592,"memory_free":4294967296},
      {"driver":"reference","index":0,"name":"cpu","description":"reference on the CPU",
       "kind":"cpu","memory_total":8589934592,"memory_free":4294967296}])"));
  EXPECT_EQ(hw["gpus"], Json::array());
  EXPECT_EQ(hw["cpu_model"], "Example CPU");
  EXPECT_EQ(hw["cpu_features"], "avx2 fma");
}

TEST(LlmctlHardwareTest, GpusGetNamedFields) {
  Json raw = Raw();
  raw["gpus"] = Json::parse(R"([["Example GPU", "0000:01:00.0", 0]])");
  const Json hw = HardwareJson(raw);
  EXPECT_EQ(hw["gpus"],
            Json::parse(R"([{"name":"Example GPU","pci_address":"0000:01:00.0","numa_node":0}])"));
  EXPECT_NE(FormatHardware(hw).find("gpu: Example GPU at 0000:01:00.0, numa node 0\n"),
            std::string::npos);
}

TEST(LlmctlHardwareTest, TextSummaryHasOneFactPerLine) {
  EXPECT_EQ(FormatHardware(HardwareJson(Raw())),
            "cpu: Example CPU\n"
            "cores: 2 physical, 4 threads, 1 package\n"
            "cpu features: avx2 fma\n"
            "memory: 4.0 GiB available of 8.0 GiB\n"
            "numa node 0: 8.0 GiB\n"
            "gpu: none\n"
            "driver: cpu 0.1.0, score 100, 1 instance, from /usr/lib/llmcore/drivers/cpu.so\n"
            "driver: reference 0.3.0, score 1, 0 instances, from "
            "/usr/lib/llmcore/drivers/reference.so\n"
            "device: cpu/cpu (Example CPU, cpu): 4.0 GiB free of 8.0 GiB\n"
            "device: reference/cpu (reference on the CPU, cpu): 4.0 GiB free of 8.0 GiB\n");
}

TEST(LlmctlHardwareTest, GpuDevicesShowTheirDescription) {
  const Json hw = HardwareJson(Json::parse(R"({"devices": [["cuda", 1, "cuda1",
      "NVIDIA H100 80GB HBM3", "gpu", 85520809984, 84490059776]]})"));
  EXPECT_EQ(hw["devices"][0]["index"], 1);
  EXPECT_EQ(FormatHardware(hw),
            "device: cuda/cuda1 (NVIDIA H100 80GB HBM3, gpu): 78.7 GiB free of 79.6 GiB\n");
}

TEST(LlmctlHardwareTest, OlderDaemonsShapesKeepTheirFieldNames) {
  // drivers a(ss) and devices a(ssstt), before paths, scores, instance
  // counts, device indexes and descriptions.
  const Json hw = HardwareJson(Json::parse(R"({"drivers": [["cpu", "0.1.0"]],
      "devices": [["cpu", "Example CPU", "cpu", 8589934592, 4294967296]]})"));
  EXPECT_EQ(hw["drivers"], Json::parse(R"([{"name":"cpu","version":"0.1.0"}])"));
  EXPECT_EQ(hw["devices"], Json::parse(R"([{"driver":"cpu","name":"Example CPU","kind":"cpu",
                                            "memory_total":8589934592,
                                            "memory_free":4294967296}])"));
  EXPECT_EQ(FormatHardware(hw),
            "driver: cpu 0.1.0\n"
            "device: cpu/Example CPU (cpu): 4.0 GiB free of 8.0 GiB\n");
}

TEST(LlmctlHardwareTest, CpuFeaturesMayAlsoBeAnArrayOrEmpty) {
  EXPECT_EQ(FormatHardware(Json::parse(R"({"cpu_features":["avx2","fma"]})")),
            "cpu features: avx2 fma\n");
  EXPECT_EQ(FormatHardware(Json::parse(R"({"cpu_features":""})")), "cpu features: none\n");
}

TEST(LlmctlHardwareTest, MissingKeysLeaveTheirLinesOut) {
  EXPECT_EQ(FormatHardware(HardwareJson(Json::parse(R"({"cpu_model":"X"})"))), "cpu: X\n");
  EXPECT_EQ(FormatHardware(HardwareJson(Json::object())), "");
}

}  // namespace
}  // namespace llmcore::llmctl
