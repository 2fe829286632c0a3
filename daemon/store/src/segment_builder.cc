#include "llmcore/store/segment_builder.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>

#include "directory_builder.h"
#include "llmcore/checked_math.h"
#include "llmcore/log.h"
#include "load_plan.h"
#include "read_result.h"
#include "segment_memory.h"

namespace llmcore::store {
namespace {

using internal::SegmentMemory;

// Below this fraction of its pages in the page cache a file counts as cold
// (DirectIoPolicy::kAuto): reading it with O_DIRECT skips a copy into the
// page cache; a warm file is copied from the cache instead.
constexpr double kWarmFraction = 0.5;
// memfd names are limited to 249 bytes.
constexpr size_t kMaxMemfdName = 249;

std::string MemfdName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string name = "llmcore:" + (slash == std::string::npos ? path : path.substr(slash + 1));
  if (name.size() > kMaxMemfdName) name.resize(kMaxMemfdName);
  return name;
}

Status CheckOptions(const IoOptions& io) {
  if (io.queue_depth == 0 || io.queue_depth > 4096) {
    return Status(StatusCode::kInvalidArgument, "queue depth must be 1 to 4096");
  }
  if (io.chunk_bytes == 0) return Status(StatusCode::kInvalidArgument, "chunk size must be > 0");
  return Status::Ok();
}

// The file must still be the one that was parsed: the same size, and the data
// section inside it.
Status CheckFileUnchanged(int fd, const gguf::GgufFile& file) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return ErrnoStatus(errno, "fstat");
  uint64_t now = static_cast<uint64_t>(st.st_size);
  if (now != file.file_size()) {
    return Status(StatusCode::kCorrupt, "file changed while loading: it had " +
                                            std::to_string(file.file_size()) +
                                            " bytes when parsed, " + std::to_string(now) + " now");
  }
  // A file without tensors may end before its (aligned) data offset.
  auto end = CheckedAdd(file.data_offset(), file.data_size());
  if (file.data_size() > 0 && (!end || *end > now)) {
    return Status(StatusCode::kCorrupt, "tensor data reaches past the end of the file");
  }
  return Status::Ok();
}

void WriteHeader(SegmentMemory& mem, const internal::SegmentPlan& plan,
                 const internal::BuiltDirectory& dir, const gguf::GgufFile& file) {
  SegmentHeader h{};
  h.magic = kSegmentMagic;
  h.layout_version = kSegmentLayoutVersion;
  h.header_bytes = sizeof(SegmentHeader);
  h.boost_version = BOOST_VERSION;
  h.tensor_count = static_cast<uint32_t>(file.tensors().size());
  h.segment_bytes = mem.size();
  h.directory_offset = plan.directory_offset;
  h.directory_bytes = plan.directory_bytes;
  h.directory_root_offset = plan.directory_offset + dir.root_offset;
  h.data_offset = plan.data_offset;
  h.data_bytes = plan.data_bytes;
  h.data_alignment = file.alignment();
  h.source_file_bytes = file.file_size();
  h.source_data_offset = file.data_offset();
  std::memcpy(mem.data(), &h, sizeof h);
  std::memcpy(mem.data() + plan.directory_offset, dir.data(), dir.bytes);
}

// The O_DIRECT fd for the data's aligned middle, or an invalid fd when the
// policy, the page cache, the file system or the device say no. Never fails:
// every "no" falls back to buffered reads.
UniqueFd ChooseDirectIo(IoBackendFactory& io, int fd, const std::string& path,
                        const gguf::GgufFile& file, const IoOptions& options, SegmentMemory& mem,
                        uint64_t data_offset) {
  if (options.direct_io == DirectIoPolicy::kNever) return UniqueFd();
  internal::AlignedMiddle middle = internal::DirectIoMiddle(file.data_offset(), file.data_size());
  if (middle.begin == middle.end) return UniqueFd();
  if (options.direct_io == DirectIoPolicy::kAuto) {
    auto resident = io.PageCacheResidency(fd, file.data_offset(), file.data_size());
    if (!resident.ok() || *resident >= kWarmFraction) return UniqueFd();
  }
  auto direct = io.ReopenDirect(fd);
  if (!direct.ok()) {
    Logf(LogLevel::kDebug, "store: {}: reading buffered: {}", path, direct.status().ToString());
    return UniqueFd();
  }
  // One block first: some devices want more than kDirectIoAlignment, and some
  // file systems accept O_DIRECT at open but not at read.
  uint64_t at = data_offset + (middle.begin - file.data_offset());
  if (!mem.Populate(at, kDirectIoAlignment).ok()) return UniqueFd();
  ssize_t n;
  do {
    n = pread(direct->get(), mem.data() + at, kDirectIoAlignment, static_cast<off_t>(middle.begin));
  } while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(kDirectIoAlignment)) {
    Logf(LogLevel::kDebug, "store: {}: reading buffered: O_DIRECT read refused ({})", path,
         n < 0 ? std::strerror(errno) : "short read");
    return UniqueFd();
  }
  return std::move(*direct);
}

}  // namespace

