// Scheduler: serves every sequence of one loaded model from one worker thread
// with continuous batching.
//
// Each step gathers the next decode token of every generating sequence and
// as many pending prompt tokens as fit in n_batch_max, into ONE forward pass;
// prompt chunks are shared round-robin between uids (then between sequences
// of a uid), so one user's long prompt cannot starve another's. After the
// pass it samples, detokenizes (never splitting a UTF-8 sequence), checks
// stop strings and end-of-generation, and reports to each request's sink.
//
// Sequences: OpenSequence() gives a handle on one of the model's KV
// sequences (n_seq_max of them; kResourceExhausted when none is free; the
// instance's extra last sequence is the scheduler's own, for Embed). A
// sequence keeps its token history and KV state between requests, so a
// follow-up Submit only processes what is new: for a TextPrompt the text is
// appended (BOS first on an empty sequence when the model adds one); for a
// ChatPrompt the messages join the sequence's conversation, the whole
// conversation is rendered with the chat template and only the part after
// the longest common prefix with the history is processed (the KV state past
// it is removed). The answer of a chat request joins the conversation as an
// assistant message. Message contents that spell one of the model's control
// tokens ("<|im_start|>") are refused (kError), so users cannot forge turns.
//
// History: a sequence's text is the tokens in its KV state plus "pending"
// tokens that belong to it but were never fed: the last token a request
// sampled and reported, since the generation ended with it (for an
// end-of-generation token, the turn's end marker the chat rendering
// expects), or the unprocessed rest of a prompt whose request was cancelled.
// The next request feeds them first. A request that fails (kError) clears the
// sequence's KV state and history, and takes its chat messages back out of
// the conversation, so the next request starts clean; a cancelled one keeps
// what was processed and reported.
//
// Requests: one at a time per sequence (Submit while one runs:
// kResourceExhausted "the session is already generating"). Bounded queues:
// at most `max_queued_per_uid` requests of one uid and `max_queued` in all may
// wait or run; beyond: kResourceExhausted. A prompt longer than
// `max_prompt_bytes` is kInvalidArgument; one that does not fit the
// sequence's context ends with StopReason::kContextFull. Cancel takes effect
// between two tokens. Tokenization and template rendering run on the worker
// thread, not on the caller's.
//
// Text: OnToken gets every sampled token with the text that became certain
// with it - possibly "" while a UTF-8 sequence is incomplete or while the
// text might be the start of a stop string. The pieces of a request
// concatenate to its whole answer: an end-of-generation token (which is
// reported, and counted in generated_tokens, but adds no text of its own)
// and the last token before max_tokens or a full context carry whatever was
// held back; a stop string and what follows it are never reported. A
// cancelled request's held-back text (at most a possible stop-string
// start) is dropped.
//
// Threading: every public method is thread-safe and returns without waiting
// for a forward pass. Sinks are called on the worker thread, in order per
// request: OnToken* then exactly one OnFinished (also for requests cancelled,
// failed, or still queued at Stop()). A request stops counting against the
// limits just before its OnFinished, so the sink may have the client submit
// the next one at once. A sink must not call back into the Scheduler
// synchronously; exceptions it throws are logged and swallowed. After Stop(),
// OpenSequence, Submit and Embed answer kUnavailable. The destructor calls
// Stop().
//
// Migration (driver hot swap): Migrate() hands the worker another instance
// of the model (LoadedModel::BuildInstance). Between two forward passes the
// worker moves every sequence's KV state onto it - by the drivers' KV
// export/import when both name the same format, otherwise by feeding the new
// instance each sequence's token history, which the worker keeps - then puts
// it in service and destroys the old instance. Re-processing runs first on a
// thread of its own over a snapshot of the histories while generation goes
// on; the pause then covers only the tokens generated since the snapshot.
// Requests keep running across it: no token is lost, repeated or sampled
// twice, since sampling state lives in the requests, not in the instance. A
// migration that fails at any stage leaves the old instance serving,
// untouched, and reports why. One migration at a time.
//
// Errors inside a step (a driver failure) end the requests of that step with
// StopReason::kError and the driver's message; the scheduler keeps serving.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "llmcore/engine/generation.h"
#include "llmcore/engine/loaded_model.h"
#include "llmcore/status.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::engine {

// Receives one request's events (on the scheduler's worker thread).
class RequestSink {
 public:
  virtual ~RequestSink() = default;
  // piece may be empty while a UTF-8 sequence is incomplete.
  virtual void OnToken(std::string_view piece, text::TokenId token) = 0;
  virtual void OnFinished(const GenerationStats& stats) = 0;
};

