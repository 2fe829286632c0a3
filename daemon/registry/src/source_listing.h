// Listing a source: which files in it are models, and under which names,
// before anything is opened (model_registry.cc opens and reads them).
//
// Only directories are walked here, each opened relative to its parent with
// O_NOFOLLOW, so a symlinked directory is never entered; files are reported
// by their path relative to the source root, to be opened with OpenBeneath.
//
// Thread safety: reentrant.
#pragma once

#include <string>
#include <vector>

#include "llmcore/registry/model_registry.h"
#include "llmcore/registry/model_source.h"

namespace llmcore::registry::internal {

// Directory entries looked at per source, at most; the rest of a larger tree
// is not searched (and the listing says so in `skipped`).
inline constexpr size_t kMaxEntriesPerSource = 100'000;

// Ollama manifests are a few hundred bytes; anything far larger is no
// manifest.
inline constexpr size_t kMaxManifestBytes = 1 << 20;

struct Candidate {
  std::string name;           // not yet validated
  std::string relative_path;  // inside the source root
};

struct SourceListing {
  std::vector<Candidate> candidates;  // in a stable order (sorted walk)
  std::vector<SkippedFile> skipped;   // the root itself, directories, manifests
};

// The models of `source`; a root that does not exist lists nothing.
SourceListing ListSource(const ModelSource& source);

// One per kind of source (the layouts are described in model_registry.h).
SourceListing ListDirectorySource(const std::string& root);
SourceListing ListHuggingFaceSource(const std::string& root);
SourceListing ListOllamaSource(const std::string& root);

}  // namespace llmcore::registry::internal
