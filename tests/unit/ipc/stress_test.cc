// Two threads, one ring: 100k frames of varying sizes through a small ring
// (many wrap-arounds and full-ring retries), checked for order and content,
// with the consumer sleeping on the eventfd whenever the ring is empty.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "llmcore/ipc/eventfd.h"
#include "llmcore/ipc/ring.h"

namespace llmcore::ipc {
namespace {

constexpr uint64_t kFrames = 100000;

TokenEvent Nth(uint64_t i) {
  TokenEvent t;
  t.request_id = i + 1;
  t.token_id = static_cast<uint32_t>(i * 2654435761u);
  t.piece.assign(i % 61, static_cast<char>('a' + i % 26));
  return t;
}

TEST(RingStressTest, HundredThousandFramesInOrder) {
  auto mem = RingMemory::Create({4096, 4096});
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  auto efd = CreateEventFd();
  ASSERT_TRUE(efd.ok());

  std::string producer_error;
  std::thread producer([&] {
    EventWriter writer(mem->events(), efd->get());
    for (uint64_t i = 0; i < kFrames;) {
      auto w = writer.Write(Nth(i));
      if (!w.ok()) {
        producer_error = w.status().ToString();
        return;
      }
      if (*w == WriteOutcome::kWritten) {
        ++i;
      } else {
        std::this_thread::yield();  // backpressure: the test's producer may spin
      }
    }
  });

  EventReader reader(mem->events());
  uint64_t received = 0;
  uint64_t timeouts = 0;
  while (received < kFrames && timeouts < 3) {
    auto r = reader.Read();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (!r->has_value()) {
      auto woke = reader.Wait(efd->get(), 5000);
      ASSERT_TRUE(woke.ok()) << woke.status().ToString();
      if (!*woke) ++timeouts;  // a lost wake-up would show here
      continue;
    }
    const auto* token = std::get_if<TokenEvent>(&**r);
    ASSERT_NE(token, nullptr);
    ASSERT_EQ(*token, Nth(received)) << "frame " << received;
    ++received;
  }
  producer.join();
  EXPECT_EQ(producer_error, "");
  EXPECT_EQ(received, kFrames);
  EXPECT_EQ(timeouts, 0u);
}

}  // namespace
}  // namespace llmcore::ipc
