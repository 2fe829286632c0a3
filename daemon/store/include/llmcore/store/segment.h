// Segment: one model's weights in a sealed memfd, mapped read-only.
//
// Created by ModelStore::Load() (through SegmentBuilder), or attached from a
// segment fd received from the daemon (another process, a driver, the daemon
// after a restart).
//
// Ownership: a Segment owns its fd and its mapping; both are released when the
// Segment is destroyed. Pointers and spans it returns live as long as it does.
// To hand the segment to another process, pass fd() (SCM_RIGHTS, fork+exec,
// systemd's fd store); the receiver calls Attach() on its copy. The fd is
// close-on-exec: a process that execs a helper dups it for the helper.
//
// Thread safety: immutable; share freely.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "llmcore/status.h"
#include "llmcore/store/segment_layout.h"
#include "llmcore/unique_fd.h"

namespace llmcore::store {

class Segment {
 public:
  // Maps a segment fd read-only and checks it: the fd is sealed against
  // shrinking and writing (so the mapping can neither fault nor change), the
  // header has the magic, layout and Boost versions of this build, every
  // offset and size lies inside the fd, every string and vector of the
  // directory lies inside the directory, and every tensor inside the data.
  // Fails with kInvalidArgument for an fd that is not a sealed segment (or has
  // another magic), kUnsupported for another layout or Boost version, kCorrupt
  // for a segment whose header or directory breaks the layout, an errno-based
  // Status when it cannot be mapped. The fd is consumed either way.
  static Result<Segment> Attach(UniqueFd fd);

  Segment(Segment&& other) noexcept;
  Segment& operator=(Segment&& other) noexcept;
  Segment(const Segment&) = delete;
  Segment& operator=(const Segment&) = delete;
  ~Segment();

  int fd() const { return fd_.get(); }
  uint64_t size() const { return size_; }
  const std::byte* base() const { return base_; }
  const SegmentHeader& header() const { return *reinterpret_cast<const SegmentHeader*>(base_); }
  const TensorDirectory& directory() const;

  // The bytes of a tensor listed in directory().
  std::span<const std::byte> TensorData(const TensorEntry& tensor) const;
  // Looks a tensor up by name; nullptr when absent.
  const TensorEntry* FindTensor(std::string_view name) const;
  // Looks a metadata key up; nullptr when absent (or not copied: see
  // MetadataEntry).
  const MetadataEntry* FindMetadata(std::string_view key) const;

  // The GGUF file it was loaded from ("" for an attached segment).
  const std::string& source_path() const { return source_path_; }

 private:
  friend class SegmentBuilder;
  Segment(UniqueFd fd, const std::byte* base, uint64_t size, std::string source_path)
      : fd_(std::move(fd)), base_(base), size_(size), source_path_(std::move(source_path)) {}
  void Unmap();

  UniqueFd fd_;
  const std::byte* base_ = nullptr;
  uint64_t size_ = 0;
  std::string source_path_;
};

}  // namespace llmcore::store
