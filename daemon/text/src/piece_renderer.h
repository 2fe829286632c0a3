// How one token contributes to decoded text; shared by Tokenizer::Decode and
// StreamingDetokenizer so that both give the same bytes.
#pragma once

#include <string>

#include "llmcore/status.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

// Appends the piece of `id` to `out` under `options`. `started` is the
// per-sequence state of the space-prefix rule: false until a token has
// produced output. kOutOfRange for an unknown id (nothing appended).
Status AppendRenderedPiece(const Tokenizer& tokenizer, const DecodeOptions& options, TokenId id,
                           bool* started, std::string* out);

}  // namespace llmcore::text
