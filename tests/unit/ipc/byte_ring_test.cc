// The framed byte ring: frames in order, wrap-around with padding, a full
// ring answering kWouldBlock, and the typed writers and readers on top.
#include "llmcore/ipc/byte_ring.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "llmcore/ipc/ring.h"
#include "ring_test_util.h"

namespace llmcore::ipc {
namespace {

std::vector<uint8_t> Payload(size_t n, uint8_t seed) {
  std::vector<uint8_t> p(n);
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(seed + i * 7);
  return p;
}

class ByteRingTest : public testing::SmallRingsTest {};

TEST_F(ByteRingTest, EmptyRingReadsNothing) {
  RingConsumer consumer(mem_->requests());
  auto frame = consumer.TryRead();
  ASSERT_TRUE(frame.ok());
  EXPECT_FALSE(frame->has_value());
}

TEST_F(ByteRingTest, FramesComeOutInOrderAndPadded) {
  RingProducer producer(mem_->requests(), -1);
  RingConsumer consumer(mem_->requests());
  for (size_t n : {0, 1, 7, 8, 9, 100}) {
    auto w = producer.TryWrite(kFrameCancel, 0, Payload(n, static_cast<uint8_t>(n)));
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ(*w, WriteOutcome::kWritten);
  }
  EXPECT_EQ(producer.head(), 8u + 16 + 16 + 16 + 24 + 112);
  EXPECT_EQ(mem_->requests().control->head, producer.head());
  for (size_t n : {0, 1, 7, 8, 9, 100}) {
    auto r = consumer.TryRead();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->type, kFrameCancel);
    EXPECT_EQ((*r)->payload, Payload(n, static_cast<uint8_t>(n)));
  }
  EXPECT_EQ(consumer.tail(), producer.head());
  EXPECT_EQ(mem_->requests().control->tail, producer.head());
}

TEST_F(ByteRingTest, WrapsWithAPaddingFrameAndNeverSplitsAFrame) {
  RingProducer producer(mem_->requests(), -1);
  RingConsumer consumer(mem_->requests());
  // 1000-byte frames (1008 with header) in a 4096-byte ring: the fifth one
  // does not fit before the end and goes to offset 0 behind a padding frame.
  uint64_t written = 0;
  for (int round = 0; round < 50; ++round) {
    const std::vector<uint8_t> payload = Payload(1000, static_cast<uint8_t>(round));
    auto w = producer.TryWrite(kFrameSubmit, 0, payload);
    ASSERT_TRUE(w.ok());
    ASSERT_EQ(*w, WriteOutcome::kWritten);
    ++written;
    auto r = consumer.TryRead();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ((*r)->payload, payload) << "round " << round;
  }
  EXPECT_GT(producer.head(), written * 1008);  // padding was written
  EXPECT_EQ(consumer.tail(), producer.head());
  // Padding frame as the wire has it: at the end of the first lap.
  FrameHeader pad;
  std::memcpy(&pad, mem_->requests().data + 4 * 1008, sizeof pad);
  EXPECT_EQ(pad.type, kFramePadding);
  EXPECT_EQ(pad.length, 4096u - 4 * 1008 - 8);
}

TEST_F(ByteRingTest, FullRingWouldBlockUntilTheConsumerReads) {
  RingProducer producer(mem_->events(), -1);
  RingConsumer consumer(mem_->events());
  int written = 0;
  for (;;) {
    auto w = producer.TryWrite(kFrameToken, 0, Payload(120, 1));
    ASSERT_TRUE(w.ok());
    if (*w == WriteOutcome::kWouldBlock) break;
    ++written;
  }
  EXPECT_EQ(written, 4096 / 128);
  const uint64_t head = producer.head();
  auto again = producer.TryWrite(kFrameToken, 0, Payload(120, 1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, WriteOutcome::kWouldBlock);
  EXPECT_EQ(producer.head(), head);  // nothing written
  auto r = consumer.TryRead();
  ASSERT_TRUE(r.ok() && r->has_value());
  auto w = producer.TryWrite(kFrameToken, 0, Payload(120, 1));
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(*w, WriteOutcome::kWritten);
}

TEST_F(ByteRingTest, FrameAsLargeAsTheRingFitsAfterPadding) {
  RingProducer producer(mem_->requests(), -1);
  RingConsumer consumer(mem_->requests());
  ASSERT_EQ(*producer.TryWrite(kFrameCancel, 0, Payload(100, 1)), WriteOutcome::kWritten);
  // Needs the whole ring: blocks (after publishing padding) until read.
  const std::vector<uint8_t> whole = Payload(4096 - 8, 2);
  ASSERT_EQ(*producer.TryWrite(kFrameSubmit, 0, whole), WriteOutcome::kWouldBlock);
  auto first = consumer.TryRead();
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->payload.size(), 100u);
  auto none = consumer.TryRead();  // skips the padding
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_EQ(*producer.TryWrite(kFrameSubmit, 0, whole), WriteOutcome::kWritten);
  auto big = consumer.TryRead();
  ASSERT_TRUE(big.ok() && big->has_value());
  EXPECT_EQ((*big)->payload, whole);
}

TEST_F(ByteRingTest, FrameLargerThanTheRingIsRefused) {
  RingProducer producer(mem_->requests(), -1);
  auto w = producer.TryWrite(kFrameSubmit, 0, Payload(4096, 0));
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::RuleOf(w.status().message()), "frame-too-large");
  EXPECT_EQ(producer.head(), 0u);
}

TEST_F(ByteRingTest, TypedMessagesThroughBothRings) {
  auto client = RingMemory::Map(UniqueFd(dup(mem_->fd())));
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  RequestWriter requests_out(client->requests(), -1);
  RequestReader requests_in(mem_->requests());
  EventWriter events_out(mem_->events(), -1);
  EventReader events_in(client->events());

  const RequestMessage sent_requests[] = {testing::SampleTextSubmit(), testing::SampleChatSubmit(),
                                          CancelRequest{5}};
  for (const RequestMessage& m : sent_requests) {
    auto w = requests_out.Write(m);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_EQ(*w, WriteOutcome::kWritten);
  }
  for (const RequestMessage& m : sent_requests) {
    auto r = requests_in.Read();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, m);
  }
  const EventMessage sent_events[] = {testing::SampleToken(), testing::SampleError(),
                                      testing::SampleFinished()};
  for (const EventMessage& m : sent_events) ASSERT_TRUE(events_out.Write(m).ok());
  for (const EventMessage& m : sent_events) {
    auto r = events_in.Read();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r->has_value());
    EXPECT_EQ(**r, m);
  }
  auto empty = events_in.Read();
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
}

TEST_F(ByteRingTest, EventWriterReportsBackpressure) {
  EventWriter writer(mem_->events(), -1);
  int written = 0;
  for (;;) {
    auto w = writer.Write(testing::SampleToken());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    if (*w == WriteOutcome::kWouldBlock) break;
    ++written;
  }
  EXPECT_EQ(written, 4096 / 32);  // 8 header + 16 + 6 piece bytes, padded to 32
}

}  // namespace
}  // namespace llmcore::ipc