struct SchedulerLimits {
  uint32_t max_queued = 64;
  uint32_t max_queued_per_uid = 8;
  uint64_t max_prompt_bytes = 256 * 1024;
  uint32_t max_tokens = 4096;      // upper bound of GenerationOptions::max_tokens
  uint32_t max_embed_texts = 256;  // texts per Embed call (their bytes: max_prompt_bytes)
};

using SequenceId = int32_t;

struct MigrationOptions {
  // Re-process token histories even when both drivers share a KV format.
  bool force_reprocess = false;
};

struct MigrationReport {
  enum class Method { kNone, kKvExport, kReprocess };
  Method method = Method::kNone;  // kNone: no sequence had state
  uint32_t sequences = 0;         // sequences whose state moved
  uint64_t tokens_reprocessed = 0;
  // Re-processing done while the old instance went on serving, from the
  // worker taking the migration to the pause.
  double background_ms = 0;
  double pause_ms = 0;     // the time between two forward passes it took
  PlacementInfo previous;  // what served the model before
};
const char* MigrationMethodName(MigrationReport::Method method);

class Scheduler {
 public:
  // Starts the worker thread. `heartbeat` (may be empty) is called by the
  // worker at least once a second while it is healthy, busy or idle: the
  // daemon's watchdog uses it.
  static Result<std::unique_ptr<Scheduler>> Start(std::shared_ptr<LoadedModel> model,
                                                  SchedulerLimits limits,
                                                  std::function<void()> heartbeat = {});
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  const LoadedModel& model() const;

  // A free sequence for `owner`, or kResourceExhausted.
  Result<SequenceId> OpenSequence(uid_t owner);
  // Cancels its request (the sink still gets OnFinished, reason kCancelled),
  // forgets its history and KV state and frees the id. Unknown ids: no-op.
  void CloseSequence(SequenceId seq);

  // Validates the options and the prompt (kInvalidArgument naming the field:
  // sampling, max_tokens, stop strings, size, UTF-8, chat roles; kUnsupported
  // for a chat prompt on a model without a template), queues the request and
  // returns its id (unique per Scheduler, starting at 1). kNotFound for a
  // sequence that is not open; kResourceExhausted when it already has a
  // request or a queue is full.
  Result<uint64_t> Submit(SequenceId seq, Prompt prompt, const GenerationOptions& options,
                          std::shared_ptr<RequestSink> sink);
  // Stops the sequence's running or queued request; no-op when none.
  void Cancel(SequenceId seq);

  // Pooled embeddings (mean over the text's tokens of the final normalized
  // hidden state, then L2-normalized), one per text, computed on the worker
  // thread between steps with a sequence of its own that is freed after.
  // `done` runs on the worker thread (with kUnavailable if the scheduler
  // stops first; with kInvalidArgument naming the text for one that is
  // empty without BOS or longer than n_ctx tokens). Returns kUnsupported when
  // the driver has no embeddings output, kInvalidArgument for no texts, too
  // many, too many bytes or invalid UTF-8, kResourceExhausted when a queue is
  // full (an Embed counts as one request of `owner`).
  using EmbedDone = std::function<void(Result<std::vector<std::vector<float>>>)>;
  Status Embed(uid_t owner, std::vector<std::string> texts, EmbedDone done);

  // Queues a migration onto `next`; `done` runs on the worker thread with
  // the report, or with the reason it failed (the driver's error naming the
  // stage and sequence), or kUnavailable when the scheduler stops first.
  // Returns kResourceExhausted when a migration is already waiting or running,
  // kUnavailable after Stop(), kInvalidArgument for no instance or callback.
  using MigrateDone = std::function<void(Result<MigrationReport>)>;
  Status Migrate(std::unique_ptr<ModelInstance> next, MigrationOptions options, MigrateDone done);

  struct Load {
    uint32_t sequences_open = 0;
    uint32_t requests_active = 0;   // queued or running
    uint64_t last_activity_ms = 0;  // CLOCK_MONOTONIC of the last request end/start
  };
  Load load() const;

  // Ends every request (kShutdown), then joins the worker. Idempotent.
  void Stop();

  // Test-only fault: when the environment variable LLMCORED_TEST_FAULT is
  // "hang-worker" at Start(), a TextPrompt equal to "llmcored-test-hang" makes
  // the worker block and stop calling heartbeat (for the watchdog test) until
  // Stop(), which still ends every request and joins.

 private:
  Scheduler();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace llmcore::engine
