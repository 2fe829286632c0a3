#include "llmcore/text/tokenizer.h"

#include <fmt/format.h>

#include <utility>

#include "bpe_encoder.h"
#include "fragment_encoder.h"
#include "llmcore/log.h"
#include "llmcore/utf8.h"
#include "piece_renderer.h"
#include "pre_tokenizer.h"
#include "special_matcher.h"
#include "spm_encoder.h"
#include "vocabulary.h"

namespace llmcore::text {
namespace {

// Keeps every offset and symbol index of one Encode call within 32 bits.
constexpr size_t kMaxEncodeBytes = size_t{256} << 20;

class VocabTokenizer final : public Tokenizer {
 public:
  VocabTokenizer(std::string pre, std::unique_ptr<Vocabulary> vocab)
      : pre_(std::move(pre)), vocab_(std::move(vocab)) {}

  void set_encoder(std::unique_ptr<FragmentEncoder> encoder) { encoder_ = std::move(encoder); }
  void BuildSpecialMatcher();

  TokenizerKind kind() const override { return vocab_->kind(); }
  const std::string& pre_tokenizer() const override { return pre_; }
  size_t vocab_size() const override { return vocab_->size(); }
  const SpecialTokenIds& special_ids() const override { return vocab_->special(); }
  bool adds_bos() const override { return vocab_->add_bos(); }
  bool adds_eos() const override { return vocab_->add_eos(); }
  bool adds_space_prefix() const override { return vocab_->add_space_prefix(); }

  TokenType token_type(TokenId id) const override {
    return vocab_->Contains(id) ? vocab_->type(id) : TokenType::kUndefined;
  }
  std::string_view token_text(TokenId id) const override {
    return vocab_->Contains(id) ? vocab_->text(id) : std::string_view();
  }
  std::optional<TokenId> FindToken(std::string_view text) const override {
    const TokenId id = vocab_->Find(text);
    if (id == kNoToken) return std::nullopt;
    return id;
  }

  Result<std::vector<TokenId>> Encode(std::string_view text,
                                      const EncodeOptions& options) const override;
  Result<std::string_view> TokenPiece(TokenId id) const override;
  Result<std::string> Decode(std::span<const TokenId> ids,
                             const DecodeOptions& options) const override;

  bool IsEndOfGeneration(TokenId id) const override { return vocab_->IsEndOfGeneration(id); }
  std::span<const TokenId> end_of_generation_ids() const override {
    return vocab_->end_of_generation();
  }

 private:
  std::string pre_;
  std::unique_ptr<Vocabulary> vocab_;
  std::unique_ptr<FragmentEncoder> encoder_;
  SpecialMatcher special_matcher_;
};

void VocabTokenizer::BuildSpecialMatcher() {
  for (size_t i = 0; i < vocab_->size(); ++i) {
    const auto id = static_cast<TokenId>(i);
    const TokenType type = vocab_->type(id);
    const bool user_defined = type == TokenType::kUserDefined;
    if (!user_defined && type != TokenType::kControl && type != TokenType::kUnknown) continue;
    const std::string_view text = vocab_->text(id);
    if (text.empty()) continue;
    if (!special_matcher_.Add(text, id, /*always=*/user_defined)) {
      Logf(LogLevel::kDebug, "tokenizer: special token {} {} is never matched in text", id,
           QuoteToken(text));
    }
  }
}

Result<std::vector<TokenId>> VocabTokenizer::Encode(std::string_view text,
                                                    const EncodeOptions& options) const {
  if (text.size() > kMaxEncodeBytes) {
    return Status(StatusCode::kResourceExhausted,
                  fmt::format("tokenizer: text of {} bytes is longer than the limit of {}",
                              text.size(), kMaxEncodeBytes));
  }
  if (const size_t bad = FindInvalidUtf8(text); bad != std::string_view::npos) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("tokenizer: text is not valid UTF-8 at byte {}", bad));
  }

