#include "model_metadata.h"

#include <array>
#include <cctype>
#include <limits>
#include <map>
#include <string>
#include <utility>

#include "llmcore/text/chat_template.h"

namespace llmcore::registry::internal {
namespace {

// llama.cpp's enum llama_ftype: what most of a file's weights are stored as
// (the _S/_M/_L suffixes name mixes of K-quants). Ids 4-6 and 33-35 were
// removed from it.
constexpr std::array<std::pair<uint64_t, std::string_view>, 33> kFileTypes = {{
    {0, "F32"},      {1, "F16"},      {2, "Q4_0"},       {3, "Q4_1"},    {7, "Q8_0"},
    {8, "Q5_0"},     {9, "Q5_1"},     {10, "Q2_K"},      {11, "Q3_K_S"}, {12, "Q3_K_M"},
    {13, "Q3_K_L"},  {14, "Q4_K_S"},  {15, "Q4_K_M"},    {16, "Q5_K_S"}, {17, "Q5_K_M"},
    {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"},    {21, "Q2_K_S"}, {22, "IQ3_XS"},
    {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"},    {26, "IQ3_S"},  {27, "IQ3_M"},
    {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"},    {31, "IQ1_M"},  {32, "BF16"},
    {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4_MOE"},
}};

std::string UpperCase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// The tensor type holding the most elements, as "Q4_K".
std::string DominantTensorType(const gguf::GgufFile& file) {
  std::map<gguf::TensorType, uint64_t> elements;
  for (const gguf::TensorInfo& tensor : file.tensors()) elements[tensor.type] += tensor.n_elements;
  const gguf::TensorType* best = nullptr;
  uint64_t most = 0;
  for (const auto& [type, count] : elements) {
    if (best == nullptr || count > most) {
      best = &type;
      most = count;
    }
  }
  return best == nullptr ? std::string() : UpperCase(gguf::Traits(*best).name);
}

// `key` as a uint32, or 0 when it is absent or holds something else.
uint32_t Uint32Key(const gguf::GgufFile& file, const std::string& key) {
  const Result<uint64_t> value = file.GetUint(key);
  if (!value.ok() || *value > std::numeric_limits<uint32_t>::max()) return 0;
  return static_cast<uint32_t>(*value);
}

}  // namespace

std::optional<std::string_view> FileTypeName(uint64_t file_type) {
  for (const auto& [id, name] : kFileTypes) {
    if (id == file_type) return name;
  }
  return std::nullopt;
}

Status DescribeModel(const gguf::GgufFile& file, ModelEntry* entry) {
  if (file.tensors().empty()) {
    return Status(StatusCode::kUnsupported, "no tensors (a vocabulary-only file?)");
  }
  const std::string architecture = file.architecture();
  if (architecture.empty()) {
    return Status(StatusCode::kUnsupported, "no general.architecture: not a model file");
  }
  entry->architecture = architecture;

  std::optional<std::string_view> file_type;
  if (const Result<uint64_t> id = file.GetUint("general.file_type"); id.ok()) {
    file_type = FileTypeName(*id);
  }
  entry->quantization = file_type ? std::string(*file_type) : DominantTensorType(file);

  // Tensors lie inside the file, so their elements cannot add up to 2^64;
  // saturating keeps that an assumption nothing depends on.
  uint64_t parameters = 0;
  for (const gguf::TensorInfo& tensor : file.tensors()) {
    parameters = tensor.n_elements > std::numeric_limits<uint64_t>::max() - parameters
                     ? std::numeric_limits<uint64_t>::max()
                     : parameters + tensor.n_elements;
  }
  entry->parameters = parameters;

  const std::string prefix = architecture + ".";
  entry->context_length = Uint32Key(file, prefix + "context_length");
  entry->embedding_length = Uint32Key(file, prefix + "embedding_length");
  entry->layers = Uint32Key(file, prefix + "block_count");
  entry->vocab_size = Uint32Key(file, prefix + "vocab_size");
  if (entry->vocab_size == 0) {
    if (const Result<const gguf::Array*> tokens = file.GetArray("tokenizer.ggml.tokens");
        tokens.ok() && (*tokens)->size() <= std::numeric_limits<uint32_t>::max()) {
      entry->vocab_size = static_cast<uint32_t>((*tokens)->size());
    }
  }

  entry->chat_template.clear();
  if (const Result<std::string> source = file.GetString("tokenizer.chat_template"); source.ok()) {
    if (const auto format = text::DetectChatTemplate(*source); format.ok()) {
      entry->chat_template = std::string(format->name());
    }
  }
  return Status::Ok();
}

}  // namespace llmcore::registry::internal
