// StopMatcher: ends a generation at a stop string or after max_tokens, on the
// stream of text pieces that the detokenizer produces one token at a time.
//
// A stop string can arrive split across pieces ("<|e" + "nd|>"), so text that
// might be the start of one is held back until the next pieces show whether
// it is; text that cannot be is released at once. When a stop string
// completes, the text before it is released, the stop string and everything
// after it are dropped, and the matcher is finished.
//
// Which stop wins does not depend on how the text is cut into pieces: the
// first position in the text where some stop string is complete ends it; when
// several complete there, the longest (which starts earliest). With "ab" and
// "abc", "ab" always wins: by the time "abc" could complete, "ab" has.
//
// Matching is on bytes. Stop strings must be valid UTF-8, so a match always
// starts at a character boundary; when the pieces are complete UTF-8 (as
// StreamingDetokenizer's are), so is every released text.
//
// Thread safety: one matcher per stream; not safe to use from two threads at
// once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/status.h"

namespace llmcore::text {

enum class FinishReason {
  kNone,        // not finished, or Flush() ended it (end of generation, cancel)
  kStopString,  // a stop string matched; see StopMatcher::stop_index()
  kMaxTokens,   // max_tokens pieces were pushed
};

class StopMatcher {
 public:
  static constexpr size_t kMaxStopStrings = 64;
  static constexpr size_t kMaxStopStringBytes = 1024;

  // `stop_strings`: at most kMaxStopStrings, each 1 to kMaxStopStringBytes
  // bytes of valid UTF-8 (kInvalidArgument naming the offending one
  // otherwise); duplicates are allowed. `max_tokens`: the generation ends after
  // that many pieces; 0 means no limit.
  static Result<StopMatcher> Create(std::vector<std::string> stop_strings, uint32_t max_tokens);

  // Adds the text of one generated token (possibly empty) and returns the
  // text that is certain now. Counts toward max_tokens. When this piece
  // completes a stop string, returns the rest of the text before it and
  // finishes with kStopString; otherwise, when it is the max_tokens-th, returns
  // everything held and finishes with kMaxTokens. After finishing, returns ""
  // and counts nothing.
  std::string Push(std::string_view piece);

  // Ends the stream for another reason (the model's end-of-generation token,
  // a cancel): returns the held-back text and finishes, keeping the reason
  // if already finished and kNone otherwise.
  std::string Flush();

  bool finished() const { return finished_; }
  FinishReason reason() const { return reason_; }
  // Index into the stop strings of the one that ended the generation.
  std::optional<size_t> stop_index() const { return stop_index_; }
  // Pieces pushed before finishing.
  uint32_t token_count() const { return token_count_; }
  // Bytes held back because they might start a stop string.
  size_t held_bytes() const { return held_.size(); }

 private:
  StopMatcher(std::vector<std::string> stop_strings, uint32_t max_tokens);
  // Length of the longest suffix of held_ that is a proper prefix of a stop
  // string.
  size_t PartialMatchLength() const;

  std::vector<std::string> stops_;
  uint32_t max_tokens_;
  uint32_t token_count_ = 0;
  std::string held_;
  bool finished_ = false;
  FinishReason reason_ = FinishReason::kNone;
  std::optional<size_t> stop_index_;
};

}  // namespace llmcore::text
