// llmcore-bench-swap: how long token delivery stops while a model's driver
// instance is hot-swapped (Scheduler::Migrate), measured in this process:
// model store, drivers and scheduler, no daemon.
//
// Each swap gets a stream of its own: 4 sequences with different prompts of
// about 64 tokens generate greedily, end-of-generation ignored. Once every
// sequence has delivered 16 tokens, the new instance is built
// (LoadedModel::BuildInstance, same segment), and once each sequence has
// delivered another token (so that no step slowed by the build counts) the
// swap is queued; the stream
// goes on until 1 s after the swap completed and every sequence delivered a
// token after it (or until the sequences' context is full), then it is
// cancelled. The swaps, in order:
//
//   cpu → cpu              another CPU instance, same threads: KV export/import;
//   cpu → cpu, reprocess   the same with force_reprocess: histories re-processed;
//   cpu → reference        the reference driver (another KV format: re-processed)
//   reference → cpu        and back; by default only for the bundled tiny model,
//                          as the reference driver is plain float loops.
//
// A sink per request timestamps every OnToken (steady_clock). A gap is the
// time between two consecutive tokens of one sequence: what its client waits.
// The longest gap is the longest one ending between the Migrate call and 1 s
// after the swap completed (or each sequence's first token after the swap,
// when that comes later); the median gap is that of every gap measured while
// the CPU driver served, outside the time from building the new instance to
// 1 s after the swap: the normal time between two tokens of a sequence.
//
// The bundled tiny model is always measured (or --model PATH instead); with
// --large also a 0.5B-shaped Q8_0 model generated with llmcore-mkmodel in a
// temporary directory (removed at the end), loaded with a 512-token context.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "llmcore/driver_host/driver_context.h"
#include "llmcore/driver_host/driver_library.h"
#include "llmcore/engine/loaded_model.h"
#include "llmcore/engine/scheduler.h"
#include "llmcore/log.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"

namespace llmcore::bench {
namespace {

using Clock = std::chrono::steady_clock;
using driver_host::DriverContext;

constexpr size_t kSequences = 4;
constexpr size_t kPromptTokens = 64;
constexpr size_t kTokensBeforeSwap = 16;  // per sequence, before each swap
constexpr auto kAfterSwap = std::chrono::seconds(1);
constexpr uint32_t kContext = 512;
// The slowest steps: a prefill or a re-processing swap of the 0.5B model on
// the reference driver.
constexpr auto kPatience = std::chrono::minutes(30);

// Story openings; each prompt is the first words of one that make at least
// kPromptTokens tokens.
const char* const kPassages[kSequences] = {
    "Once upon a time, in a small village by the sea, there lived a little girl named Lily. "
    "Every morning she walked along the beach with her dog Max, looking for shells and "
    "smooth stones. One day she found a shiny blue bottle half buried in the sand, and "
    "inside it was a folded piece of paper with a map drawn on it.",
    "Tom had a red ball that he loved more than anything. He played with it in the garden "
    "after school, throwing it high into the air and catching it with both hands. His "
    "little sister Sue wanted to play too, but Tom said the ball was his. Then the ball "
    "rolled under the fence into the big dark forest behind their house.",
    "The old owl sat in the tall tree and watched the animals of the forest. The rabbits "
    "were busy digging, the squirrels were hiding nuts for the winter, and the deer were "
    "drinking from the cold river. When the sun went down, a small fox came out of the "
    "bushes and asked the owl why the moon was so bright that night.",
    "It was the first day of spring, and Ben woke up early because he could hear the birds "
    "singing outside his window. He put on his green boots and ran to the garden to see "
    "if the flowers he had planted with his mother had grown. To his surprise, a tiny frog "
    "was sitting on the biggest yellow flower, looking right at him.",
};

// Every OnToken's time, per sequence of one stream; polled by the main thread.
class Stream {
 public:
  explicit Stream(size_t n) : times_(n), stats_(n) {}

