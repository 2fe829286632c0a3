// A Hugging Face hub cache:
//   ROOT/models--ORG--REPO/snapshots/REV/FILE.gguf -> ../../blobs/HASH
// named "hf:ORG/REPO/FILE" from the newest snapshot of each repository.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "directory_walk.h"
#include "source_listing.h"

namespace llmcore::registry::internal {
namespace {

constexpr std::string_view kRepoPrefix = "models--";

// "ORG/REPO" from "models--ORG--REPO" ("REPO" from "models--REPO"); the hub
// forbids "--" inside organisation and repository names, so the first "--"
// separates them. nullopt for an empty part.
std::optional<std::string> RepoId(std::string_view dir_name) {
  std::string_view rest = dir_name.substr(kRepoPrefix.size());
  const size_t separator = rest.find("--");
  if (separator == std::string_view::npos) {
    if (rest.empty()) return std::nullopt;
    return std::string(rest);
  }
  const std::string_view org = rest.substr(0, separator);
  const std::string_view repo = rest.substr(separator + 2);
  if (org.empty() || repo.empty()) return std::nullopt;
  return std::string(org) + "/" + std::string(repo);
}

// The snapshot directory with the newest modification time (the name breaks
// ties, for a stable choice); nullopt when there is none.
std::optional<std::string> NewestSnapshot(DirectoryWalker& walker, int snapshots_fd,
                                          const std::string& prefix) {
  std::optional<std::string> newest;
  int64_t newest_mtime = 0;
  for (const DirEntry& entry : walker.List(snapshots_fd, prefix)) {
    if (entry.type != DirEntry::Type::kDirectory || entry.name.starts_with('.')) continue;
    const std::optional<int64_t> mtime = DirectoryWalker::MtimeNs(snapshots_fd, entry.name);
    if (!mtime) continue;
    if (!newest || *mtime >= newest_mtime) {
      newest = entry.name;
      newest_mtime = *mtime;
    }
  }
  return newest;
}

}  // namespace

SourceListing ListHuggingFaceSource(const std::string& root) {
  SourceListing listing;
  DirectoryWalker walker(root, &listing);
  std::optional<UniqueFd> root_fd = walker.OpenRoot();
  if (!root_fd) return listing;
  for (const DirEntry& repo_dir : walker.List(root_fd->get(), "")) {
    if (repo_dir.type != DirEntry::Type::kDirectory || !repo_dir.name.starts_with(kRepoPrefix)) {
      continue;  // datasets--*, spaces--*, .locks, version.txt, ...
    }
    const std::optional<std::string> repo_id = RepoId(repo_dir.name);
    if (!repo_id) {
      walker.Skip(repo_dir.name, "not a models--ORG--REPO directory name");
      continue;
    }
    std::optional<UniqueFd> repo_fd = walker.OpenDirectory(root_fd->get(), "", repo_dir.name);
    if (!repo_fd) continue;
    const std::string snapshots_prefix = repo_dir.name + "/snapshots/";
    std::optional<UniqueFd> snapshots_fd =
        walker.OpenDirectory(repo_fd->get(), repo_dir.name + "/", "snapshots");
    if (!snapshots_fd) continue;
    const std::optional<std::string> snapshot =
        NewestSnapshot(walker, snapshots_fd->get(), snapshots_prefix);
    if (!snapshot) continue;
    std::optional<UniqueFd> snapshot_fd =
        walker.OpenDirectory(snapshots_fd->get(), snapshots_prefix, *snapshot);
    if (!snapshot_fd) continue;
    const std::string snapshot_prefix = snapshots_prefix + *snapshot + "/";
    std::vector<std::string> files;
    walker.FindGgufFiles(snapshot_fd->get(), snapshot_prefix, kMaxDirectoryDepth, &files);
    for (std::string& file : files) {
      const size_t stem = file.size() - snapshot_prefix.size() - 5;
      std::string name = "hf:" + *repo_id + "/" + file.substr(snapshot_prefix.size(), stem);
      listing.candidates.push_back({std::move(name), std::move(file)});
    }
  }
  return listing;
}

}  // namespace llmcore::registry::internal
