// One hand-made malformed input per validation rule, each expecting its
// named error: the daemon's request reader fed by a hostile client, the
// daemon's event writer facing a hostile tail, the client's event reader, and
// a client mapping a bad segment. Nothing may crash, hang or abort.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "llmcore/ipc/frame_codec.h"
#include "llmcore/ipc/ring.h"
#include "ring_test_util.h"

namespace llmcore::ipc {
namespace {

using testing::Bytes;
using testing::PublishRaw;
using testing::RuleOf;
using testing::StoreHead;
using testing::StoreTail;
using testing::SubmitPayload;
using testing::TextFixed;
using testing::WriteFrameAt;

struct RingRow {
  const char* rule;
  // Plays the hostile peer on a fresh 4096-byte ring; `head` starts at 0.
  std::function<void(const RingView& ring, uint64_t* head)> write;
};

void Publish(const RingView& ring, uint64_t* head, uint16_t type,
             const std::vector<uint8_t>& payload) {
  PublishRaw(ring, head, type, 0, static_cast<uint32_t>(payload.size()), payload);
}

void PublishSubmit(const RingView& ring, uint64_t* head, const SubmitFixed& fixed,
                   const std::vector<std::string>& strings) {
  Publish(ring, head, kFrameSubmit, SubmitPayload(fixed, strings));
}

SubmitFixed ChatFixed(uint32_t count) {
  SubmitFixed f = TextFixed();
  f.input_kind = kInputChat;
  f.message_count = count;
  return f;
}

SubmitFixed WithOption(uint32_t bit, std::function<void(SubmitFixed*)> set) {
  SubmitFixed f = TextFixed();
  f.option_mask = bit;
  set(&f);
  return f;
}

std::vector<RingRow> RequestRows() {
  const std::vector<uint8_t> cancel = Bytes(CancelPayload{1});
  return {
      // Indices.
      {"index-misaligned", [](const RingView& r, uint64_t*) { StoreHead(r, 3); }},
      {"index-beyond-capacity", [](const RingView& r, uint64_t*) { StoreHead(r, 4096 + 8); }},
      {"index-beyond-capacity", [](const RingView& r, uint64_t*) { StoreHead(r, ~uint64_t{7}); }},
      // Frames in the ring.
      {"oversized-frame",
       [](const RingView& r, uint64_t*) {
         WriteFrameAt(r, 0, kFrameSubmit, 0, static_cast<uint32_t>(kMaxFrameBytes), {});
         StoreHead(r, 4096);
       }},
      {"oversized-frame",
       [](const RingView& r, uint64_t*) {
         WriteFrameAt(r, 0, kFrameSubmit, 0, 0xffffffffu, {});
         StoreHead(r, 16);
       }},
      {"frame-crosses-end",
       [](const RingView& r, uint64_t*) {
         WriteFrameAt(r, 0, kFrameSubmit, 0, 4096, {});
         StoreHead(r, 4096);
       }},
      {"frame-beyond-head",
       [](const RingView& r, uint64_t*) {
         WriteFrameAt(r, 0, kFrameSubmit, 0, 100, {});
         StoreHead(r, 16);
       }},
      {"bad-padding",
       [](const RingView& r, uint64_t*) {
         WriteFrameAt(r, 0, kFramePadding, 0, 8, {});
         StoreHead(r, 16);
       }},
      {"bad-padding",
       [](const RingView& r, uint64_t*) {
         WriteFrameAt(r, 0, kFramePadding, 1, 4096 - 8, {});
         StoreHead(r, 4096);
       }},
      {"unknown-frame-type",
       [cancel](const RingView& r, uint64_t* h) { Publish(r, h, 0x7777, cancel); }},
      {"unexpected-frame-type",
       [](const RingView& r, uint64_t* h) {
         Publish(r, h, kFrameToken, Bytes(TokenFixed{1, 2, 0}));
       }},
      {"unknown-frame-flags",
       [cancel](const RingView& r, uint64_t* h) {
         PublishRaw(r, h, kFrameCancel, 0x8000, 8, cancel);
       }},
      // Payloads.
      {"truncated-payload",
       [](const RingView& r, uint64_t* h) {
         std::vector<uint8_t> p = Bytes(TextFixed());
         p.resize(50);
         Publish(r, h, kFrameSubmit, p);
       }},
      {"truncated-payload",
       [](const RingView& r, uint64_t* h) {
         std::vector<uint8_t> p = SubmitPayload(TextFixed(), {"hello"});
         p.pop_back();
         Publish(r, h, kFrameSubmit, p);
       }},
      {"truncated-payload",
       [](const RingView& r, uint64_t* h) { PublishSubmit(r, h, ChatFixed(1000), {}); }},
      {"truncated-payload",
       [](const RingView& r, uint64_t* h) { Publish(r, h, kFrameCancel, {}); }},
      {"trailing-bytes",
       [](const RingView& r, uint64_t* h) {
         Publish(r, h, kFrameCancel, std::vector<uint8_t>(16, 1));
       }},
      {"trailing-bytes",
       [](const RingView& r, uint64_t* h) {
         PublishSubmit(r, h, TextFixed(), {"a", "b"});
       }},
      {"invalid-utf8",
       [](const RingView& r, uint64_t* h) { PublishSubmit(r, h, TextFixed(), {"ok \xff"}); }},
      {"invalid-utf8",
       [](const RingView& r, uint64_t* h) {
         PublishSubmit(r, h, ChatFixed(1), {"us\xc3", "hello"});
       }},
      {"invalid-utf8",
       [](const RingView& r, uint64_t* h) {
         SubmitFixed f = TextFixed();
         f.stop_count = 1;
         PublishSubmit(r, h, f, {"\xe0\x80\x80", "prompt"});  // overlong
       }},
      {"too-many-chat-messages",
       [](const RingView& r, uint64_t* h) {
         PublishSubmit(r, h, ChatFixed(kMaxChatMessages + 1), {});
       }},
      {"too-many-chat-messages",
       [](const RingView& r, uint64_t* h) { PublishSubmit(r, h, ChatFixed(0xffffffffu), {}); }},
      {"empty-chat", [](const RingView& r, uint64_t* h) { PublishSubmit(r, h, ChatFixed(0), {}); }},
      {"too-many-stop-strings",
       [](const RingView& r, uint64_t* h) {
         SubmitFixed f = TextFixed();
         f.stop_count = kMaxStopStrings + 1;
         PublishSubmit(r, h, f, {});
       }},
      {"oversized-stop-string",
       [](const RingView& r, uint64_t* h) {
         SubmitFixed f = TextFixed();
         f.stop_count = 1;
         PublishSubmit(r, h, f, {std::string(kMaxStopStringBytes + 1, 's'), "p"});
       }},
      {"oversized-role",
       [](const RingView& r, uint64_t* h) {
         PublishSubmit(r, h, ChatFixed(1), {std::string(kMaxRoleBytes + 1, 'r'), "hi"});
       }},
      {"oversized-prompt",
       [](const RingView& r, uint64_t* h) {
         std::vector<uint8_t> p = Bytes(TextFixed());
         const std::vector<uint8_t> len = Bytes(static_cast<uint32_t>(kMaxPromptBytes + 1));
         p.insert(p.end(), len.begin(), len.end());
         Publish(r, h, kFrameSubmit, p);
       }},
      {"unknown-option",
       [](const RingView& r, uint64_t* h) {
         PublishSubmit(r, h, WithOption(1u << 11, [](SubmitFixed*) {}), {"p"});
       }},
      {"non-finite-option",
       [](const RingView& r, uint64_t* h) {
         SubmitFixed f = WithOption(kOptTemperature, [](SubmitFixed* s) {
           s->temperature = std::numeric_limits<double>::quiet_NaN();
         });
         PublishSubmit(r, h, f, {"p"});
       }},
      {"non-finite-option",
       [](const RingView& r, uint64_t* h) {
         SubmitFixed f = WithOption(kOptPresencePenalty, [](SubmitFixed* s) {
           s->presence_penalty = -std::numeric_limits<double>::infinity();
         });
         PublishSubmit(r, h, f, {"p"});
       }},
      {"bad-option-value",
       [](const RingView& r, uint64_t* h) {
         PublishSubmit(r, h, WithOption(kOptIgnoreEos, [](SubmitFixed* s) { s->ignore_eos = 2; }),
                       {"p"});
       }},
      {"zero-request-id",
       [](const RingView& r, uint64_t* h) { PublishSubmit(r, h, TextFixed(0), {"p"}); }},
      {"zero-request-id",
       [](const RingView& r, uint64_t* h) {
         Publish(r, h, kFrameCancel, Bytes(CancelPayload{0}));
       }},
      {"bad-input-kind",
       [](const RingView& r, uint64_t* h) {
         SubmitFixed f = TextFixed();
         f.input_kind = 3;
         PublishSubmit(r, h, f, {"p"});
       }},
      {"bad-message-count",
       [](const RingView& r, uint64_t* h) {
         SubmitFixed f = TextFixed();
         f.message_count = 2;
         PublishSubmit(r, h, f, {"p"});
       }},
  };
}

class MalformedTest : public testing::SmallRingsTest {};

TEST_F(MalformedTest, DaemonRequestReaderNamesEveryBrokenRule) {
  for (const RingRow& row : RequestRows()) {
    SetUp();
    uint64_t head = 0;
    row.write(mem_->requests(), &head);
    RequestReader reader(mem_->requests());
    auto r = reader.Read();
    ASSERT_FALSE(r.ok()) << row.rule << ": accepted";
    EXPECT_EQ(r.status().code(), StatusCode::kCorrupt) << row.rule;
    EXPECT_EQ(RuleOf(r.status().message()), row.rule) << r.status().ToString();
    // The reader stays failed: the session is over.
    auto again = reader.Read();
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().message(), r.status().message());
  }
}

TEST_F(MalformedTest, HeadBehindTail) {
  RingView ring = mem_->requests();
  uint64_t head = 0;
  Publish(ring, &head, kFrameCancel, Bytes(CancelPayload{1}));
  Publish(ring, &head, kFrameCancel, Bytes(CancelPayload{2}));
  RequestReader reader(ring);
  ASSERT_TRUE(reader.Read().ok());
  ASSERT_TRUE(reader.Read().ok());  // tail is now 32
  StoreHead(ring, 16);
  auto r = reader.Read();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(RuleOf(r.status().message()), "head-behind-tail") << r.status().ToString();
}

TEST_F(MalformedTest, ValidFramesBeforeABadOneAreDelivered) {
  RingView ring = mem_->requests();
  uint64_t head = 0;
  Publish(ring, &head, kFrameCancel, Bytes(CancelPayload{1}));
  Publish(ring, &head, 0x4242, {});
  RequestReader reader(ring);
  auto first = reader.Read();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ(std::get<CancelRequest>(**first).request_id, 1u);
  auto second = reader.Read();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(RuleOf(second.status().message()), "unknown-frame-type");
}

// The daemon's event producer reads the client's tail: fill the ring so that
// the producer must read it, then lie.
TEST_F(MalformedTest, DaemonEventWriterNamesABadTail) {
  struct Row {
    const char* rule;
    std::function<void(const RingView&)> lie;
  };
  const Row rows[] = {
      {"index-misaligned", [](const RingView& r) { StoreTail(r, 12); }},
      {"head-behind-tail", [](const RingView& r) { StoreTail(r, 1ULL << 40); }},
      {"index-moved-backwards", [](const RingView& r) { StoreTail(r, 0); }},
  };
  for (const Row& row : rows) {
    SetUp();
    RingView ring = mem_->events();
    EventWriter writer(ring, -1);
    const TokenEvent token = testing::SampleToken();
    Result<WriteOutcome> w = WriteOutcome::kWritten;
    while ((w = writer.Write(token)).ok() && *w == WriteOutcome::kWritten) {
    }
    ASSERT_TRUE(w.ok());
    StoreTail(ring, 64);  // an honest read of two events
    ASSERT_EQ(*writer.Write(token), WriteOutcome::kWritten);
    ASSERT_EQ(*writer.Write(token), WriteOutcome::kWritten);
    row.lie(ring);
    w = writer.Write(token);
    ASSERT_FALSE(w.ok()) << row.rule;
    EXPECT_EQ(w.status().code(), StatusCode::kCorrupt);
    EXPECT_EQ(RuleOf(w.status().message()), row.rule) << w.status().ToString();
    EXPECT_FALSE(writer.Write(token).ok());  // stays failed
  }
}

TEST_F(MalformedTest, ClientEventReaderNamesEveryBrokenRule) {
  FinishedPayload bad_reason{};
  bad_reason.request_id = 1;
  bad_reason.stop_reason = 0;
  FinishedPayload bad_stats{};
  bad_stats.request_id = 1;
  bad_stats.stop_reason = kStopEos;
  bad_stats.prompt_tokens = 1;
  bad_stats.cached_tokens = 2;
  FinishedPayload nan_time{};
  nan_time.request_id = 1;
  nan_time.stop_reason = kStopEos;
  nan_time.decode_ms = std::nan("");
  auto token = [](std::string piece) {
    std::vector<uint8_t> p = Bytes(TokenFixed{1, 5, static_cast<uint32_t>(piece.size())});
    p.insert(p.end(), piece.begin(), piece.end());
    return p;
  };
  auto error = [](uint32_t code, std::string text) {
    std::vector<uint8_t> p = Bytes(ErrorFixed{0, code, static_cast<uint32_t>(text.size())});
    p.insert(p.end(), text.begin(), text.end());
    return p;
  };
  std::vector<uint8_t> oversized_piece = Bytes(TokenFixed{1, 5, kMaxPieceBytes + 1});
  const std::pair<const char*, std::pair<uint16_t, std::vector<uint8_t>>> rows[] = {
      {"bad-stop-reason", {kFrameFinished, Bytes(bad_reason)}},
      {"bad-stats", {kFrameFinished, Bytes(bad_stats)}},
      {"bad-stats", {kFrameFinished, Bytes(nan_time)}},
      {"bad-error-code", {kFrameError, error(77, "x")}},
      {"invalid-utf8", {kFrameError, error(kRingErrorFailed, "\xc3")}},
      {"invalid-utf8", {kFrameToken, token("\xf4\x90\x80\x80")}},  // above U+10FFFF
      {"oversized-piece", {kFrameToken, oversized_piece}},
      {"oversized-error-message",
       {kFrameError, Bytes(ErrorFixed{1, kRingErrorFailed, kMaxErrorMessageBytes + 1})}},
      {"truncated-payload", {kFrameToken, std::vector<uint8_t>(12, 0)}},
      {"truncated-payload", {kFrameToken, Bytes(TokenFixed{1, 5, 10})}},
      {"zero-request-id", {kFrameToken, Bytes(TokenFixed{0, 5, 0})}},
      {"unexpected-frame-type", {kFrameSubmit, SubmitPayload(TextFixed(), {"p"})}},
  };
  for (const auto& [rule, frame] : rows) {
    SetUp();
    uint64_t head = 0;
    Publish(mem_->events(), &head, frame.first, frame.second);
    EventReader reader(mem_->events());
    auto r = reader.Read();
    ASSERT_FALSE(r.ok()) << rule << ": accepted";
    EXPECT_EQ(RuleOf(r.status().message()), rule) << r.status().ToString();
  }
}

// ---- the segment, as a client maps it ----------------------------------------

struct SegmentRow {
  const char* rule;
  StatusCode code;
  std::function<void(RingHeader*)> edit;
};

TEST_F(MalformedTest, MapNamesEveryBrokenSegmentRule) {
  const SegmentRow rows[] = {
      {"bad-magic", StatusCode::kInvalidArgument, [](RingHeader* h) { h->magic ^= 1; }},
      {"unsupported-major-version", StatusCode::kUnsupported,
       [](RingHeader* h) { h->version_major = 2; }},
      {"unsupported-major-version", StatusCode::kUnsupported,
       [](RingHeader* h) { h->version_major = 0; }},
      {"bad-header-size", StatusCode::kCorrupt, [](RingHeader* h) { h->header_bytes = 64; }},
      {"size-mismatch", StatusCode::kCorrupt, [](RingHeader* h) { h->total_bytes += 4096; }},
      {"bad-capacity", StatusCode::kCorrupt, [](RingHeader* h) { h->event_ring.capacity = 6000; }},
      {"bad-capacity", StatusCode::kCorrupt, [](RingHeader* h) { h->request_ring.capacity = 0; }},
      {"ring-out-of-bounds", StatusCode::kCorrupt,
       [](RingHeader* h) { h->event_ring.data_offset += 8; }},
      {"ring-out-of-bounds", StatusCode::kCorrupt,
       [](RingHeader* h) { h->event_ring.data_offset = ~uint64_t{7}; }},
      {"ring-out-of-bounds", StatusCode::kCorrupt,
       [](RingHeader* h) { h->request_ring.control_offset = 4096; }},
      {"ring-out-of-bounds", StatusCode::kCorrupt,
       [](RingHeader* h) { h->request_ring.control_offset = 130; }},
      {"rings-overlap", StatusCode::kCorrupt,
       [](RingHeader* h) { h->event_ring.control_offset = h->request_ring.control_offset; }},
      {"rings-overlap", StatusCode::kCorrupt,
       [](RingHeader* h) { h->event_ring.data_offset = h->request_ring.data_offset; }},
  };
  for (const SegmentRow& row : rows) {
    SetUp();
    RingHeader h;
    std::memcpy(&h, mem_->base(), sizeof h);
    row.edit(&h);
    std::memcpy(mem_->base(), &h, sizeof h);
    auto mapped = RingMemory::Map(UniqueFd(dup(mem_->fd())));
    ASSERT_FALSE(mapped.ok()) << row.rule << ": accepted";
    EXPECT_EQ(mapped.status().code(), row.code) << row.rule;
    EXPECT_EQ(RuleOf(mapped.status().message()), row.rule) << mapped.status().ToString();
  }
}

TEST_F(MalformedTest, WrongMajorSaysWhichVersions) {
  reinterpret_cast<RingHeader*>(mem_->base())->version_major = 3;
  auto mapped = RingMemory::Map(UniqueFd(dup(mem_->fd())));
  ASSERT_FALSE(mapped.ok());
  EXPECT_NE(mapped.status().message().find("ring layout 3.0, this build speaks 1.x"),
            std::string::npos)
      << mapped.status().ToString();
}

TEST_F(MalformedTest, MapRefusesUnsealedAndNonMemfd) {
  // A copy of a valid segment in a memfd that was never sealed.
  int raw = memfd_create("unsealed", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  ASSERT_GE(raw, 0);
  UniqueFd unsealed(raw);
  ASSERT_EQ(ftruncate(unsealed.get(), static_cast<off_t>(mem_->size())), 0);
  ASSERT_EQ(pwrite(unsealed.get(), mem_->base(), mem_->size(), 0),
            static_cast<ssize_t>(mem_->size()));
  auto r1 = RingMemory::Map(std::move(unsealed));
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RuleOf(r1.status().message()), "missing-seals");

  int fds[2];
  ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
  UniqueFd write_end(fds[1]);
  auto r2 = RingMemory::Map(UniqueFd(fds[0]));
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(RuleOf(r2.status().message()), "missing-seals");
}

}  // namespace
}  // namespace llmcore::ipc
