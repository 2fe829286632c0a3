// Reading D-Bus values as JSON, on real sd-bus messages: every basic type,
// variants, structs, arrays, dictionaries, the daemon's reply shapes
// (ListModels' a(ssstx), GetHardware's a{sv}), and the end of the message.
#include "bus_value.h"

#include <gtest/gtest.h>

#include "message_builder.h"

namespace llmcore::llmctl {
namespace {

using testing::MessageBuilder;

class BusValueTest : public ::testing::Test {
 protected:
  MessageBuilder builder_;
};

TEST_F(BusValueTest, ReadsEveryBasicType) {
  MessagePtr m = builder_.NewMessage();
  ASSERT_GE(sd_bus_message_append(m.get(), "ybnqiuxtdsog", uint8_t{7}, 1, int16_t{-3}, uint16_t{4},
                                  int32_t{-5}, uint32_t{6}, int64_t{-7}, uint64_t{1} << 40, 0.5,
                                  "text", "/a/b", "a{sv}"),
            0);
  builder_.Seal(m.get());
  auto values = ReadRemaining(m.get());
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(*values, Json::parse(R"([7, true, -3, 4, -5, 6, -7, 1099511627776, 0.5,
                                     "text", "/a/b", "a{sv}"])"));
}

TEST_F(BusValueTest, ReadsDictionariesWithVariantsAsObjectsInMessageOrder) {
  MessagePtr m = builder_.NewMessage();
  ASSERT_GE(sd_bus_message_append(m.get(), "a{sv}", 4, "name", "s", "stories260K", "size", "t",
                                  uint64_t{1185376}, "pinned", "b", 0, "layers", "u", 5u),
            0);
  builder_.Seal(m.get());
  auto value = ReadValue(m.get());
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->dump(), R"({"name":"stories260K","size":1185376,"pinned":false,"layers":5})");
}

TEST_F(BusValueTest, ReadsArraysOfStructsAsArraysOfArrays) {
  MessagePtr m = builder_.NewMessage();
  ASSERT_GE(sd_bus_message_append(m.get(), "a(ssstx)", 2, "a", "llama", "Q8_0", uint64_t{10},
                                  int64_t{0}, "b", "qwen2", "F16", uint64_t{20}, int64_t{-1}),
            0);
  builder_.Seal(m.get());
  auto value = ReadValue(m.get());
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, Json::parse(R"([["a","llama","Q8_0",10,0],["b","qwen2","F16",20,-1]])"));
}

TEST_F(BusValueTest, ReadsNestedContainersInsideVariants) {
  MessagePtr m = builder_.NewMessage();
  ASSERT_GE(sd_bus_message_append(m.get(), "a{sv}", 3, "features", "as", 2, "avx2", "fma",
                                  "numa_nodes", "a(ut)", 1, 0u, uint64_t{8}, "empty", "ad", 0),
            0);
  builder_.Seal(m.get());
  auto value = ReadValue(m.get());
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(*value, Json::parse(R"({"features":["avx2","fma"],"numa_nodes":[[0,8]],"empty":[]})"));
}

TEST_F(BusValueTest, DictionaryKeysThatAreNotStringsBecomeText) {
  MessagePtr m = builder_.NewMessage();
  ASSERT_GE(sd_bus_message_append(m.get(), "a{us}", 2, 1u, "one", 2u, "two"), 0);
  builder_.Seal(m.get());
  auto value = ReadValue(m.get());
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->dump(), R"({"1":"one","2":"two"})");
}

TEST_F(BusValueTest, LeavesTheMessageAfterTheValue) {
  MessagePtr m = builder_.NewMessage();
  ASSERT_GE(sd_bus_message_append(m.get(), "(su)s", "x", 1u, "next"), 0);
  builder_.Seal(m.get());
  auto first = ReadValue(m.get());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, Json::parse(R"(["x", 1])"));
  const char* next = nullptr;
  ASSERT_GT(sd_bus_message_read(m.get(), "s", &next), 0);
  EXPECT_STREQ(next, "next");
}

TEST_F(BusValueTest, ReadingPastTheEndIsAnError) {
  MessagePtr m = builder_.NewMessage();
  ASSERT_GE(sd_bus_message_append(m.get(), "s", "only"), 0);
  builder_.Seal(m.get());
  ASSERT_TRUE(ReadValue(m.get()).ok());
  auto past = ReadValue(m.get());
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status().code(), StatusCode::kCorrupt);
}

}  // namespace
}  // namespace llmcore::llmctl
