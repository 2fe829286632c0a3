#include "llmcore/registry/model_registry.h"

#include <utility>

#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/source.h"
#include "llmcore/log.h"
#include "model_metadata.h"
#include "open_beneath.h"
#include "source_listing.h"

namespace llmcore::registry {
namespace {

// The key under which a scan finds the previous scan's entry for the same
// file, to reuse its metadata when the file has not changed.
std::string FileKey(ModelSource::Kind kind, const std::string& root, const std::string& relative) {
  return std::to_string(static_cast<int>(kind)) + '\0' + root + '\0' + relative;
}

int64_t MtimeNs(const struct stat& st) {
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// Opens and describes one candidate; `previous` holds the last scan's
// entries by FileKey.
Result<ModelEntry> Describe(const ModelSource& source, internal::Candidate candidate,
                            const std::map<std::string, const ModelEntry*>& previous) {
  ModelEntry entry;
  entry.name = std::move(candidate.name);
  entry.kind = source.kind;
  entry.root = source.root;
  entry.relative_path = std::move(candidate.relative_path);
  entry.path = entry.root + "/" + entry.relative_path;
  LLMCORE_ASSIGN_OR_RETURN(internal::OpenedFile file,
                           internal::OpenBeneath(entry.root, entry.relative_path));
  entry.size = static_cast<uint64_t>(file.st.st_size);
  entry.mtime_ns = MtimeNs(file.st);

  const auto it = previous.find(FileKey(entry.kind, entry.root, entry.relative_path));
  if (it != previous.end() && it->second->size == entry.size &&
      it->second->mtime_ns == entry.mtime_ns) {
    ModelEntry reused = *it->second;
    reused.name = std::move(entry.name);
    return reused;
  }

  gguf::BorrowedFdSource source_bytes(file.fd.get(), entry.size, entry.path);
  LLMCORE_ASSIGN_OR_RETURN(const gguf::GgufFile gguf, gguf::ReadGguf(source_bytes));
  LLMCORE_RETURN_IF_ERROR(internal::DescribeModel(gguf, &entry));
  return entry;
}

}  // namespace

ScanReport ModelRegistry::Scan(const std::vector<ModelSource>& sources) {
  const std::lock_guard scan_lock(scan_mutex_);
  std::shared_ptr<const EntryMap> old_entries;
  {
    const std::lock_guard lock(mutex_);
    old_entries = entries_;
  }
  std::map<std::string, const ModelEntry*> previous;
  for (const auto& [name, entry] : *old_entries) {
    previous.emplace(FileKey(entry.kind, entry.root, entry.relative_path), &entry);
  }

  ScanReport report;
  auto entries = std::make_shared<EntryMap>();
  const auto skip = [&report](std::string path, std::string reason) {
    Logf(LogLevel::kWarning, "registry: skipped {}: {}", path, reason);
    report.skipped.push_back({std::move(path), std::move(reason)});
  };
  for (const ModelSource& source : sources) {
    internal::SourceListing listing = internal::ListSource(source);
    for (SkippedFile& skipped : listing.skipped) {
      skip(std::move(skipped.path), std::move(skipped.reason));
    }
    for (internal::Candidate& candidate : listing.candidates) {
      const std::string path = source.root + "/" + candidate.relative_path;
      if (const Status valid = ValidateModelName(candidate.name); !valid.ok()) {
        skip(path, valid.message());
        continue;
      }
      if (const auto taken = entries->find(candidate.name); taken != entries->end()) {
        std::string reason =
            "the name '" + candidate.name + "' is already taken by " + taken->second.path;
        Logf(LogLevel::kNotice, "registry: ignored {}: {}", path, reason);
        report.duplicates.push_back({path, std::move(reason)});
        continue;
      }
      Result<ModelEntry> entry = Describe(source, std::move(candidate), previous);
      if (!entry.ok()) {
        skip(path, entry.status().message());
        continue;
      }
      std::string name = entry->name;
      entries->emplace(std::move(name), std::move(*entry));
    }
  }
  report.models = entries->size();
  Logf(LogLevel::kInfo, "registry: {} models from {} sources ({} files skipped, {} duplicates)",
       report.models, sources.size(), report.skipped.size(), report.duplicates.size());

  const std::lock_guard lock(mutex_);
  entries_ = std::move(entries);
  return report;
}

std::vector<ModelEntry> ModelRegistry::List() const {
  std::shared_ptr<const EntryMap> entries;
  {
    const std::lock_guard lock(mutex_);
    entries = entries_;
  }
  std::vector<ModelEntry> list;
  list.reserve(entries->size());
  for (const auto& [name, entry] : *entries) list.push_back(entry);
  return list;
}

Result<ModelEntry> ModelRegistry::Find(std::string_view name) const {
  LLMCORE_RETURN_IF_ERROR(ValidateModelName(name));
  const std::lock_guard lock(mutex_);
  const auto it = entries_->find(name);
  if (it == entries_->end()) {
    return Status(StatusCode::kNotFound, "no model named '" + std::string(name) + "'");
  }
  return it->second;
}

}  // namespace llmcore::registry
