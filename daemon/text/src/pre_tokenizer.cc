#include "pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <utility>

namespace llmcore::text {
namespace {

// The expressions below are those the model families' reference tokenizers
// (Hugging Face tokenizer.json files, as llama.cpp transcribes them) use, in
// their order. Case-insensitive contractions are spelled out as character
// classes: PCRE2's Unicode case folding would also fold 'ſ' and 'K' (Kelvin).

// GPT-2: contractions, optional space + letters / digits / other, spaces.
constexpr std::string_view kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))re";

// Llama 3 (tiktoken cl100k style): numbers in groups of up to three digits.
constexpr std::string_view kLlama3 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Qwen2: as Llama 3, but every digit on its own.
constexpr std::string_view kQwen2 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// DeepSeek LLM: cased letters of many scripts (an explicit list in the
// reference), ASCII and full-width punctuation, CJK and Hangul runs, numbers.
constexpr std::string_view kDeepseekLlmLetters =
    R"re(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})re"
    R"re(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A})re"
    R"re(\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})re"
    R"re(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})re"
    R"re(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})re"
    R"re(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D})re"
    R"re(\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})re"
    R"re(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4})re"
    R"re(\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124})re"
    R"re(\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F})re"
    R"re(\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})re"
    R"re(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})re"
    R"re(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})re"
    R"re(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3})re"
    R"re(\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF})re"
    R"re(\x{1E900}-\x{1E943}]+)re";
constexpr std::string_view kDeepseekPunctuation =
    R"re(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)re";
constexpr std::string_view kDeepseekCjk =
    R"re([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)re";

// DeepSeek V3: digits in threes, CJK and kana runs, then a Llama-3-like rule
// that keeps marks with letters and lets one ASCII punctuation lead a word.
constexpr std::string_view kDeepseekV3Main =
    R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Bloom / Poro: everything up to whitespace or sentence punctuation.
constexpr std::string_view kBloom =
    R"re( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)re";

// Mistral Tekken and GPT-4o (o200k): case-aware words.
constexpr std::string_view kTekken =
    R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr std::string_view kGpt4o =
    R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

const std::vector<PreTokenizerRules>& AllRules() {
  static const std::vector<PreTokenizerRules> rules = {
      {{"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"},
       {kLlama3},
       /*ignore_merges=*/true,
       /*add_bos_by_default=*/true},
      {{"dbrx", "smaug-bpe"}, {kLlama3}, false, false},
      {{"qwen2", "deepseek-r1-qwen", "stablelm2", "megrez"}, {kQwen2}, false, false},
      {{"gpt-2", "phi-2", "mpt", "olmo", "jais"}, {kGpt2}, false, false},
      {{"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"},
       {R"re(\p{N})re", kGpt2},
       false,
       false},
      {{"falcon"}, {R"re([\p{P}\$\+<=>\^~\|`]+)re", kGpt2, "[0-9][0-9][0-9]"}, false, false},
      {{"deepseek-llm"},
       {R"re([\r\n])re", kDeepseekLlmLetters, kDeepseekPunctuation, R"re(\s+$)re", kDeepseekCjk,
        R"re(\p{N}+)re"},
       false,
       false},
      {{"deepseek-coder"},
       {R"re([\r\n])re", R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re", kDeepseekCjk, R"re(\p{N})re"},
       false,
       false},
      {{"deepseek-v3"},
       {R"re(\p{N}{1,3})re", R"re([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)re",
        kDeepseekV3Main},
       false,
       false},
      {{"poro-chat", "bloom", "gpt3-finnish"}, {kBloom}, false, false},
      {{"viking"}, {kBloom, R"re(\p{N})re"}, false, false},
      {{"tekken"}, {kTekken}, true, true},
      {{"gpt-4o", "llama4"}, {kGpt4o}, false, false},
      // What llama.cpp applies to a byte-level vocabulary whose pre-tokenizer
      // is explicitly called "default".
      {{"default"},
       {R"re([\p{P}\$\+<=>\^~\|]+)re", kGpt2, R"re(\p{N}+)re", "[0-9][0-9][0-9]"},
       false,
       false},
  };
  return rules;
}

// \s and \S become the Unicode White_Space property (which, unlike PCRE2's
// \s, includes U+0085), inside and outside character classes alike.
std::string RewriteWhitespaceClasses(std::string_view pattern) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      const char next = pattern[i + 1];
      if (next == 's') {
        out += R"(\p{White_Space})";
      } else if (next == 'S') {
        out += R"(\P{White_Space})";
      } else {
        out += pattern.substr(i, 2);
      }
      ++i;
      continue;
    }
    out.push_back(pattern[i]);
  }
  return out;
}

