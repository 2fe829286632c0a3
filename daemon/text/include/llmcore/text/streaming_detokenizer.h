// StreamingDetokenizer: turns generated token ids, one at a time, into text
// that is always valid UTF-8 and never ends inside a code point.
//
// A token's bytes may be only part of a character (byte-level BPE splits
// emoji and CJK across tokens; <0xXX> tokens carry single bytes). Push() keeps
// an unfinished sequence back until the tokens completing it arrive; bytes that
// can never become valid are replaced by U+FFFD at once, and Finish() replaces
// whatever is still unfinished. For ids whose Decode() is valid UTF-8, the
// concatenation of every Push() and the Finish() result equals Decode() with
// the same options; in general it equals SanitizeUtf8(Decode()).
//
// Ownership and threading: borrows the tokenizer, which must outlive it. One
// detokenizer per stream; not thread-safe (distinct detokenizers over the same
// tokenizer may run concurrently).
#pragma once

#include <string>

#include "llmcore/status.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

class StreamingDetokenizer {
 public:
  // The options are explicit on purpose: a stream that continues a prompt must
  // not strip the space prefix (options.strip_space_prefix = false).
  StreamingDetokenizer(const Tokenizer& tokenizer, const DecodeOptions& options);

  // Adds one token; returns the text that is complete now (often empty while a
  // character is unfinished). kOutOfRange for an unknown id, which changes
  // nothing.
  Result<std::string> Push(TokenId id);

  // Ends the stream: returns the held-back bytes, each unfinished sequence as
  // U+FFFD, and starts over as if new.
  std::string Finish();

  // Bytes held back waiting for the rest of a character.
  size_t pending_bytes() const { return pending_.size(); }

 private:
  const Tokenizer* tokenizer_;
  DecodeOptions options_;
  bool started_ = false;  // a token has produced output (space-prefix rule)
  std::string pending_;
};

}  // namespace llmcore::text
