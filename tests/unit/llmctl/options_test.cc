// The a{sv} option dictionaries llmctl sends: written into a real sd-bus
// message and read back, with the D-Bus type of every key as the interface
// description (org.llmcore.Core1.xml) documents it.
#include "options.h"

#include <gtest/gtest.h>

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
  EXPECT_STREQ(OptionSignature(std::vector<std::string>{}), "as");
}

TEST(LlmctlOptionsTest, GenerationOptionsRoundTripThroughAMessage) {
  GenerationFlags flags;
  flags.max_tokens = 40;
  flags.temperature = 0.0;
  flags.top_k = 5;
  flags.seed = 1234567890123ull;
  flags.stop = {"The end", "\n\n"};
  flags.ignore_eos = true;
  MessageBuilder builder;
  MessagePtr m = builder.NewMessage();
  ASSERT_TRUE(AppendOptions(m.get(), GenerationOptions(flags)).ok());
  builder.Seal(m.get());
  EXPECT_EQ(Signatures(m.get()),
            (std::vector<std::pair<std::string, std::string>>{{"max_tokens", "u"},
                                                              {"temperature", "d"},
                                                              {"top_k", "i"},
                                                              {"seed", "t"},
                                                              {"stop", "as"},
                                                              {"ignore_eos", "b"}}));
  ASSERT_GE(sd_bus_message_rewind(m.get(), 1), 0);
  auto value = ReadValue(m.get());
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, Json::parse(R"({"max_tokens": 40, "temperature": 0.0, "top_k": 5,
                                    "seed": 1234567890123, "stop": ["The end", "\n\n"],
                                    "ignore_eos": true})"));
}

TEST(LlmctlOptionsTest, NoOptionsGiveAnEmptyDictionary) {
  MessageBuilder builder;
  MessagePtr m = builder.NewMessage();
  ASSERT_TRUE(AppendOptions(m.get(), GenerationOptions(GenerationFlags{})).ok());
  builder.Seal(m.get());
  EXPECT_STREQ(sd_bus_message_get_signature(m.get(), 1), "a{sv}");
  auto value = ReadValue(m.get());
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, Json::object());
}

TEST(LlmctlOptionsTest, SessionAndLoadOptionsHaveTheirDocumentedTypes) {
  MessageBuilder builder;
  MessagePtr m = builder.NewMessage();
  ASSERT_TRUE(AppendOptions(m.get(), SessionOptions(2048)).ok());
  ASSERT_TRUE(AppendOptions(m.get(), LoadOptions(true)).ok());
  builder.Seal(m.get());
  EXPECT_EQ(Signatures(m.get()),
            (std::vector<std::pair<std::string, std::string>>{{"context_length", "u"}}));
  EXPECT_EQ(Signatures(m.get()), (std::vector<std::pair<std::string, std::string>>{{"pin", "b"}}));
}

}  // namespace
}  // namespace llmcore::llmctl
