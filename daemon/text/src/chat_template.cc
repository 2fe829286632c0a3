// Rendering of the chat formats. Each Render* function states the real
// template it reproduces; the header lists the resulting strings.
#include "llmcore/text/chat_template.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "llmcore/checked_math.h"
#include "llmcore/utf8.h"
#include "python_strip.h"

namespace llmcore::text {
namespace {

constexpr size_t kMaxSpecialTextBytes = 256;
constexpr uint64_t kMaxRenderedBytes = uint64_t{256} << 20;
// Markup added per message never exceeds this (the longest is llama2's first
// turn with its <<SYS>> block, plus BOS/EOS texts of at most 256 bytes each).
constexpr uint64_t kMaxMarkupPerMessage = 1024;

enum class Role { kSystem, kUser, kAssistant };

struct FormatInfo {
  ChatFormat format;
  std::string_view name;
  std::string_view default_bos;
  std::string_view default_eos;
  std::string_view end_of_turn;  // a turn marker other than EOS, or ""
  // The format follows the [INST] conventions: system only first, then
  // user/assistant alternating from a user message.
  bool alternating;
};

constexpr std::array<FormatInfo, 11> kFormats = {{
    {ChatFormat::kLlama2, "llama2", "<s>", "</s>", "", true},
    {ChatFormat::kLlama3, "llama3", "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", false},
    {ChatFormat::kChatMl, "chatml", "", "", "<|im_end|>", false},
    {ChatFormat::kMistralV1, "mistral-v1", "<s>", "</s>", "", true},
    {ChatFormat::kMistralLegacy, "mistral-legacy", "<s>", "</s>", "", true},
    {ChatFormat::kMistralV3, "mistral-v3", "<s>", "</s>", "", true},
    {ChatFormat::kMistralV3Tekken, "mistral-v3-tekken", "<s>", "</s>", "", true},
    {ChatFormat::kMistralV7, "mistral-v7", "<s>", "</s>", "", false},
    {ChatFormat::kMistralV7Tekken, "mistral-v7-tekken", "<s>", "</s>", "", false},
    {ChatFormat::kPhi3, "phi3", "<s>", "<|endoftext|>", "<|end|>", false},
    {ChatFormat::kZephyr, "zephyr", "<s>", "</s>", "", false},
}};

constexpr std::array<std::string_view, kFormats.size()> kNames = [] {
  std::array<std::string_view, kFormats.size()> names{};
  for (size_t i = 0; i < kFormats.size(); ++i) names[i] = kFormats[i].name;
  return names;
}();

const FormatInfo& Info(ChatFormat format) {
  for (const FormatInfo& info : kFormats) {
    if (info.format == format) return info;
  }
  return kFormats[0];  // unreachable: every enumerator is listed
}

// A role name for messages: at most 32 bytes, control characters escaped, so
// that a hostile role cannot flood or garble a log line.
std::string Quote(std::string_view text) {
  std::string out = "\"";
  const size_t limit = 32;
  size_t i = 0;
  for (; i < text.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F || c >= 0x80 || c == '"' || c == '\\') {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  if (i < text.size()) out += "...";
  return out;
}

Status MessageError(size_t index, std::string_view what) {
  return Status(StatusCode::kInvalidArgument,
                "chat message " + std::to_string(index) + ": " + std::string(what));
}

struct CheckedMessage {
  Role role;
  std::string_view content;
};

// Validates roles and contents and bounds the rendered size.
Result<std::vector<CheckedMessage>> CheckMessages(std::span<const ChatMessage> messages,
                                                  const FormatInfo& info) {
  if (messages.empty()) {
    return Status(StatusCode::kInvalidArgument, "chat conversation is empty");
  }
  std::vector<CheckedMessage> out;
  out.reserve(messages.size());
  uint64_t total = 0;
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    Role role;
    if (m.role == "system") {
      role = Role::kSystem;
    } else if (m.role == "user") {
      role = Role::kUser;
    } else if (m.role == "assistant") {
      role = Role::kAssistant;
    } else {
      return MessageError(
          i, "unknown role " + Quote(m.role) + " (expected \"system\", \"user\" or \"assistant\")");
    }
    if (const size_t bad = FindInvalidUtf8(m.content); bad != std::string_view::npos) {
      return MessageError(i, "content is not valid UTF-8 (at byte " + std::to_string(bad) + ")");
    }
    const auto sum = CheckedAdd(
        total, CheckedAdd(m.content.size(), kMaxMarkupPerMessage).value_or(kMaxRenderedBytes + 1));
    if (!sum || *sum > kMaxRenderedBytes) {
      return Status(StatusCode::kResourceExhausted,
                    "chat conversation is too long: the prompt would exceed 256 MiB");
    }
    total = *sum;
    out.push_back({role, m.content});
  }

  if (info.alternating) {
    // The [INST] templates raise an exception for any other order.
    const size_t first = out.front().role == Role::kSystem ? 1 : 0;
    if (first == out.size()) {
      return Status(StatusCode::kInvalidArgument,
                    "chat conversation has a system message but no user message, which format " +
                        std::string(info.name) + " needs");
    }
    for (size_t i = first; i < out.size(); ++i) {
      const Role expected = (i - first) % 2 == 0 ? Role::kUser : Role::kAssistant;
      if (out[i].role == expected) continue;
      if (out[i].role == Role::kSystem) {
        return MessageError(i, "format " + std::string(info.name) +
                                   " allows a system message only as the first message");
      }
      return MessageError(i, "format " + std::string(info.name) +
                                 " needs user and assistant messages to alternate, starting "
                                 "with a user message");
    }
  }
  return out;
}

// meta-llama/Llama-2-7b-chat-hf: the first message may be the system prompt,
// which goes inside the first user turn as "<<SYS>>\n...\n<</SYS>>\n\n"; each
// user turn is bos + "[INST] " + content.strip() + " [/INST]", each answer
// " " + content.strip() + " " + eos. The strip applies to the combined
// <<SYS>> block and user content, as in the template.
void RenderLlama2(const std::vector<CheckedMessage>& messages, const ChatSpecialTexts& special,
                  std::string* out) {
  size_t first = 0;
  std::optional<std::string_view> system;
  if (messages.front().role == Role::kSystem) {
    system = messages.front().content;
    first = 1;
  }
  for (size_t i = first; i < messages.size(); ++i) {
    const CheckedMessage& m = messages[i];
    if (m.role == Role::kUser) {
      std::string content;
      if (i == first && system) {
        content = "<<SYS>>\n";
        content += *system;
        content += "\n<</SYS>>\n\n";
      }
      content += m.content;
      if (i != first) *out += special.bos;  // the leading BOS is the tokenizer's
      *out += "[INST] ";
      *out += PythonStrip(content);
      *out += " [/INST]";
    } else {
      *out += ' ';
      *out += PythonStrip(m.content);
      *out += ' ';
      *out += special.eos;
    }
  }
}

// Mistral's [INST] formats without a system marker (Mistral cookbook
// "templates.md" and the models' shipped templates):
//   v1:      " [INST] " + content + " [/INST]"   answers " " + content + eos
//   legacy:  "[INST] " + content + " [/INST]"    answers content + eos
//   v3:      "[INST] " + content + "[/INST]"     answers " " + content|trim + eos
//   tekken:  "[INST]" + content + "[/INST]"      answers content + eos
// The system prompt, followed by "\n\n", goes before the content of the first
// user message (v1, legacy) or of the last one (v3, tekken).
void RenderMistralInst(ChatFormat format, const std::vector<CheckedMessage>& messages,
                       const ChatSpecialTexts& special, std::string* out) {
  std::string_view user_open, user_close, answer_open;
  bool system_on_last = false;
  bool trim_answer = false;
  switch (format) {
    case ChatFormat::kMistralV1:
      user_open = " [INST] ", user_close = " [/INST]", answer_open = " ";
      break;
    case ChatFormat::kMistralLegacy:
      user_open = "[INST] ", user_close = " [/INST]", answer_open = "";
      break;
    case ChatFormat::kMistralV3:
      user_open = "[INST] ", user_close = "[/INST]", answer_open = " ";
      system_on_last = true, trim_answer = true;
      break;
    default:  // kMistralV3Tekken
      user_open = "[INST]", user_close = "[/INST]", answer_open = "";
      system_on_last = true;
      break;
  }
  size_t first = 0;
  std::optional<std::string_view> system;
  if (messages.front().role == Role::kSystem) {
    system = messages.front().content;
    first = 1;
  }
  size_t system_target = first;  // the message that carries the system prompt
  if (system_on_last) {
    for (size_t i = first; i < messages.size(); ++i) {
      if (messages[i].role == Role::kUser) system_target = i;
    }
  }
  for (size_t i = first; i < messages.size(); ++i) {
    const CheckedMessage& m = messages[i];
    if (m.role == Role::kUser) {
      *out += user_open;
      if (system && i == system_target) {
        *out += *system;
        *out += "\n\n";
      }
      *out += m.content;
      *out += user_close;
    } else {
      *out += answer_open;
      *out += trim_answer ? PythonStrip(m.content) : m.content;
      *out += special.eos;
    }
  }
}

// Mistral V7 (Mistral-Large-Instruct-2411; Tekken: Mistral-Small-3.1): every
// message in place, "[SYSTEM_PROMPT] " + content + "[/SYSTEM_PROMPT]",
// "[INST] " + content + "[/INST]", answers " " + content + eos; Tekken without
// the spaces.
void RenderMistralV7(bool tekken, const std::vector<CheckedMessage>& messages,
                     const ChatSpecialTexts& special, std::string* out) {
  const std::string_view space = tekken ? "" : " ";
  for (const CheckedMessage& m : messages) {
    switch (m.role) {
      case Role::kSystem:
        *out += "[SYSTEM_PROMPT]";
        *out += space;
        *out += m.content;
        *out += "[/SYSTEM_PROMPT]";
        break;
      case Role::kUser:
        *out += "[INST]";
        *out += space;
        *out += m.content;
        *out += "[/INST]";
        break;
      case Role::kAssistant:
        *out += space;
        *out += m.content;
        *out += special.eos;
        break;
    }
  }
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kSystem: return "system";
    case Role::kUser: return "user";
    case Role::kAssistant: return "assistant";
  }
  return "user";
}

// Meta-Llama-3-8B-Instruct: "<|start_header_id|>" + role + "<|end_header_id|>\n\n"
// + content|trim + "<|eot_id|>", with bos before the first (left to the
// tokenizer); generation prompt "<|start_header_id|>assistant<|end_header_id|>\n\n".
void RenderLlama3(const std::vector<CheckedMessage>& messages, bool add_generation_prompt,
                  std::string* out) {
  for (const CheckedMessage& m : messages) {
    *out += "<|start_header_id|>";
    *out += RoleName(m.role);
    *out += "<|end_header_id|>\n\n";
    *out += PythonStrip(m.content);
    *out += "<|eot_id|>";
  }
  if (add_generation_prompt) *out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
}

// ChatML as Qwen2 and Yi ship it: "<|im_start|>" + role + "\n" + content +
// "<|im_end|>\n"; generation prompt "<|im_start|>assistant\n".
void RenderChatMl(const std::vector<CheckedMessage>& messages, bool add_generation_prompt,
                  std::string* out) {
  for (const CheckedMessage& m : messages) {
    *out += "<|im_start|>";
    *out += RoleName(m.role);
    *out += '\n';
    *out += m.content;
    *out += "<|im_end|>\n";
  }
  if (add_generation_prompt) *out += "<|im_start|>assistant\n";
}

// microsoft/Phi-3-mini-4k-instruct: "<|" + role + "|>\n" + content + "<|end|>\n",
// then "<|assistant|>\n" when a generation prompt is asked for and eos
// otherwise.
void RenderPhi3(const std::vector<CheckedMessage>& messages, bool add_generation_prompt,
                const ChatSpecialTexts& special, std::string* out) {
  for (const CheckedMessage& m : messages) {
    *out += "<|";
    *out += RoleName(m.role);
    *out += "|>\n";
    *out += m.content;
    *out += "<|end|>\n";
  }
  *out += add_generation_prompt ? std::string_view("<|assistant|>\n") : special.eos;
}

// HuggingFaceH4/zephyr-7b-beta: "<|" + role + "|>\n" + content + eos, each
// followed by the newline that Jinja keeps after the expression; generation
// prompt "<|assistant|>\n".
void RenderZephyr(const std::vector<CheckedMessage>& messages, bool add_generation_prompt,
                  const ChatSpecialTexts& special, std::string* out) {
  for (const CheckedMessage& m : messages) {
    *out += "<|";
    *out += RoleName(m.role);
    *out += "|>\n";
    *out += m.content;
    *out += special.eos;
    *out += '\n';
  }
  if (add_generation_prompt) *out += "<|assistant|>\n";
}

Status CheckSpecialText(std::string_view text, std::string_view which) {
  if (text.size() > kMaxSpecialTextBytes) {
    return Status(StatusCode::kInvalidArgument,
                  std::string(which) + " text is longer than 256 bytes");
  }
  if (!IsValidUtf8(text)) {
    return Status(StatusCode::kInvalidArgument, std::string(which) + " text is not valid UTF-8");
  }
  return Status::Ok();
}

}  // namespace

