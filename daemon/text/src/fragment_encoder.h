// FragmentEncoder: the family-specific part of tokenization, applied to each
// stretch of raw text between special tokens.
#pragma once

#include <string_view>
#include <vector>

#include "llmcore/status.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

class FragmentEncoder {
 public:
  virtual ~FragmentEncoder() = default;

  // Appends the tokens of `text` (non-empty, valid UTF-8, no special-token
  // text) to `out`. `starts_segment`: the fragment begins the input or follows
  // a special token (where SentencePiece prefixes a space). Thread-safe.
  virtual Status Encode(std::string_view text, bool starts_segment,
                        std::vector<TokenId>* out) const = 0;
};

}  // namespace llmcore::text
