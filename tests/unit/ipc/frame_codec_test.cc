// Every message type survives encode → parse unchanged; the encoder refuses
// what the parser would refuse.
#include "llmcore/ipc/frame_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "ring_test_util.h"

namespace llmcore::ipc {
namespace {

using testing::RuleOf;

template <typename M>
void ExpectRequestRoundTrip(const M& message, uint16_t type) {
  auto frame = EncodeRequest(message);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(frame->type, type);
  EXPECT_EQ(frame->flags, 0);
  auto parsed = ParseRequest(*frame);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(std::holds_alternative<M>(*parsed));
  EXPECT_EQ(std::get<M>(*parsed), message);
}

template <typename M>
void ExpectEventRoundTrip(const M& message, uint16_t type) {
  auto frame = EncodeEvent(message);
  ASSERT_TRUE(frame.ok()) << frame.status().ToString();
  EXPECT_EQ(frame->type, type);
  auto parsed = ParseEvent(*frame);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_TRUE(std::holds_alternative<M>(*parsed));
  EXPECT_EQ(std::get<M>(*parsed), message);
}

TEST(FrameCodecTest, SubmitTextWithEveryOption) {
  ExpectRequestRoundTrip(testing::SampleTextSubmit(), kFrameSubmit);
}

TEST(FrameCodecTest, SubmitTextWithoutOptions) {
  SubmitRequest m;
  m.request_id = 1;
  ExpectRequestRoundTrip(m, kFrameSubmit);  // empty prompt, every option absent
  m.options.ignore_eos = true;
  ExpectRequestRoundTrip(m, kFrameSubmit);
}

TEST(FrameCodecTest, SubmitChat) {
  ExpectRequestRoundTrip(testing::SampleChatSubmit(), kFrameSubmit);
}

TEST(FrameCodecTest, SubmitEncodingIsCompact) {
  SubmitRequest m;
  m.request_id = 1;
  m.prompt = "abc";
  auto frame = EncodeRequest(m);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->payload.size(), sizeof(SubmitFixed) + 4 + 3);
}

TEST(FrameCodecTest, Cancel) {
  ExpectRequestRoundTrip(CancelRequest{42}, kFrameCancel);
}

TEST(FrameCodecTest, Token) {
  ExpectEventRoundTrip(testing::SampleToken(), kFrameToken);
  ExpectEventRoundTrip(TokenEvent{1, 0, ""}, kFrameToken);
}

TEST(FrameCodecTest, Finished) {
  ExpectEventRoundTrip(testing::SampleFinished(), kFrameFinished);
  FinishedEvent error_end = testing::SampleFinished();
  error_end.stop_reason = kStopError;
  ExpectEventRoundTrip(error_end, kFrameFinished);
}

TEST(FrameCodecTest, Error) {
  ExpectEventRoundTrip(testing::SampleError(), kFrameError);
  ExpectEventRoundTrip(ErrorEvent{0, kRingErrorProtocolViolation, "ring: head-behind-tail: x"},
                       kFrameError);
}

TEST(FrameCodecTest, DirectionsDoNotMix) {
  auto token = EncodeEvent(testing::SampleToken());
  ASSERT_TRUE(token.ok());
  auto as_request = ParseRequest(*token);
  ASSERT_FALSE(as_request.ok());
  EXPECT_EQ(RuleOf(as_request.status().message()), "unexpected-frame-type");
  auto cancel = EncodeRequest(CancelRequest{1});
  ASSERT_TRUE(cancel.ok());
  auto as_event = ParseEvent(*cancel);
  ASSERT_FALSE(as_event.ok());
  EXPECT_EQ(RuleOf(as_event.status().message()), "unexpected-frame-type");
}

// What the encoder refuses (kInvalidArgument), one row per rule.
TEST(FrameCodecTest, EncoderRefusesWhatBreaksACap) {
  struct Row {
    const char* rule;
    RequestMessage message;
  };
  auto text = [](std::string prompt) {
    SubmitRequest m;
    m.request_id = 1;
    m.prompt = std::move(prompt);
    return m;
  };
  SubmitRequest zero_id = text("x");
  zero_id.request_id = 0;
  SubmitRequest big = text(std::string(kMaxPromptBytes + 1, 'a'));
  SubmitRequest bad_utf8 = text("a\xc0\xafz");
  SubmitRequest nan = text("x");
  nan.options.temperature = std::numeric_limits<double>::quiet_NaN();
  SubmitRequest stops = text("x");
  stops.options.stop.assign(kMaxStopStrings + 1, "s");
  SubmitRequest long_stop = text("x");
  long_stop.options.stop = {std::string(kMaxStopStringBytes + 1, 's')};
  SubmitRequest empty_chat = text("");
  empty_chat.input_kind = kInputChat;
  SubmitRequest many = empty_chat;
  many.messages.assign(kMaxChatMessages + 1, ChatMessage{"user", "x"});
  SubmitRequest long_role = empty_chat;
  long_role.messages = {{std::string(kMaxRoleBytes + 1, 'r'), "x"}};
  SubmitRequest mixed = testing::SampleChatSubmit();
  mixed.prompt = "also text";
  const Row rows[] = {
      {"zero-request-id", zero_id},
      {"zero-request-id", CancelRequest{0}},
      {"oversized-prompt", big},
      {"invalid-utf8", bad_utf8},
      {"non-finite-option", nan},
      {"too-many-stop-strings", stops},
      {"oversized-stop-string", long_stop},
      {"empty-chat", empty_chat},
      {"too-many-chat-messages", many},
      {"oversized-role", long_role},
      {"bad-input-kind", mixed},
  };
  for (const Row& row : rows) {
    auto frame = EncodeRequest(row.message);
    ASSERT_FALSE(frame.ok()) << row.rule;
    EXPECT_EQ(frame.status().code(), StatusCode::kInvalidArgument) << row.rule;
    EXPECT_EQ(RuleOf(frame.status().message()), row.rule) << frame.status().ToString();
  }
}

TEST(FrameCodecTest, EncoderRefusesBadEvents) {
  FinishedEvent bad_stats = testing::SampleFinished();
  bad_stats.cached_tokens = bad_stats.prompt_tokens + 1;
  FinishedEvent negative = testing::SampleFinished();
  negative.decode_ms = -1;
  FinishedEvent bad_reason = testing::SampleFinished();
  bad_reason.stop_reason = static_cast<StopReasonCode>(99);
  const std::pair<const char*, EventMessage> rows[] = {
      {"oversized-piece", TokenEvent{1, 1, std::string(kMaxPieceBytes + 1, 'p')}},
      {"invalid-utf8", TokenEvent{1, 1, "\xed\xa0\x80"}},  // a surrogate
      {"bad-stats", bad_stats},
      {"bad-stats", negative},
      {"bad-stop-reason", bad_reason},
      {"bad-error-code", ErrorEvent{1, static_cast<RingErrorCode>(0), "x"}},
      {"oversized-error-message",
       ErrorEvent{1, kRingErrorFailed, std::string(kMaxErrorMessageBytes + 1, 'e')}},
  };
  for (const auto& [rule, message] : rows) {
    auto frame = EncodeEvent(message);
    ASSERT_FALSE(frame.ok()) << rule;
    EXPECT_EQ(RuleOf(frame.status().message()), rule) << frame.status().ToString();
  }
}

TEST(FrameCodecTest, LargestPromptEncodes) {
  SubmitRequest m;
  m.request_id = 3;
  m.prompt.assign(kMaxPromptBytes, 'a');
  ExpectRequestRoundTrip(m, kFrameSubmit);
}

}  // namespace
}  // namespace llmcore::ipc
