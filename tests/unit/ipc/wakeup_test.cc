// The wake-up protocol: the producer signals the eventfd only when the
// consumer has set its waiting flag, and a sleeping consumer is woken.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "llmcore/ipc/byte_ring.h"
#include "llmcore/ipc/eventfd.h"
#include "llmcore/ipc/ring.h"
#include "ring_test_util.h"

namespace llmcore::ipc {
namespace {

class WakeupTest : public testing::SmallRingsTest {
 protected:
  void SetUp() override {
    SmallRingsTest::SetUp();
    if (HasFatalFailure()) return;
    auto efd = CreateEventFd();
    ASSERT_TRUE(efd.ok()) << efd.status().ToString();
    efd_ = std::move(*efd);
  }
  uint64_t Drain() {
    auto n = DrainEventFd(efd_.get());
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : 0;
  }
  UniqueFd efd_;
};

TEST_F(WakeupTest, EventFdHelpers) {
  EXPECT_EQ(Drain(), 0u);
  ASSERT_TRUE(SignalEventFd(efd_.get()).ok());
  ASSERT_TRUE(SignalEventFd(efd_.get()).ok());
  EXPECT_EQ(Drain(), 2u);
  EXPECT_EQ(Drain(), 0u);
  EXPECT_FALSE(SignalEventFd(-1).ok());
}

TEST_F(WakeupTest, ProducerSignalsOnlyWhenTheConsumerWaits) {
  EventWriter writer(mem_->events(), efd_.get());
  EventReader reader(mem_->events());
  // Consumer awake (flag clear): no signal.
  ASSERT_EQ(*writer.Write(testing::SampleToken()), WriteOutcome::kWritten);
  EXPECT_EQ(Drain(), 0u);
  EXPECT_EQ(writer.producer().wakeups_sent(), 0u);

  // Data pending: PrepareToSleep refuses to sleep and leaves the flag clear.
  auto may_sleep = reader.consumer().PrepareToSleep();
  ASSERT_TRUE(may_sleep.ok());
  EXPECT_FALSE(*may_sleep);
  EXPECT_EQ(mem_->events().control->consumer_waiting, 0u);
  ASSERT_TRUE(reader.Read().ok());

  // Empty: the consumer sets its flag and may sleep; the next write signals.
  may_sleep = reader.consumer().PrepareToSleep();
  ASSERT_TRUE(may_sleep.ok());
  EXPECT_TRUE(*may_sleep);
  EXPECT_EQ(mem_->events().control->consumer_waiting, 1u);
  ASSERT_EQ(*writer.Write(testing::SampleToken()), WriteOutcome::kWritten);
  EXPECT_EQ(Drain(), 1u);
  EXPECT_EQ(writer.producer().wakeups_sent(), 1u);

  // Awake again: no more signals.
  reader.consumer().FinishSleep();
  EXPECT_EQ(mem_->events().control->consumer_waiting, 0u);
  ASSERT_EQ(*writer.Write(testing::SampleFinished()), WriteOutcome::kWritten);
  EXPECT_EQ(Drain(), 0u);
  EXPECT_EQ(writer.producer().wakeups_sent(), 1u);
}

TEST_F(WakeupTest, WaitTimesOutOnAnEmptyRingAndReturnsAtOnceWithData) {
  RingConsumer consumer(mem_->events());
  auto w = consumer.Wait(efd_.get(), 10);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(*w);
  EXPECT_EQ(mem_->events().control->consumer_waiting, 0u);
  RingProducer producer(mem_->events(), efd_.get());
  ASSERT_EQ(*producer.TryWrite(kFrameToken, 0, {}), WriteOutcome::kWritten);
  w = consumer.Wait(efd_.get(), -1);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(*w);
}

TEST_F(WakeupTest, SleepingConsumerIsWoken) {
  RequestReader reader(mem_->requests());
  std::thread producer_thread([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    RequestWriter writer(mem_->requests(), efd_.get());
    ASSERT_EQ(*writer.Write(CancelRequest{3}), WriteOutcome::kWritten);
  });
  auto woke = reader.consumer().Wait(efd_.get(), 10000);
  producer_thread.join();
  ASSERT_TRUE(woke.ok());
  EXPECT_TRUE(*woke);
  auto r = reader.Read();
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ(std::get<CancelRequest>(**r).request_id, 3u);
}

}  // namespace
}  // namespace llmcore::ipc
