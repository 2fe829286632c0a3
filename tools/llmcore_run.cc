// llmcore-run: generates text from a GGUF model in this process — model store,
// a compute driver and the text layer, no daemon — for people and tests.
//
//   llmcore-run MODEL.gguf [--prompt TEXT | --tokens ID,ID,...] [--no-bos] [--chat]
//               [-n N] [--temp T] [--top-k K] [--top-p P] [--min-p P] [--seed S]
//               [--threads N] [--top-logits K] [--json] [--driver PATH]
//
// By default the generated text streams to stdout as it is produced (never
// splitting a UTF-8 sequence), followed by a newline; a summary goes to stderr.
// With --json one object is printed at the end:
//   {"prompt_tokens": [...], "generated": [...], "text": "...",
//    "steps": [{"top": [[id, logit], ...]}, ...]}
// where "steps" (with --top-logits K) holds, for each generated token, the K
// highest raw logits it was chosen from, highest first: step 0 is the last
// prompt position. --temp 0 is greedy argmax over the raw logits.
//
// Generation stops after -n tokens or at an end-of-generation token (unless
// --ignore-eos). Exit status: 0 on success, 1 when the model, driver or
// generation fails (the reason on stderr), 2 for a bad command line.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "llmcore/driver_host/driver_context.h"
#include "llmcore/driver_host/driver_instance.h"
#include "llmcore/driver_host/driver_library.h"
#include "llmcore/driver_host/model_desc.h"
#include "llmcore/gguf/reader.h"
#include "llmcore/log.h"
#include "llmcore/store/model_store.h"
#include "llmcore/text/chat_template.h"
#include "llmcore/text/sampler.h"
#include "llmcore/text/streaming_detokenizer.h"
#include "llmcore/text/tokenizer.h"

namespace {

using llmcore::Result;
using llmcore::Status;
using llmcore::StatusCode;
using llmcore::text::TokenId;
using Json = nlohmann::ordered_json;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr uint32_t kPrefillChunk = 256;

struct Options {
  std::string model;
  std::string prompt;
  std::string tokens;
  bool no_bos = false;
  bool chat = false;
  int n_predict = 128;
  float temperature = 0.8f;
  int top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  uint64_t seed = 0;
  int threads = 0;
  int top_logits = 0;
  bool json = false;
  bool ignore_eos = false;
  std::string driver;
};

// The CPU driver: --driver, then $LLMCORE_CPU_DRIVER, then the build tree's
// copy (when this binary runs from the build tree), then the installed one.
std::string FindCpuDriver(const std::string& requested) {
  if (!requested.empty()) return requested;
  if (const char* env = std::getenv("LLMCORE_CPU_DRIVER")) return env;
  std::error_code ec;
  if (std::filesystem::exists(LLMCORE_BUILD_CPU_DRIVER, ec)) return LLMCORE_BUILD_CPU_DRIVER;
  return LLMCORE_INSTALLED_CPU_DRIVER;
}

Result<std::vector<TokenId>> ParseTokenList(const std::string& list, size_t vocab_size) {
  std::vector<TokenId> ids;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    char* end = nullptr;
    const long value = std::strtol(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0' || value < 0 || static_cast<size_t>(value) >= vocab_size) {
      return Status(StatusCode::kInvalidArgument,
                    fmt::format("--tokens: '{}' is not a token id below {}", item, vocab_size));
    }
    ids.push_back(static_cast<TokenId>(value));
    start = comma + 1;
  }
  return ids;
}

// The prompt as token ids: explicit ids, a chat turn, or plain text.
Result<std::vector<TokenId>> PromptTokens(const Options& o, const llmcore::gguf::GgufFile& file,
                                          const llmcore::text::Tokenizer& tokenizer) {
  if (!o.tokens.empty()) {
    LLMCORE_ASSIGN_OR_RETURN(std::vector<TokenId> ids,
                             ParseTokenList(o.tokens, tokenizer.vocab_size()));
    const TokenId bos = tokenizer.special_ids().bos;
    if (!o.no_bos && tokenizer.adds_bos() && bos != llmcore::text::kNoToken &&
        (ids.empty() || ids.front() != bos)) {
      ids.insert(ids.begin(), bos);
    }
    return ids;
  }
  llmcore::text::EncodeOptions encode;
  encode.add_special = !o.no_bos;
  std::string text = o.prompt;
  if (o.chat) {
    auto source = file.GetString("tokenizer.chat_template");
    if (!source.ok()) {
      return Status(StatusCode::kUnsupported, "--chat: the model has no tokenizer.chat_template");
    }
    LLMCORE_ASSIGN_OR_RETURN(llmcore::text::ChatTemplate chat,
                             llmcore::text::DetectChatTemplate(*source));
    const llmcore::text::ChatMessage message{"user", o.prompt};
    LLMCORE_ASSIGN_OR_RETURN(text, chat.Apply({&message, 1}, /*add_generation_prompt=*/true));
    encode.parse_special = true;  // the template's markers, not the user's text
  }
  return tokenizer.Encode(text, encode);
}

