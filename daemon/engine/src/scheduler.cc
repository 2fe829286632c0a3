#include "llmcore/engine/scheduler.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <variant>

#include "batch_planner.h"
#include "embedder.h"
#include "instance_prefill.h"
#include "llmcore/log.h"
#include "llmcore/text/stop_matcher.h"
#include "llmcore/utf8.h"
#include "prompt_builder.h"
#include "request_run.h"

namespace llmcore::engine {
namespace {

// The worker wakes at least this often while idle, to call the heartbeat.
constexpr auto kIdleWake = std::chrono::milliseconds(500);
// ... and calls it at most this often while busy.
constexpr auto kHeartbeatEvery = std::chrono::milliseconds(100);

constexpr const char* kFaultEnv = "LLMCORED_TEST_FAULT";
constexpr std::string_view kHangFault = "hang-worker";
constexpr std::string_view kHangPrompt = "llmcored-test-hang";

uint64_t MonotonicMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000 + static_cast<uint64_t>(ts.tv_nsec) / 1000000;
}

Status Invalid(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}

Status CheckText(std::string_view what, std::string_view text) {
  const size_t bad = FindInvalidUtf8(text);
  if (bad == std::string_view::npos) return Status::Ok();
  return Invalid(std::string(what) + " is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
}

Status ValidateOptions(const GenerationOptions& options, const SchedulerLimits& limits) {
  LLMCORE_RETURN_IF_ERROR(options.sampling.Validate());
  if (options.max_tokens == 0 || options.max_tokens > limits.max_tokens) {
    return Invalid("max_tokens " + std::to_string(options.max_tokens) + " is outside [1, " +
                   std::to_string(limits.max_tokens) + "]");
  }
  auto matcher = text::StopMatcher::Create(options.stop, 0);
  if (!matcher.ok()) return matcher.status().WithContext("stop");
  return Status::Ok();
}

Status ValidatePrompt(const Prompt& prompt, const SchedulerLimits& limits) {
  if (const auto* text_prompt = std::get_if<TextPrompt>(&prompt)) {
    if (text_prompt->text.size() > limits.max_prompt_bytes) {
      return Invalid("the prompt's " + std::to_string(text_prompt->text.size()) +
                     " bytes exceed the limit of " + std::to_string(limits.max_prompt_bytes));
    }
    return CheckText("the prompt", text_prompt->text);
  }
  const auto& messages = std::get<ChatPrompt>(prompt).messages;
  if (messages.empty()) return Invalid("the chat prompt has no messages");
  uint64_t bytes = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string& role = messages[i].role;
    if (role != "system" && role != "user" && role != "assistant") {
      return Invalid("message " + std::to_string(i) + ": unknown role '" + SanitizeUtf8(role) +
                     "' (system, user or assistant)");
    }
    LLMCORE_RETURN_IF_ERROR(
        CheckText("the content of message " + std::to_string(i), messages[i].content));
    bytes += messages[i].content.size();
  }
  if (bytes > limits.max_prompt_bytes) {
    return Invalid("the messages' " + std::to_string(bytes) + " bytes exceed the limit of " +
                   std::to_string(limits.max_prompt_bytes));
  }
  return Status::Ok();
}

struct SubmitEvent {
  Request request;
};
struct CancelEvent {
  SequenceId seq = 0;
  uint64_t request_id = 0;
};
struct CloseEvent {
  SequenceId seq = 0;
};
// In the order the API calls happened: a Close before a Submit on the
// reopened sequence is handled before it.
using Event = std::variant<SubmitEvent, CancelEvent, CloseEvent>;

struct EmbedJob {
  uid_t uid = 0;
  std::vector<std::string> texts;
  Scheduler::EmbedDone done;
};

struct MigrationJob {
  std::unique_ptr<ModelInstance> next;
  MigrationOptions options;
  Scheduler::MigrateDone done;
};

// What the API threads know of a sequence (guarded by State::mu).
struct SlotShared {
  bool open = false;
  uid_t owner = 0;
  uint64_t request_id = 0;  // the request queued or running on it; 0: none
};

// What the worker knows of a sequence (worker thread only).
struct SequenceState {
  std::vector<text::TokenId> kv;       // the tokens in the KV state, positions 0..
  std::vector<text::TokenId> pending;  // the text's last tokens, never fed
  std::vector<text::ChatMessage> conversation;
  std::unique_ptr<RequestRun> run;
  bool chat = false;               // the run is a chat request
  size_t conversation_before = 0;  // its size before the run's messages
};

// One sequence's part of a step's batch.
struct StepPart {
  SequenceId seq = 0;
  uint32_t prompt_tokens = 0;  // 0: a decode token
  bool wants_logits = false;
};

}  // namespace

