#include "piece_renderer.h"

namespace llmcore::text {
namespace {

// Tokens that stand for no text of the input: shown only on request.
bool IsHiddenByDefault(TokenType type) {
  switch (type) {
    case TokenType::kControl:
    case TokenType::kUnknown:
    case TokenType::kUnused:
    case TokenType::kUndefined: return true;
    case TokenType::kNormal:
    case TokenType::kUserDefined:
    case TokenType::kByte: return false;
  }
  return true;
}

}  // namespace

Status AppendRenderedPiece(const Tokenizer& tokenizer, const DecodeOptions& options, TokenId id,
                           bool* started, std::string* out) {
  auto piece = tokenizer.TokenPiece(id);
  if (!piece.ok()) return piece.status();
  const bool hidden = IsHiddenByDefault(tokenizer.token_type(id));
  if (hidden && !options.render_special) return Status::Ok();
  std::string_view text = *piece;
  if (!*started) {
    *started = true;
    // Undo the space Encode put in front of the text: only in front of text
    // (a rendered control token comes first otherwise).
    if (options.strip_space_prefix && tokenizer.adds_space_prefix() && !hidden && !text.empty() &&
        text.front() == ' ') {
      text.remove_prefix(1);
    }
  }
  out->append(text);
  return Status::Ok();
}

}  // namespace llmcore::text
