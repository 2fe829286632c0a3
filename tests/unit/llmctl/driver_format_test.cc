// `llmctl swap`, `llmctl verify` and `llmctl driver reload`: the one-line
// summaries and the verification table rendered from the daemon's a{sv}
// reports, and the verdict that decides verify's exit status.
#include "driver_format.h"

#include <gtest/gtest.h>

namespace llmcore::llmctl {
namespace {

Json SwapReport(const char* method, uint64_t sequences, uint64_t tokens) {
  return Json{{"model", "tiny"},  {"driver", "reference"},    {"driver_version", "0.3.0"},
              {"device", "cpu"},  {"previous_driver", "cpu"}, {"previous_device", "cpu"},
              {"method", method}, {"sequences", sequences},   {"tokens_reprocessed", tokens},
              {"pause_ms", 12.34}};
}

TEST(LlmctlDriverFormatTest, SwapByReprocessingCountsSequencesAndTokens) {
  EXPECT_EQ(FormatSwapReport(SwapReport("reprocess", 3, 120)),
            "model 'tiny' now on reference (cpu), was cpu (cpu): 3 sequences moved by "
            "re-processing 120 tokens, generation paused 12.3 ms");
  EXPECT_EQ(FormatSwapReport(SwapReport("reprocess", 1, 1)),
            "model 'tiny' now on reference (cpu), was cpu (cpu): 1 sequence moved by "
            "re-processing 1 token, generation paused 12.3 ms");
}

TEST(LlmctlDriverFormatTest, SwapByKvExportMentionsTokensOnlyWhenSomeWereReprocessed) {
  EXPECT_EQ(FormatSwapReport(SwapReport("kv-export", 2, 0)),
            "model 'tiny' now on reference (cpu), was cpu (cpu): 2 sequences moved by KV "
            "export/import, generation paused 12.3 ms");
  EXPECT_EQ(FormatSwapReport(SwapReport("kv-export", 2, 7)),
            "model 'tiny' now on reference (cpu), was cpu (cpu): 2 sequences moved by KV "
            "export/import (7 tokens re-processed), generation paused 12.3 ms");
}

TEST(LlmctlDriverFormatTest, SwapWithoutLiveSequencesSaysSo) {
  EXPECT_EQ(FormatSwapReport(SwapReport("none", 0, 0)),
            "model 'tiny' now on reference (cpu), was cpu (cpu): no live sequences, "
            "generation paused 12.3 ms");
}

TEST(LlmctlDriverFormatTest, SwapNamesAMethodItDoesNotKnow) {
  EXPECT_EQ(FormatSwapReport(SwapReport("teleport", 4, 0)),
            "model 'tiny' now on reference (cpu), was cpu (cpu): 4 sequences moved by "
            "teleport, generation paused 12.3 ms");
}

TEST(LlmctlDriverFormatTest, SwapLeavesOutWhatTheReportLacks) {
  EXPECT_EQ(FormatSwapReport(Json::parse(R"({"model":"tiny","driver":"cuda","device":""})")),
            "model 'tiny' now on cuda");
  EXPECT_EQ(FormatSwapReport(Json::parse(R"({"model":"tiny","driver":"cuda","pause_ms":0.04,
                                             "previous_driver":"cpu"})")),
            "model 'tiny' now on cuda, was cpu: generation paused 0.0 ms");
  EXPECT_EQ(FormatSwapReport(Json::object()), "model '-' now on -");
}

Json VerifyReport(bool passed) {
  return Json{{"model", "tiny"},          {"driver", "cpu"},       {"device", "cpu"},
              {"reference", "reference"}, {"positions", 32u},      {"max_abs_diff", 2.384e-06},
              {"tolerance", 0.001},       {"top1_agreement", 1.0}, {"passed", passed}};
}

TEST(LlmctlDriverFormatTest, VerifyShowsEachFigureAndTheVerdict) {
  EXPECT_EQ(FormatVerifyReport(VerifyReport(true)),
            "model: tiny\n"
            "driver: cpu (cpu) vs reference\n"
            "positions: 32\n"
            "max |diff|: 2.38e-06\n"
            "tolerance: 0.001\n"
            "top-1 agreement: 100.0%\n"
            "result: PASS\n");
  Json failed = VerifyReport(false);
  failed["max_abs_diff"] = 0.5;
  failed["top1_agreement"] = 0.90625;
  EXPECT_EQ(FormatVerifyReport(failed),
            "model: tiny\n"
            "driver: cpu (cpu) vs reference\n"
            "positions: 32\n"
            "max |diff|: 0.5\n"
            "tolerance: 0.001\n"
            "top-1 agreement: 90.6%\n"
            "result: FAIL\n");
}

TEST(LlmctlDriverFormatTest, VerifyPassesOnlyWhenTheReportSaysSo) {
  EXPECT_TRUE(VerifyPassed(VerifyReport(true)));
  EXPECT_FALSE(VerifyPassed(VerifyReport(false)));
  EXPECT_FALSE(VerifyPassed(Json::object()));
  EXPECT_FALSE(VerifyPassed(Json::parse(R"({"passed":1})")));
  EXPECT_FALSE(VerifyPassed(Json::array()));
  // Without a verdict the text says FAIL, like the exit status.
  EXPECT_EQ(FormatVerifyReport(Json::parse(R"({"model":"tiny","max_abs_diff":0})")),
            "model: tiny\n"
            "max |diff|: 0\n"
            "result: FAIL\n");
}

TEST(LlmctlDriverFormatTest, ReloadNamesPathVersionsAndMovedModels) {
  EXPECT_EQ(FormatReloadReport(Json::parse(R"({"driver":"reference",
      "path":"/usr/lib/llmcore/drivers/reference.so","version":"0.3.0",
      "previous_version":"0.3.0","models":["a","b"]})")),
            "driver reference reloaded from /usr/lib/llmcore/drivers/reference.so: "
            "0.3.0 -> 0.3.0; models moved: a, b");
  EXPECT_EQ(FormatReloadReport(Json::parse(R"({"driver":"cpu","path":"/d/cpu.so",
      "version":"0.2.0","previous_version":"0.1.0","models":[]})")),
            "driver cpu reloaded from /d/cpu.so: 0.1.0 -> 0.2.0; no models to move");
}

TEST(LlmctlDriverFormatTest, ReloadLeavesOutWhatTheReportLacks) {
  EXPECT_EQ(FormatReloadReport(Json::parse(R"({"driver":"cpu","version":"0.2.0"})")),
            "driver cpu reloaded: 0.2.0; no models to move");
  EXPECT_EQ(FormatReloadReport(Json::object()), "driver - reloaded; no models to move");
}

}  // namespace
}  // namespace llmcore::llmctl