  void Token(size_t i) {
    const Clock::time_point now = Clock::now();
    std::lock_guard lock(mu_);
    times_[i].push_back(now);
  }
  void Finished(size_t i, const engine::GenerationStats& stats) {
    std::lock_guard lock(mu_);
    stats_[i] = stats;
  }

  std::vector<size_t> Counts() const {
    std::lock_guard lock(mu_);
    std::vector<size_t> counts;
    for (const auto& t : times_) counts.push_back(t.size());
    return counts;
  }
  size_t MinCount() const {
    const std::vector<size_t> counts = Counts();
    return *std::min_element(counts.begin(), counts.end());
  }
  size_t FinishedCount() const {
    std::lock_guard lock(mu_);
    return static_cast<size_t>(
        std::count_if(stats_.begin(), stats_.end(), [](const auto& s) { return s.has_value(); }));
  }
  std::vector<std::vector<Clock::time_point>> Times() const {
    std::lock_guard lock(mu_);
    return times_;
  }
  std::vector<std::optional<engine::GenerationStats>> Stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<Clock::time_point>> times_;
  std::vector<std::optional<engine::GenerationStats>> stats_;
};

class TimedSink : public engine::RequestSink {
 public:
  TimedSink(std::shared_ptr<Stream> stream, size_t index)
      : stream_(std::move(stream)), index_(index) {}
  void OnToken(std::string_view, text::TokenId) override { stream_->Token(index_); }
  void OnFinished(const engine::GenerationStats& stats) override {
    stream_->Finished(index_, stats);
  }

 private:
  std::shared_ptr<Stream> stream_;
  size_t index_;
};

// Polls `done` every few milliseconds until it holds or `deadline` passes.
template <typename Pred>
bool WaitUntil(Clock::time_point deadline, Pred done) {
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

std::string Fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void PrintRow(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const std::string& cell : cells) line += " " + cell + " |";
  std::puts(line.c_str());
}

Result<std::shared_ptr<DriverContext>> OpenDriver(const std::string& path) {
  LLMCORE_ASSIGN_OR_RETURN(auto library, driver_host::DriverLibrary::Open(path));
  return DriverContext::Create(library, [](llmcore_log_level level, std::string_view message) {
    if (level <= LLMCORE_LOG_WARNING) {
      std::fprintf(stderr, "driver: %.*s\n", static_cast<int>(message.size()), message.data());
    }
  });
}

// The first words of `passage` that make at least `n` tokens (BOS included),
// the whole passage repeated when it is shorter.
Result<std::string> PromptOf(const text::Tokenizer& tokenizer, std::string_view passage, size_t n) {
  std::vector<std::string> words;
  std::istringstream in{std::string(passage)};
  for (std::string w; in >> w;) words.push_back(w);
  std::string prompt;
  for (size_t i = 0; i < 64 * words.size(); ++i) {
    prompt += (prompt.empty() ? "" : " ") + words[i % words.size()];
    LLMCORE_ASSIGN_OR_RETURN(auto tokens, tokenizer.Encode(prompt, {.add_special = true}));
    if (tokens.size() >= n) break;
  }
  return prompt;
}

struct Swap {
  std::string label;  // after "<from> → <to>"
  std::shared_ptr<DriverContext> driver;
  uint32_t n_threads = 0;
  bool force_reprocess = false;
};

struct SwapResult {
  std::string label;
  Result<engine::MigrationReport> report = Status(StatusCode::kInternal, "not run");
  uint64_t positions = 0;  // the sequences' KV positions when the swap ran
  double longest_gap_ms = 0;
  double build_ms = 0;                 // LoadedModel::BuildInstance, on this thread
  std::vector<double> normal_gaps_ms;  // outside the swap, while the CPU driver served
  std::vector<std::string> notes;
};

// What the worker hands back when the migration is done.
struct MigrationOutcome {
  std::promise<Result<engine::MigrationReport>> report;
  Clock::time_point at;
  std::vector<size_t> counts;  // tokens each sequence had delivered
};

class SwapBench {
 public:
  SwapBench(engine::Scheduler& scheduler, engine::LoadedModel& model,
            std::vector<std::string> prompts)
      : scheduler_(scheduler), model_(model), prompts_(std::move(prompts)) {}

