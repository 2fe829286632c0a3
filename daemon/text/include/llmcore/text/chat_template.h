// Chat templates: a conversation (system / user / assistant messages) turned
// into the prompt text a chat model was trained on.
//
// Models ship their format as a Jinja template (tokenizer.chat_template in
// GGUF, from tokenizer_config.json). llmcore does not interpret Jinja: a
// template from a model file is arbitrary code, and the handful of formats
// that real models use are better rendered by code we can test string for
// string. DetectChatTemplate recognises the format by markers the real
// templates contain; a template it does not recognise is refused with
// kUnsupported rather than rendered in a guessed format, because a wrong
// format degrades a model silently. ChatTemplateFromName selects a format
// explicitly, for models without a template or with one we do not recognise.
//
// The formats (names as ChatTemplateFromName takes them; each renders what the
// named real template renders, minus the leading BOS, see below):
//
//   llama2             Llama-2-chat: "[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]
//                      {assistant} </s><s>[INST] {user} [/INST]". Contents are
//                      stripped of surrounding whitespace, as the template does.
//   llama3             Llama 3 Instruct: "<|start_header_id|>{role}<|end_header_id|>\n\n
//                      {content}<|eot_id|>" per message, contents trimmed;
//                      generation prompt "<|start_header_id|>assistant<|end_header_id|>\n\n".
//                      Llama 3.1+ templates also match; their "Cutting Knowledge
//                      Date" system preamble and tool blocks are not rendered.
//   chatml             ChatML (Qwen, Yi, ...): "<|im_start|>{role}\n{content}<|im_end|>\n";
//                      generation prompt "<|im_start|>assistant\n". No default
//                      system prompt is inserted (Qwen's templates add one when
//                      the conversation has none; pass it explicitly if wanted).
//   mistral-v1         Mistral tokenizer V1 as Mistral's cookbook and the updated
//                      Mistral-7B-Instruct-v0.2 template write it:
//                      " [INST] {user} [/INST] {assistant}</s>" per turn.
//   mistral-legacy     The template first shipped with Mistral-7B-Instruct
//                      v0.1/v0.2 and Mixtral-8x7B-Instruct: "[INST] {user} [/INST]
//                      {assistant}</s>" with no space between "[/INST]" and the
//                      answer, nor before "[INST]".
//   mistral-v3         Mistral tokenizer V2/V3 (Mistral-7B-Instruct-v0.3, Mixtral-8x22B,
//                      Codestral, Large 2407): "[INST] {user}[/INST] {assistant}</s>";
//                      assistant contents trimmed, as the v0.3 template does.
//   mistral-v3-tekken  V3 Tekken (Mistral Nemo, Ministral): "[INST]{user}[/INST]{assistant}</s>".
//   mistral-v7         V7 (Mistral Large 2411): "[SYSTEM_PROMPT] {system}[/SYSTEM_PROMPT]"
//                      in place, "[INST] {user}[/INST] {assistant}</s>".
//   mistral-v7-tekken  V7 Tekken (Mistral Small 3.x): as v7 without the spaces.
//   phi3               Phi-3 / Phi-3.5: "<|{role}|>\n{content}<|end|>\n" per message;
//                      generation prompt "<|assistant|>\n", otherwise the EOS
//                      text, as the Phi-3-mini-4k-instruct template does.
//   zephyr             Zephyr (HuggingFaceH4/zephyr-7b-*): "<|{role}|>\n{content}{eos}\n";
//                      generation prompt "<|assistant|>\n".
//
// System prompts: llama2 wraps it in <<SYS>> inside the first user turn; the
// Mistral formats without a system marker prepend it, followed by "\n\n", to
// a user message: the first one for mistral-v1 and mistral-legacy (Mistral's
// guidance for V1 models), the last one for mistral-v3 and mistral-v3-tekken
// (as mistral-common and the v0.3 template do). For these five formats a
// system message may only come first, and the other messages must alternate
// user, assistant, user, ... starting with a user message, as the real
// templates require; add_generation_prompt has no effect on them ("[/INST]"
// already is the prompt). The other formats render every message in place,
// in any order.
//
// BOS: the rendered text never starts with the BOS text. Tokenize it with
// EncodeOptions{.add_special = true, .parse_special = true}: the tokenizer
// adds BOS exactly when the model's metadata asks for it
// (tokenizer.ggml.add_bos_token), which the real templates otherwise write as
// "{{ bos_token }}" - rendering it here too would give two. BOS/EOS texts
// inside the conversation (llama2's "</s><s>[INST]", the Mistral answers'
// "</s>") are part of the text and become control tokens through
// parse_special. That also turns marker text typed by a user into control
// tokens; callers that must prevent it check message contents against the
// tokenizer's control tokens before rendering.
//
// Thread safety: ChatTemplate is an immutable value; share freely.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/status.h"