  std::vector<SpecialMatcher::Fragment> fragments;
  special_matcher_.Partition(text, options.parse_special, &fragments);

  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  if (options.add_special && vocab_->add_bos()) ids.push_back(vocab_->special().bos);
  bool starts_segment = true;
  for (const SpecialMatcher::Fragment& fragment : fragments) {
    if (fragment.token != kNoToken) {
      ids.push_back(fragment.token);
      starts_segment = true;
      continue;
    }
    LLMCORE_RETURN_IF_ERROR(encoder_->Encode(
        text.substr(fragment.begin, fragment.end - fragment.begin), starts_segment, &ids));
    starts_segment = false;
  }
  if (options.add_special && vocab_->add_eos()) ids.push_back(vocab_->special().eos);
  return ids;
}

Result<std::string_view> VocabTokenizer::TokenPiece(TokenId id) const {
  if (!vocab_->Contains(id)) {
    return Status(StatusCode::kOutOfRange,
                  fmt::format("tokenizer: token id {} is not below the vocabulary size {}", id,
                              vocab_->size()));
  }
  return vocab_->piece(id);
}

Result<std::string> VocabTokenizer::Decode(std::span<const TokenId> ids,
                                           const DecodeOptions& options) const {
  std::string out;
  bool started = false;
  for (TokenId id : ids) {
    LLMCORE_RETURN_IF_ERROR(AppendRenderedPiece(*this, options, id, &started, &out));
  }
  return out;
}

}  // namespace

std::string_view TokenizerKindName(TokenizerKind kind) {
  switch (kind) {
    case TokenizerKind::kSentencePiece: return "sentencepiece";
    case TokenizerKind::kByteLevelBpe: return "byte-level-bpe";
  }
  return "unknown";
}

std::vector<std::string_view> SupportedPreTokenizers() {
  return SupportedPreTokenizerNames();
}

Result<std::unique_ptr<Tokenizer>> CreateTokenizer(VocabularySpec spec) {
  TokenizerKind kind;
  const PreTokenizerRules* rules = nullptr;
  if (spec.model == "llama") {
    kind = TokenizerKind::kSentencePiece;
  } else if (spec.model == "gpt2") {
    kind = TokenizerKind::kByteLevelBpe;
    if (spec.pre.empty()) {
      return Status(StatusCode::kUnsupported,
                    "tokenizer: byte-level BPE vocabulary without tokenizer.ggml.pre: its "
                    "pre-tokenizer is unknown (convert the model again with a current converter)");
    }
    rules = FindPreTokenizerRules(spec.pre);
    if (rules == nullptr) {
      return Status(StatusCode::kUnsupported,
                    fmt::format("tokenizer: pre-tokenizer '{}' is not supported", spec.pre));
    }
    if (spec.merges.empty()) {
      return Status(StatusCode::kCorrupt,
                    "tokenizer: byte-level BPE vocabulary without tokenizer.ggml.merges");
    }
  } else {
    std::string_view what;
    if (spec.model == "bert") what = " (WordPiece)";
    if (spec.model == "t5") what = " (Unigram)";
    return Status(
        StatusCode::kUnsupported,
        fmt::format("tokenizer: tokenizer model '{}'{} is not supported", spec.model, what));
  }

  LLMCORE_ASSIGN_OR_RETURN(
      std::unique_ptr<Vocabulary> vocab,
      Vocabulary::Build(kind, spec, rules != nullptr && rules->add_bos_by_default));
  const Vocabulary& vocab_ref = *vocab;
  auto tokenizer = std::make_unique<VocabTokenizer>(
      kind == TokenizerKind::kByteLevelBpe ? spec.pre : std::string(), std::move(vocab));
  if (kind == TokenizerKind::kSentencePiece) {
    tokenizer->set_encoder(std::make_unique<SpmEncoder>(vocab_ref));
  } else {
    LLMCORE_ASSIGN_OR_RETURN(std::unique_ptr<BpeEncoder> encoder,
                             BpeEncoder::Create(vocab_ref, spec.merges, *rules));
    tokenizer->set_encoder(std::move(encoder));
  }
  tokenizer->BuildSpecialMatcher();
  return std::unique_ptr<Tokenizer>(std::move(tokenizer));
}

Result<std::unique_ptr<Tokenizer>> CreateTokenizer(const gguf::GgufFile& file) {
  LLMCORE_ASSIGN_OR_RETURN(VocabularySpec spec, ReadVocabularySpec(file));
  return CreateTokenizer(std::move(spec));
}

}  // namespace llmcore::text