  SwapResult Run(const Swap& swap) {
    SwapResult result;
    result.label = model_.driver_name() + " → " + swap.driver->name() + swap.label;
    const bool cpu_before = model_.driver_name() == "cpu";
    auto stream = std::make_shared<Stream>(kSequences);
    std::vector<engine::SequenceId> seqs;
    const Status started = Start(stream, seqs);
    if (started.ok()) {
      Measure(swap, stream, cpu_before, result);
    } else {
      result.report = started;
    }
    for (engine::SequenceId seq : seqs) scheduler_.Cancel(seq);
    if (!WaitUntil(Clock::now() + kPatience,
                   [&] { return stream->FinishedCount() == seqs.size(); })) {
      result.notes.push_back("the cancelled requests did not finish");
    }
    for (engine::SequenceId seq : seqs) scheduler_.CloseSequence(seq);
    return result;
  }

 private:
  Status Start(const std::shared_ptr<Stream>& stream, std::vector<engine::SequenceId>& seqs) {
    engine::GenerationOptions options;
    options.sampling.temperature = 0;
    options.max_tokens = 4096;
    options.ignore_eos = true;
    for (size_t i = 0; i < kSequences; ++i) {
      LLMCORE_ASSIGN_OR_RETURN(engine::SequenceId seq, scheduler_.OpenSequence(getuid()));
      auto sink = std::make_shared<TimedSink>(stream, i);
      auto id = scheduler_.Submit(seq, engine::TextPrompt{prompts_[i]}, options, sink);
      if (!id.ok()) {
        scheduler_.CloseSequence(seq);
        return id.status();
      }
      seqs.push_back(seq);  // its sink gets OnFinished
    }
    const bool ready = WaitUntil(Clock::now() + kPatience, [&] {
      return stream->MinCount() >= kTokensBeforeSwap || stream->FinishedCount() > 0;
    });
    if (!ready || stream->MinCount() < kTokensBeforeSwap) {
      for (const auto& stats : stream->Stats()) {
        if (stats && stats->stop_reason == engine::StopReason::kError) return stats->error;
      }
      return Status(StatusCode::kInternal, "the sequences did not deliver " +
                                               std::to_string(kTokensBeforeSwap) +
                                               " tokens each before the swap");
    }
    return Status::Ok();
  }

