// Walking a source's directories safely: each directory is opened relative
// to its parent with O_NOFOLLOW (a symlinked directory is never entered),
// entries come sorted by name, and a source's walk looks at no more than
// kMaxEntriesPerSource entries.
//
// Thread safety: one DirectoryWalker per thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llmcore/unique_fd.h"
#include "source_listing.h"

namespace llmcore::registry::internal {

struct DirEntry {
  enum class Type { kDirectory, kFile, kSymlink, kOther };
  std::string name;
  Type type = Type::kOther;
};

class DirectoryWalker {
 public:
  // Problems found on the way are added to `listing->skipped`.
  DirectoryWalker(std::string root, SourceListing* listing)
      : root_(std::move(root)), listing_(listing) {}

  // The root directory; nullopt when it does not exist (quietly) or cannot
  // be opened (recorded as skipped).
  std::optional<UniqueFd> OpenRoot();

  // The directory `name` inside `dir_fd` (whose path inside the root is
  // `prefix`: "" or ending in '/'), not following a symlink; nullopt when it
  // does not exist, or, with the reason recorded, cannot be opened.
  std::optional<UniqueFd> OpenDirectory(int dir_fd, const std::string& prefix,
                                        const std::string& name);

  // The entries of `dir_fd` sorted by name, without "." and ".."; empty,
  // with the reason recorded, when it cannot be read or the source's entry
  // budget is spent.
  std::vector<DirEntry> List(int dir_fd, const std::string& prefix);

  // Modification time of entry `name` of `dir_fd` (not following a
  // symlink), nanoseconds since the epoch; nullopt when it cannot be read.
  static std::optional<int64_t> MtimeNs(int dir_fd, const std::string& name);

  // Appends to `files` the path inside the root of every "*.gguf" entry that
  // is not a directory under `dir_fd` (at `prefix`), entering subdirectories
  // up to `depth` levels further down. Names starting with '.' are left out.
  void FindGgufFiles(int dir_fd, const std::string& prefix, int depth,
                     std::vector<std::string>* files);

  void Skip(const std::string& relative, std::string reason);

 private:
  std::string root_;
  SourceListing* listing_;
  size_t entries_seen_ = 0;
  bool budget_spent_ = false;
};

}  // namespace llmcore::registry::internal