Json TopLogits(std::span<const float> logits, int k) {
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  const auto kk = static_cast<size_t>(std::min<int64_t>(k, static_cast<int64_t>(order.size())));
  std::partial_sort(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(kk), order.end(),
      [&](int32_t a, int32_t b) {
        return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)] ||
               (logits[static_cast<size_t>(a)] == logits[static_cast<size_t>(b)] && a < b);
      });
  Json top = Json::array();
  for (size_t i = 0; i < kk; ++i) {
    top.push_back(Json::array({order[i], logits[static_cast<size_t>(order[i])]}));
  }
  return Json{{"top", std::move(top)}};
}

int Fail(const Status& status) {
  std::cerr << "llmcore-run: " << status.message() << '\n';
  return kExitFailed;
}

int Run(const Options& o) {
  using Clock = std::chrono::steady_clock;
  auto file = llmcore::gguf::ReadGgufFile(o.model);
  if (!file.ok()) return Fail(file.status());
  auto tokenizer = llmcore::text::CreateTokenizer(*file);
  if (!tokenizer.ok()) return Fail(tokenizer.status().WithContext(o.model));
  auto prompt = PromptTokens(o, *file, **tokenizer);
  if (!prompt.ok()) return Fail(prompt.status());
  if (prompt->empty()) {
    return Fail(Status(StatusCode::kInvalidArgument,
                       "the prompt is empty and the model adds no BOS: nothing to start from"));
  }

  llmcore::text::SamplerParams sampling;
  sampling.temperature = o.temperature;
  sampling.top_k = o.top_k;
  sampling.top_p = o.top_p;
  sampling.min_p = o.min_p;
  sampling.seed = o.seed;
  auto sampler = llmcore::text::Sampler::Create(sampling);
  if (!sampler.ok()) return Fail(sampler.status());

  llmcore::store::ModelStore store;
  auto segment = store.Load(o.model, *file);
  if (!segment.ok()) return Fail(segment.status().WithContext(o.model));
  auto desc = llmcore::driver_host::BuildModelDesc(**segment);
  if (!desc.ok()) return Fail(desc.status().WithContext(o.model));

  auto library = llmcore::driver_host::DriverLibrary::Open(FindCpuDriver(o.driver));
  if (!library.ok()) return Fail(library.status());
  auto context = llmcore::driver_host::DriverContext::Create(*library);
  if (!context.ok()) return Fail(context.status());

  const auto n_prompt = static_cast<uint32_t>(prompt->size());
  llmcore_instance_params params{};
  params.struct_size = sizeof(params);
  params.n_ctx = n_prompt + static_cast<uint32_t>(o.n_predict);
  params.n_seq_max = 1;
  params.n_batch_max = std::min(n_prompt, kPrefillChunk);
  params.n_threads = static_cast<uint32_t>(o.threads);
  const uint32_t n_ctx_train = (*desc)->desc().n_ctx_train;
  if (n_ctx_train != 0 && params.n_ctx > n_ctx_train) {
    std::cerr << fmt::format(
        "llmcore-run: warning: {} positions exceed the model's trained context of {}\n",
        params.n_ctx, n_ctx_train);
  }
  auto instance = (*context)->CreateInstance((*desc)->desc(), params);
  if (!instance.ok()) return Fail(instance.status());

  const size_t n_vocab = (*desc)->desc().n_vocab;
  std::vector<float> logits(n_vocab);
  std::vector<llmcore_batch_entry> batch;
  const auto start = Clock::now();

  // Prefill in chunks; logits only for the last prompt position.
  for (uint32_t begin = 0; begin < n_prompt; begin += params.n_batch_max) {
    const uint32_t end = std::min(n_prompt, begin + params.n_batch_max);
    batch.clear();
    for (uint32_t p = begin; p < end; ++p) {
      batch.push_back({0, static_cast<int32_t>(p), (*prompt)[p], p + 1 == n_prompt ? 1u : 0u});
    }
    Status s = (*instance)->Forward(
        batch, end == n_prompt ? std::span<float>(logits) : std::span<float>());
    if (!s.ok()) return Fail(s);
  }
  const auto prefill_done = Clock::now();

  llmcore::text::DecodeOptions decode;
  decode.strip_space_prefix = false;  // a continuation: its leading space is real
  llmcore::text::StreamingDetokenizer detokenizer(**tokenizer, decode);
  for (TokenId id : *prompt) sampler->Accept(id);

  std::vector<TokenId> generated;
  std::string text;
  Json steps = Json::array();
  for (int i = 0; i < o.n_predict; ++i) {
    if (o.top_logits > 0) steps.push_back(TopLogits(logits, o.top_logits));
    auto next = sampler->Sample(logits);
    if (!next.ok()) return Fail(next.status());
    sampler->Accept(*next);
    generated.push_back(*next);
    if (!o.ignore_eos && (*tokenizer)->IsEndOfGeneration(*next)) break;
    auto piece = detokenizer.Push(*next);
    if (!piece.ok()) return Fail(piece.status());
    text += *piece;
    if (!o.json) {
      std::fwrite(piece->data(), 1, piece->size(), stdout);
      std::fflush(stdout);
    }
    if (i + 1 == o.n_predict) break;  // no logits needed after the last token
    const llmcore_batch_entry entry{0, static_cast<int32_t>(n_prompt + generated.size() - 1), *next,
                                    1};
    Status s = (*instance)->Forward({&entry, 1}, logits);
    if (!s.ok()) return Fail(s);
  }
  const std::string tail = detokenizer.Finish();
  text += tail;
  const auto end = Clock::now();

  if (o.json) {
    Json out{{"prompt_tokens", *prompt}, {"generated", generated}, {"text", text}};
    if (o.top_logits > 0) out["steps"] = std::move(steps);
    std::cout << out.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
  } else {
    std::fwrite(tail.data(), 1, tail.size(), stdout);
    std::fputc('\n', stdout);
  }
  const double prefill_s = std::chrono::duration<double>(prefill_done - start).count();
  const double decode_s = std::chrono::duration<double>(end - prefill_done).count();
  std::cerr << fmt::format(
      "llmcore-run: {} prompt tokens in {:.1f} ms, {} generated in {:.1f} ms ({:.0f} tokens/s), "
      "driver {}\n",
      n_prompt, prefill_s * 1e3, generated.size(), decode_s * 1e3,
      decode_s > 0 ? static_cast<double>(generated.size()) / decode_s : 0.0, (*context)->name());
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // Routine progress lines of the store stay out of a person's way; notices
    // (such as the pread fallback) and warnings still show.
    llmcore::SetLogLevel(llmcore::LogLevel::kNotice);
    Options o;
    CLI::App app{"Generate text from a GGUF model in this process (no daemon).", "llmcore-run"};
    app.add_option("model", o.model, "the GGUF model")->required();
    auto* prompt = app.add_option("--prompt,-p", o.prompt, "prompt text");
    app.add_option("--tokens", o.tokens, "prompt as comma-separated token ids")->excludes(prompt);
    app.add_flag("--no-bos", o.no_bos, "do not add the model's BOS token");
    app.add_flag("--chat", o.chat, "wrap the prompt as a user turn in the model's chat template");
    app.add_option("-n", o.n_predict, "tokens to generate")->check(CLI::Range(1, 1 << 20));
    app.add_option("--temp", o.temperature, "temperature; 0 is greedy argmax")
        ->check(CLI::Range(0.0f, 100.0f));
    app.add_option("--top-k", o.top_k, "top-k (0 = off)")->check(CLI::Range(0, 1 << 24));
    app.add_option("--top-p", o.top_p, "top-p (1 = off)");
    app.add_option("--min-p", o.min_p, "min-p (0 = off)");
    app.add_option("--seed", o.seed, "sampling seed");
    app.add_option("--threads", o.threads, "worker threads (0 = one per physical core)")
        ->check(CLI::Range(0, 4096));
    app.add_option("--top-logits", o.top_logits, "record the K highest logits of each step")
        ->check(CLI::Range(0, 1 << 20));
    app.add_flag("--json", o.json, "print one JSON object instead of streaming text");
    app.add_flag("--ignore-eos", o.ignore_eos, "do not stop at end-of-generation tokens");
    app.add_option("--driver", o.driver, "path of the driver library (default: the CPU driver)");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);
      return code == 0 ? kExitOk : kExitUsage;
    }
    return Run(o);
  } catch (const std::exception& e) {
    std::cerr << "llmcore-run: " << e.what() << '\n';
    return kExitFailed;
  }
}
