#include "directory_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "llmcore/log.h"

namespace llmcore::registry::internal {
namespace {

constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

DirEntry::Type TypeOf(mode_t mode) {
  if (S_ISDIR(mode)) return DirEntry::Type::kDirectory;
  if (S_ISREG(mode)) return DirEntry::Type::kFile;
  if (S_ISLNK(mode)) return DirEntry::Type::kSymlink;
  return DirEntry::Type::kOther;
}

std::optional<DirEntry::Type> TypeOf(unsigned char d_type) {
  switch (d_type) {
    case DT_DIR: return DirEntry::Type::kDirectory;
    case DT_REG: return DirEntry::Type::kFile;
    case DT_LNK: return DirEntry::Type::kSymlink;
    case DT_UNKNOWN: return std::nullopt;
    default: return DirEntry::Type::kOther;
  }
}

}  // namespace

void DirectoryWalker::Skip(const std::string& relative, std::string reason) {
  const std::string path = relative.empty() ? root_ : root_ + "/" + relative;
  listing_->skipped.push_back({path, std::move(reason)});
}

std::optional<UniqueFd> DirectoryWalker::OpenRoot() {
  UniqueFd fd(::open(root_.c_str(), kDirectoryFlags));
  if (fd) return fd;
  if (errno == ENOENT) {
    Logf(LogLevel::kDebug, "registry: model directory {} does not exist", root_);
    return std::nullopt;
  }
  Skip("", ErrnoStatus(errno, "cannot open the model directory").message());
  return std::nullopt;
}

std::optional<UniqueFd> DirectoryWalker::OpenDirectory(int dir_fd, const std::string& prefix,
                                                       const std::string& name) {
  UniqueFd fd(::openat(dir_fd, name.c_str(), kDirectoryFlags | O_NOFOLLOW));
  if (fd) return fd;
  // Gone since it was listed, or (a Hugging Face repository's snapshots/)
  // not there yet: nothing to report.
  if (errno == ENOENT) return std::nullopt;
  Skip(prefix + name, ErrnoStatus(errno, "cannot open the directory").message());
  return std::nullopt;
}

std::vector<DirEntry> DirectoryWalker::List(int dir_fd, const std::string& prefix) {
  std::vector<DirEntry> entries;
  if (budget_spent_) return entries;
  // fdopendir takes the fd it is given; the caller keeps its own.
  const int own_fd = ::openat(dir_fd, ".", kDirectoryFlags);
  if (own_fd < 0) {
    Skip(prefix, ErrnoStatus(errno, "cannot read the directory").message());
    return entries;
  }
  const std::unique_ptr<DIR, int (*)(DIR*)> stream(::fdopendir(own_fd), &::closedir);
  if (!stream) {
    Skip(prefix, ErrnoStatus(errno, "cannot read the directory").message());
    ::close(own_fd);
    return entries;
  }
  errno = 0;
  while (const dirent* entry = ::readdir(stream.get())) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (++entries_seen_ > kMaxEntriesPerSource) {
      budget_spent_ = true;
      Skip(prefix, "more than " + std::to_string(kMaxEntriesPerSource) +
                       " entries in this source; the rest of it was not searched");
      break;
    }
    std::optional<DirEntry::Type> type = TypeOf(entry->d_type);
    if (!type) {
      struct stat st {};
      type = ::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
                 ? TypeOf(st.st_mode)
                 : DirEntry::Type::kOther;
    }
    entries.push_back({std::string(name), *type});
    errno = 0;
  }
  if (errno != 0 && !budget_spent_) {
    Skip(prefix, ErrnoStatus(errno, "cannot read the directory").message());
  }
  std::sort(entries.begin(), entries.end(),
            [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
  return entries;
}

std::optional<int64_t> DirectoryWalker::MtimeNs(int dir_fd, const std::string& name) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void DirectoryWalker::FindGgufFiles(int dir_fd, const std::string& prefix, int depth,
                                    std::vector<std::string>* files) {
  for (const DirEntry& entry : List(dir_fd, prefix)) {
    if (entry.name.starts_with('.')) continue;
    switch (entry.type) {
      case DirEntry::Type::kDirectory:
        if (depth > 0) {
          if (std::optional<UniqueFd> sub = OpenDirectory(dir_fd, prefix, entry.name)) {
            FindGgufFiles(sub->get(), prefix + entry.name + "/", depth - 1, files);
          }
        }
        break;
      // Not only regular files: a FIFO or socket posing as a model is
      // reported as skipped when OpenBeneath refuses it.
      case DirEntry::Type::kFile:
      case DirEntry::Type::kSymlink:
      case DirEntry::Type::kOther:
        if (entry.name.size() > 5 && entry.name.ends_with(".gguf")) {
          files->push_back(prefix + entry.name);
        }
        break;
    }
  }
}

}  // namespace llmcore::registry::internal
