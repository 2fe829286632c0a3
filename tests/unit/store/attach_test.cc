// Segment::Attach: a real segment attaches; anything else is a clean error.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <functional>

#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore::store {
namespace {

using ::testing::HasSubstr;

// A memfd holding `bytes`, sealed like a real segment (unless `seal` is false).
UniqueFd MakeMemfd(const std::vector<std::byte>& bytes, bool seal = true) {
  UniqueFd fd(memfd_create("attach-test", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  EXPECT_TRUE(fd.valid());
  EXPECT_EQ(pwrite(fd.get(), bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
  if (seal) {
    EXPECT_EQ(fcntl(fd.get(), F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_WRITE), 0);
  }
  return fd;
}

class StoreAttachTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = store_.Load(llmcore::testing::BundledModelPath());
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    segment_ = std::move(*loaded);
    image_.assign(segment_->base(), segment_->base() + segment_->size());
  }

  // The loaded segment's bytes, changed by `edit`, in a new sealed memfd.
  Result<Segment> AttachEdited(const std::function<void(std::byte* base)>& edit) {
    std::vector<std::byte> copy = image_;
    edit(copy.data());
    return Segment::Attach(MakeMemfd(copy));
  }
  SegmentHeader* HeaderOf(std::byte* base) { return reinterpret_cast<SegmentHeader*>(base); }

  ModelStore store_;
  std::shared_ptr<const Segment> segment_;
  std::vector<std::byte> image_;
};

TEST_F(StoreAttachTest, DupOfALoadedSegmentAttachesWithTheSameContents) {
  auto attached = Segment::Attach(UniqueFd(fcntl(segment_->fd(), F_DUPFD_CLOEXEC, 0)));
  ASSERT_TRUE(attached.ok()) << attached.status().ToString();
  EXPECT_NE(attached->base(), segment_->base());
  EXPECT_EQ(attached->size(), segment_->size());
  EXPECT_EQ(attached->source_path(), "");
  ASSERT_EQ(attached->directory().tensors.size(), segment_->directory().tensors.size());
  for (const TensorEntry& t : attached->directory().tensors) {
    std::string name(t.name.data(), t.name.size());
    const TensorEntry* mine = segment_->FindTensor(name);
    ASSERT_NE(mine, nullptr) << name;
    auto a = attached->TensorData(t);
    auto b = segment_->TensorData(*mine);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0) << name;
  }
}

TEST_F(StoreAttachTest, CopyOfASegmentAttaches) {
  auto attached = AttachEdited([](std::byte*) {});
  ASSERT_TRUE(attached.ok()) << attached.status().ToString();
  EXPECT_EQ(attached->directory().tensors.size(), segment_->directory().tensors.size());
}

TEST_F(StoreAttachTest, InvalidFdIsRejected) {
  EXPECT_EQ(Segment::Attach(UniqueFd()).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StoreAttachTest, UnsealedMemfdIsRejected) {
  auto attached = Segment::Attach(MakeMemfd(image_, /*seal=*/false));
  EXPECT_EQ(attached.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(attached.status().message(), HasSubstr("sealed"));
}

TEST_F(StoreAttachTest, RegularFileIsRejected) {
  llmcore::testing::TempDir dir;
  llmcore::testing::WriteFileBytes(dir.File("segment"), image_);
  UniqueFd fd(open(dir.File("segment").c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  EXPECT_EQ(Segment::Attach(std::move(fd)).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StoreAttachTest, MemfdSmallerThanAHeaderIsRejected) {
  auto attached = Segment::Attach(MakeMemfd(std::vector<std::byte>(100)));
  EXPECT_EQ(attached.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StoreAttachTest, SealedMemfdWithoutTheMagicIsRejected) {
  auto attached = Segment::Attach(MakeMemfd(std::vector<std::byte>(64 * 1024)));
  EXPECT_EQ(attached.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(attached.status().message(), HasSubstr("bad magic"));
}

TEST_F(StoreAttachTest, OtherLayoutVersionIsUnsupported) {
  auto attached = AttachEdited([&](std::byte* b) { HeaderOf(b)->layout_version = 99; });
  EXPECT_EQ(attached.status().code(), StatusCode::kUnsupported);
}

TEST_F(StoreAttachTest, HeaderOffsetsOutsideTheFdAreCorrupt) {
  const uint64_t size = image_.size();
  const std::vector<std::pair<const char*, std::function<void(SegmentHeader*)>>> edits = {
      {"segment_bytes", [&](SegmentHeader* h) { h->segment_bytes = size * 2; }},
      {"data_offset", [&](SegmentHeader* h) { h->data_offset = size; }},
      {"data_bytes", [&](SegmentHeader* h) { h->data_bytes = size; }},
      {"data_bytes overflow", [&](SegmentHeader* h) { h->data_bytes = ~uint64_t{0}; }},
      {"directory_offset", [&](SegmentHeader* h) { h->directory_offset = 8; }},
      {"directory_bytes", [&](SegmentHeader* h) { h->directory_bytes = size; }},
      {"directory_root_offset",
       [&](SegmentHeader* h) { h->directory_root_offset = h->data_offset + 64; }},
      {"data_alignment", [&](SegmentHeader* h) { h->data_alignment = 48; }},
      {"tensor_count", [&](SegmentHeader* h) { h->tensor_count += 1; }},
  };
  for (const auto& [what, edit_header] : edits) {
    SCOPED_TRACE(what);
    // clang 14 cannot capture a structured binding in a lambda (C++20 P1091).
    const auto& edit = edit_header;
    auto attached = AttachEdited([&](std::byte* b) { edit(HeaderOf(b)); });
    EXPECT_EQ(attached.status().code(), StatusCode::kCorrupt) << attached.status().ToString();
  }
}

TEST_F(StoreAttachTest, TensorEntryOutsideTheDataIsCorrupt) {
  auto attached = AttachEdited([&](std::byte* b) {
    // The same entry in the copy: the directory is position-independent.
    const TensorEntry& first = segment_->directory().tensors[0];
    auto* entry = reinterpret_cast<TensorEntry*>(
        b + (reinterpret_cast<const std::byte*>(&first) - segment_->base()));
    entry->n_bytes = HeaderOf(b)->data_bytes + 1;
  });
  EXPECT_EQ(attached.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(attached.status().message(), HasSubstr("tensor"));
}

}  // namespace
}  // namespace llmcore::store
