// DetectChatTemplate: which known format a model's Jinja chat template
// renders, from markers the real templates contain.
//
// The checks run from the most specific markers to the least, and every
// format is identified by something positive in the template; whatever is
// left is refused. Known look-alikes are refused explicitly: Phi-4 and SmolVLM
// use "<|im_start|>" without ChatML's layout, Phi-4-mini uses Phi-3's markers
// with tool turns and no newline after the role.
#include <string>
#include <string_view>

#include "llmcore/text/chat_template.h"
#include "llmcore/utf8.h"

namespace llmcore::text {
namespace {

constexpr size_t kExcerptBytes = 80;

bool Has(std::string_view source, std::string_view marker) {
  return source.find(marker) != std::string_view::npos;
}

// Whether `source` contains the Jinja string literal spelled `literal` with
// single quotes, or the same literal with double quotes.
bool HasLiteral(std::string_view source, std::string_view literal) {
  if (Has(source, literal)) return true;
  std::string doubled(literal);
  for (char& c : doubled) {
    if (c == '\'') c = '"';
  }
  return Has(source, doubled);
}

// `source` without whitespace, quotes and "\n" escapes, so that markers can be
// matched however a template spaces its expressions and whether its newlines
// are escapes or literal line breaks: "{{ '<|user|>\n' + message['content'] }}"
// becomes "{{<|user|>+message[content]}}".
std::string Squeeze(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (size_t i = 0; i < source.size(); ++i) {
    const char c = source[i];
    if (c == '\\' && i + 1 < source.size() && source[i + 1] == 'n') {
      ++i;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\'' || c == '"') continue;
    out += c;
  }
  return out;
}

// The start of the template for messages: at most kExcerptBytes, cut at a
// character boundary, control characters escaped.
std::string Excerpt(std::string_view source) {
  std::string_view head = source.substr(0, kExcerptBytes);
  head = head.substr(0, CompleteUtf8PrefixLength(head));
  std::string out = "\"";
  for (const char ch : SanitizeUtf8(head)) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  out += '"';
  if (head.size() < source.size()) out += "...";
  return out;
}

Status NotRecognised(std::string_view source, std::string_view why) {
  return Status(StatusCode::kUnsupported,
                "chat template not recognised (" + std::string(why) +
                    "; name a format explicitly to use this model for chat): " + Excerpt(source));
}

// The [INST] family: llama2 when it has <<SYS>>, otherwise the Mistral variant
// told apart by how the template spaces its [INST] literals.
Result<ChatFormat> DetectInst(std::string_view source) {
  if (Has(source, "<<SYS>>")) return ChatFormat::kLlama2;
  if (Has(source, "[SYSTEM_PROMPT]")) {
    if (HasLiteral(source, "'[INST] '")) return ChatFormat::kMistralV7;
    if (HasLiteral(source, "'[INST]'")) return ChatFormat::kMistralV7Tekken;
    return Status(StatusCode::kUnsupported, "an unknown [SYSTEM_PROMPT] variant");
  }
  if (HasLiteral(source, "' [INST] '")) return ChatFormat::kMistralV1;
  if (HasLiteral(source, "'[INST] '")) {
    return HasLiteral(source, "' [/INST]'") ? ChatFormat::kMistralLegacy : ChatFormat::kMistralV3;
  }
  if (HasLiteral(source, "'[INST]'")) return ChatFormat::kMistralV3Tekken;
  return Status(StatusCode::kUnsupported, "an [INST] template whose variant is unknown");
}

Result<ChatFormat> DetectFormat(std::string_view source) {
  if (Has(source, "<|im_start|>")) {
    if (Has(source, "<|im_sep|>")) {
      return Status(StatusCode::kUnsupported, "Phi-4 layout, not ChatML");
    }
    if (Has(source, "<end_of_utterance>")) {
      return Status(StatusCode::kUnsupported, "SmolVLM layout, not ChatML");
    }
    return ChatFormat::kChatMl;
  }
  if (Has(source, "[INST]")) return DetectInst(source);
  if (Has(source, "<|start_header_id|>") && Has(source, "<|end_header_id|>")) {
    return ChatFormat::kLlama3;
  }
  if (Has(source, "<|assistant|>") && Has(source, "<|end|>")) {
    if (Has(source, "<|tool")) {
      return Status(StatusCode::kUnsupported, "Phi-3 markers with tool turns (Phi-4-mini)");
    }
    return ChatFormat::kPhi3;
  }
  if (Has(source, "<|user|>") && Has(source, "<|assistant|>")) {
    // Zephyr closes every turn, the user's included, with EOS; Falcon 3 and
    // GLM use the same role markers but end user turns otherwise.
    const std::string squeezed = Squeeze(source);
    for (std::string_view eos : {"eos_token", "</s>"}) {
      for (std::string_view content : {"message[content]", "message.content"}) {
        if (Has(squeezed, "<|user|>+" + std::string(content) + "+" + std::string(eos))) {
          return ChatFormat::kZephyr;
        }
      }
    }
    return Status(StatusCode::kUnsupported, "<|user|> markers but not Zephyr's turns");
  }
  return Status(StatusCode::kUnsupported, "no known format's markers");
}

}  // namespace

Result<ChatTemplate> DetectChatTemplate(std::string_view jinja_source,
                                        const ChatSpecialTexts& special) {
  if (jinja_source.empty()) return NotRecognised(jinja_source, "the template is empty");
  Result<ChatFormat> format = DetectFormat(jinja_source);
  if (!format.ok()) return NotRecognised(jinja_source, format.status().message());
  return ChatTemplate::ForFormat(*format, special);
}

}  // namespace llmcore::text
