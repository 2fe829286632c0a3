#include "vocabulary.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "byte_level.h"
#include "llmcore/log.h"
#include "llmcore/utf8.h"

namespace llmcore::text {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581, SentencePiece's space

// Token texts that mark the end of a turn in the model families we know. A
// vocabulary rarely lists all of them in its metadata, so they are found by
// text, as the reference implementation does.
constexpr std::string_view kEndOfGenerationTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "<|eom_id|>",
    "<EOT>",
    "<|end_of_text|>",
    // DeepSeek's "<｜end▁of▁sentence｜>" (full-width bars, U+2581 spaces).
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81"
    "of\xE2\x96\x81"
    "sentence\xEF\xBD\x9C>",
};

Status Corrupt(std::string message) {
  return Status(StatusCode::kCorrupt, "tokenizer: " + std::move(message));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The byte of a "<0xXX>" text, or -1.
int ParseByteToken(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  const int hi = HexValue(text[3]);
  const int lo = HexValue(text[4]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

std::string SpmPiece(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.substr(i, kSpaceMarker.size()) == kSpaceMarker) {
      out.push_back(' ');
      i += kSpaceMarker.size();
    } else {
      out.push_back(text[i++]);
    }
  }
  return out;
}

}  // namespace

std::string QuoteToken(std::string_view text) {
  constexpr size_t kMaxShown = 40;
  std::string out = "'";
  size_t shown = 0;
  size_t i = 0;
  while (i < text.size() && shown < kMaxShown) {
    const auto b = static_cast<uint8_t>(text[i]);
    if (b >= 0x20 && b < 0x7F && b != '\'' && b != '\\') {
      out.push_back(static_cast<char>(b));
      ++i;
    } else if (b >= 0x80) {
      const Utf8Decoded d = DecodeUtf8(text.substr(i));
      if (d.kind == Utf8Decoded::Kind::kValid) {
        out.append(text.substr(i, d.length));
        i += d.length;
      } else {
        out += fmt::format("\\x{:02x}", b);
        ++i;
      }
    } else {
      out += fmt::format("\\x{:02x}", b);
      ++i;
    }
    ++shown;
  }
  if (i < text.size()) out += "...";
  out += "'";
  return out;
}

Result<std::unique_ptr<Vocabulary>> Vocabulary::Build(TokenizerKind kind, VocabularySpec& spec,
                                                      bool add_bos_by_default) {
  std::unique_ptr<Vocabulary> vocab(new Vocabulary());
  vocab->kind_ = kind;
  LLMCORE_RETURN_IF_ERROR(vocab->LoadTokens(spec));
  LLMCORE_RETURN_IF_ERROR(vocab->LoadSpecialIds(spec));
  LLMCORE_RETURN_IF_ERROR(vocab->LoadFlags(spec, add_bos_by_default));
  LLMCORE_RETURN_IF_ERROR(vocab->LoadByteTokens(spec.token_types.empty()));
  vocab->FindEndOfGeneration();
  vocab->BuildPieces();
  return vocab;
}