const char* MigrationMethodName(MigrationReport::Method method) {
  switch (method) {
    case MigrationReport::Method::kNone: return "none";
    case MigrationReport::Method::kKvExport: return "kv-export";
    case MigrationReport::Method::kReprocess: return "reprocess";
  }
  return "none";
}

struct Scheduler::State {
  std::shared_ptr<LoadedModel> model;
  SchedulerLimits limits;
  std::function<void()> heartbeat;
  bool hang_fault = false;
  std::vector<std::string> control_texts;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> inbox;
  std::deque<EmbedJob> embeds;
  std::optional<MigrationJob> migration;  // waiting for the worker
  bool migration_running = false;         // taken by the worker, not finished
  bool prefill_ready = false;             // the running one's prefill ended
  std::vector<SlotShared> slots;
  std::map<uid_t, uint32_t> active_per_uid;
  uint32_t active = 0;
  uint64_t next_request_id = 1;
  uint64_t last_activity_ms = 0;
  bool stopping = false;
  std::thread worker;
  std::once_flag join_once;

  // Worker thread only.
  struct ActiveMigration {
    MigrationJob job;
    std::unique_ptr<BackgroundPrefill> prefill;  // null: nothing to re-process
    Clock::time_point taken = Clock::now();
  };
  std::unique_ptr<ActiveMigration> migrating;
  std::vector<SequenceState> seqs;
  uint64_t rotation = 0;
  Clock::time_point last_beat;
  std::vector<llmcore_batch_entry> entries;
  std::vector<StepPart> parts;
  std::vector<float> logits;

  void Run();
  void Beat();
  bool HasWork() const;
  void Handle(Event& event);
  void HandleFailed(Event& event, const std::exception& e);
  // Takes `request` only when it becomes the sequence's run.
  void HandleSubmit(Request& request);
  void HangUntilStopped();
  void Step();
  void RunEmbed(EmbedJob job);
  std::vector<SequenceHistory> LiveHistories() const;
  void StartMigration(MigrationJob job);
  void CompleteMigration();
  Result<MigrationReport> MoveSequences(driver_host::DriverInstance& to,
                                        BackgroundPrefill* prefill);
  void EndRun(SequenceId seq, StopReason reason, Status error = Status::Ok());
  void ResetKv(SequenceId seq);
  void Release(uid_t uid, SequenceId seq, uint64_t request_id);
  void EndUnstarted(const Request& request, StopReason reason, Status error = Status::Ok());
  void Shutdown(std::deque<Event>& events);
};

void Scheduler::State::Run() {
  for (;;) {
    std::deque<Event> events;
    std::optional<EmbedJob> embed;
    std::optional<MigrationJob> migrate;
    bool stop = false;
    {
      std::unique_lock lock(mu);
      cv.wait_for(lock, kIdleWake, [this] {
        return stopping || !inbox.empty() || !embeds.empty() || migration || prefill_ready ||
               HasWork();
      });
      prefill_ready = false;
      events.swap(inbox);
      stop = stopping;
      if (!stop && !embeds.empty()) {
        embed = std::move(embeds.front());
        embeds.pop_front();
      }
      if (!stop && migration) {
        migrate = std::move(migration);
        migration.reset();
        migration_running = true;
      }
    }
    if (stop) {
      Shutdown(events);
      return;
    }
    Beat();
    // Out of memory, most likely: the requests concerned end with kError and
    // the scheduler goes on.
    for (Event& event : events) {
      try {
        Handle(event);
      } catch (const std::exception& e) {
        HandleFailed(event, e);
      }
    }
    // Between two forward passes: the sequences' state is complete here.
    if (migrating && migrating->prefill && migrating->prefill->done()) CompleteMigration();
    if (migrate) StartMigration(std::move(*migrate));
    // One embedding job between two steps: generation keeps moving.
    if (embed) RunEmbed(std::move(*embed));
    try {
      if (HasWork()) Step();
    } catch (const std::exception& e) {
      const Status status(StatusCode::kInternal, std::string("scheduler: ") + e.what());
      Logf(LogLevel::kError, "{}: {}", model->name(), status.message());
      for (size_t s = 0; s < seqs.size(); ++s) {
        if (seqs[s].run) EndRun(static_cast<SequenceId>(s), StopReason::kError, status);
      }
    }
  }
}

