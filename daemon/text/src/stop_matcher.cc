#include "llmcore/text/stop_matcher.h"

#include <algorithm>
#include <utility>

#include "llmcore/utf8.h"

namespace llmcore::text {

Result<StopMatcher> StopMatcher::Create(std::vector<std::string> stop_strings,
                                        uint32_t max_tokens) {
  if (stop_strings.size() > kMaxStopStrings) {
    return Status(StatusCode::kInvalidArgument,
                  "too many stop strings: " + std::to_string(stop_strings.size()) + " (at most " +
                      std::to_string(kMaxStopStrings) + ")");
  }
  for (size_t i = 0; i < stop_strings.size(); ++i) {
    const std::string& s = stop_strings[i];
    const std::string which = "stop string " + std::to_string(i);
    if (s.empty()) return Status(StatusCode::kInvalidArgument, which + " is empty");
    if (s.size() > kMaxStopStringBytes) {
      return Status(StatusCode::kInvalidArgument,
                    which + " is longer than " + std::to_string(kMaxStopStringBytes) + " bytes");
    }
    if (!IsValidUtf8(s)) {
      return Status(StatusCode::kInvalidArgument, which + " is not valid UTF-8");
    }
  }
  return StopMatcher(std::move(stop_strings), max_tokens);
}

StopMatcher::StopMatcher(std::vector<std::string> stop_strings, uint32_t max_tokens)
    : stops_(std::move(stop_strings)), max_tokens_(max_tokens) {}

size_t StopMatcher::PartialMatchLength() const {
  const std::string_view held = held_;
  size_t best = 0;
  for (const std::string& stop : stops_) {
    // Only suffixes shorter than the stop string can be proper prefixes of it.
    const size_t longest = std::min(held.size(), stop.size() - 1);
    for (size_t len = longest; len > best; --len) {
      if (held.substr(held.size() - len) == std::string_view(stop).substr(0, len)) {
        best = len;
        break;
      }
    }
  }
  return best;
}

std::string StopMatcher::Push(std::string_view piece) {
  if (finished_) return {};
  ++token_count_;
  held_ += piece;

  // The stop that completes first; among those completing at the same byte,
  // the longest. Held text never contains a complete stop string, so every
  // match ends inside the new piece.
  size_t match_end = std::string::npos;
  size_t match_start = 0;
  for (size_t i = 0; i < stops_.size(); ++i) {
    const size_t at = held_.find(stops_[i]);
    if (at == std::string::npos) continue;
    const size_t end = at + stops_[i].size();
    if (end < match_end || (end == match_end && at < match_start)) {
      match_end = end;
      match_start = at;
      stop_index_ = i;
    }
  }
  if (match_end != std::string::npos) {
    std::string out = held_.substr(0, match_start);
    held_.clear();
    finished_ = true;
    reason_ = FinishReason::kStopString;
    return out;
  }

  if (max_tokens_ != 0 && token_count_ >= max_tokens_) {
    finished_ = true;
    reason_ = FinishReason::kMaxTokens;
    return std::exchange(held_, {});
  }

  const size_t keep = PartialMatchLength();
  std::string out = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return out;
}

std::string StopMatcher::Flush() {
  finished_ = true;
  return std::exchange(held_, {});
}

}  // namespace llmcore::text