namespace llmcore::text {

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

enum class ChatFormat {
  kLlama2,
  kLlama3,
  kChatMl,
  kMistralV1,
  kMistralLegacy,
  kMistralV3,
  kMistralV3Tekken,
  kMistralV7,
  kMistralV7Tekken,
  kPhi3,
  kZephyr,
};

// The BOS / EOS token texts that real templates insert as {{ bos_token }} and
// {{ eos_token }}: take them from the model's vocabulary (token_text of its
// BOS / EOS ids). An empty field means the format's usual text: "<s>" and
// "</s>", but "<|endoftext|>" as phi3's EOS and "<|end_of_text|>" as llama3's;
// chatml has no usual EOS (Qwen's is "<|endoftext|>"). Only llama2 renders
// the BOS text; the EOS text ends turns in the llama2, Mistral and zephyr
// formats and is one of stop_texts().
struct ChatSpecialTexts {
  std::string bos;
  std::string eos;
};

class ChatTemplate {
 public:
  ChatFormat format() const { return format_; }
  // The name ChatTemplateFromName accepts for this format ("chatml").
  std::string_view name() const;

  // Renders `messages`. kInvalidArgument, naming the message, for an empty
  // conversation, an unknown role (roles are lower-case and exact), content
  // that is not valid UTF-8, or an order the format does not allow (see the
  // file comment); kResourceExhausted when the text would exceed 256 MiB.
  Result<std::string> Apply(std::span<const ChatMessage> messages,
                            bool add_generation_prompt) const;

  // Texts that end the assistant's turn in this format ("<|eot_id|>",
  // "<|im_end|>", "<|end|>", "</s>", ...). Generation must stop when the model
  // emits one; most are single control tokens that Tokenizer::IsEndOfGeneration
  // already covers, and the rest can serve as stop strings.
  std::span<const std::string> stop_texts() const { return stop_texts_; }

  // The BOS / EOS texts in use (defaults filled in).
  const ChatSpecialTexts& special_texts() const { return special_; }

  // The template of `format`. kInvalidArgument when a special text is not
  // valid UTF-8 or longer than 256 bytes.
  static Result<ChatTemplate> ForFormat(ChatFormat format, const ChatSpecialTexts& special = {});

 private:
  ChatTemplate() = default;

  ChatFormat format_ = ChatFormat::kChatMl;
  ChatSpecialTexts special_;
  std::vector<std::string> stop_texts_;
};

// The format of a model's tokenizer.chat_template, recognised by markers of
// the real templates (for example "<|im_start|>" for chatml, "[INST]" with
// "<<SYS>>" for llama2, how "[INST]" is spaced for the Mistral variants).
// kUnsupported when the template is empty or is none of the formats above
// (including look-alikes such as Phi-4 or SmolVLM, which use ChatML markers in
// another layout); the message says it was not recognised and quotes the
// template's start.
Result<ChatTemplate> DetectChatTemplate(std::string_view jinja_source,
                                        const ChatSpecialTexts& special = {});

// The format named `name` (see the file comment). kNotFound, listing the
// names, for any other.
Result<ChatTemplate> ChatTemplateFromName(std::string_view name,
                                          const ChatSpecialTexts& special = {});

// Every name ChatTemplateFromName accepts.
std::span<const std::string_view> ChatTemplateNames();

}  // namespace llmcore::text
