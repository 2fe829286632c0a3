// llmctl's command line: every command and option lands in CommandLine, and
// from there in the a{sv} dictionaries sent to the daemon or in libllmcore's
// generation options; bad command lines end with exit status 2.
#include "cli.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <variant>
#include <vector>

#include "errors.h"

namespace llmcore::llmctl {
namespace {

std::variant<CommandLine, int> Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "llmctl");
  std::vector<const char*> argv;
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

CommandLine ParseOk(std::vector<std::string> args) {
  auto parsed = Parse(std::move(args));
  EXPECT_TRUE(std::holds_alternative<CommandLine>(parsed));
  return std::holds_alternative<CommandLine>(parsed) ? std::get<CommandLine>(parsed)
                                                     : CommandLine{};
}

int ParseExit(std::vector<std::string> args) {
  auto parsed = Parse(std::move(args));
  EXPECT_TRUE(std::holds_alternative<int>(parsed));
  return std::holds_alternative<int>(parsed) ? std::get<int>(parsed) : -1;
}

TEST(LlmctlCliTest, EachCommandIsRecognisedWithItsModel) {
  EXPECT_EQ(ParseOk({"list"}).command, "list");
  EXPECT_EQ(ParseOk({"ps"}).command, "ps");
  EXPECT_EQ(ParseOk({"hw"}).command, "hw");
  const CommandLine info = ParseOk({"info", "stories260K"});
  EXPECT_EQ(info.command, "info");
  EXPECT_EQ(info.model, "stories260K");
  const CommandLine unload = ParseOk({"unload", "m"});
  EXPECT_EQ(unload.command, "unload");
  EXPECT_EQ(unload.model, "m");
  const CommandLine load = ParseOk({"load", "m", "--pin"});
  EXPECT_EQ(load.command, "load");
  EXPECT_TRUE(load.pin);
  EXPECT_FALSE(ParseOk({"load", "m"}).pin);
  EXPECT_EQ(ParseOk({"status"}).model, "");
  EXPECT_EQ(ParseOk({"status", "m"}).model, "m");
}

TEST(LlmctlCliTest, BusDefaultsToSystemAndAcceptsSessionAndAddresses) {
  EXPECT_EQ(ParseOk({"list"}).bus.kind, BusSpec::Kind::kSystem);
  EXPECT_EQ(ParseOk({"--bus=session", "list"}).bus.kind, BusSpec::Kind::kSession);
  const CommandLine address = ParseOk({"--bus", "unix:path=/tmp/x/bus", "list"});
  EXPECT_EQ(address.bus.kind, BusSpec::Kind::kAddress);
  EXPECT_EQ(address.bus.address, "unix:path=/tmp/x/bus");
  EXPECT_EQ(address.bus.Describe(), "the bus at unix:path=/tmp/x/bus");
  EXPECT_EQ(ParseExit({"--bus=nowhere", "list"}), kExitUsage);
}

TEST(LlmctlCliTest, GlobalOptionsWorkBeforeAndAfterTheCommand) {
  EXPECT_TRUE(ParseOk({"--json", "list"}).json);
  EXPECT_TRUE(ParseOk({"list", "--json"}).json);
  EXPECT_EQ(ParseOk({"info", "m", "--bus=session"}).bus.kind, BusSpec::Kind::kSession);
  EXPECT_FALSE(ParseOk({"list"}).json);
}

TEST(LlmctlCliTest, BadCommandLinesExitWithTwo) {
  EXPECT_EQ(ParseExit({}), kExitUsage);                            // no command
  EXPECT_EQ(ParseExit({"frobnicate"}), kExitUsage);                // unknown command
  EXPECT_EQ(ParseExit({"info"}), kExitUsage);                      // missing MODEL
  EXPECT_EQ(ParseExit({"list", "--nope"}), kExitUsage);            // unknown option
  EXPECT_EQ(ParseExit({"run", "m", "p", "-n", "0"}), kExitUsage);  // -n must be positive
  EXPECT_EQ(ParseExit({"run", "m", "p", "-n", "x"}), kExitUsage);
  EXPECT_EQ(ParseExit({"run", "m", "p", "--temp", "-1"}), kExitUsage);
  EXPECT_EQ(ParseExit({"run", "m", "p", "--top-p", "1.5"}), kExitUsage);
  EXPECT_EQ(ParseExit({"run", "m", "p", "extra"}), kExitUsage);
}

TEST(LlmctlCliTest, HelpExitsWithZero) {
  EXPECT_EQ(ParseExit({"--help"}), kExitOk);
  EXPECT_EQ(ParseExit({"run", "--help"}), kExitOk);
}

TEST(LlmctlCliTest, RunWithoutOptionsLeavesEveryOptionToTheDaemon) {
  const CommandLine run = ParseOk({"run", "stories260K"});
  EXPECT_EQ(run.command, "run");
  EXPECT_EQ(run.model, "stories260K");
  EXPECT_FALSE(run.prompt.has_value());
  EXPECT_FALSE(run.chat);
  EXPECT_FALSE(run.verbose);
  EXPECT_FALSE(run.context_length.has_value());
  const GenerateOptions options(run.generation);
  llmcore_generate_options defaults;
  llmcore_generate_default_options(&defaults);
  EXPECT_EQ(std::memcmp(options.get(), &defaults, sizeof defaults), 0);
}

TEST(LlmctlCliTest, RunOptionsBecomeTheirGenerateOptions) {
  const CommandLine run = ParseOk({"run",
                                   "m",
                                   "Once upon a time",
                                   "-n",
                                   "40",
                                   "--temp",
                                   "0",
                                   "--seed",
                                   "42",
                                   "--top-k",
                                   "5",
                                   "--top-p",
                                   "0.9",
                                   "--min-p",
                                   "0.1",
                                   "--repeat-penalty",
                                   "1.1",
                                   "--stop",
                                   ".",
                                   "--stop",
                                   "\n",
                                   "--ignore-eos",
                                   "--context",
                                   "512",
                                   "-v"});
  EXPECT_EQ(run.prompt, "Once upon a time");
  EXPECT_TRUE(run.verbose);
  // Each flag reaches its field (options_test.cc checks the conversion to
  // llmcore_generate_options).
  EXPECT_EQ(run.generation.max_tokens, 40u);
  EXPECT_EQ(run.generation.temperature, 0.0);
  EXPECT_EQ(run.generation.top_k, 5);
  EXPECT_DOUBLE_EQ(*run.generation.top_p, 0.9);
  EXPECT_EQ(run.generation.seed, 42u);
  EXPECT_EQ(run.generation.stop, (std::vector<std::string>{".", "\n"}));
  EXPECT_TRUE(run.generation.ignore_eos);
  EXPECT_EQ(run.context_length, 512u);
}

TEST(LlmctlCliTest, StopTakesOneValueSoThePromptStaysThePrompt) {
  const CommandLine run = ParseOk({"run", "m", "--stop", "x", "the prompt"});
  EXPECT_EQ(run.generation.stop, (std::vector<std::string>{"x"}));
  EXPECT_EQ(run.prompt, "the prompt");
}

TEST(LlmctlCliTest, SystemMessageImpliesChat) {
  const CommandLine chat = ParseOk({"run", "m", "hi", "--system", "Be brief."});
  EXPECT_TRUE(chat.chat);
  EXPECT_EQ(chat.system_prompt, "Be brief.");
  EXPECT_TRUE(ParseOk({"run", "m", "hi", "--chat"}).chat);
}

TEST(LlmctlCliTest, LoadPinBecomesThePinOption) {
  const OptionList pinned = LoadOptions(ParseOk({"load", "m", "--pin"}).pin);
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].first, "pin");
  EXPECT_TRUE(std::get<bool>(pinned[0].second));
  EXPECT_TRUE(LoadOptions(false).empty());
}

}  // namespace
}  // namespace llmcore::llmctl