Status Vocabulary::LoadTokens(VocabularySpec& spec) {
  const size_t n = spec.tokens.size();
  if (n == 0) return Corrupt("tokenizer.ggml.tokens is empty");
  if (n > static_cast<size_t>(std::numeric_limits<TokenId>::max())) {
    return Corrupt(fmt::format("{} tokens do not fit 32-bit token ids", n));
  }
  if (!spec.scores.empty() && spec.scores.size() != n) {
    return Corrupt(
        fmt::format("tokenizer.ggml.scores has {} entries for {} tokens", spec.scores.size(), n));
  }
  if (!spec.token_types.empty() && spec.token_types.size() != n) {
    return Corrupt(fmt::format("tokenizer.ggml.token_type has {} entries for {} tokens",
                               spec.token_types.size(), n));
  }

  types_.assign(n, TokenType::kNormal);
  for (size_t i = 0; i < spec.token_types.size(); ++i) {
    const int32_t t = spec.token_types[i];
    if (t < 0 || t > static_cast<int32_t>(TokenType::kByte)) {
      return Corrupt(fmt::format("token {} has type {}, not one of 0..6", i, t));
    }
    types_[i] = static_cast<TokenType>(t);
  }

  scores_.assign(n, 0.0f);
  for (size_t i = 0; i < spec.scores.size(); ++i) {
    // NaN would break the ordering merges are chosen by.
    if (std::isnan(spec.scores[i])) return Corrupt(fmt::format("token {} has a NaN score", i));
    scores_[i] = spec.scores[i];
  }

  texts_ = std::move(spec.tokens);
  TokenId first = kNoToken;
  const TokenId repeated = by_text_.Build(texts_, &first);
  if (repeated != kNoToken) {
    return Corrupt(fmt::format("tokens {} and {} have the same text {}", first, repeated,
                               QuoteToken(texts_[static_cast<size_t>(repeated)])));
  }
  return Status::Ok();
}

Status Vocabulary::LoadSpecialIds(const VocabularySpec& spec) {
  const size_t n = texts_.size();
  // `strict`: the id steers encoding or stopping, so a bad one must not be
  // ignored; the others are informational and only logged.
  auto read = [n](const std::optional<int64_t>& value, std::string_view key, bool strict,
                  TokenId* out) -> Status {
    *out = kNoToken;
    if (!value || *value < 0 || *value == 0xFFFFFFFF) return Status::Ok();
    if (static_cast<uint64_t>(*value) >= n) {
      std::string message =
          fmt::format("{} is {} but the vocabulary has {} tokens", key, *value, n);
      if (strict) return Corrupt(std::move(message));
      Logf(LogLevel::kWarning, "tokenizer: ignoring {}", message);
      return Status::Ok();
    }
    *out = static_cast<TokenId>(*value);
    return Status::Ok();
  };
  LLMCORE_RETURN_IF_ERROR(read(spec.bos_id, "tokenizer.ggml.bos_token_id", true, &special_.bos));
  LLMCORE_RETURN_IF_ERROR(read(spec.eos_id, "tokenizer.ggml.eos_token_id", true, &special_.eos));
  LLMCORE_RETURN_IF_ERROR(
      read(spec.unk_id, "tokenizer.ggml.unknown_token_id", true, &special_.unk));
  LLMCORE_RETURN_IF_ERROR(read(spec.eot_id, "tokenizer.ggml.eot_token_id", true, &special_.eot));
  LLMCORE_RETURN_IF_ERROR(read(spec.eom_id, "tokenizer.ggml.eom_token_id", true, &special_.eom));
  LLMCORE_RETURN_IF_ERROR(
      read(spec.pad_id, "tokenizer.ggml.padding_token_id", false, &special_.pad));
  LLMCORE_RETURN_IF_ERROR(
      read(spec.sep_id, "tokenizer.ggml.seperator_token_id", false, &special_.sep));
  return Status::Ok();
}

Status Vocabulary::LoadFlags(const VocabularySpec& spec, bool add_bos_by_default) {
  const bool spm = kind_ == TokenizerKind::kSentencePiece;
  // SentencePiece models add BOS unless told otherwise; byte-level ones only
  // when their family does (Llama 3) or the metadata says so.
  add_bos_ = spec.add_bos.value_or(spm || add_bos_by_default);
  add_eos_ = spec.add_eos.value_or(false);
  if (add_bos_ && special_.bos == kNoToken) {
    if (spec.add_bos.value_or(false)) {
      return Corrupt("tokenizer.ggml.add_bos_token is true but there is no BOS token");
    }
    add_bos_ = false;
  }
  if (add_eos_ && special_.eos == kNoToken) {
    return Corrupt("tokenizer.ggml.add_eos_token is true but there is no EOS token");
  }
  // Byte-level BPE encodes spaces as bytes like any other; only SentencePiece
  // prefixes one.
  add_space_prefix_ = spm && spec.add_space_prefix.value_or(true);
  return Status::Ok();
}

