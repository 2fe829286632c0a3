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

TEST(LlmctlCliTest, DriverTargetSplitsAtTheFirstColon) {
  auto target = ParseDriverTarget("cuda:cuda0");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->driver, "cuda");
  EXPECT_EQ(target->device, "cuda0");
  target = ParseDriverTarget("cuda:1");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->driver, "cuda");
  EXPECT_EQ(target->device, "1");
  target = ParseDriverTarget("reference");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->driver, "reference");
  EXPECT_EQ(target->device, "");
  target = ParseDriverTarget("reference:");  // the driver's best device
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->driver, "reference");
  EXPECT_EQ(target->device, "");
  target = ParseDriverTarget("hip:a:b");  // the device is passed on as written
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->driver, "hip");
  EXPECT_EQ(target->device, "a:b");
}

TEST(LlmctlCliTest, DriverTargetNeedsADriver) {
  for (const char* text : {":cuda0", ":", ""}) {
    SCOPED_TRACE(text);
    const auto target = ParseDriverTarget(text);
    ASSERT_FALSE(target.ok());
    EXPECT_EQ(target.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(target.status().message().find("DRIVER[:DEVICE]"), std::string::npos);
  }
}

TEST(LlmctlCliTest, SwapTakesModelDriverAndDevice) {
  const CommandLine swap = ParseOk({"swap", "tiny", "cuda:cuda0"});
  EXPECT_EQ(swap.command, "swap");
  EXPECT_EQ(swap.model, "tiny");
  EXPECT_EQ(swap.target.driver, "cuda");
  EXPECT_EQ(swap.target.device, "cuda0");
  EXPECT_FALSE(swap.threads.has_value());
  EXPECT_FALSE(swap.reprocess);
  EXPECT_TRUE(SwapOptions(swap.threads, swap.reprocess).empty());  // the daemon's defaults

  const CommandLine best = ParseOk({"swap", "tiny", "reference:", "--json"});
  EXPECT_EQ(best.target.driver, "reference");
  EXPECT_EQ(best.target.device, "");
  EXPECT_TRUE(best.json);
  EXPECT_EQ(ParseOk({"swap", "tiny", "reference"}).target.device, "");
}

TEST(LlmctlCliTest, SwapThreadsAndReprocessBecomeTheirOptions) {
  const CommandLine swap = ParseOk({"swap", "tiny", "cpu", "--threads", "4", "--reprocess"});
  EXPECT_EQ(swap.threads, 4u);
  EXPECT_TRUE(swap.reprocess);
  const OptionList options = SwapOptions(swap.threads, swap.reprocess);
  ASSERT_EQ(options.size(), 2u);
  EXPECT_EQ(options[0].first, "threads");
  EXPECT_EQ(std::get<uint32_t>(options[0].second), 4u);
  EXPECT_EQ(options[1].first, "method");
  EXPECT_EQ(std::get<std::string>(options[1].second), "reprocess");
  // 0 asks for the driver's choice, and is sent as such.
  const CommandLine zero = ParseOk({"swap", "tiny", "cpu", "--threads=0"});
  EXPECT_EQ(zero.threads, 0u);
  EXPECT_EQ(SwapOptions(zero.threads, zero.reprocess).size(), 1u);
}

TEST(LlmctlCliTest, BadSwapCommandLinesExitWithTwo) {
  EXPECT_EQ(ParseExit({"swap"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny"}), kExitUsage);            // no DRIVER
  EXPECT_EQ(ParseExit({"swap", "tiny", ":cuda0"}), kExitUsage);  // a DEVICE with no driver
  EXPECT_EQ(ParseExit({"swap", "tiny", ":"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", ""}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", "cpu", "extra"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", "cpu", "--threads"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", "cpu", "--threads", "x"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", "cpu", "--threads", "-1"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", "cpu", "--threads", "2.5"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", "cpu", "--threads", "4294967296"}), kExitUsage);
  EXPECT_EQ(ParseExit({"swap", "tiny", "cpu", "--reprocess=maybe"}), kExitUsage);
}

TEST(LlmctlCliTest, VerifyTakesAModelAndTokens) {
  const CommandLine verify = ParseOk({"verify", "tiny"});
  EXPECT_EQ(verify.command, "verify");
  EXPECT_EQ(verify.model, "tiny");
  EXPECT_FALSE(verify.verify_tokens.has_value());
  EXPECT_TRUE(VerifyOptions(verify.verify_tokens).empty());
  const CommandLine tokens = ParseOk({"verify", "tiny", "--tokens", "64", "--json"});
  EXPECT_EQ(tokens.verify_tokens, 64u);
  EXPECT_TRUE(tokens.json);
  const OptionList options = VerifyOptions(tokens.verify_tokens);
  ASSERT_EQ(options.size(), 1u);
  EXPECT_EQ(options[0].first, "tokens");
  EXPECT_EQ(std::get<uint32_t>(options[0].second), 64u);
  EXPECT_EQ(ParseExit({"verify"}), kExitUsage);
  EXPECT_EQ(ParseExit({"verify", "tiny", "--tokens", "0"}), kExitUsage);
  EXPECT_EQ(ParseExit({"verify", "tiny", "--tokens", "x"}), kExitUsage);
  EXPECT_EQ(ParseExit({"verify", "tiny", "--tokens", "-3"}), kExitUsage);
}

TEST(LlmctlCliTest, DriverReloadIsASubcommandOfDriver) {
  const CommandLine reload = ParseOk({"driver", "reload", "reference"});
  EXPECT_EQ(reload.command, "driver reload");
  EXPECT_EQ(reload.target.driver, "reference");
  EXPECT_FALSE(reload.json);
  EXPECT_TRUE(ParseOk({"driver", "reload", "cpu", "--json"}).json);
  EXPECT_TRUE(ParseOk({"--json", "driver", "reload", "cpu"}).json);
  EXPECT_EQ(ParseOk({"driver", "reload", "cpu", "--bus=session"}).bus.kind,
            BusSpec::Kind::kSession);
  EXPECT_EQ(ParseExit({"driver"}), kExitUsage);                      // no subcommand
  EXPECT_EQ(ParseExit({"driver", "reload"}), kExitUsage);            // no NAME
  EXPECT_EQ(ParseExit({"driver", "unload", "cpu"}), kExitUsage);     // unknown subcommand
  EXPECT_EQ(ParseExit({"driver", "reload", "a", "b"}), kExitUsage);  // one NAME
  EXPECT_EQ(ParseExit({"driver", "--help"}), kExitOk);
  EXPECT_EQ(ParseExit({"driver", "reload", "--help"}), kExitOk);
}

TEST(LlmctlCliTest, LoadPinAndOnBecomeTheirOptions) {
  const OptionList pinned = LoadOptions(ParseOk({"load", "m", "--pin"}).pin);
  ASSERT_EQ(pinned.size(), 1u);
  EXPECT_EQ(pinned[0].first, "pin");
  EXPECT_TRUE(std::get<bool>(pinned[0].second));
  EXPECT_TRUE(LoadOptions(false).empty());
  const CommandLine on = ParseOk({"load", "m", "--on", "reference:0"});
  const OptionList placed = LoadOptions(on.pin, on.target.driver, on.target.device);
  ASSERT_EQ(placed.size(), 2u);
  EXPECT_EQ(placed[0].first, "driver");
  EXPECT_EQ(placed[1].first, "device");
}

}  // namespace
}  // namespace llmcore::llmctl
