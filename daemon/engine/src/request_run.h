// RequestRun: one generation request from its first forward pass to its
// end - the prompt tokens it still has to feed, its sampler, detokenizer and
// stop matcher, its statistics, and the calls to its sink.
//
// Text flow per sampled token: StreamingDetokenizer (never half a UTF-8
// sequence) -> StopMatcher (holds back what may start a stop string) ->
// OnToken. End-of-generation tokens produce no text of their own: their
// OnToken carries whatever the detokenizer and the matcher still held. When
// a token is known to be the last (max_tokens, context full), its piece
// likewise includes everything held, so nothing is lost; a cancelled,
// failed or shut-down request drops what was held back.
//
// Every sink call is guarded: an exception from a sink is logged and
// swallowed, it never reaches the scheduler's worker.
//
// Thread safety: used by the scheduler's worker thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "llmcore/engine/generation.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/status.h"
#include "llmcore/text/sampler.h"
#include "llmcore/text/stop_matcher.h"
#include "llmcore/text/streaming_detokenizer.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::engine {

using Clock = std::chrono::steady_clock;

// A request as Submit() accepted it.
struct Request {
  uint64_t id = 0;
  SequenceId seq = 0;
  uid_t uid = 0;
  Prompt prompt;
  GenerationOptions options;
  std::shared_ptr<RequestSink> sink;
  Clock::time_point submitted;
};

// Reports the end of a request that never reached a forward pass (refused
// when prepared, cancelled or shut down while waiting): OnFinished only.
void FinishUnstarted(const Request& request, StopReason reason, Status error = Status::Ok());

class RequestRun {
 public:
  // `to_feed`: the prompt tokens to process; `cached`: tokens of the
  // sequence reused from its KV state; `context`: the whole text the
  // sampler's penalties look at. Takes `request` only on success. Errors:
  // the sampler's and stop matcher's (Submit validated them already).
  static Result<std::unique_ptr<RequestRun>> Create(Request&& request,
                                                    const text::Tokenizer& tokenizer,
                                                    std::vector<text::TokenId> to_feed,
                                                    uint32_t cached,
                                                    std::span<const text::TokenId> context);

  const Request& request() const { return request_; }

  // Prompt tokens not yet fed; while there are some the run is prefilling.
  std::span<const text::TokenId> unfed_prompt() const;
  bool prefilling() const { return fed_ < to_feed_.size(); }
  // Records that the next `n` prompt tokens went into a forward pass that
  // succeeded (`started` is when that pass began).
  void PromptFed(size_t n, Clock::time_point started);

  // The sampled token waiting to be fed (decode), if any.
  std::optional<text::TokenId> next_token() const { return next_token_; }
  // Records that next_token() went into a forward pass that succeeded.
  void NextTokenFed();

  // Samples from the logits of the run's last fed position, reports the
  // token and says whether the generation ends with it. `last_position`:
  // the sampled token could never be fed (the context is full). Errors (a
  // logit that is NaN, a token the detokenizer does not know) end the run
  // with kError.
  Result<std::optional<StopReason>> Sample(std::span<const float> logits, bool last_position);

  // The text reported so far (a chat answer).
  const std::string& answer() const { return answer_; }

  // Reports the end: exactly once, after which the run is done.
  void Finish(StopReason reason, Status error = Status::Ok());

 private:
  RequestRun(Request request, const text::Tokenizer& tokenizer, text::Sampler sampler,
             text::StopMatcher matcher);
  void Emit(std::string_view piece, text::TokenId token);

  Request request_;
  const text::Tokenizer& tokenizer_;
  text::Sampler sampler_;
  text::StreamingDetokenizer detokenizer_;
  text::StopMatcher matcher_;
  std::vector<text::TokenId> to_feed_;
  size_t fed_ = 0;
  std::optional<text::TokenId> next_token_;
  std::string answer_;
  GenerationStats stats_;
  std::optional<Clock::time_point> first_forward_;
  std::optional<Clock::time_point> prefill_done_;
  std::optional<Clock::time_point> first_token_;
  bool finished_ = false;
};

}  // namespace llmcore::engine