void Scheduler::State::HandleFailed(Event& event, const std::exception& e) {
  const Status status(StatusCode::kInternal, std::string("scheduler: ") + e.what());
  Logf(LogLevel::kError, "{}: {}", model->name(), status.message());
  const auto* submit = std::get_if<SubmitEvent>(&event);
  if (submit == nullptr) return;
  // The request is intact unless it became a run (the last step of
  // HandleSubmit, which cannot throw).
  const Request& request = submit->request;
  const SequenceState& s = seqs[static_cast<size_t>(request.seq)];
  if (s.run && s.run->request().id == request.id) {
    EndRun(request.seq, StopReason::kError, status);
  } else {
    EndUnstarted(request, StopReason::kError, status);
  }
}

void Scheduler::State::Beat() {
  const Clock::time_point now = Clock::now();
  if (!heartbeat || now - last_beat < kHeartbeatEvery) return;
  last_beat = now;
  heartbeat();
}

bool Scheduler::State::HasWork() const {
  return std::any_of(seqs.begin(), seqs.end(), [](const SequenceState& s) { return !!s.run; });
}

void Scheduler::State::Handle(Event& event) {
  if (auto* submit = std::get_if<SubmitEvent>(&event)) {
    HandleSubmit(submit->request);
  } else if (const auto* cancel = std::get_if<CancelEvent>(&event)) {
    SequenceState& s = seqs[static_cast<size_t>(cancel->seq)];
    if (s.run && s.run->request().id == cancel->request_id) {
      EndRun(cancel->seq, StopReason::kCancelled);
    }
  } else {
    const SequenceId seq = std::get<CloseEvent>(event).seq;
    SequenceState& s = seqs[static_cast<size_t>(seq)];
    if (s.run) EndRun(seq, StopReason::kCancelled);
    ResetKv(seq);
    s.conversation.clear();
  }
}

void Scheduler::State::HandleSubmit(Request& request) {
  if (hang_fault) {
    const auto* text_prompt = std::get_if<TextPrompt>(&request.prompt);
    if (text_prompt != nullptr && text_prompt->text == kHangPrompt) {
      HangUntilStopped();
      EndUnstarted(request, StopReason::kShutdown);
      return;
    }
  }
  const auto seq = static_cast<size_t>(request.seq);
  SequenceState& s = seqs[seq];
  if (s.run) {
    EndUnstarted(request, StopReason::kError,
                 Status(StatusCode::kInternal, "the sequence already runs a request"));
    return;
  }
  const LoadedModel& m = *model;
  const PromptContext context{m.tokenizer(), m.chat_template() ? &*m.chat_template() : nullptr,
                              control_texts, s.kv,
                              s.pending,     s.conversation};
  auto plan = BuildPrompt(context, request.prompt);
  if (!plan.ok()) {
    EndUnstarted(request, StopReason::kError, plan.status());
    return;
  }
  if (plan->target.size() > m.n_ctx()) {
    // The sequence stays as it was: a shorter prompt can still follow.
    EndUnstarted(request, StopReason::kContextFull);
    return;
  }
  if (s.kv.size() > plan->keep) {
    const Status removed =
        model->instance().SeqRemove(request.seq, static_cast<int32_t>(plan->keep), -1);
    if (!removed.ok()) {
      ResetKv(request.seq);
      EndUnstarted(request, StopReason::kError, removed);
      return;
    }
    s.kv.resize(plan->keep);
  }
  std::vector<text::TokenId> to_feed(plan->target.begin() + static_cast<ptrdiff_t>(plan->keep),
                                     plan->target.end());
  auto run = RequestRun::Create(std::move(request), m.tokenizer(), std::move(to_feed),
                                static_cast<uint32_t>(plan->keep), plan->target);
  if (!run.ok()) {
    EndUnstarted(request, StopReason::kError, run.status());  // not taken on failure
    return;
  }
  s.pending.clear();
  s.chat = plan->chat;
  if (s.chat) {
    s.conversation_before = s.conversation.size();
    s.conversation = std::move(plan->conversation);
  }
  s.run = std::move(run).value();
}

