#include "llmcore/text/streaming_detokenizer.h"

#include "llmcore/utf8.h"
#include "piece_renderer.h"

namespace llmcore::text {

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, const DecodeOptions& options)
    : tokenizer_(&tokenizer), options_(options) {}

Result<std::string> StreamingDetokenizer::Push(TokenId id) {
  LLMCORE_RETURN_IF_ERROR(AppendRenderedPiece(*tokenizer_, options_, id, &started_, &pending_));
  const size_t complete = CompleteUtf8PrefixLength(pending_);
  if (complete == 0) return std::string();
  // Invalid bytes inside the complete prefix can never be repaired by later
  // tokens; they are replaced now.
  std::string ready = SanitizeUtf8(std::string_view(pending_).substr(0, complete));
  pending_.erase(0, complete);
  return ready;
}

std::string StreamingDetokenizer::Finish() {
  std::string rest = SanitizeUtf8(pending_);
  pending_.clear();
  started_ = false;
  return rest;
}

}  // namespace llmcore::text
