// What a generation request asks for and what it reports back: shared by the
// scheduler and the D-Bus layer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "llmcore/status.h"
#include "llmcore/text/chat_template.h"
#include "llmcore/text/sampler.h"

namespace llmcore::engine {

struct GenerationOptions {
  text::SamplerParams sampling;   // Validate()d by Scheduler::Submit
  uint32_t max_tokens = 256;      // >= 1
  std::vector<std::string> stop;  // stop strings; the text ends before a match
  bool ignore_eos = false;
};

// Text appended to a session, or chat messages appended to its conversation.
struct TextPrompt {
  std::string text;
};
struct ChatPrompt {
  std::vector<text::ChatMessage> messages;
};
using Prompt = std::variant<TextPrompt, ChatPrompt>;

enum class StopReason {
  kEndOfGeneration,  // "eos"
  kMaxTokens,        // "length"
  kStopString,       // "stop"
  kContextFull,      // "context"
  kCancelled,        // "cancelled"
  kError,            // "error"
  kShutdown,         // "shutdown"
};
std::string_view StopReasonName(StopReason reason);

struct GenerationStats {
  // Tokens this request processed before generating: its new text (or the
  // part of the rendered conversation after what the KV state already had),
  // plus the sequence's pending token (see scheduler.h).
  uint32_t prompt_tokens = 0;
  uint32_t cached_tokens = 0;  // of the rendered prompt, already in the KV state
  // Tokens sampled and reported through OnToken (an end-of-generation token
  // included); at most max_tokens.
  uint32_t generated_tokens = 0;
  double queue_ms = 0;    // Submit until the first forward pass that included it
  double prefill_ms = 0;  // first until last prompt chunk done
  double decode_ms = 0;   // first sampled token until the end
  StopReason stop_reason = StopReason::kError;
  Status error;  // set when stop_reason is kError
};

}  // namespace llmcore::engine