void Scheduler::State::HangUntilStopped() {
  Logf(LogLevel::kWarning, "{}: test fault: the worker hangs until the scheduler stops",
       model->name());
  std::unique_lock lock(mu);
  cv.wait(lock, [this] { return stopping; });
}

void Scheduler::State::Step() {
  LoadedModel& m = *model;
  const uint32_t n_batch = m.n_batch_max();
  entries.clear();
  parts.clear();

  // Every generating sequence's next token first (a rotating subset when
  // they outnumber the batch).
  std::vector<SequenceId> decoding;
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i].run && !seqs[i].run->prefilling() && seqs[i].run->next_token()) {
      decoding.push_back(static_cast<SequenceId>(i));
    }
  }
  if (decoding.size() > n_batch) {
    std::rotate(decoding.begin(),
                decoding.begin() + static_cast<ptrdiff_t>(rotation % decoding.size()),
                decoding.end());
    decoding.resize(n_batch);
  }
  for (SequenceId seq : decoding) {
    const SequenceState& s = seqs[static_cast<size_t>(seq)];
    entries.push_back({seq, static_cast<int32_t>(s.kv.size()), *s.run->next_token(), 1});
    parts.push_back({seq, 0, true});
  }

  // Then prompt chunks in what is left, shared between uids.
  std::vector<SequenceId> prefilling;
  std::vector<PromptDemand> demands;
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i].run && seqs[i].run->prefilling()) {
      prefilling.push_back(static_cast<SequenceId>(i));
      demands.push_back(
          {seqs[i].run->request().uid, static_cast<uint32_t>(seqs[i].run->unfed_prompt().size())});
    }
  }
  const std::vector<uint32_t> grants =
      SharePromptBudget(demands, n_batch - static_cast<uint32_t>(entries.size()), rotation);
  for (size_t k = 0; k < prefilling.size(); ++k) {
    if (grants[k] == 0) continue;
    const SequenceId seq = prefilling[k];
    const SequenceState& s = seqs[static_cast<size_t>(seq)];
    const auto unfed = s.run->unfed_prompt();
    const bool completes = grants[k] == unfed.size();
    for (uint32_t t = 0; t < grants[k]; ++t) {
      const bool last = t + 1 == grants[k];
      entries.push_back(
          {seq, static_cast<int32_t>(s.kv.size() + t), unfed[t], last && completes ? 1u : 0u});
    }
    parts.push_back({seq, grants[k], completes});
  }
  ++rotation;
  if (entries.empty()) return;

  const size_t n_vocab = m.n_vocab();
  const auto rows = static_cast<size_t>(
      std::count_if(parts.begin(), parts.end(), [](const StepPart& p) { return p.wants_logits; }));
  logits.resize(rows * n_vocab);
  const Clock::time_point started = Clock::now();
  const Status status = m.instance().Forward(entries, logits);
  if (!status.ok()) {
    Logf(LogLevel::kWarning, "{}: a forward pass of {} tokens failed: {}", m.name(), entries.size(),
         status.ToString());
    for (const StepPart& part : parts) EndRun(part.seq, StopReason::kError, status);
    return;
  }

  size_t row = 0;
  for (const StepPart& part : parts) {
    SequenceState& s = seqs[static_cast<size_t>(part.seq)];
    if (part.prompt_tokens == 0) {
      s.kv.push_back(*s.run->next_token());
      s.run->NextTokenFed();
    } else {
      const auto fed = s.run->unfed_prompt().first(part.prompt_tokens);
      s.kv.insert(s.kv.end(), fed.begin(), fed.end());
      s.run->PromptFed(part.prompt_tokens, started);
    }
    if (!part.wants_logits) continue;
    const std::span<const float> row_logits(logits.data() + row * n_vocab, n_vocab);
    ++row;
    auto end = s.run->Sample(row_logits, s.kv.size() >= m.n_ctx());
    if (!end.ok()) {
      EndRun(part.seq, StopReason::kError, end.status());
    } else if (*end) {
      EndRun(part.seq, **end);
    }
  }
}

