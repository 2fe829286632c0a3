// SpmEncoder: SentencePiece-style BPE over a scored vocabulary.
//
// Spaces become U+2581 (and one is prefixed at the start of a segment when the
// vocabulary asks for it); the text starts as one symbol per character; the
// adjacent pair whose concatenation is the highest-scoring token (leftmost on
// ties) is merged until no pair forms a token. Symbols that are not tokens are
// spelled with <0xXX> byte tokens, or the unknown token when the vocabulary
// has no byte tokens. A priority queue keeps this O(n log n).
//
// When no mergeable token contains a word start (a U+2581 after another
// character), no merge can cross one, and each word evolves exactly as it would
// inside the whole text; the encoder then works word by word, which keeps the
// queue small. Otherwise it works on the whole fragment at once.
#pragma once

#include "fragment_encoder.h"
#include "vocabulary.h"

namespace llmcore::text {

class SpmEncoder final : public FragmentEncoder {
 public:
  // `vocab` must outlive the encoder.
  explicit SpmEncoder(const Vocabulary& vocab);

  Status Encode(std::string_view text, bool starts_segment,
                std::vector<TokenId>* out) const override;

 private:
  const Vocabulary& vocab_;
  bool split_words_ = false;  // no mergeable token spans a word start
};

}  // namespace llmcore::text