Status Vocabulary::LoadByteTokens(bool types_absent) {
  byte_tokens_.fill(kNoToken);
  size_t found = 0;
  for (size_t i = 0; i < texts_.size(); ++i) {
    const bool typed_byte = types_[i] == TokenType::kByte;
    // Without a type array every token is "normal"; <0xXX> texts are then the
    // only sign of byte tokens.
    if (!typed_byte && !types_absent) continue;
    const int byte = ParseByteToken(texts_[i]);
    if (byte < 0) {
      if (typed_byte) {
        return Corrupt(
            fmt::format("byte token {} has text {}, not <0xXX>", i, QuoteToken(texts_[i])));
      }
      continue;
    }
    if (types_absent) types_[i] = TokenType::kByte;
    if (byte_tokens_[static_cast<size_t>(byte)] == kNoToken) {
      byte_tokens_[static_cast<size_t>(byte)] = static_cast<TokenId>(i);
      ++found;
    }
  }
  has_byte_tokens_ = found > 0;
  if (kind_ != TokenizerKind::kSentencePiece) return Status::Ok();
  // SentencePiece spells characters that have no token as their bytes; with
  // some byte tokens missing, such text could not be encoded at all.
  if (found > 0 && found < 256) {
    for (size_t b = 0; b < 256; ++b) {
      if (byte_tokens_[b] == kNoToken) {
        return Corrupt(fmt::format(
            "byte fallback is incomplete: {} of 256 byte tokens, none for <0x{:02X}>", found, b));
      }
    }
  }
  if (found == 0 && special_.unk == kNoToken) {
    return Corrupt("the vocabulary has neither byte tokens <0x00>..<0xFF> nor an unknown token");
  }
  return Status::Ok();
}

void Vocabulary::FindEndOfGeneration() {
  is_eog_.assign(texts_.size(), 0);
  auto mark = [this](TokenId id) {
    if (id != kNoToken) is_eog_[static_cast<size_t>(id)] = 1;
  };
  mark(special_.eos);
  mark(special_.eot);
  mark(special_.eom);
  for (std::string_view text : kEndOfGenerationTexts) {
    const TokenId id = Find(text);
    if (id == kNoToken) continue;
    TokenType& type = types_[static_cast<size_t>(id)];
    if (type == TokenType::kUserDefined) {
      // A turn marker typed as user-defined would be matched in plain user
      // text; treat it as the control token it is.
      type = TokenType::kControl;
    }
    if (type == TokenType::kControl) mark(id);
  }
  for (size_t i = 0; i < is_eog_.size(); ++i) {
    if (is_eog_[i] != 0) eog_ids_.push_back(static_cast<TokenId>(i));
  }
}

void Vocabulary::BuildPieces() {
  pieces_.resize(texts_.size());
  for (size_t i = 0; i < texts_.size(); ++i) {
    const std::string_view text = texts_[i];
    switch (types_[i]) {
      case TokenType::kByte: {
        const int byte = ParseByteToken(text);
        pieces_[i] = byte >= 0 ? std::string(1, static_cast<char>(byte)) : std::string(text);
        break;
      }
      case TokenType::kControl:
      case TokenType::kUnknown: pieces_[i] = std::string(text); break;
      case TokenType::kUserDefined:
        // User-defined tokens are matched in the raw text, so their text is
        // raw too (no byte alphabet), but SentencePiece still writes U+2581.
        pieces_[i] = kind_ == TokenizerKind::kSentencePiece ? SpmPiece(text) : std::string(text);
        break;
      case TokenType::kNormal:
      case TokenType::kUnused:
      case TokenType::kUndefined:
        pieces_[i] =
            kind_ == TokenizerKind::kSentencePiece ? SpmPiece(text) : ByteLevelDecode(text);
        break;
    }
  }
}

}  // namespace llmcore::text
