// VocabularySpec: a tokenizer's definition as a model file states it, not yet
// validated; and ReadVocabularySpec, which extracts it from GGUF metadata.
//
// Keeping the extraction separate from CreateTokenizer (tokenizer.h) lets a
// caller inspect or correct a definition before building from it (for example
// name the pre-tokenizer of an old file that lacks tokenizer.ggml.pre), and
// lets tests build hostile vocabularies without writing files.
//
// Thread safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"

namespace llmcore::text {

struct VocabularySpec {
  std::string model;  // tokenizer.ggml.model: "llama" (SentencePiece), "gpt2" (byte-level BPE)
  std::string pre;    // tokenizer.ggml.pre, "" when absent
  std::vector<std::string> tokens;   // tokenizer.ggml.tokens; the index is the token id
  std::vector<float> scores;         // tokenizer.ggml.scores: one per token, or empty
  std::vector<int32_t> token_types;  // tokenizer.ggml.token_type: one per token, or empty
  std::vector<std::string> merges;   // tokenizer.ggml.merges: "left right", best rank first

  // Special token ids as stored (GGUF writes uint32; 0xFFFFFFFF or a negative
  // value means "none"); nullopt when the key is absent.
  std::optional<int64_t> bos_id;  // tokenizer.ggml.bos_token_id
  std::optional<int64_t> eos_id;  // tokenizer.ggml.eos_token_id
  std::optional<int64_t> unk_id;  // tokenizer.ggml.unknown_token_id
  std::optional<int64_t> pad_id;  // tokenizer.ggml.padding_token_id
  std::optional<int64_t> sep_id;  // tokenizer.ggml.seperator_token_id (sic)
  std::optional<int64_t> eot_id;  // tokenizer.ggml.eot_token_id
  std::optional<int64_t> eom_id;  // tokenizer.ggml.eom_token_id

  std::optional<bool> add_bos;           // tokenizer.ggml.add_bos_token
  std::optional<bool> add_eos;           // tokenizer.ggml.add_eos_token
  std::optional<bool> add_space_prefix;  // tokenizer.ggml.add_space_prefix
};

// Copies the tokenizer.ggml.* metadata of `file`. Fails with kNotFound when
// tokenizer.ggml.model or tokenizer.ggml.tokens is absent, and with kCorrupt
// naming the key when a key has a type the format does not allow (tokens not
// strings, scores not floats, token types not integers, an id not an integer,
// a flag not a bool). Consistency between the keys is checked later, by
// CreateTokenizer.
Result<VocabularySpec> ReadVocabularySpec(const gguf::GgufFile& file);

}  // namespace llmcore::text
