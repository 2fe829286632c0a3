// SegmentBuilder: turns one open GGUF file into a sealed, read-only Segment.
//
// Steps: build the tensor directory in a heap buffer (directory_builder), plan
// the layout (load_plan), create and size the memfd and seal it against
// resizing (segment_memory), write header and directory, read the data
// section with a FileReader (O_DIRECT for the block-aligned middle when the
// policy and the file system allow it), seal it against writes and remap it
// read-only. ModelStore adds sharing on top; tools and tests may use the
// builder directly.
//
// On any failure everything it created (memfd, mappings, the O_DIRECT fd, the
// io_uring instance) is released before Build() returns.
//
// Thread safety: Build() may run on several threads at once; the factory must
// be thread-safe (the default one is).
#pragma once

#include <string>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"
#include "llmcore/store/io_backend.h"
#include "llmcore/store/load_options.h"
#include "llmcore/store/segment.h"

namespace llmcore::store {

class SegmentBuilder {
 public:
  // `io` must outlive the builder.
  explicit SegmentBuilder(IoBackendFactory& io) : io_(io) {}

  // Reads the tensor data of `file` from `fd` (the open GGUF that `file` was
  // parsed from; not owned, buffered; its file position is not used). `path`
  // names the file in messages, in the memfd's name and in source_path().
  // Fails with kCorrupt when the file's size is no longer file.file_size() or
  // it ends early ("file changed while loading"), kCancelled, kResourceExhausted
  // when the memory cannot be had, kIoError for other OS failures.
  Result<Segment> Build(int fd, const std::string& path, const gguf::GgufFile& file,
                        const LoadOptions& options, LoadReport* report = nullptr);

 private:
  IoBackendFactory& io_;
};

}  // namespace llmcore::store
