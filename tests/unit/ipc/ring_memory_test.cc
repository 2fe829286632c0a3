// Creating, sealing and mapping a ring segment.
#include "llmcore/ipc/ring_memory.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ring_test_util.h"

namespace llmcore::ipc {
namespace {

TEST(RingMemoryTest, CreateWritesTheHeader) {
  auto mem = RingMemory::Create();
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  RingHeader h;
  std::memcpy(&h, mem->base(), sizeof h);
  EXPECT_EQ(h.magic, kRingMagic);
  EXPECT_EQ(h.version_major, kRingLayoutMajor);
  EXPECT_EQ(h.version_minor, kRingLayoutMinor);
  EXPECT_EQ(h.header_bytes, sizeof(RingHeader));
  EXPECT_EQ(h.total_bytes,
            kRingDataOffset + kDefaultRequestRingCapacity + kDefaultEventRingCapacity);
  EXPECT_EQ(h.flags, 0u);
  EXPECT_EQ(h.request_ring.control_offset, kRequestControlOffset);
  EXPECT_EQ(h.request_ring.data_offset, kRingDataOffset);
  EXPECT_EQ(h.request_ring.capacity, kDefaultRequestRingCapacity);
  EXPECT_EQ(h.event_ring.control_offset, kEventControlOffset);
  EXPECT_EQ(h.event_ring.data_offset, kRingDataOffset + kDefaultRequestRingCapacity);
  EXPECT_EQ(h.event_ring.capacity, kDefaultEventRingCapacity);
  EXPECT_EQ(mem->size(), h.total_bytes);
  EXPECT_EQ(mem->requests().control->head, 0u);
  EXPECT_EQ(mem->events().control->tail, 0u);
  struct stat st;
  ASSERT_EQ(fstat(mem->fd(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), h.total_bytes);
  EXPECT_EQ(fcntl(mem->fd(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

TEST(RingMemoryTest, SealedAgainstGrowShrinkAndNewSeals) {
  auto mem = RingMemory::Create({4096, 8192});
  ASSERT_TRUE(mem.ok()) << mem.status().ToString();
  const int seals = fcntl(mem->fd(), F_GET_SEALS);
  EXPECT_EQ(seals, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
  const off_t size = static_cast<off_t>(mem->size());
  EXPECT_EQ(ftruncate(mem->fd(), size + 4096), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(ftruncate(mem->fd(), size - 4096), -1);
  EXPECT_EQ(errno, EPERM);
  EXPECT_EQ(ftruncate(mem->fd(), 0), -1);
  EXPECT_EQ(fcntl(mem->fd(), F_ADD_SEALS, F_SEAL_WRITE), -1);
  EXPECT_EQ(errno, EPERM);
  // Writing past the end through the fd would grow it: refused too.
  char byte = 1;
  EXPECT_EQ(pwrite(mem->fd(), &byte, 1, size), -1);
  EXPECT_EQ(errno, EPERM);
}

TEST(RingMemoryTest, MapSeesTheSameRings) {
  auto mem = RingMemory::Create({8192, 16384});
  ASSERT_TRUE(mem.ok());
  auto mapped = RingMemory::Map(UniqueFd(dup(mem->fd())));
  ASSERT_TRUE(mapped.ok()) << mapped.status().ToString();
  EXPECT_EQ(mapped->size(), mem->size());
  EXPECT_EQ(mapped->peer_minor_version(), kRingLayoutMinor);
  EXPECT_EQ(mapped->requests().capacity, 8192u);
  EXPECT_EQ(mapped->events().capacity, 16384u);
  EXPECT_EQ(mapped->events().data - mapped->base(), mem->events().data - mem->base());
  mem->requests().data[5] = 0x5a;  // one memory, two mappings
  EXPECT_EQ(mapped->requests().data[5], 0x5a);
}

TEST(RingMemoryTest, CreateRefusesBadCapacities) {
  for (RingSizes sizes : {RingSizes{4095, 4096}, RingSizes{4096, 6144}, RingSizes{2048, 4096},
                          RingSizes{4096, kMaxRingCapacity * 2}, RingSizes{0, 0}}) {
    auto mem = RingMemory::Create(sizes);
    ASSERT_FALSE(mem.ok());
    EXPECT_EQ(mem.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(testing::RuleOf(mem.status().message()), "bad-capacity");
  }
}

TEST(RingMemoryTest, MoveKeepsOneOwner) {
  auto mem = RingMemory::Create();
  ASSERT_TRUE(mem.ok());
  const int fd = mem->fd();
  uint8_t* base = mem->base();
  RingMemory moved = std::move(*mem);
  EXPECT_EQ(moved.fd(), fd);
  EXPECT_EQ(moved.base(), base);
  EXPECT_EQ(mem->base(), nullptr);  // NOLINT: moved-from on purpose
  EXPECT_FALSE(mem->fd() >= 0);
  RingMemory other = std::move(moved);
  EXPECT_EQ(other.requests().data, base + kRingDataOffset);
}

}  // namespace
}  // namespace llmcore::ipc
