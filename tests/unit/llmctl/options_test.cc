// The options llmctl sends: the a{sv} dictionaries of LoadModel, SwapDriver
// and VerifyModel, written into a
// real sd-bus message and read back with the D-Bus type of every key as the
// interface description (org.llmcore.Core1.xml) documents it, and run's
// generation options as libllmcore's llmcore_generate_options.
#include "options.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

#include "bus_value.h"
#include "message_builder.h"

namespace llmcore::llmctl {
namespace {

using testing::MessageBuilder;

// The variant signature of each key in the message's a{sv}.
std::vector<std::pair<std::string, std::string>> Signatures(sd_bus_message* m) {
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_GE(sd_bus_message_enter_container(m, 'a', "{sv}"), 0);
  while (sd_bus_message_enter_container(m, 'e', "sv") > 0) {
    const char* key = nullptr;
    EXPECT_GE(sd_bus_message_read(m, "s", &key), 0);
    char type = 0;
    const char* contents = nullptr;
    EXPECT_GE(sd_bus_message_peek_type(m, &type, &contents), 0);
    out.emplace_back(key, contents);
    EXPECT_GE(sd_bus_message_skip(m, "v"), 0);
    EXPECT_GE(sd_bus_message_exit_container(m), 0);
  }
  EXPECT_GE(sd_bus_message_exit_container(m), 0);
  return out;
}

TEST(LlmctlOptionsTest, SignaturesFollowTheValueTypes) {
  EXPECT_STREQ(OptionSignature(true), "b");
  EXPECT_STREQ(OptionSignature(int32_t{1}), "i");
  EXPECT_STREQ(OptionSignature(uint32_t{1}), "u");
  EXPECT_STREQ(OptionSignature(uint64_t{1}), "t");
  EXPECT_STREQ(OptionSignature(1.0), "d");
  EXPECT_STREQ(OptionSignature(std::string("auto")), "s");
  EXPECT_STREQ(OptionSignature(std::vector<std::string>{}), "as");
}

TEST(LlmctlOptionsTest, LoadOptionsHaveTheirDocumentedTypes) {
  MessageBuilder builder;
  MessagePtr m = builder.NewMessage();
  ASSERT_TRUE(AppendOptions(m.get(), LoadOptions(true)).ok());
  ASSERT_TRUE(AppendOptions(m.get(), LoadOptions(false)).ok());
  builder.Seal(m.get());
  EXPECT_EQ(Signatures(m.get()), (std::vector<std::pair<std::string, std::string>>{{"pin", "b"}}));
  EXPECT_TRUE(Signatures(m.get()).empty());
}

TEST(LlmctlOptionsTest, SwapAndVerifyOptionsHaveTheirDocumentedTypes) {
  MessageBuilder builder;
  MessagePtr m = builder.NewMessage();
  ASSERT_TRUE(AppendOptions(m.get(), SwapOptions(8u, true)).ok());
  ASSERT_TRUE(AppendOptions(m.get(), SwapOptions(std::nullopt, false)).ok());
  ASSERT_TRUE(AppendOptions(m.get(), VerifyOptions(16u)).ok());
  ASSERT_TRUE(AppendOptions(m.get(), VerifyOptions(std::nullopt)).ok());
  builder.Seal(m.get());
  EXPECT_EQ(Signatures(m.get()),
            (std::vector<std::pair<std::string, std::string>>{{"threads", "u"}, {"method", "s"}}));
  EXPECT_TRUE(Signatures(m.get()).empty());
  EXPECT_EQ(Signatures(m.get()),
            (std::vector<std::pair<std::string, std::string>>{{"tokens", "u"}}));
  EXPECT_TRUE(Signatures(m.get()).empty());
  ASSERT_GE(sd_bus_message_rewind(m.get(), 1), 0);
  auto swap = ReadValue(m.get());
  ASSERT_TRUE(swap.ok()) << swap.status().ToString();
  EXPECT_EQ(*swap, Json::parse(R"({"threads": 8, "method": "reprocess"})"));
}

TEST(LlmctlOptionsTest, EveryValueTypeRoundTripsThroughAMessage) {
  const OptionList options = {{"b", true},
                              {"i", int32_t{-5}},
                              {"u", uint32_t{40}},
                              {"t", uint64_t{1234567890123ull}},
                              {"d", 0.5},
                              {"s", std::string("auto")},
                              {"as", std::vector<std::string>{"The end", "\n\n"}}};
  MessageBuilder builder;
  MessagePtr m = builder.NewMessage();
  ASSERT_TRUE(AppendOptions(m.get(), options).ok());
  builder.Seal(m.get());
  EXPECT_EQ(
      Signatures(m.get()),
      (std::vector<std::pair<std::string, std::string>>{
          {"b", "b"}, {"i", "i"}, {"u", "u"}, {"t", "t"}, {"d", "d"}, {"s", "s"}, {"as", "as"}}));
  ASSERT_GE(sd_bus_message_rewind(m.get(), 1), 0);
  auto value = ReadValue(m.get());
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, Json::parse(R"({"b": true, "i": -5, "u": 40, "t": 1234567890123, "d": 0.5,
                                    "s": "auto", "as": ["The end", "\n\n"]})"));
}

TEST(LlmctlOptionsTest, NoFlagsLeaveEveryGenerateOptionUnset) {
  const GenerateOptions options{GenerationFlags{}};
  llmcore_generate_options defaults;
  llmcore_generate_default_options(&defaults);
  const llmcore_generate_options& o = *options.get();
  EXPECT_EQ(o.struct_size, sizeof(llmcore_generate_options));
  EXPECT_EQ(o.max_tokens, 0u);
  EXPECT_TRUE(std::isnan(o.temperature));
  EXPECT_EQ(o.top_k, LLMCORE_OPTION_UNSET_INT);
  EXPECT_TRUE(std::isnan(o.top_p));
  EXPECT_TRUE(std::isnan(o.min_p));
  EXPECT_TRUE(std::isnan(o.repeat_penalty));
  EXPECT_EQ(o.repeat_last_n, defaults.repeat_last_n);
  EXPECT_TRUE(std::isnan(o.frequency_penalty));
  EXPECT_TRUE(std::isnan(o.presence_penalty));
  EXPECT_EQ(o.has_seed, 0);
  EXPECT_EQ(o.stop, nullptr);
  EXPECT_EQ(o.stop_count, 0u);
  EXPECT_EQ(o.ignore_eos, 0);
  EXPECT_EQ(llmcore_generate_options_validate(&o, nullptr), LLMCORE_OK);
}

TEST(LlmctlOptionsTest, FlagsBecomeTheirGenerateOptions) {
  GenerationFlags flags;
  flags.max_tokens = 40;
  flags.temperature = 0.0;
  flags.top_k = 5;
  flags.top_p = 0.9;
  flags.min_p = 0.1;
  flags.repeat_penalty = 1.1;
  flags.seed = 1234567890123ull;
  flags.stop = {"The end", "\n\n"};
  flags.ignore_eos = true;
  const GenerateOptions options(flags);
  const llmcore_generate_options& o = *options.get();
  EXPECT_EQ(o.max_tokens, 40u);
  EXPECT_EQ(o.temperature, 0.0);
  EXPECT_EQ(o.top_k, 5);
  EXPECT_DOUBLE_EQ(o.top_p, 0.9);
  EXPECT_DOUBLE_EQ(o.min_p, 0.1);
  EXPECT_DOUBLE_EQ(o.repeat_penalty, 1.1);
  EXPECT_NE(o.has_seed, 0);
  EXPECT_EQ(o.seed, 1234567890123ull);
  ASSERT_EQ(o.stop_count, 2u);
  EXPECT_STREQ(o.stop[0], "The end");
  EXPECT_STREQ(o.stop[1], "\n\n");
  EXPECT_NE(o.ignore_eos, 0);
  // Options llmctl has no flag for stay unset.
  EXPECT_EQ(o.repeat_last_n, LLMCORE_OPTION_UNSET_INT);
  EXPECT_TRUE(std::isnan(o.frequency_penalty));
  EXPECT_EQ(llmcore_generate_options_validate(&o, nullptr), LLMCORE_OK);
}

}  // namespace
}  // namespace llmcore::llmctl
