#include "source_listing.h"

namespace llmcore::registry::internal {

SourceListing ListSource(const ModelSource& source) {
  switch (source.kind) {
    case ModelSource::kDirectory: return ListDirectorySource(source.root);
    case ModelSource::kHuggingFace: return ListHuggingFaceSource(source.root);
    case ModelSource::kOllama: return ListOllamaSource(source.root);
  }
  return {};
}

}  // namespace llmcore::registry::internal
