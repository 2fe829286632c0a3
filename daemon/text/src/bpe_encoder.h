// BpeEncoder: byte-level BPE (GPT-2 style) with a pre-tokenizer.
//
// Each word the pre-tokenizer produces is written in the byte alphabet
// (byte_level.h), starts as one symbol per byte, and the adjacent pair with the
// best (lowest) merge rank is merged, leftmost first on ties, until no pair has
// a merge. A priority queue keeps this O(n log n) per word; merges are looked
// up by token-id pair in a hash map.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "flat_maps.h"
#include "fragment_encoder.h"
#include "pre_tokenizer.h"
#include "vocabulary.h"

namespace llmcore::text {

class BpeEncoder final : public FragmentEncoder {
 public:
  // Parses and validates `merges` against `vocab` (kCorrupt naming the first
  // bad merge) and compiles the pre-tokenizer. `vocab` must outlive the encoder.
  static Result<std::unique_ptr<BpeEncoder>> Create(const Vocabulary& vocab,
                                                    const std::vector<std::string>& merges,
                                                    const PreTokenizerRules& rules);

  Status Encode(std::string_view text, bool starts_segment,
                std::vector<TokenId>* out) const override;

 private:
  BpeEncoder(const Vocabulary& vocab, PreTokenizer pre_tokenizer, bool ignore_merges)
      : vocab_(vocab), pre_tokenizer_(std::move(pre_tokenizer)), ignore_merges_(ignore_merges) {}

  struct Scratch;
  void EncodeWord(std::string_view word, Scratch* scratch, std::vector<TokenId>* out) const;
  // A byte with no token of its own: the unknown token, or nothing (what the
  // reference tokenizers do for vocabularies that lack some bytes).
  void AppendMissingByte(std::vector<TokenId>* out) const;

  const Vocabulary& vocab_;
  PreTokenizer pre_tokenizer_;
  bool ignore_merges_;
  std::array<TokenId, 256> byte_token_{};  // the token of each byte's character
  MergeTable merges_;
};

}  // namespace llmcore::text
