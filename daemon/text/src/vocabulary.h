// Vocabulary: the validated token table shared by both tokenizer families
// (texts, types, scores, decoded pieces, special ids, lookup by text).
//
// Built once by Vocabulary::Build, then immutable and safe to read from any
// thread. Its index points into its own storage, so it lives behind a
// unique_ptr and is never copied or moved.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "flat_maps.h"
#include "llmcore/status.h"
#include "llmcore/text/tokenizer.h"
#include "llmcore/text/vocabulary_spec.h"

namespace llmcore::text {

class Vocabulary {
 public:
  // Validates `spec` (everything except merges and the pre-tokenizer, which
  // belong to the byte-level encoder) and takes over its token texts.
  // `add_bos_by_default`: whether the family adds BOS when the metadata is silent.
  static Result<std::unique_ptr<Vocabulary>> Build(TokenizerKind kind, VocabularySpec& spec,
                                                   bool add_bos_by_default);

  Vocabulary(const Vocabulary&) = delete;
  Vocabulary& operator=(const Vocabulary&) = delete;

  TokenizerKind kind() const { return kind_; }
  size_t size() const { return texts_.size(); }
  bool Contains(TokenId id) const { return id >= 0 && static_cast<size_t>(id) < texts_.size(); }

  // Callers check Contains(id) first.
  std::string_view text(TokenId id) const { return texts_[static_cast<size_t>(id)]; }
  TokenType type(TokenId id) const { return types_[static_cast<size_t>(id)]; }
  float score(TokenId id) const { return scores_[static_cast<size_t>(id)]; }
  std::string_view piece(TokenId id) const { return pieces_[static_cast<size_t>(id)]; }

  // The token stored as `text` (any type), or kNoToken.
  TokenId Find(std::string_view text) const { return by_text_.Find(text); }

  // The <0xXX> token of each byte, or kNoToken.
  const std::array<TokenId, 256>& byte_tokens() const { return byte_tokens_; }
  bool has_byte_tokens() const { return has_byte_tokens_; }

  const SpecialTokenIds& special() const { return special_; }
  bool add_bos() const { return add_bos_; }
  bool add_eos() const { return add_eos_; }
  bool add_space_prefix() const { return add_space_prefix_; }
  const std::vector<TokenId>& end_of_generation() const { return eog_ids_; }
  bool IsEndOfGeneration(TokenId id) const {
    return Contains(id) && is_eog_[static_cast<size_t>(id)] != 0;
  }

 private:
  Vocabulary() = default;
  Status LoadTokens(VocabularySpec& spec);
  Status LoadSpecialIds(const VocabularySpec& spec);
  Status LoadFlags(const VocabularySpec& spec, bool add_bos_by_default);
  Status LoadByteTokens(bool types_absent);
  void FindEndOfGeneration();
  void BuildPieces();

  TokenizerKind kind_ = TokenizerKind::kSentencePiece;
  std::vector<std::string> texts_;
  std::vector<TokenType> types_;
  std::vector<float> scores_;
  std::vector<std::string> pieces_;
  TokenTextIndex by_text_;
  std::array<TokenId, 256> byte_tokens_{};
  bool has_byte_tokens_ = false;
  SpecialTokenIds special_;
  bool add_bos_ = false;
  bool add_eos_ = false;
  bool add_space_prefix_ = false;
  std::vector<TokenId> eog_ids_;
  std::vector<uint8_t> is_eog_;
};

// A token text made safe and short for an error message: quoted, control and
// non-UTF-8 bytes escaped, at most ~40 characters.
std::string QuoteToken(std::string_view text);

}  // namespace llmcore::text
