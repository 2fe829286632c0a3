// SpecialMatcher: finds the text of special tokens in input text, so that it
// becomes those tokens instead of being tokenized as words.
//
// Matching is leftmost-longest (as Hugging Face's added-token matcher does): at
// the first position where any registered text starts, the longest such text
// wins. Built once, then immutable and safe to use from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

class SpecialMatcher {
 public:
  // Texts longer than this are not matched: real special tokens are short, and
  // the bound keeps matching linear in the input for any vocabulary.
  static constexpr size_t kMaxTextBytes = 256;

  SpecialMatcher();

  // Registers `text` as token `id`. `always`: matched even when the caller did
  // not ask to parse special tokens (user-defined tokens). Returns false (and
  // registers nothing) for an empty, over-long or invalid UTF-8 text.
  bool Add(std::string_view text, TokenId id, bool always);

  // A piece of the input: a special token, or raw text [begin, end).
  struct Fragment {
    size_t begin = 0;
    size_t end = 0;
    TokenId token = kNoToken;  // kNoToken: raw text
  };

  // Cuts `text` into raw-text and token fragments, in order. Empty raw
  // fragments are not produced.
  void Partition(std::string_view text, bool parse_special, std::vector<Fragment>* out) const;

 private:
  struct Node {
    TokenId token = kNoToken;
    bool always = false;
  };
  // The longest registered text at `pos`: its length (0: none) and token.
  size_t LongestAt(std::string_view text, size_t pos, bool parse_special, TokenId* token) const;

  std::vector<Node> nodes_;                       // nodes_[0] is the root
  std::unordered_map<uint64_t, uint32_t> edges_;  // (node << 8 | byte) -> child
  std::array<uint8_t, 256> first_any_{};          // bytes some text starts with
  std::array<uint8_t, 256> first_always_{};       // ... some always-matched text
};

}  // namespace llmcore::text
