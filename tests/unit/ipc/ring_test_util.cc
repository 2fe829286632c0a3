#include "ring_test_util.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>

namespace llmcore::ipc::testing {

void SmallRingsTest::SetUp() {
  auto mem = RingMemory::Create({4096, 4096});
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  mem_ = std::make_unique<RingMemory>(std::move(*mem));
}

SubmitRequest SampleTextSubmit() {
  SubmitRequest m;
  m.request_id = 0x1122334455667788ULL;
  m.input_kind = kInputText;
  m.prompt = "Once upon a time, \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80";
  SubmitOptions& o = m.options;
  o.max_tokens = 40;
  o.temperature = 0.7;
  o.top_k = -1;
  o.top_p = 0.9;
  o.min_p = 0.05;
  o.repeat_penalty = 1.1;
  o.repeat_last_n = -1;
  o.frequency_penalty = -0.5;
  o.presence_penalty = 2;
  o.seed = 0xfedcba9876543210ULL;
  o.ignore_eos = false;
  o.stop = {"\n\n", "", "THE END"};
  return m;
}

SubmitRequest SampleChatSubmit() {
  SubmitRequest m;
  m.request_id = 2;
  m.input_kind = kInputChat;
  m.messages = {{"system", "Be brief."}, {"user", "Hi \xe2\x82\xac"}, {"assistant", ""}};
  return m;
}

TokenEvent SampleToken() {
  return TokenEvent{9, 31999, " lit\xc3\xa9"};
}

FinishedEvent SampleFinished() {
  FinishedEvent m;
  m.request_id = 9;
  m.prompt_tokens = 12;
  m.cached_tokens = 5;
  m.generated_tokens = 40;
  m.stop_reason = kStopLength;
  m.queue_ms = 0.25;
  m.prefill_ms = 3.5;
  m.decode_ms = 120;
  return m;
}

ErrorEvent SampleError() {
  return ErrorEvent{9, kRingErrorBusy, "too many queued requests"};
}

SubmitFixed TextFixed(uint64_t request_id) {
  SubmitFixed f{};
  f.request_id = request_id;
  f.input_kind = kInputText;
  return f;
}

std::vector<uint8_t> SubmitPayload(const SubmitFixed& fixed,
                                   const std::vector<std::string>& strings) {
  std::vector<uint8_t> out = Bytes(fixed);
  for (const std::string& s : strings) {
    const auto n = static_cast<uint32_t>(s.size());
    const std::vector<uint8_t> len = Bytes(n);
    out.insert(out.end(), len.begin(), len.end());
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

void WriteFrameAt(const RingView& ring, uint64_t pos, uint16_t type, uint16_t flags,
                  uint32_t length, std::span<const uint8_t> payload) {
  pos &= ring.capacity - 1;
  const FrameHeader h{type, flags, length};
  std::memcpy(ring.data + pos, &h, sizeof h);
  const uint64_t room = ring.capacity - pos - sizeof h;
  const uint64_t n = std::min<uint64_t>(payload.size(), room);
  if (n != 0) std::memcpy(ring.data + pos + sizeof h, payload.data(), n);
}

void StoreHead(const RingView& ring, uint64_t head) {
  std::atomic_ref<uint64_t>(ring.control->head).store(head, std::memory_order_release);
}

void StoreTail(const RingView& ring, uint64_t tail) {
  std::atomic_ref<uint64_t>(ring.control->tail).store(tail, std::memory_order_release);
}

void PublishRaw(const RingView& ring, uint64_t* head, uint16_t type, uint16_t flags,
                uint32_t length, std::span<const uint8_t> payload) {
  WriteFrameAt(ring, *head, type, flags, length, payload);
  *head += (sizeof(FrameHeader) + uint64_t{length} + kFrameAlign - 1) & ~(kFrameAlign - 1);
  StoreHead(ring, *head);
}

std::string RuleOf(const std::string& message) {
  constexpr std::string_view kPrefix = "ring: ";
  if (!message.starts_with(kPrefix)) return "";
  size_t end = message.find(':', kPrefix.size());
  if (end == std::string::npos) return "";
  return message.substr(kPrefix.size(), end - kPrefix.size());
}

}  // namespace llmcore::ipc::testing
