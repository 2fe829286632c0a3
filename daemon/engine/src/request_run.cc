#include "request_run.h"

#include <exception>
#include <utility>

#include "llmcore/log.h"

namespace llmcore::engine {
namespace {

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// A continuation keeps its leading space; control tokens produce no text.
text::DecodeOptions StreamDecodeOptions() {
  text::DecodeOptions options;
  options.render_special = false;
  options.strip_space_prefix = false;
  return options;
}

void CallOnFinished(const Request& request, const GenerationStats& stats) {
  if (request.sink == nullptr) return;
  try {
    request.sink->OnFinished(stats);
  } catch (const std::exception& e) {
    Logf(LogLevel::kWarning, "request {}: the sink's OnFinished threw: {}", request.id, e.what());
  } catch (...) {
    Logf(LogLevel::kWarning, "request {}: the sink's OnFinished threw", request.id);
  }
}

}  // namespace

void FinishUnstarted(const Request& request, StopReason reason, Status error) {
  GenerationStats stats;
  stats.stop_reason = reason;
  if (reason == StopReason::kError) stats.error = std::move(error);
  stats.queue_ms = Ms(Clock::now() - request.submitted);
  CallOnFinished(request, stats);
}

RequestRun::RequestRun(Request request, const text::Tokenizer& tokenizer, text::Sampler sampler,
                       text::StopMatcher matcher)
    : request_(std::move(request)),
      tokenizer_(tokenizer),
      sampler_(std::move(sampler)),
      detokenizer_(tokenizer, StreamDecodeOptions()),
      matcher_(std::move(matcher)) {}

Result<std::unique_ptr<RequestRun>> RequestRun::Create(Request&& request,
                                                       const text::Tokenizer& tokenizer,
                                                       std::vector<text::TokenId> to_feed,
                                                       uint32_t cached,
                                                       std::span<const text::TokenId> context) {
  LLMCORE_ASSIGN_OR_RETURN(text::Sampler sampler, text::Sampler::Create(request.options.sampling));
  // max_tokens is counted here, not by the matcher: the run must know a
  // token is the last before it reports it (see Sample).
  LLMCORE_ASSIGN_OR_RETURN(text::StopMatcher matcher,
                           text::StopMatcher::Create(request.options.stop, 0));
  // The penalties see the prompt too, as in llmcore-run.
  for (text::TokenId id : context) sampler.Accept(id);
  std::unique_ptr<RequestRun> run(
      new RequestRun(std::move(request), tokenizer, std::move(sampler), std::move(matcher)));
  run->stats_.prompt_tokens = static_cast<uint32_t>(to_feed.size());
  run->stats_.cached_tokens = cached;
  run->to_feed_ = std::move(to_feed);
  return run;
}

std::span<const text::TokenId> RequestRun::unfed_prompt() const {
  return std::span<const text::TokenId>(to_feed_).subspan(fed_);
}

void RequestRun::PromptFed(size_t n, Clock::time_point started) {
  if (!first_forward_) first_forward_ = started;
  fed_ += n;
  if (fed_ == to_feed_.size()) prefill_done_ = Clock::now();
}

void RequestRun::NextTokenFed() {
  next_token_.reset();
}

Result<std::optional<StopReason>> RequestRun::Sample(std::span<const float> logits,
                                                     bool last_position) {
  LLMCORE_ASSIGN_OR_RETURN(text::TokenId token, sampler_.Sample(logits));
  sampler_.Accept(token);
  if (!first_token_) first_token_ = Clock::now();
  ++stats_.generated_tokens;
  next_token_ = token;

  if (!request_.options.ignore_eos && tokenizer_.IsEndOfGeneration(token)) {
    std::string piece = matcher_.Push(detokenizer_.Finish());
    const bool stopped = matcher_.finished();
    piece += matcher_.Flush();
    Emit(piece, token);
    return std::optional(stopped ? StopReason::kStopString : StopReason::kEndOfGeneration);
  }

  LLMCORE_ASSIGN_OR_RETURN(std::string text, detokenizer_.Push(token));
  std::string piece = matcher_.Push(text);
  if (matcher_.finished()) {
    Emit(piece, token);
    return std::optional(StopReason::kStopString);
  }
  const bool at_max = stats_.generated_tokens >= request_.options.max_tokens;
  if (!at_max && !last_position) {
    Emit(piece, token);
    return std::optional<StopReason>();
  }
  // The last token: everything still held goes out with it.
  piece += matcher_.Push(detokenizer_.Finish());
  const bool stopped = matcher_.finished();
  piece += matcher_.Flush();
  Emit(piece, token);
  if (stopped) return std::optional(StopReason::kStopString);
  return std::optional(at_max ? StopReason::kMaxTokens : StopReason::kContextFull);
}

void RequestRun::Emit(std::string_view piece, text::TokenId token) {
  answer_ += piece;
  try {
    request_.sink->OnToken(piece, token);
  } catch (const std::exception& e) {
    Logf(LogLevel::kWarning, "request {}: the sink's OnToken threw: {}", request_.id, e.what());
  } catch (...) {
    Logf(LogLevel::kWarning, "request {}: the sink's OnToken threw", request_.id);
  }
}

void RequestRun::Finish(StopReason reason, Status error) {
  if (finished_) return;
  finished_ = true;
  const Clock::time_point now = Clock::now();
  stats_.stop_reason = reason;
  stats_.error = reason == StopReason::kError ? std::move(error) : Status::Ok();
  stats_.queue_ms = Ms(first_forward_.value_or(now) - request_.submitted);
  if (first_forward_) stats_.prefill_ms = Ms(prefill_done_.value_or(now) - *first_forward_);
  if (first_token_) stats_.decode_ms = Ms(now - *first_token_);
  CallOnFinished(request_, stats_);
}

}  // namespace llmcore::engine
