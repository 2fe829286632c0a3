// A plain directory of GGUF files: the name is the path without ".gguf".
#include <string>
#include <vector>

#include "directory_walk.h"
#include "source_listing.h"

namespace llmcore::registry::internal {

SourceListing ListDirectorySource(const std::string& root) {
  SourceListing listing;
  DirectoryWalker walker(root, &listing);
  std::optional<UniqueFd> root_fd = walker.OpenRoot();
  if (!root_fd) return listing;
  std::vector<std::string> files;
  walker.FindGgufFiles(root_fd->get(), "", kMaxDirectoryDepth, &files);
  for (std::string& file : files) {
    std::string name = file.substr(0, file.size() - 5);
    // ':' would let a file pose as an "hf:" or "ollama:" model.
    if (name.find(':') != std::string::npos) {
      walker.Skip(file, "':' is reserved for hf: and ollama: model names");
      continue;
    }
    listing.candidates.push_back({std::move(name), std::move(file)});
  }
  return listing;
}

}  // namespace llmcore::registry::internal
