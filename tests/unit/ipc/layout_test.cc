// Pins the size and field offsets of every struct of the ring layout. A
// failure here means the layout changed: append (inside header_bytes or as a
// new frame type) and bump kRingLayoutMinor, or bump kRingLayoutMajor for any
// other change, then update the numbers below (see ring_layout.h).
#include <gtest/gtest.h>

#include <cstddef>

#include "llmcore/ipc/ring_layout.h"  // first: the header must compile alone

namespace llmcore::ipc {
namespace {

TEST(RingLayoutTest, VersionAndMagic) {
  EXPECT_EQ(kRingLayoutMajor, 1);
  EXPECT_EQ(kRingLayoutMinor, 0);
  EXPECT_EQ(kRingMagic, 0x474e4952434c4c4dULL);
  char text[9] = {};
  static_assert(sizeof kRingMagic == 8);
  __builtin_memcpy(text, &kRingMagic, 8);
  EXPECT_STREQ(text, "MLLCRING");  // little-endian hosts
}

TEST(RingLayoutTest, SegmentOffsets) {
  EXPECT_EQ(kRequestControlOffset, 128u);
  EXPECT_EQ(kEventControlOffset, 256u);
  EXPECT_EQ(kRingDataOffset, 4096u);
  EXPECT_EQ(kFrameAlign, 8u);
}

TEST(RingLayoutTest, Header) {
  EXPECT_EQ(sizeof(RingHeader), 128u);
  EXPECT_EQ(offsetof(RingHeader, magic), 0u);
  EXPECT_EQ(offsetof(RingHeader, version_major), 8u);
  EXPECT_EQ(offsetof(RingHeader, version_minor), 10u);
  EXPECT_EQ(offsetof(RingHeader, header_bytes), 12u);
  EXPECT_EQ(offsetof(RingHeader, total_bytes), 16u);
  EXPECT_EQ(offsetof(RingHeader, flags), 24u);
  EXPECT_EQ(offsetof(RingHeader, request_ring), 32u);
  EXPECT_EQ(offsetof(RingHeader, event_ring), 56u);
  EXPECT_EQ(offsetof(RingHeader, reserved), 80u);
  EXPECT_EQ(sizeof(RingDescriptor), 24u);
  EXPECT_EQ(offsetof(RingDescriptor, control_offset), 0u);
  EXPECT_EQ(offsetof(RingDescriptor, data_offset), 8u);
  EXPECT_EQ(offsetof(RingDescriptor, capacity), 16u);
}

TEST(RingLayoutTest, ControlKeepsProducerAndConsumerOnSeparateCacheLines) {
  EXPECT_EQ(sizeof(RingControl), 128u);
  EXPECT_EQ(alignof(RingControl), 64u);
  EXPECT_EQ(offsetof(RingControl, head), 0u);
  EXPECT_EQ(offsetof(RingControl, tail), 64u);
  EXPECT_EQ(offsetof(RingControl, consumer_waiting), 72u);
  EXPECT_EQ(offsetof(RingControl, tail) / 64, 1u);
  EXPECT_EQ(offsetof(RingControl, head) / 64, 0u);
}

TEST(RingLayoutTest, FrameHeader) {
  EXPECT_EQ(sizeof(FrameHeader), 8u);
  EXPECT_EQ(offsetof(FrameHeader, type), 0u);
  EXPECT_EQ(offsetof(FrameHeader, flags), 2u);
  EXPECT_EQ(offsetof(FrameHeader, length), 4u);
}

TEST(RingLayoutTest, FrameTypeIds) {
  EXPECT_EQ(kFramePadding, 0);
  EXPECT_EQ(kFrameSubmit, 1);
  EXPECT_EQ(kFrameCancel, 2);
  EXPECT_EQ(kFrameToken, 0x101);
  EXPECT_EQ(kFrameFinished, 0x102);
  EXPECT_EQ(kFrameError, 0x103);
}

TEST(RingLayoutTest, SubmitFixed) {
  EXPECT_EQ(sizeof(SubmitFixed), 96u);
  EXPECT_EQ(offsetof(SubmitFixed, request_id), 0u);
  EXPECT_EQ(offsetof(SubmitFixed, input_kind), 8u);
  EXPECT_EQ(offsetof(SubmitFixed, option_mask), 12u);
  EXPECT_EQ(offsetof(SubmitFixed, max_tokens), 16u);
  EXPECT_EQ(offsetof(SubmitFixed, top_k), 20u);
  EXPECT_EQ(offsetof(SubmitFixed, repeat_last_n), 24u);
  EXPECT_EQ(offsetof(SubmitFixed, ignore_eos), 28u);
  EXPECT_EQ(offsetof(SubmitFixed, seed), 32u);
  EXPECT_EQ(offsetof(SubmitFixed, temperature), 40u);
  EXPECT_EQ(offsetof(SubmitFixed, top_p), 48u);
  EXPECT_EQ(offsetof(SubmitFixed, min_p), 56u);
  EXPECT_EQ(offsetof(SubmitFixed, repeat_penalty), 64u);
  EXPECT_EQ(offsetof(SubmitFixed, frequency_penalty), 72u);
  EXPECT_EQ(offsetof(SubmitFixed, presence_penalty), 80u);
  EXPECT_EQ(offsetof(SubmitFixed, stop_count), 88u);
  EXPECT_EQ(offsetof(SubmitFixed, message_count), 92u);
  EXPECT_EQ(kKnownOptionBits, 0x7ffu);
}

TEST(RingLayoutTest, EventPayloads) {
  EXPECT_EQ(sizeof(CancelPayload), 8u);
  EXPECT_EQ(sizeof(TokenFixed), 16u);
  EXPECT_EQ(offsetof(TokenFixed, token_id), 8u);
  EXPECT_EQ(offsetof(TokenFixed, piece_bytes), 12u);
  EXPECT_EQ(sizeof(FinishedPayload), 48u);
  EXPECT_EQ(offsetof(FinishedPayload, prompt_tokens), 8u);
  EXPECT_EQ(offsetof(FinishedPayload, cached_tokens), 12u);
  EXPECT_EQ(offsetof(FinishedPayload, generated_tokens), 16u);
  EXPECT_EQ(offsetof(FinishedPayload, stop_reason), 20u);
  EXPECT_EQ(offsetof(FinishedPayload, queue_ms), 24u);
  EXPECT_EQ(offsetof(FinishedPayload, prefill_ms), 32u);
  EXPECT_EQ(offsetof(FinishedPayload, decode_ms), 40u);
  EXPECT_EQ(sizeof(ErrorFixed), 16u);
  EXPECT_EQ(offsetof(ErrorFixed, code), 8u);
  EXPECT_EQ(offsetof(ErrorFixed, message_bytes), 12u);
}

TEST(RingLayoutTest, CapsFitInTheLargestFrame) {
  const uint64_t largest_submit = sizeof(FrameHeader) + sizeof(SubmitFixed) +
                                  kMaxStopStrings * (4 + kMaxStopStringBytes) +
                                  uint64_t{kMaxChatMessages} * 8 + kMaxPromptBytes;
  EXPECT_LE(largest_submit, kMaxFrameBytes);
  EXPECT_LE(kMaxFrameBytes, kMaxRingCapacity);
}

}  // namespace
}  // namespace llmcore::ipc
