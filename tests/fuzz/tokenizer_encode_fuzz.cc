// Fuzzes the tokenizers on text from outside (a client's prompt): Encode must
// accept or refuse any bytes without crashing, and whatever it accepts must
// decode back. The first input byte picks the vocabulary (SentencePiece or
// byte-level BPE) and whether control-token text is parsed.
//
// The vocabularies come from the shared test data ($LLMCORE_TESTDATA, or
// ../shared/testdata of the checkout); they are loaded once.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/text/tokenizer.h"

namespace {

std::unique_ptr<llmcore::text::Tokenizer> Load(const char* name) {
  const char* env = std::getenv("LLMCORE_TESTDATA");
  const std::string dir = env != nullptr ? env : LLMCORE_TESTDATA_DIR;
  const std::string path = dir + "/vocab/" + name;
  auto file = llmcore::gguf::ReadGgufFile(path);
  if (!file.ok()) {
    std::fprintf(stderr, "tokenizer_encode_fuzz: %s\n", file.status().ToString().c_str());
    std::abort();  // a broken fuzzing set-up, not a finding
  }
  auto tokenizer = llmcore::text::CreateTokenizer(*file);
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "tokenizer_encode_fuzz: %s\n", tokenizer.status().ToString().c_str());
    std::abort();
  }
  return std::move(*tokenizer);
}

const std::vector<std::unique_ptr<llmcore::text::Tokenizer>>& Tokenizers() {
  static const auto* tokenizers = [] {
    auto* all = new std::vector<std::unique_ptr<llmcore::text::Tokenizer>>();
    all->push_back(Load("ggml-vocab-llama-spm.gguf"));
    all->push_back(Load("ggml-vocab-qwen2.gguf"));
    all->push_back(Load("ggml-vocab-gpt-2.gguf"));
    return all;
  }();
  return *tokenizers;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& tokenizers = Tokenizers();
  const llmcore::text::Tokenizer& tokenizer = *tokenizers[data[0] % tokenizers.size()];
  llmcore::text::EncodeOptions options;
  options.add_special = (data[0] & 0x10) != 0;
  options.parse_special = (data[0] & 0x20) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  auto ids = tokenizer.Encode(text, options);
  if (!ids.ok()) return 0;  // refused (invalid UTF-8): fine, as long as it said so
  for (llmcore::text::TokenId id : *ids) {
    if (id < 0 || static_cast<size_t>(id) >= tokenizer.vocab_size()) std::abort();
  }
  auto decoded = tokenizer.Decode(*ids);
  if (!decoded.ok()) std::abort();  // ids the tokenizer produced must decode
  return 0;
}
