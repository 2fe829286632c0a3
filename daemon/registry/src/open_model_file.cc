#include "llmcore/registry/open_model_file.h"

#include "open_beneath.h"

namespace llmcore::registry {

Result<UniqueFd> OpenModelFile(const ModelEntry& entry) {
  Result<internal::OpenedFile> opened = internal::OpenBeneath(entry.root, entry.relative_path);
  if (!opened.ok()) return opened.status().WithContext("model '" + entry.name + "'");
  return std::move(opened->fd);
}

}  // namespace llmcore::registry