std::string Pcre2ErrorMessage(int code) {
  PCRE2_UCHAR buffer[256];
  const int n = pcre2_get_error_message(code, buffer, sizeof(buffer));
  if (n < 0) return "error " + std::to_string(code);
  return std::string(reinterpret_cast<const char*>(buffer), static_cast<size_t>(n));
}

// Appends the matches of `code` in text[range] and the gaps between them.
Status SplitOne(const pcre2_code* code, pcre2_match_data* match, std::string_view text,
                TextRange range, std::vector<TextRange>* out) {
  // The piece is the whole subject, so lookarounds and '$' cannot see past it.
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data() + range.begin);
  const size_t length = range.end - range.begin;
  size_t emitted = 0;  // end of what has been appended so far, relative to the piece
  size_t start = 0;
  while (start < length) {
    // The text was validated as UTF-8 before it got here.
    const int rc = pcre2_match(code, subject, length, start, PCRE2_NO_UTF_CHECK, match, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      return Status(StatusCode::kResourceExhausted,
                    "pre-tokenizer: regular expression failed: " + Pcre2ErrorMessage(rc));
    }
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    const size_t match_begin = ovector[0];
    const size_t match_end = ovector[1];
    if (match_end <= match_begin) {
      // An empty match splits nothing; step over one character and go on.
      start = match_begin + 1;
      while (start < length && (subject[start] & 0xC0) == 0x80) ++start;
      continue;
    }
    if (match_begin > emitted) out->push_back({range.begin + emitted, range.begin + match_begin});
    out->push_back({range.begin + match_begin, range.begin + match_end});
    emitted = match_end;
    start = match_end;
  }
  if (emitted < length) out->push_back({range.begin + emitted, range.end});
  return Status::Ok();
}

}  // namespace

const PreTokenizerRules* FindPreTokenizerRules(std::string_view pre) {
  for (const PreTokenizerRules& rules : AllRules()) {
    for (std::string_view name : rules.names) {
      if (name == pre) return &rules;
    }
  }
  return nullptr;
}

std::vector<std::string_view> SupportedPreTokenizerNames() {
  std::vector<std::string_view> names;
  for (const PreTokenizerRules& rules : AllRules()) {
    names.insert(names.end(), rules.names.begin(), rules.names.end());
  }
  return names;
}

struct PreTokenizer::Compiled {
  pcre2_code* code = nullptr;
  ~Compiled() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(std::vector<std::unique_ptr<Compiled>> regexes)
    : regexes_(std::move(regexes)) {}
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;
PreTokenizer::~PreTokenizer() = default;

Result<PreTokenizer> PreTokenizer::Compile(std::span<const std::string_view> patterns) {
  std::vector<std::unique_ptr<Compiled>> regexes;
  for (std::string_view pattern : patterns) {
    const std::string rewritten = RewriteWhitespaceClasses(pattern);
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    auto compiled = std::make_unique<Compiled>();
    // DOLLAR_ENDONLY: '$' means the end of the piece, not "before a final
    // newline" (the reference engines' meaning).
    compiled->code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(rewritten.data()), rewritten.size(),
                      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &error, &error_offset, nullptr);
    if (compiled->code == nullptr) {
      return Status(StatusCode::kInternal, "pre-tokenizer expression does not compile at offset " +
                                               std::to_string(error_offset) + ": " +
                                               Pcre2ErrorMessage(error));
    }
    // JIT is an optimisation only: without it pcre2_match interprets.
    (void)pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE);
    regexes.push_back(std::move(compiled));
  }
  return PreTokenizer(std::move(regexes));
}

Status PreTokenizer::Split(std::string_view text, std::vector<TextRange>* words) const {
  std::vector<TextRange> current = {{0, text.size()}};
  std::vector<TextRange> next;
  if (text.empty()) return Status::Ok();
  for (const auto& regex : regexes_) {
    // Match data belongs to this call; only the compiled code is shared.
    std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> match(
        pcre2_match_data_create_from_pattern(regex->code, nullptr), &pcre2_match_data_free);
    if (match == nullptr) {
      return Status(StatusCode::kResourceExhausted, "pre-tokenizer: out of memory");
    }
    next.clear();
    for (const TextRange& piece : current) {
      LLMCORE_RETURN_IF_ERROR(SplitOne(regex->code, match.get(), text, piece, &next));
    }
    current.swap(next);
  }
  words->insert(words->end(), current.begin(), current.end());
  return Status::Ok();
}

}  // namespace llmcore::text
