#include "instance_prefill.h"

#include <algorithm>
#include <exception>
#include <map>

namespace llmcore::engine {

Status FeedRanges(driver_host::DriverInstance& to, std::span<const FeedRange> ranges,
                  size_t n_batch, uint64_t* fed, const std::atomic<bool>* cancel) {
  n_batch = std::max<size_t>(n_batch, 1);
  std::vector<llmcore_batch_entry> batch;
  batch.reserve(n_batch);
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::Ok();
    if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
      return Status(StatusCode::kCancelled, "re-processing the token histories was stopped");
    }
    const Status status = to.Forward(batch, std::span<float>());
    *fed += batch.size();
    batch.clear();
    return status.WithContext("re-processing the token histories");
  };
  for (const FeedRange& range : ranges) {
    for (size_t pos = range.from; pos < range.tokens.size(); ++pos) {
      batch.push_back({range.seq, static_cast<int32_t>(pos), range.tokens[pos], 0});
      if (batch.size() == n_batch) LLMCORE_RETURN_IF_ERROR(flush());
    }
  }
  return flush();
}

BackgroundPrefill::BackgroundPrefill(driver_host::DriverInstance& to,
                                     std::vector<SequenceHistory> histories, size_t n_batch,
                                     std::function<void()> wake)
    : to_(to), histories_(std::move(histories)) {
  thread_ = std::thread([this, n_batch, wake = std::move(wake)] {
    std::vector<FeedRange> ranges;
    for (const SequenceHistory& h : histories_) ranges.push_back({h.seq, 0, h.tokens});
    try {
      status_ = FeedRanges(to_, ranges, n_batch, &fed_, &cancel_);
    } catch (const std::exception& e) {
      status_ = Status(StatusCode::kResourceExhausted,
                       std::string("re-processing the token histories: ") + e.what());
    }
    done_.store(true, std::memory_order_release);
    if (wake) wake();
  });
}

BackgroundPrefill::~BackgroundPrefill() {
  cancel_.store(true);
  if (thread_.joinable()) thread_.join();
}

Status BackgroundPrefill::Finish() {
  if (thread_.joinable()) thread_.join();
  return status_;
}

Status CatchUp(driver_host::DriverInstance& to, const std::vector<SequenceHistory>& fed,
               const std::vector<SequenceHistory>& current, size_t n_batch, uint64_t* tokens) {
  std::map<SequenceId, std::span<const text::TokenId>> before;
  for (const SequenceHistory& h : fed) before[h.seq] = h.tokens;
  std::vector<FeedRange> ranges;
  for (const SequenceHistory& h : current) {
    const std::span<const text::TokenId> old = before[h.seq];
    before.erase(h.seq);
    const auto diverge = std::mismatch(old.begin(), old.end(), h.tokens.begin(), h.tokens.end());
    const auto common = static_cast<size_t>(diverge.first - old.begin());
    if (common < old.size()) {
      LLMCORE_RETURN_IF_ERROR(to.SeqRemove(h.seq, static_cast<int32_t>(common), -1));
    }
    ranges.push_back({h.seq, common, h.tokens});
  }
  // Sequences that were emptied since the snapshot.
  for (const auto& [seq, old] : before) {
    if (!old.empty()) LLMCORE_RETURN_IF_ERROR(to.SeqRemove(seq, 0, -1));
  }
  return FeedRanges(to, ranges, n_batch, tokens);
}

}  // namespace llmcore::engine