void Scheduler::State::RunEmbed(EmbedJob job) {
  LoadedModel& m = *model;
  const EmbedShape shape{static_cast<int32_t>(m.n_seq_max()), m.n_ctx(), m.n_batch_max(),
                         m.n_embd()};
  Result<std::vector<std::vector<float>>> result =
      Status(StatusCode::kInternal, "embeddings not computed");
  try {
    result = ComputeEmbeddings(m.instance(), m.tokenizer(), shape, job.texts);
  } catch (const std::exception& e) {
    result = Status(StatusCode::kResourceExhausted, std::string("embeddings: ") + e.what());
  }
  Release(job.uid, -1, 0);
  try {
    job.done(std::move(result));
  } catch (const std::exception& e) {
    Logf(LogLevel::kWarning, "{}: an embedding callback threw: {}", m.name(), e.what());
  } catch (...) {
    Logf(LogLevel::kWarning, "{}: an embedding callback threw", m.name());
  }
}

std::vector<SequenceHistory> Scheduler::State::LiveHistories() const {
  std::vector<SequenceHistory> live;
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (!seqs[i].kv.empty()) live.push_back({static_cast<SequenceId>(i), seqs[i].kv});
  }
  return live;
}

void Scheduler::State::StartMigration(MigrationJob job) {
  driver_host::DriverInstance& to = *job.next->instance;
  const std::string format = model->instance().KvFormat();
  const bool export_import =
      !job.options.force_reprocess && !format.empty() && format == to.KvFormat();
  std::vector<SequenceHistory> live = LiveHistories();
  migrating = std::make_unique<ActiveMigration>();
  migrating->job = std::move(job);
  if (export_import || live.empty()) {
    CompleteMigration();
    return;
  }
  // The new instance re-processes a snapshot of the histories on a thread of
  // its own while this one keeps generating; CompleteMigration then feeds
  // only what changed since.
  migrating->prefill =
      std::make_unique<BackgroundPrefill>(to, std::move(live), model->n_batch_max(), [this] {
        {
          std::lock_guard lock(mu);
          prefill_ready = true;
        }
        cv.notify_all();
      });
}

Result<MigrationReport> Scheduler::State::MoveSequences(driver_host::DriverInstance& to,
                                                        BackgroundPrefill* prefill) {
  driver_host::DriverInstance& from = model->instance();
  MigrationReport report;
  const std::vector<SequenceHistory> live = LiveHistories();
  report.sequences = static_cast<uint32_t>(live.size());
  if (prefill != nullptr) {
    report.method = MigrationReport::Method::kReprocess;
    LLMCORE_RETURN_IF_ERROR(prefill->Finish());
    report.tokens_reprocessed = prefill->fed();
    uint64_t caught_up = 0;
    LLMCORE_RETURN_IF_ERROR(
        CatchUp(to, prefill->histories(), live, model->n_batch_max(), &caught_up));
    report.tokens_reprocessed += caught_up;
  } else if (!live.empty()) {
    report.method = MigrationReport::Method::kKvExport;
    for (const SequenceHistory& h : live) {
      const std::string what = "sequence " + std::to_string(h.seq);
      auto blob = from.SeqExport(h.seq);
      if (!blob.ok()) return blob.status().WithContext(what + ": KV export");
      LLMCORE_RETURN_IF_ERROR(to.SeqImport(h.seq, *blob).WithContext(what + ": KV import"));
    }
  }
  // Every way must leave each sequence exactly as long as its history.
  for (const SequenceHistory& h : live) {
    auto length = to.SeqLength(h.seq);
    if (length.ok() && static_cast<size_t>(*length) != h.tokens.size()) {
      return Status(StatusCode::kInternal, "sequence " + std::to_string(h.seq) + " holds " +
                                               std::to_string(*length) +
                                               " positions after the move, its history " +
                                               std::to_string(h.tokens.size()));
    }
  }
  return report;
}

