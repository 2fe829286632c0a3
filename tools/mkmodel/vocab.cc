#include "mkmodel/vocab.h"

#include <unistd.h>

#include <array>
#include <string_view>

#include "llmcore/gguf/reader.h"

namespace llmcore::mkmodel {
namespace {

std::string ExecutableDir() {
  std::array<char, 4096> buf{};
  ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return "";
  std::string path(buf.data(), static_cast<size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

std::vector<std::string> DefaultVocabCandidates() {
  std::vector<std::string> candidates;
  if (std::string dir = ExecutableDir(); !dir.empty()) {
    candidates.push_back(dir + "/" + LLMCORE_MKMODEL_VOCAB_FROM_BINDIR);
  }
  candidates.push_back(LLMCORE_MKMODEL_SOURCE_VOCAB);
  candidates.push_back(LLMCORE_MKMODEL_INSTALLED_VOCAB);
  return candidates;
}

Result<std::string> FindDefaultVocab() {
  std::string tried;
  for (const auto& path : DefaultVocabCandidates()) {
    if (::access(path.c_str(), R_OK) == 0) return path;
    tried += (tried.empty() ? "" : ", ") + path;
  }
  return Status(StatusCode::kNotFound,
                "no default vocabulary found (tried " + tried + "); pass --vocab-from FILE.gguf");
}

Result<Vocab> LoadVocab(const std::string& path) {
  LLMCORE_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::ReadGgufFile(path));
  Vocab vocab;
  vocab.path = path;
  for (const auto& kv : file.metadata()) {
    if (std::string_view(kv.key).starts_with("tokenizer.")) vocab.keys.push_back(kv);
  }
  const gguf::Value* tokens = file.Find("tokenizer.ggml.tokens");
  const gguf::Array* array = tokens != nullptr ? tokens->AsArray() : nullptr;
  if (array == nullptr || array->element_type != gguf::ValueType::kString) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": no tokenizer.ggml.tokens string array, not a vocabulary");
  }
  if (array->size() == 0 || array->size() > UINT32_MAX) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": " + std::to_string(array->size()) + " tokens");
  }
  vocab.size = static_cast<uint32_t>(array->size());
  return vocab;
}

Status AddVocab(const Vocab& vocab, gguf::GgufWriter& writer) {
  for (const auto& kv : vocab.keys) {
    LLMCORE_RETURN_IF_ERROR(writer.Add(kv.key, kv.value).WithContext(vocab.path));
  }
  return Status::Ok();
}

}  // namespace llmcore::mkmodel
