// ModelRegistry: the models llmcored can serve, found in the configured
// sources (model_source.h) and described from their GGUF metadata.
//
// Scan() walks the sources and reads only each file's GGUF header and
// metadata (ReadGguf with its default ReadLimits), never its weights:
//
//   - directory: every "*.gguf" in the root and up to kMaxDirectoryDepth
//     directory levels below it. Symlinked files are followed when they
//     resolve inside the root; symlinked directories are not entered. Names
//     starting with '.' are skipped. The model's name is its path inside the
//     root without ".gguf" ("stories260K", "llama/7b-q8"); names holding ':'
//     are left out (that character marks the "hf:" and "ollama:" names).
//   - Hugging Face hub cache: ROOT/models--ORG--REPO/snapshots/REV/FILE.gguf
//     (FILE may lie in subdirectories of the snapshot; the files are symlinks
//     into ../../blobs). Only the newest snapshot (by modification time) of a
//     repository counts. Name "hf:ORG/REPO/FILE" ("hf:REPO/FILE" for a
//     repository without an organisation).
//   - Ollama store: ROOT/manifests/registry.ollama.ai/NAMESPACE/NAME/TAG, a
//     JSON manifest whose first layer of mediaType
//     "application/vnd.ollama.image.model" has digest "sha256:HEX"; the model
//     file is ROOT/blobs/sha256-HEX. Name "ollama:NAME:TAG" in namespace
//     "library", else "ollama:NAMESPACE/NAME:TAG".
//
// A file that cannot be read, is not valid GGUF, has no tensors or no
// general.architecture, or whose name breaks ValidateModelName is skipped:
// a warning names the file and the reason, and ScanReport::skipped lists it.
// When two files give the same name, the one from the earlier source (or
// found first within a source) wins; the other is logged and listed in
// ScanReport::duplicates. A source root that does not exist is not an error
// (the defaults name directories that may not be there).
//
// A rescan re-reads the metadata only of files whose size or modification
// time changed.
//
// Thread safety: all methods may be called from any thread. Scan() does its
// I/O without holding the lock that List() and Find() take, then replaces
// the list in one step; concurrent Scan() calls run one after the other.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/registry/model_entry.h"
#include "llmcore/registry/model_source.h"
#include "llmcore/status.h"

namespace llmcore::registry {

// Directory levels searched below a directory source's root (and below a
// Hugging Face snapshot): ROOT/a/b/c/x.gguf is found, ROOT/a/b/c/d/x.gguf not.
inline constexpr int kMaxDirectoryDepth = 3;

struct SkippedFile {
  std::string path;
  std::string reason;
};

struct ScanReport {
  size_t models = 0;                    // entries in the registry after the scan
  std::vector<SkippedFile> skipped;     // unreadable or unusable files (and roots)
  std::vector<SkippedFile> duplicates;  // files whose name an earlier file took
};

class ModelRegistry {
 public:
  ModelRegistry() = default;
  ModelRegistry(const ModelRegistry&) = delete;
  ModelRegistry& operator=(const ModelRegistry&) = delete;

  // Replaces the registry's contents with the models found in `sources`.
  ScanReport Scan(const std::vector<ModelSource>& sources);

  // Every model, sorted by name.
  std::vector<ModelEntry> List() const;

  // The model called `name`: kInvalidArgument when the name breaks
  // ValidateModelName, kNotFound when no model has it.
  Result<ModelEntry> Find(std::string_view name) const;

 private:
  using EntryMap = std::map<std::string, ModelEntry, std::less<>>;

  std::mutex scan_mutex_;  // serialises Scan()
  mutable std::mutex mutex_;
  std::shared_ptr<const EntryMap> entries_ = std::make_shared<EntryMap>();
};

}  // namespace llmcore::registry