void Scheduler::State::CompleteMigration() {
  std::unique_ptr<ActiveMigration> running = std::move(migrating);
  MigrationJob& job = running->job;
  const Clock::time_point started = Clock::now();
  const PlacementInfo from = model->placement();
  const PlacementInfo& to = job.next->placement;
  Result<MigrationReport> result = Status(StatusCode::kInternal, "not migrated");
  try {
    result = MoveSequences(*job.next->instance, running->prefill.get());
  } catch (const std::exception& e) {
    result = Status(StatusCode::kResourceExhausted, std::string("migration: ") + e.what());
  }
  running->prefill.reset();
  if (result.ok()) {
    result->previous = from;
    result->background_ms =
        std::chrono::duration<double, std::milli>(started - running->taken).count();
    // The old instance is destroyed here, on the thread that used it, and
    // its memory (KV cache, buffers) is back before the next pass.
    std::unique_ptr<ModelInstance> old = model->ExchangeInstance(std::move(job.next));
    old.reset();
    result->pause_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    Logf(LogLevel::kInfo,
         "{}: moved from driver {} ({}) to {} ({}): {} sequences by {}, {} tokens re-processed "
         "({:.1f} ms while generation went on), generation paused {:.1f} ms",
         model->name(), from.driver, from.device, model->placement().driver,
         model->placement().device, result->sequences, MigrationMethodName(result->method),
         result->tokens_reprocessed, result->background_ms, result->pause_ms);
  } else {
    Logf(LogLevel::kWarning, "{}: moving to driver {} ({}) failed, {} keeps serving: {}",
         model->name(), to.driver, to.device, from.driver, result.status().message());
    job.next.reset();
  }
  {
    std::lock_guard lock(mu);
    migration_running = false;
  }
  try {
    job.done(std::move(result));
  } catch (const std::exception& e) {
    Logf(LogLevel::kWarning, "{}: a migration callback threw: {}", model->name(), e.what());
  } catch (...) {
    Logf(LogLevel::kWarning, "{}: a migration callback threw", model->name());
  }
}

void Scheduler::State::EndRun(SequenceId seq, StopReason reason, Status error) {
  SequenceState& s = seqs[static_cast<size_t>(seq)];
  std::unique_ptr<RequestRun> run = std::move(s.run);
  if (reason == StopReason::kError) {
    // Whatever the failed pass left, the next request starts from nothing.
    ResetKv(seq);
    if (s.chat) s.conversation.resize(std::min(s.conversation.size(), s.conversation_before));
  } else {
    // Tokens of the text that were never fed - the rest of a prompt cut
    // short by a cancel, or the last sampled token, reported but not fed -
    // stay part of it, to be fed first by the next request.
    const auto unfed = run->unfed_prompt();
    s.pending.assign(unfed.begin(), unfed.end());
    if (run->next_token()) s.pending.push_back(*run->next_token());
    if (s.chat) s.conversation.push_back({"assistant", run->answer()});
  }
  s.chat = false;
  const Request& request = run->request();
  Release(request.uid, request.seq, request.id);
  run->Finish(reason, std::move(error));
}

void Scheduler::State::ResetKv(SequenceId seq) {
  SequenceState& s = seqs[static_cast<size_t>(seq)];
  const Status removed = model->instance().SeqRemove(seq, 0, -1);
  if (!removed.ok()) {
    Logf(LogLevel::kWarning, "{}: clearing sequence {}: {}", model->name(), seq,
         removed.ToString());
  }
  s.kv.clear();
  s.pending.clear();
}

void Scheduler::State::Release(uid_t uid, SequenceId seq, uint64_t request_id) {
  std::lock_guard lock(mu);
  --active;
  auto it = active_per_uid.find(uid);
  if (it != active_per_uid.end() && --it->second == 0) active_per_uid.erase(it);
  if (seq >= 0 && slots[static_cast<size_t>(seq)].request_id == request_id) {
    slots[static_cast<size_t>(seq)].request_id = 0;
  }
  last_activity_ms = MonotonicMs();
}

void Scheduler::State::EndUnstarted(const Request& request, StopReason reason, Status error) {
  Release(request.uid, request.seq, request.id);
  FinishUnstarted(request, reason, std::move(error));
}

void Scheduler::State::Shutdown(std::deque<Event>& events) {
  for (Event& event : events) {
    if (auto* submit = std::get_if<SubmitEvent>(&event)) {
      EndUnstarted(submit->request, StopReason::kShutdown);
    }
  }
  for (size_t s = 0; s < seqs.size(); ++s) {
    if (seqs[s].run) EndRun(static_cast<SequenceId>(s), StopReason::kShutdown);
  }
  std::deque<EmbedJob> jobs;
  std::optional<MigrationJob> migrate;
  {
    std::lock_guard lock(mu);
    jobs.swap(embeds);
    migrate.swap(migration);
  }
  if (migrating) {
    migrating->prefill.reset();  // stops between two batches
    migrate = std::move(migrating->job);
    migrating.reset();
  }
  if (migrate) {
    try {
      migrate->done(Status(StatusCode::kUnavailable, "the scheduler is stopping"));
    } catch (...) {
      Logf(LogLevel::kWarning, "{}: a migration callback threw", model->name());
    }
  }
  for (EmbedJob& job : jobs) {
    Release(job.uid, -1, 0);
    try {
      job.done(Status(StatusCode::kUnavailable, "the scheduler is stopping"));
    } catch (...) {
      Logf(LogLevel::kWarning, "{}: an embedding callback threw", model->name());
    }
  }
}

