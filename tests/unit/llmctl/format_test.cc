// The text formats of llmctl (list, info, ps, status, run --verbose): stable
// output that scripts and the integration tests read.
#include "format.h"

#include <gtest/gtest.h>

namespace llmcore::llmctl {
namespace {

TEST(LlmctlFormatTest, BytesUseBinaryUnitsWithOneDecimal) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1024), "1.0 KiB");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(1185376), "1.1 MiB");
  EXPECT_EQ(FormatBytes(1048575), "1.0 MiB");  // not "1024.0 KiB"
  EXPECT_EQ(FormatBytes(8ull << 30), "8.0 GiB");
  EXPECT_EQ(FormatBytes(UINT64_MAX), "16.0 EiB");
}

TEST(LlmctlFormatTest, TablesAlignColumnsWithoutTrailingSpaces) {
  const std::string table =
      FormatTable({{"NAME"}, {"SIZE", true}, {"STATE"}},
                  {{"stories260K", "1.1 MiB", "loaded"}, {"q", "12.0 GiB", ""}});
  EXPECT_EQ(table,
            "NAME             SIZE  STATE\n"
            "stories260K   1.1 MiB  loaded\n"
            "q            12.0 GiB\n");
}

TEST(LlmctlFormatTest, TableWidthsCountCodePointsNotBytes) {
  const std::string table = FormatTable({{"N"}, {"X"}}, {{"héllo", "1"}, {"hello", "2"}});
  EXPECT_EQ(table,
            "N      X\n"
            "héllo  1\n"
            "hello  2\n");
}

TEST(LlmctlFormatTest, ValuesFitOnOneLine) {
  EXPECT_EQ(FormatValue(Json("plain")), "plain");
  EXPECT_EQ(FormatValue(Json("two\nlines")), R"("two\nlines")");
  EXPECT_EQ(FormatValue(Json(42)), "42");
  EXPECT_EQ(FormatValue(Json(0.5)), "0.5");
  EXPECT_EQ(FormatValue(Json(true)), "yes");
  EXPECT_EQ(FormatValue(Json(false)), "no");
  EXPECT_EQ(FormatValue(Json()), "-");
  EXPECT_EQ(FormatValue(Json::parse(R"(["avx2","fma"])")), "avx2, fma");
  EXPECT_EQ(FormatValue(Json::parse(R"([[0, 8], [1, 9]])")), "(0 8), (1 9)");
  EXPECT_EQ(FormatValue(Json::parse(R"({"a":1})")), R"({"a":1})");
}

TEST(LlmctlFormatTest, KeyValuesKeepTheDaemonsOrder) {
  const Json info = Json::parse(
      R"({"name":"stories260K","architecture":"llama","size":1185376,"pinned":false,
          "chat_template":""})");
  EXPECT_EQ(FormatKeyValues(info),
            "name: stories260K\n"
            "architecture: llama\n"
            "size: 1185376\n"
            "pinned: no\n"
            "chat_template: \n");
}

TEST(LlmctlFormatTest, ModelListNamesTheFieldsOfEachRow) {
  const Json rows = Json::parse(R"([["stories260K","llama","F32",1185376,"loaded"]])");
  const Json models = ModelListJson(rows);
  EXPECT_EQ(models.dump(), R"([{"name":"stories260K","architecture":"llama","quantization":"F32",)"
                           R"("size":1185376,"state":"loaded"}])");
  EXPECT_EQ(FormatModelList(models),
            "NAME         ARCHITECTURE  QUANTIZATION     SIZE  STATE\n"
            "stories260K  llama         F32           1.1 MiB  loaded\n");
}

TEST(LlmctlFormatTest, AnEmptyModelListIsJustTheHeader) {
  EXPECT_EQ(ModelListJson(Json::array()), Json::array());
  EXPECT_EQ(FormatModelList(Json::array()), "NAME  ARCHITECTURE  QUANTIZATION  SIZE  STATE\n");
}

TEST(LlmctlFormatTest, LoadedModelsShowDriverDeviceAndMemory) {
  const Json infos = Json::parse(
      R"([{"name":"stories260K","size":1185376,"state":"loaded","driver":"cpu",
           "device":"cpu0"},
          {"name":"other","size":2048,"state":"loaded"}])");
  EXPECT_EQ(FormatLoadedModels(infos),
            "NAME         DRIVER  DEVICE   MEMORY\n"
            "stories260K  cpu     cpu0    1.1 MiB\n"
            "other        -       -       2.0 KiB\n");
}

TEST(LlmctlFormatTest, LoadedModelsShowTheDriversVersionWhenSent) {
  const Json infos = Json::parse(
      R"([{"name":"tiny","size":2048,"driver":"reference","driver_version":"0.3.0",
           "device":"cpu"},
          {"name":"other","size":2048,"driver":"cpu","driver_version":"","device":"cpu"},
          {"name":"none","size":2048,"driver_version":"0.3.0"}])");
  EXPECT_EQ(FormatLoadedModels(infos),
            "NAME   DRIVER           DEVICE   MEMORY\n"
            "tiny   reference 0.3.0  cpu     2.0 KiB\n"
            "other  cpu              cpu     2.0 KiB\n"
            "none   -                -       2.0 KiB\n");
}

TEST(LlmctlFormatTest, StatusIsReadyOrTheAvailabilityWithItsReason) {
  EXPECT_EQ(FormatStatus("ready", ""), "ready");
  EXPECT_EQ(FormatStatus("ready", "stories260K is loaded"), "ready");
  EXPECT_EQ(FormatStatus("no-model", "no model is configured"), "no-model: no model is configured");
  EXPECT_EQ(FormatStatus("loading", ""), "loading");
}

TEST(LlmctlFormatTest, StatsSummariseTokensTimesAndStopReason) {
  const Json stats = Json::parse(
      R"({"prompt_tokens":5,"cached_tokens":0,"generated_tokens":40,"queue_ms":0.12,
          "prefill_ms":1.25,"decode_ms":12.5,"tokens_per_second":3200.0,
          "stop_reason":"length"})");
  EXPECT_EQ(FormatStats(stats),
            "5 prompt tokens (0 cached), 40 generated; queue 0.1 ms, prefill 1.2 ms, "
            "decode 12.5 ms (3200.0 tokens/s); stop: length");
  EXPECT_EQ(FormatStats(Json::parse(R"({"generated_tokens":3,"stop_reason":"eos"})")),
            "3 generated; stop: eos");
  EXPECT_EQ(FormatStats(Json::object()), "");
}

}  // namespace
}  // namespace llmcore::llmctl
