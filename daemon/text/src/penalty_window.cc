#include "penalty_window.h"

#include <cstdint>

namespace llmcore::text {

void PenaltyWindow::Add(TokenId id) {
  if (size_ == 0) return;
  if (size_ > 0) {
    if (ring_.size() < static_cast<size_t>(size_)) {
      ring_.push_back(id);
    } else {
      const TokenId leaving = ring_[next_];
      if (auto it = counts_.find(leaving); it != counts_.end() && --it->second == 0) {
        counts_.erase(it);
      }
      ring_[next_] = id;
      next_ = (next_ + 1) % ring_.size();
    }
  }
  // Saturates: only an unbounded window could count past 2^31 - 1.
  if (int32_t& count = counts_[id]; count < INT32_MAX) ++count;
}

void PenaltyWindow::Clear() {
  ring_.clear();
  next_ = 0;
  counts_.clear();
}

}  // namespace llmcore::text