Scheduler::Scheduler() : state_(std::make_unique<State>()) {}

Scheduler::~Scheduler() {
  Stop();
}

Result<std::unique_ptr<Scheduler>> Scheduler::Start(std::shared_ptr<LoadedModel> model,
                                                    SchedulerLimits limits,
                                                    std::function<void()> heartbeat) {
  if (model == nullptr) return Invalid("scheduler: no model");
  std::unique_ptr<Scheduler> scheduler(new Scheduler());
  State& st = *scheduler->state_;
  st.model = std::move(model);
  st.limits = limits;
  st.heartbeat = std::move(heartbeat);
  const char* fault = std::getenv(kFaultEnv);
  st.hang_fault = fault != nullptr && fault == kHangFault;
  st.control_texts = ControlTokenTexts(st.model->tokenizer());
  st.slots.resize(st.model->n_seq_max());
  st.seqs.resize(st.model->n_seq_max());
  st.last_activity_ms = MonotonicMs();
  try {
    st.worker = std::thread([&st] { st.Run(); });
  } catch (const std::system_error& e) {
    return Status(StatusCode::kResourceExhausted,
                  st.model->name() + ": scheduler: cannot start its thread: " + e.what());
  }
  return scheduler;
}

const LoadedModel& Scheduler::model() const {
  return *state_->model;
}

Result<SequenceId> Scheduler::OpenSequence(uid_t owner) {
  State& st = *state_;
  std::lock_guard lock(st.mu);
  if (st.stopping) return Status(StatusCode::kUnavailable, "the scheduler is stopping");
  for (size_t i = 0; i < st.slots.size(); ++i) {
    if (st.slots[i].open) continue;
    st.slots[i] = SlotShared{true, owner, 0};
    return static_cast<SequenceId>(i);
  }
  return Status(StatusCode::kResourceExhausted, "all " + std::to_string(st.slots.size()) +
                                                    " sequences of model " + st.model->name() +
                                                    " are in use");
}

void Scheduler::CloseSequence(SequenceId seq) {
  State& st = *state_;
  {
    std::lock_guard lock(st.mu);
    if (seq < 0 || static_cast<size_t>(seq) >= st.slots.size()) return;
    SlotShared& slot = st.slots[static_cast<size_t>(seq)];
    if (!slot.open) return;
    slot = SlotShared{};
    if (st.stopping) return;
    st.inbox.push_back(CloseEvent{seq});
  }
  st.cv.notify_all();
}

Result<uint64_t> Scheduler::Submit(SequenceId seq, Prompt prompt, const GenerationOptions& options,
                                   std::shared_ptr<RequestSink> sink) {
  State& st = *state_;
  if (sink == nullptr) return Invalid("no sink for the request's events");
  LLMCORE_RETURN_IF_ERROR(ValidateOptions(options, st.limits));
  LLMCORE_RETURN_IF_ERROR(ValidatePrompt(prompt, st.limits));
  if (std::holds_alternative<ChatPrompt>(prompt) && !st.model->chat_template()) {
    return Status(StatusCode::kUnsupported,
                  "model " + st.model->name() + " has no chat template llmcore recognises");
  }
  uint64_t id = 0;
  {
    std::lock_guard lock(st.mu);
    if (st.stopping) return Status(StatusCode::kUnavailable, "the scheduler is stopping");
    if (seq < 0 || static_cast<size_t>(seq) >= st.slots.size() ||
        !st.slots[static_cast<size_t>(seq)].open) {
      return Status(StatusCode::kNotFound, "sequence " + std::to_string(seq) + " is not open");
    }
    SlotShared& slot = st.slots[static_cast<size_t>(seq)];
    if (slot.request_id != 0) {
      return Status(StatusCode::kResourceExhausted, "the session is already generating");
    }
    if (st.active >= st.limits.max_queued) {
      return Status(StatusCode::kResourceExhausted,
                    "busy: " + std::to_string(st.active) + " requests are queued or running");
    }
    const auto it = st.active_per_uid.find(slot.owner);
    if (it != st.active_per_uid.end() && it->second >= st.limits.max_queued_per_uid) {
      return Status(StatusCode::kResourceExhausted, "busy: user " + std::to_string(slot.owner) +
                                                        " has " + std::to_string(it->second) +
                                                        " requests queued or running");
    }
    id = st.next_request_id++;
    slot.request_id = id;
    ++st.active;
    ++st.active_per_uid[slot.owner];
    st.last_activity_ms = MonotonicMs();
    st.inbox.push_back(SubmitEvent{
        Request{id, seq, slot.owner, std::move(prompt), options, std::move(sink), Clock::now()}});
  }
  st.cv.notify_all();
  return id;
}