std::string_view ChatTemplate::name() const {
  return Info(format_).name;
}

Result<ChatTemplate> ChatTemplate::ForFormat(ChatFormat format, const ChatSpecialTexts& special) {
  LLMCORE_RETURN_IF_ERROR(CheckSpecialText(special.bos, "chat template BOS"));
  LLMCORE_RETURN_IF_ERROR(CheckSpecialText(special.eos, "chat template EOS"));
  const FormatInfo& info = Info(format);
  ChatTemplate t;
  t.format_ = format;
  t.special_.bos = special.bos.empty() ? std::string(info.default_bos) : special.bos;
  t.special_.eos = special.eos.empty() ? std::string(info.default_eos) : special.eos;
  if (!info.end_of_turn.empty()) t.stop_texts_.emplace_back(info.end_of_turn);
  if (!t.special_.eos.empty() && t.special_.eos != info.end_of_turn) {
    t.stop_texts_.push_back(t.special_.eos);
  }
  return t;
}

Result<std::string> ChatTemplate::Apply(std::span<const ChatMessage> messages,
                                        bool add_generation_prompt) const {
  const FormatInfo& info = Info(format_);
  LLMCORE_ASSIGN_OR_RETURN(std::vector<CheckedMessage> checked, CheckMessages(messages, info));
  std::string out;
  switch (format_) {
    case ChatFormat::kLlama2: RenderLlama2(checked, special_, &out); break;
    case ChatFormat::kLlama3: RenderLlama3(checked, add_generation_prompt, &out); break;
    case ChatFormat::kChatMl: RenderChatMl(checked, add_generation_prompt, &out); break;
    case ChatFormat::kMistralV1:
    case ChatFormat::kMistralLegacy:
    case ChatFormat::kMistralV3:
    case ChatFormat::kMistralV3Tekken: RenderMistralInst(format_, checked, special_, &out); break;
    case ChatFormat::kMistralV7: RenderMistralV7(false, checked, special_, &out); break;
    case ChatFormat::kMistralV7Tekken: RenderMistralV7(true, checked, special_, &out); break;
    case ChatFormat::kPhi3: RenderPhi3(checked, add_generation_prompt, special_, &out); break;
    case ChatFormat::kZephyr: RenderZephyr(checked, add_generation_prompt, special_, &out); break;
  }
  return out;
}

std::span<const std::string_view> ChatTemplateNames() {
  return kNames;
}

Result<ChatTemplate> ChatTemplateFromName(std::string_view name, const ChatSpecialTexts& special) {
  for (const FormatInfo& info : kFormats) {
    if (info.name == name) return ChatTemplate::ForFormat(info.format, special);
  }
  std::string known;
  for (std::string_view n : kNames) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return Status(StatusCode::kNotFound,
                "no chat template named " + Quote(name) + " (known: " + known + ")");
}

}  // namespace llmcore::text
