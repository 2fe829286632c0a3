#include "llmcore/store/model_store.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <tuple>
#include <utility>

#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/source.h"
#include "llmcore/log.h"
#include "llmcore/store/segment_builder.h"
#include "read_result.h"

namespace llmcore::store {
namespace {

// Identifies the file actually opened. The mtime catches a file rewritten in
// place; the inode, one replaced by rename.
struct FileKey {
  dev_t dev;
  ino_t ino;
  uint64_t size;
  int64_t mtime_ns;
  auto operator<=>(const FileKey&) const = default;
};

// One file's segment, or its load in progress.
struct Entry {
  uint64_t id = 0;  // tells a replaced entry from its successor
  bool done = false;
  Status status;  // the load's outcome, once done
  std::weak_ptr<const Segment> segment;
};

// How often a thread waiting for another's load looks at its own cancel flag.
constexpr auto kCancelPoll = std::chrono::milliseconds(20);

}  // namespace

namespace internal {
struct StoreState {
  std::mutex mu;
  std::condition_variable cv;
  std::map<FileKey, std::shared_ptr<Entry>> entries;
  uint64_t next_id = 1;
};
}  // namespace internal

namespace {

// Removes the segment's entry (unless a new load has replaced it) and then
// destroys the segment, which unmaps and closes the memfd. Holds no strong
// reference to anything, so a segment may outlive its store.
struct SegmentDeleter {
  std::weak_ptr<internal::StoreState> state;
  FileKey key;
  uint64_t entry_id;

  void operator()(const Segment* segment) const;
};

}  // namespace

void SegmentDeleter::operator()(const Segment* segment) const {
  if (auto s = state.lock()) {
    std::lock_guard lock(s->mu);
    auto it = s->entries.find(key);
    if (it != s->entries.end() && it->second->id == entry_id) s->entries.erase(it);
  }
  delete segment;
}

ModelStore::ModelStore(std::shared_ptr<IoBackendFactory> io)
    : io_(std::move(io)), state_(std::make_shared<internal::StoreState>()) {}

ModelStore::~ModelStore() = default;

size_t ModelStore::live_segments() const {
  std::lock_guard lock(state_->mu);
  size_t n = 0;
  for (const auto& [key, entry] : state_->entries) n += entry->done && !entry->segment.expired();
  return n;
}

Result<std::shared_ptr<const Segment>> ModelStore::Load(const std::string& path,
                                                        const gguf::GgufFile& file,
                                                        const LoadOptions& options,
                                                        LoadReport* report) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(errno, "store: opening " + path);
  UniqueFd owned(fd);
  return LoadOpened(path, owned.get(), &file, options, report);
}

Result<std::shared_ptr<const Segment>> ModelStore::Load(const std::string& path, int fd,
                                                        const gguf::GgufFile& file,
                                                        const LoadOptions& options,
                                                        LoadReport* report) {
  return LoadOpened(path, fd, &file, options, report);
}

Result<std::shared_ptr<const Segment>> ModelStore::Load(const std::string& path,
                                                        const LoadOptions& options,
                                                        LoadReport* report) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return ErrnoStatus(errno, "store: opening " + path);
  UniqueFd owned(fd);
  return LoadOpened(path, owned.get(), nullptr, options, report);
}

Result<std::shared_ptr<const Segment>> ModelStore::LoadOpened(const std::string& path, int fd,
                                                              const gguf::GgufFile* parsed,
                                                              const LoadOptions& options,
                                                              LoadReport* report) {
  auto start = std::chrono::steady_clock::now();
  struct stat st {};
  if (fstat(fd, &st) != 0) return ErrnoStatus(errno, "store: fstat " + path);
  if (!S_ISREG(st.st_mode)) {
    return Status(StatusCode::kInvalidArgument, "store: " + path + ": not a regular file");
  }
  FileKey key{st.st_dev, st.st_ino, static_cast<uint64_t>(st.st_size),
              static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  auto cancelled = [&options] {
    return options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed);
  };

  while (true) {
    std::shared_ptr<Entry> mine;
    {
      std::unique_lock lock(state_->mu);
      auto it = state_->entries.find(key);
      if (it == state_->entries.end() || it->second->done) {
        std::shared_ptr<const Segment> existing;
        if (it != state_->entries.end()) existing = it->second->segment.lock();
        if (existing) {
          if (report != nullptr) {
            *report = LoadReport{};
            report->shared = true;
            report->seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          }
          return existing;
        }
        // Nothing there, or a segment whose last reference is going away (its
        // deleter will see that the entry is no longer its own).
        mine = std::make_shared<Entry>();
        mine->id = state_->next_id++;
        state_->entries[key] = mine;
      } else {
        std::shared_ptr<Entry> theirs = it->second;
        while (!theirs->done) {
          if (cancelled()) return internal::CancelledStatus().WithContext("store: " + path);
          state_->cv.wait_for(lock, kCancelPoll);
        }
        // A cancelled load was not ours to give up: look again, and load the
        // file ourselves if no one else has started.
        if (theirs->status.code() == StatusCode::kCancelled) continue;
        if (!theirs->status.ok()) return theirs->status;
        continue;  // done and published: the next look finds the segment
      }
    }

    // This thread loads the file; others wait on `mine`.
    Result<Segment> built = [&]() -> Result<Segment> {
      if (parsed != nullptr) return SegmentBuilder(*io_).Build(fd, path, *parsed, options, report);
      gguf::BorrowedFdSource source(fd, key.size, path);
      auto file = gguf::ReadGguf(source);
      if (!file.ok()) return file.status();
      return SegmentBuilder(*io_).Build(fd, path, *file, options, report);
    }();

    std::shared_ptr<const Segment> segment;
    Status status;
    if (built.ok()) {
      segment = std::shared_ptr<const Segment>(new Segment(std::move(*built)),
                                               SegmentDeleter{state_, key, mine->id});
    } else {
      status = built.status().WithContext("store: " + path);
      Logf(status.code() == StatusCode::kCancelled ? LogLevel::kInfo : LogLevel::kWarning, "{}",
           status.ToString());
    }
    {
      std::lock_guard lock(state_->mu);
      mine->done = true;
      mine->status = status;
      mine->segment = segment;
      if (!status.ok()) {
        auto it = state_->entries.find(key);
        if (it != state_->entries.end() && it->second == mine) state_->entries.erase(it);
      }
    }
    state_->cv.notify_all();
    if (!status.ok()) return status;
    return segment;
  }
}

}  // namespace llmcore::store