void Scheduler::Cancel(SequenceId seq) {
  State& st = *state_;
  {
    std::lock_guard lock(st.mu);
    if (st.stopping || seq < 0 || static_cast<size_t>(seq) >= st.slots.size()) return;
    const SlotShared& slot = st.slots[static_cast<size_t>(seq)];
    if (!slot.open || slot.request_id == 0) return;
    st.inbox.push_back(CancelEvent{seq, slot.request_id});
  }
  st.cv.notify_all();
}

Status Scheduler::Embed(uid_t owner, std::vector<std::string> texts, EmbedDone done) {
  State& st = *state_;
  if (!done) return Invalid("no callback for the embeddings");
  if (!st.model->supports_embeddings()) {
    return Status(StatusCode::kUnsupported, "the driver " + st.model->driver_name() + " of model " +
                                                st.model->name() + " has no embeddings output");
  }
  if (texts.empty()) return Invalid("no texts to embed");
  if (texts.size() > st.limits.max_embed_texts) {
    return Invalid(std::to_string(texts.size()) + " texts exceed the limit of " +
                   std::to_string(st.limits.max_embed_texts));
  }
  uint64_t bytes = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    LLMCORE_RETURN_IF_ERROR(CheckText("text " + std::to_string(i), texts[i]));
    bytes += texts[i].size();
  }
  if (bytes > st.limits.max_prompt_bytes) {
    return Invalid("the texts' " + std::to_string(bytes) + " bytes exceed the limit of " +
                   std::to_string(st.limits.max_prompt_bytes));
  }
  {
    std::lock_guard lock(st.mu);
    if (st.stopping) return Status(StatusCode::kUnavailable, "the scheduler is stopping");
    if (st.active >= st.limits.max_queued) {
      return Status(StatusCode::kResourceExhausted,
                    "busy: " + std::to_string(st.active) + " requests are queued or running");
    }
    const auto it = st.active_per_uid.find(owner);
    if (it != st.active_per_uid.end() && it->second >= st.limits.max_queued_per_uid) {
      return Status(StatusCode::kResourceExhausted, "busy: user " + std::to_string(owner) +
                                                        " has " + std::to_string(it->second) +
                                                        " requests queued or running");
    }
    ++st.active;
    ++st.active_per_uid[owner];
    st.last_activity_ms = MonotonicMs();
    st.embeds.push_back(EmbedJob{owner, std::move(texts), std::move(done)});
  }
  st.cv.notify_all();
  return Status::Ok();
}

Status Scheduler::Migrate(std::unique_ptr<ModelInstance> next, MigrationOptions options,
                          MigrateDone done) {
  State& st = *state_;
  if (next == nullptr || next->instance == nullptr) return Invalid("no instance to migrate to");
  if (!done) return Invalid("no callback for the migration");
  {
    std::lock_guard lock(st.mu);
    if (st.stopping) return Status(StatusCode::kUnavailable, "the scheduler is stopping");
    if (st.migration || st.migration_running) {
      return Status(StatusCode::kResourceExhausted,
                    "model " + st.model->name() + " already has a driver swap running");
    }
    st.migration = MigrationJob{std::move(next), options, std::move(done)};
  }
  st.cv.notify_all();
  return Status::Ok();
}

Scheduler::Load Scheduler::load() const {
  const State& st = *state_;
  std::lock_guard lock(st.mu);
  Load load;
  load.sequences_open = static_cast<uint32_t>(
      std::count_if(st.slots.begin(), st.slots.end(), [](const SlotShared& s) { return s.open; }));
  load.requests_active = st.active;
  load.last_activity_ms = st.last_activity_ms;
  return load;
}

void Scheduler::Stop() {
  State& st = *state_;
  {
    std::lock_guard lock(st.mu);
    st.stopping = true;
  }
  st.cv.notify_all();
  std::call_once(st.join_once, [&st] {
    if (st.worker.joinable()) st.worker.join();
  });
}

}  // namespace llmcore::engine
