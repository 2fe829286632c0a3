// llmcore-run, run as a person or a script would run it, on the bundled tiny
// model, against the reference outputs in
// ../shared/testdata/models/stories260K.expected.json.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "llmcore/testing/testing.h"

namespace {

using ::llmcore::testing::BinaryDir;
using ::llmcore::testing::BundledModelPath;
using ::llmcore::testing::CommandResult;
using ::llmcore::testing::RunCommand;
using ::llmcore::testing::ShellQuote;
using ::llmcore::testing::TestdataDir;

CommandResult RunTool(const std::string& args) {
  return RunCommand(ShellQuote(BinaryDir() + "/tools/llmcore-run") + " " +
                    ShellQuote(BundledModelPath()) + " " + args);
}

nlohmann::json Expected() {
  std::ifstream in(TestdataDir() + "/models/stories260K.expected.json");
  return nlohmann::json::parse(in);
}

std::string Join(const nlohmann::json& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + std::to_string(id.get<int>());
  return out;
}

// Every reference case: the prompt tokenizes to prompt_tokens, greedy decoding
// gives exactly `generated` and `text`, and the first steps' top logits match
// within 0.05 (the reference used an F16 KV cache; see the test data README).
TEST(LlmcoreRunTest, GreedyOutputMatchesTheReferenceForEveryCase) {
  const nlohmann::json expected = Expected();
  ASSERT_EQ(expected["cases"].size(), 5u);
  for (const auto& c : expected["cases"]) {
    const std::string prompt = c["prompt"];
    SCOPED_TRACE(prompt);
    const std::string source = prompt.empty() ? "--tokens 1" : "--prompt " + ShellQuote(prompt);
    CommandResult r = RunTool(source + " -n 64 --temp 0 --ignore-eos --json --top-logits 5");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto out = nlohmann::json::parse(r.out);
    EXPECT_EQ(out["prompt_tokens"], c["prompt_tokens"]);
    EXPECT_EQ(out["generated"], c["generated"]);
    EXPECT_EQ(out["text"], c["text"]);
    const auto& steps = c["top5_first_steps"];
    ASSERT_GE(out["steps"].size(), steps.size());
    for (size_t s = 0; s < steps.size(); ++s) {
      // The chosen token must agree; lower ranks are compared by value,
      // since near-equal logits may swap order between implementations.
      EXPECT_EQ(out["steps"][s]["top"][0][0], steps[s][0][0]) << "step " << s;
      for (size_t k = 0; k < 5; ++k) {
        EXPECT_NEAR(out["steps"][s]["top"][k][1].get<double>(), steps[s][k][1].get<double>(), 0.05)
            << "step " << s << " rank " << k;
      }
    }
  }
}

TEST(LlmcoreRunTest, TokensOptionGivesTheSameAsThePromptText) {
  const auto c = Expected()["cases"][0];
  CommandResult by_text =
      RunTool("--prompt " + ShellQuote(c["prompt"].get<std::string>()) + " -n 16 --temp 0 --json");
  CommandResult by_ids = RunTool("--tokens " + Join(c["prompt_tokens"]) + " -n 16 --temp 0 --json");
  ASSERT_EQ(by_text.exit_code, 0) << by_text.err;
  ASSERT_EQ(by_ids.exit_code, 0) << by_ids.err;
  EXPECT_EQ(nlohmann::json::parse(by_text.out)["generated"],
            nlohmann::json::parse(by_ids.out)["generated"]);
}

TEST(LlmcoreRunTest, StreamedTextEqualsTheJsonText) {
  CommandResult streamed = RunTool("--prompt 'Once upon a time' -n 40 --temp 0");
  CommandResult json = RunTool("--prompt 'Once upon a time' -n 40 --temp 0 --json");
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(streamed.out, nlohmann::json::parse(json.out)["text"].get<std::string>() + "\n");
  EXPECT_NE(streamed.err.find("tokens/s"), std::string::npos) << streamed.err;
}

TEST(LlmcoreRunTest, SameSeedSameTextOtherSeedOtherText) {
  const std::string args = "--prompt 'Once upon a time' -n 48 --temp 1.0 --json --seed ";
  CommandResult a = RunTool(args + "11");
  CommandResult b = RunTool(args + "11");
  CommandResult c = RunTool(args + "12");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(nlohmann::json::parse(a.out)["generated"], nlohmann::json::parse(c.out)["generated"]);
}

TEST(LlmcoreRunTest, BadInputIsRefusedWithAMessage) {
  CommandResult negative_temp = RunTool("--prompt hi --temp -1");
  EXPECT_EQ(negative_temp.exit_code, 2);
  EXPECT_NE(negative_temp.err.find("--temp"), std::string::npos) << negative_temp.err;

  CommandResult bad_token = RunTool("--tokens 1,99999 -n 4");
  EXPECT_EQ(bad_token.exit_code, 1);
  EXPECT_NE(bad_token.err.find("99999"), std::string::npos) << bad_token.err;

  CommandResult missing = RunCommand(ShellQuote(BinaryDir() + "/tools/llmcore-run") +
                                     " /nonexistent/model.gguf --prompt hi");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/model.gguf"), std::string::npos) << missing.err;

  CommandResult no_driver = RunTool("--prompt hi --driver /nonexistent/driver.so");
  EXPECT_EQ(no_driver.exit_code, 1);
  EXPECT_NE(no_driver.err.find("/nonexistent/driver.so"), std::string::npos) << no_driver.err;
}

}  // namespace