Result<Segment> SegmentBuilder::Build(int fd, const std::string& path, const gguf::GgufFile& file,
                                      const LoadOptions& options, LoadReport* report) {
  auto start = std::chrono::steady_clock::now();
  auto cancelled = [&options] {
    return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
  };
  LLMCORE_RETURN_IF_ERROR(CheckOptions(options.io));
  if (cancelled()) return internal::CancelledStatus();
  LLMCORE_RETURN_IF_ERROR(CheckFileUnchanged(fd, file));

  LLMCORE_ASSIGN_OR_RETURN(internal::BuiltDirectory dir, internal::BuildDirectory(file));
  LLMCORE_ASSIGN_OR_RETURN(internal::SegmentPlan plan, internal::PlanSegment(file, dir.bytes));
  LLMCORE_ASSIGN_OR_RETURN(
      SegmentMemory mem, SegmentMemory::Create(io_, MemfdName(path), plan.end, options.io.hugepages,
                                               file.alignment()));
  LLMCORE_RETURN_IF_ERROR(mem.Populate(0, plan.data_offset));
  WriteHeader(mem, plan, dir, file);

  UniqueFd direct = ChooseDirectIo(io_, fd, path, file, options.io, mem, plan.data_offset);
  std::string fallback_reason;
  LLMCORE_ASSIGN_OR_RETURN(std::unique_ptr<FileReader> reader,
                           io_.OpenReader(options.io, &fallback_reason));
  IoMethod method = reader->method();
  if (method == IoMethod::kPread) {
    Logf(options.io.allow_io_uring ? LogLevel::kNotice : LogLevel::kInfo,
         "store: {}: reading with pread, io_uring not used: {}", path,
         fallback_reason.empty() ? "no reason given" : fallback_reason);
  }

  std::span<std::byte> dst(mem.data() + plan.data_offset, plan.data_bytes);
  internal::ReadPlan reads =
      internal::PlanReads(fd, direct.get(), file.data_offset(), dst, options.io.chunk_bytes);
  LoadProgress progress{0, plan.data_bytes};
  if (options.progress) options.progress(progress);
  ReadCallbacks callbacks;
  callbacks.before_submit = [&mem](const ReadRequest& request) {
    return mem.Populate(static_cast<uint64_t>(request.dst.data() - mem.data()), request.dst.size());
  };
  callbacks.on_done = [&](uint64_t bytes) {
    progress.bytes_done += bytes;
    if (options.progress) options.progress(progress);
  };
  callbacks.cancelled = cancelled;
  Status read = reader->ReadAll(reads.requests, callbacks);
  reader.reset();
  direct.Reset();
  LLMCORE_RETURN_IF_ERROR(read);
  if (cancelled()) return internal::CancelledStatus();

  bool hugepages = mem.hugepages();
  LLMCORE_ASSIGN_OR_RETURN(SegmentMemory::Sealed sealed, mem.Seal());
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Logf(LogLevel::kInfo,
       "store: loaded {}: {} tensors, {} bytes in {:.3f} s ({:.2f} GiB/s) with {}{}, hugepages {}",
       path, file.tensors().size(), plan.data_bytes, seconds,
       seconds > 0 ? static_cast<double>(plan.data_bytes) / seconds / (1u << 30) : 0.0,
       method == IoMethod::kIoUring ? "io_uring" : "pread",
       reads.direct_bytes > 0 ? " + O_DIRECT" : "", hugepages ? "yes" : "no");
  if (report != nullptr) {
    report->method = method;
    report->direct_io = reads.direct_bytes > 0;
    report->hugepages = hugepages;
    report->shared = false;
    report->bytes_read = plan.data_bytes;
    report->seconds = seconds;
  }
  return Segment(std::move(sealed.fd), sealed.base, sealed.size, path);
}

}  // namespace llmcore::store
