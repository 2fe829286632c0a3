// Helpers shared by the model store tests: generated models, a fault-injecting
// IoBackendFactory, log capture, and the "nothing left behind" check.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/log.h"
#include "llmcore/status.h"
#include "llmcore/store/io_backend.h"
#include "llmcore/store/model_store.h"
#include "llmcore/store/segment.h"

namespace llmcore::store::testing {

// A model written with GgufWriter: several tensors of several types, with
// deterministic contents.
struct ModelSpec {
  uint64_t alignment = 32;
  int tensors = 6;
  uint64_t bytes_per_tensor = 64 * 1024;  // roughly; rounded to whole rows
  // Bytes of a padding string added to the metadata, to move the start of the
  // data section.
  size_t padding = 0;
  uint32_t seed = 1;
};
// Writes `spec` to `path` and returns the parsed file.
gguf::GgufFile WriteModel(const std::string& path, const ModelSpec& spec);

// Writes a model whose data section starts and ends off a 4096-byte boundary
// (the O_DIRECT head and tail are both partial blocks).
gguf::GgufFile WriteUnalignedModel(const std::string& path, ModelSpec spec);

// Checks every tensor of `segment` against the bytes of `path`, and the
// directory against `file` (names, types, shapes, offsets, sizes).
void ExpectSegmentMatchesFile(const Segment& segment, const std::string& path,
                              const gguf::GgufFile& file);

// Captures log lines while alive (and lowers the level to debug).
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  struct Line {
    LogLevel level;
    std::string text;
  };
  std::vector<Line> lines() const;
  // Lines at `level` that contain `needle`.
  size_t Count(LogLevel level, const std::string& needle) const;
  // Lines at notice level or more severe.
  size_t CountAtLeastNotice() const;

 private:
  mutable std::mutex mu_;
  std::vector<Line> lines_;
  LogSink previous_;
};

// The process's fds, threads and memfds when constructed; ExpectNothingLeft()
// expects the same again (waiting a little for io_uring's kernel workers to
// exit).
class ResourceBaseline {
 public:
  ResourceBaseline();
  void ExpectNothingLeft(const ModelStore& store) const;

 private:
  size_t fds_;
  size_t threads_;
  size_t memfds_;
};

// Wraps the real system and injects faults.
class FaultyIoBackend final : public IoBackendFactory {
 public:
  // Non-ok: io_uring set-up "fails" with this status (the reader falls back
  // to pread with the status as the reason, as the real factory does).
  Status uring_setup_error;
  // Non-ok: every memfd_create fails with this status.
  Status memfd_error;
  // Non-ok: memfd_create with MFD_HUGETLB fails with this status.
  Status hugetlb_error;
  // Non-ok: ReopenDirect fails with this status.
  Status reopen_direct_error;
  // Set: PageCacheResidency reports this fraction.
  std::optional<double> residency;
  // Applied to every read of every reader this factory opens.
  ReadResultFilter filter;

  std::atomic<int> readers_opened{0};
  std::atomic<int> memfds_created{0};

  Result<std::unique_ptr<FileReader>> OpenReader(const IoOptions& options,
                                                 std::string* fallback_reason) override;
  Result<UniqueFd> CreateMemfd(const std::string& name, bool hugetlb) override;
  Result<UniqueFd> ReopenDirect(int fd) override;
  Result<double> PageCacheResidency(int fd, uint64_t offset, uint64_t length) override;
  bool ShmemTransparentHugepages() override;

 private:
  std::shared_ptr<IoBackendFactory> real_ = DefaultIoBackendFactory();
};

}  // namespace llmcore::store::testing