  void Measure(const Swap& swap, const std::shared_ptr<Stream>& stream_ptr, bool cpu_before,
               SwapResult& result) {
    const Stream& stream = *stream_ptr;
    const Clock::time_point build_start = Clock::now();
    auto next = model_.BuildInstance({swap.driver, 0, swap.n_threads});
    if (!next.ok()) {
      result.report = next.status();
      return;
    }
    result.build_ms = Ms(Clock::now() - build_start);
    // Building competes with the worker for the CPUs: the swap is queued
    // once every sequence delivered a token after it, so that the gaps
    // measured around the swap do not include a step the build slowed.
    const std::vector<size_t> built = stream.Counts();
    WaitUntil(Clock::now() + kPatience, [&] {
      const std::vector<size_t> counts = stream.Counts();
      for (size_t i = 0; i < kSequences; ++i) {
        if (counts[i] <= built[i]) return stream.FinishedCount() > 0;
      }
      return true;
    });
    auto outcome = std::make_shared<MigrationOutcome>();
    auto future = outcome->report.get_future();
    const Clock::time_point call = Clock::now();
    const Status queued =
        scheduler_.Migrate(std::move(next).value(), {.force_reprocess = swap.force_reprocess},
                           [outcome, stream_ptr](Result<engine::MigrationReport> report) {
                             // On the worker, between two passes: no token is being delivered.
                             outcome->at = Clock::now();
                             outcome->counts = stream_ptr->Counts();
                             outcome->report.set_value(std::move(report));
                           });
    if (!queued.ok()) {
      result.report = queued;
      return;
    }
    if (future.wait_for(kPatience) != std::future_status::ready) {
      result.report = Status(StatusCode::kInternal, "the swap did not finish");
      return;
    }
    result.report = future.get();
    // The window: until 1 s after the swap, and at least until every
    // sequence still generating delivered its first token after it (a step
    // of a large model on few cores may take longer than that second).
    const bool settled = WaitUntil(Clock::now() + kPatience, [&] {
      if (Clock::now() < outcome->at + kAfterSwap) return false;
      const std::vector<size_t> counts = stream.Counts();
      const auto finished = stream.Stats();
      for (size_t i = 0; i < kSequences; ++i) {
        if (!finished[i] && counts[i] <= outcome->counts[i]) return false;
      }
      return true;
    });
    if (!settled) result.notes.push_back("no token came after the swap");
    const auto all_times = stream.Times();
    const auto stats = stream.Stats();
    Clock::time_point window_end = outcome->at + kAfterSwap;
    for (size_t i = 0; i < kSequences; ++i) {
      if (all_times[i].size() > outcome->counts[i]) {
        window_end = std::max(window_end, all_times[i][outcome->counts[i]]);
      }
    }
    size_t ended = 0;
    double last_ms = 0;
    std::string reasons;
    for (size_t i = 0; i < kSequences; ++i) {
      if (!stats[i]) continue;
      if (stats[i]->stop_reason == engine::StopReason::kError) {
        result.notes.push_back("sequence " + std::to_string(i) +
                               " failed: " + stats[i]->error.ToString());
        continue;
      }
      const std::string reason(engine::StopReasonName(stats[i]->stop_reason));
      if (reasons.find(reason) == std::string::npos) {
        reasons += (reasons.empty() ? "" : ", ") + reason;
      }
      ++ended;
      if (!all_times[i].empty()) last_ms = std::max(last_ms, Ms(all_times[i].back() - outcome->at));
    }
    if (ended > 0) {
      result.notes.push_back(std::to_string(ended) + " of " + std::to_string(kSequences) +
                             " sequences ended (" + reasons + ") before the 1 s window closed, " +
                             "the last token " + Fixed(last_ms, 0) + " ms after the swap");
    }
    // KV positions: each sequence's prompt (BOS included) and the tokens fed
    // after it, which is every token delivered but the last one (sampled, to
    // be fed by the next pass).
    for (size_t i = 0; i < kSequences; ++i) {
      auto tokens = model_.tokenizer().Encode(prompts_[i], {.add_special = true});
      if (tokens.ok() && outcome->counts[i] > 0) {
        result.positions += tokens->size() + outcome->counts[i] - 1;
      }
    }

    const bool cpu_after = model_.driver_name() == "cpu";
    for (const auto& times : all_times) {
      for (size_t k = 1; k < times.size(); ++k) {
        const Clock::time_point a = times[k - 1], b = times[k];
        if (b > call && b <= window_end) {
          result.longest_gap_ms = std::max(result.longest_gap_ms, Ms(b - a));
        } else if ((b < build_start && cpu_before) || (a > window_end && cpu_after)) {
          result.normal_gaps_ms.push_back(Ms(b - a));
        }
      }
    }
  }

