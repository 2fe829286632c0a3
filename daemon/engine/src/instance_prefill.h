// Feeding token histories into a driver instance that is not serving yet:
// how a hot swap between drivers with different KV formats rebuilds the
// sequences' state on the new instance.
//
// BackgroundPrefill feeds a snapshot of the histories on a thread of its
// own while the old instance keeps serving; the worker then brings the new
// instance up to date with CatchUp() - only what the sequences gained (or
// lost) since the snapshot - between two forward passes, so generation
// pauses for the difference, not for the whole history.
//
// Thread safety: the instance is used by the prefill thread until done()
// is true (or the BackgroundPrefill is destroyed), by its owner after.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <thread>
#include <vector>

#include "llmcore/driver_host/driver_instance.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/status.h"

namespace llmcore::engine {

// The tokens in a sequence's KV state, from position 0.
struct SequenceHistory {
  SequenceId seq = 0;
  std::vector<text::TokenId> tokens;
};

// Part of a history to feed: tokens[from..] at positions from...
struct FeedRange {
  SequenceId seq = 0;
  size_t from = 0;
  std::span<const text::TokenId> tokens;
};

// Feeds the ranges, no logits, in batches of at most `n_batch` entries;
// adds the count fed to *fed. Stops with kCancelled between two batches
// once *cancel is set (may be null).
Status FeedRanges(driver_host::DriverInstance& to, std::span<const FeedRange> ranges,
                  size_t n_batch, uint64_t* fed, const std::atomic<bool>* cancel = nullptr);

class BackgroundPrefill {
 public:
  // Starts feeding `histories` into `to`; `wake` runs on the prefill thread
  // once it is done (successfully or not).
  BackgroundPrefill(driver_host::DriverInstance& to, std::vector<SequenceHistory> histories,
                    size_t n_batch, std::function<void()> wake);
  // Stops between two batches and joins.
  ~BackgroundPrefill();
  BackgroundPrefill(const BackgroundPrefill&) = delete;
  BackgroundPrefill& operator=(const BackgroundPrefill&) = delete;

  bool done() const { return done_.load(std::memory_order_acquire); }
  // Joins; the feed's outcome (kCancelled when stopped early).
  Status Finish();
  const std::vector<SequenceHistory>& histories() const { return histories_; }
  uint64_t fed() const { return fed_; }

 private:
  driver_host::DriverInstance& to_;
  std::vector<SequenceHistory> histories_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> done_{false};
  uint64_t fed_ = 0;
  Status status_;
  std::thread thread_;
};

// Brings `to`, which holds `fed`, to `current`: for each sequence the KV
// past the common prefix of the two histories is removed and the rest of
// the current history fed. Adds the tokens fed to *tokens.
Status CatchUp(driver_host::DriverInstance& to, const std::vector<SequenceHistory>& fed,
               const std::vector<SequenceHistory>& current, size_t n_batch, uint64_t* tokens);

}  // namespace llmcore::engine
