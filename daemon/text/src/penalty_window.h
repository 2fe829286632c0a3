// PenaltyWindow: how often each token occurs among the last N accepted
// tokens, for the repetition, frequency and presence penalties.
//
// Adding a token costs O(1); memory is O(N) (the ring) plus one counter per
// distinct token in the window. Not thread-safe; owned by one Sampler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

class PenaltyWindow {
 public:
  // `size`: how many of the latest tokens count; -1 for every token since the
  // last Clear(), 0 for none.
  explicit PenaltyWindow(int32_t size) : size_(size) {}

  void Add(TokenId id);
  void Clear();

  // Occurrences of each token in the window (tokens with none are absent).
  const std::unordered_map<TokenId, int32_t>& counts() const { return counts_; }

 private:
  int32_t size_;
  std::vector<TokenId> ring_;  // grows to size_, then wraps at next_
  size_t next_ = 0;
  std::unordered_map<TokenId, int32_t> counts_;
};

}  // namespace llmcore::text