  engine::Scheduler& scheduler_;
  engine::LoadedModel& model_;
  std::vector<std::string> prompts_;
};

struct BenchModel {
  std::string label;
  std::string path;
  bool reference = false;  // also swap to the reference driver and back
};

struct Drivers {
  std::shared_ptr<DriverContext> cpu;
  std::shared_ptr<DriverContext> reference;
};

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
  std::nth_element(values.begin(), mid, values.end());
  return *mid;
}

// Loads the model, runs its swaps and prints its rows; false when something failed.
bool BenchOne(const BenchModel& m, const Drivers& drivers, uint32_t threads,
              std::vector<std::string>& shapes, std::vector<std::string>& notes) {
  store::ModelStore store;
  engine::ModelLoadOptions options;
  options.name = m.label;
  options.path = m.path;
  options.n_ctx = kContext;
  options.n_seq_max = kSequences;
  options.n_threads = threads;
  const Clock::time_point load_start = Clock::now();
  auto model = engine::LoadedModel::Load(store, drivers.cpu, options);
  if (!model.ok()) {
    std::fprintf(stderr, "llmcore-bench-swap: %s\n", model.status().ToString().c_str());
    return false;
  }
  std::fprintf(stderr, "%s: loaded in %.1f s\n", m.label.c_str(),
               Ms(Clock::now() - load_start) / 1000.0);
  shapes.push_back(m.label + " (" +
                   Fixed(static_cast<double>((*model)->resident_bytes()) / (1 << 20), 1) +
                   " MiB, context " + std::to_string((*model)->n_ctx()) + ")");
  std::vector<std::string> prompts;
  for (const char* passage : kPassages) {
    auto prompt = PromptOf((*model)->tokenizer(), passage, kPromptTokens);
    if (!prompt.ok()) {
      std::fprintf(stderr, "llmcore-bench-swap: %s\n", prompt.status().ToString().c_str());
      return false;
    }
    prompts.push_back(*prompt);
  }
  engine::SchedulerLimits limits;
  auto scheduler = engine::Scheduler::Start(*model, limits);
  if (!scheduler.ok()) {
    std::fprintf(stderr, "llmcore-bench-swap: %s\n", scheduler.status().ToString().c_str());
    return false;
  }

  std::vector<Swap> swaps = {
      {"", drivers.cpu, threads, false},
      {", forced reprocess", drivers.cpu, threads, true},
  };
  if (m.reference) {
    swaps.push_back({"", drivers.reference, 0, false});
    swaps.push_back({"", drivers.cpu, threads, false});
  }
  SwapBench bench(**scheduler, **model, prompts);
  std::vector<SwapResult> results;
  std::vector<double> normal;
  for (const Swap& swap : swaps) {
    results.push_back(bench.Run(swap));
    std::fprintf(stderr, "%s: %s done\n", m.label.c_str(), results.back().label.c_str());
    const auto& gaps = results.back().normal_gaps_ms;
    normal.insert(normal.end(), gaps.begin(), gaps.end());
  }
  (*scheduler)->Stop();

  const double median = Median(normal);
  bool ok = true;
  for (const SwapResult& r : results) {
    const std::string model_cell = m.label;
    if (!r.report.ok()) {
      ok = false;
      PrintRow({model_cell, r.label, "failed: " + r.report.status().ToString(), "", "", "", "", "",
                "", Fixed(r.build_ms, 1)});
    } else {
      const engine::MigrationReport& report = *r.report;
      const bool reprocess = report.method == engine::MigrationReport::Method::kReprocess;
      const uint64_t moved = reprocess ? report.tokens_reprocessed : r.positions;
      if (reprocess && report.tokens_reprocessed != r.positions) {
        notes.push_back(m.label + ", " + r.label + ": the report re-processed " +
                        std::to_string(report.tokens_reprocessed) +
                        " positions, the token counts say " + std::to_string(r.positions));
      }
      PrintRow({model_cell, r.label, engine::MigrationMethodName(report.method),
                std::to_string(report.sequences), std::to_string(moved), Fixed(report.pause_ms, 2),
                Fixed(r.longest_gap_ms, 2), Fixed(median, 2),
                median > 0 ? Fixed(r.longest_gap_ms / median, 1) + "×" : "n/a",
                Fixed(r.build_ms, 1)});
    }
    for (const std::string& note : r.notes) notes.push_back(m.label + ", " + r.label + ": " + note);
  }
  std::fflush(stdout);
  return ok;
}

int Run(const std::vector<BenchModel>& models, uint32_t threads) {
  auto cpu = OpenDriver(LLMCORE_BENCH_CPU_DRIVER);
  auto reference = OpenDriver(LLMCORE_BENCH_REFERENCE_DRIVER);
  if (!cpu.ok() || !reference.ok()) {
    std::fprintf(stderr, "llmcore-bench-swap: %s\n",
                 (cpu.ok() ? reference.status() : cpu.status()).ToString().c_str());
    return 1;
  }
  const Drivers drivers{*cpu, *reference};
  std::printf(
      "llmcore-bench-swap: %zu sequences, prompts of %zu tokens, greedy, swaps after %zu tokens "
      "of each, %u CPU driver threads, %ld CPUs online\n\n",
      kSequences, kPromptTokens, kTokensBeforeSwap, threads, sysconf(_SC_NPROCESSORS_ONLN));
  PrintRow({"model", "swap", "method", "sequences", "KV positions moved", "pause ms (report)",
            "longest gap ms", "median gap ms", "longest / median", "instance build ms"});
  PrintRow({"---", "---", "---", "---", "---", "---", "---", "---", "---", "---"});
  std::fflush(stdout);
  bool ok = true;
  std::vector<std::string> shapes, notes;
  for (const BenchModel& m : models) ok = BenchOne(m, drivers, threads, shapes, notes) && ok;
  std::printf(
      "\nColumns: method, sequences and pause (between two forward passes) from the "
      "MigrationReport; KV positions moved: the sequences' history lengths at the swap; a gap "
      "is the time between two consecutive tokens of one sequence; longest gap: the longest "
      "ending between the Migrate call and 1 s after the swap (at least up to each sequence's "
      "first token after it); median gap: the model's normal "
      "gap on the CPU driver, outside the swaps; instance build: LoadedModel::BuildInstance, "
      "before the swap is queued, while the sequences keep generating.\n");
  std::string models_line;
  for (const std::string& shape : shapes) models_line += (models_line.empty() ? "" : ", ") + shape;
  std::printf("Models: %s.\n", models_line.c_str());
  for (const std::string& note : notes) std::printf("note: %s\n", note.c_str());
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace llmcore::bench

int main(int argc, char** argv) {
  CLI::App app{"Longest pause in token delivery during a driver hot swap"};
  bool large = false;
  bool reference_all = false;
  uint32_t threads = 2;
  std::string model;
  app.add_flag("--large", large, "also a generated 0.5B-shaped Q8_0 model (slow)");
  app.add_flag("--reference-all", reference_all,
               "swap to the reference driver and back on every model, not only the tiny one");
  app.add_option("--threads", threads, "CPU driver threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--model", model, "GGUF file to bench instead of the bundled tiny model")
      ->check(CLI::ExistingFile);
  CLI11_PARSE(app, argc, argv);
  llmcore::SetLogLevel(llmcore::LogLevel::kWarning);

  std::vector<llmcore::bench::BenchModel> models;
  if (model.empty()) {
    models.push_back({"stories260K", llmcore::testing::BundledModelPath(), true});
  } else {
    models.push_back({std::filesystem::path(model).filename().string(), model, reference_all});
  }
  std::string temp_dir;
  if (large) {
    char pattern[] = "/var/tmp/llmcore-bench-swap-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    temp_dir = pattern;
    const std::string path = temp_dir + "/0.5b-q8_0.gguf";
    const std::string command =
        std::string(LLMCORE_MKMODEL_PATH) + " --preset 0.5b --type q8_0 --seed 7 -o " + path;
    std::fprintf(stderr, "generating: %s\n", command.c_str());
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "llmcore-mkmodel failed\n");
      std::filesystem::remove_all(temp_dir);
      return 1;
    }
    models.push_back({"0.5B-shaped q8_0", path, reference_all});
  }
  const int status = llmcore::bench::Run(models, threads);
  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
  return status;
}
