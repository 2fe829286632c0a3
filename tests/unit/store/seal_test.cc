// Seals: a loaded segment can be neither resized nor written, by anyone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore::store {
namespace {

class StoreSealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = store_.Load(llmcore::testing::BundledModelPath());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    segment_ = std::move(*loaded);
  }

  ModelStore store_;
  std::shared_ptr<const Segment> segment_;
};

TEST_F(StoreSealTest, MemfdCarriesEverySeal) {
  int seals = fcntl(segment_->fd(), F_GET_SEALS);
  ASSERT_GE(seals, 0) << std::strerror(errno);
  EXPECT_TRUE(seals & F_SEAL_GROW);
  EXPECT_TRUE(seals & F_SEAL_SHRINK);
  EXPECT_TRUE(seals & F_SEAL_FUTURE_WRITE);
  EXPECT_TRUE(seals & F_SEAL_WRITE);
  EXPECT_TRUE(seals & F_SEAL_SEAL);
}

TEST_F(StoreSealTest, NewWritableMappingIsRefused) {
  void* p = mmap(nullptr, segment_->size(), PROT_READ | PROT_WRITE, MAP_SHARED, segment_->fd(), 0);
  EXPECT_EQ(p, MAP_FAILED);
  EXPECT_EQ(errno, EPERM);
  if (p != MAP_FAILED) munmap(p, segment_->size());
}

TEST_F(StoreSealTest, OwnMappingCannotBeMadeWritable) {
  void* base = const_cast<std::byte*>(segment_->base());
  EXPECT_NE(mprotect(base, segment_->size(), PROT_READ | PROT_WRITE), 0);
}

TEST_F(StoreSealTest, FtruncateIsRefused) {
  EXPECT_NE(ftruncate(segment_->fd(), 4096), 0);
  EXPECT_EQ(errno, EPERM);
  EXPECT_NE(ftruncate(segment_->fd(), static_cast<off_t>(segment_->size() * 2)), 0);
  EXPECT_EQ(errno, EPERM);
}

TEST_F(StoreSealTest, WriteIsRefused) {
  char byte = 0;
  EXPECT_EQ(pwrite(segment_->fd(), &byte, 1, 0), -1);
  EXPECT_EQ(errno, EPERM);
}

TEST_F(StoreSealTest, NoFurtherSealsCanBeChanged) {
  EXPECT_NE(fcntl(segment_->fd(), F_ADD_SEALS, F_SEAL_GROW), 0);
  EXPECT_EQ(errno, EPERM);
}

TEST_F(StoreSealTest, FdIsCloseOnExec) {
  int flags = fcntl(segment_->fd(), F_GETFD);
  ASSERT_GE(flags, 0);
  EXPECT_TRUE(flags & FD_CLOEXEC);
}

}  // namespace
}  // namespace llmcore::store
