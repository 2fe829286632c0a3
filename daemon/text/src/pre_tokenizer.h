// Pre-tokenization of byte-level BPE vocabularies: before merges are applied,
// text is cut into words by a sequence of regular expressions chosen by the
// vocabulary's tokenizer.ggml.pre name. Each expression is applied to every
// piece the previous one produced; both its matches and the gaps between them
// become pieces (Hugging Face's "Isolated" split behaviour), so the pieces
// always cover the text exactly.
//
// The expressions use Unicode properties (\p{L}, \p{N}, ...) and are compiled
// once with PCRE2 (JIT when available). A compiled PreTokenizer is immutable:
// Split() may run on many threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/status.h"

namespace llmcore::text {

// A vocabulary family's pre-tokenization rules.
struct PreTokenizerRules {
  std::vector<std::string_view> names;  // tokenizer.ggml.pre values that select these rules
  std::vector<std::string_view> patterns;
  // Look the whole word up before merging (Llama 3): a word that is itself a
  // vocabulary entry becomes that token even when no merge path leads to it.
  bool ignore_merges = false;
  // Whether BOS is added when tokenizer.ggml.add_bos_token is absent.
  bool add_bos_by_default = false;
};

// The rules selected by `pre`; nullptr when `pre` names none we implement.
const PreTokenizerRules* FindPreTokenizerRules(std::string_view pre);

// Every tokenizer.ggml.pre value FindPreTokenizerRules accepts.
std::vector<std::string_view> SupportedPreTokenizerNames();

// A half-open byte range [begin, end) of a text.
struct TextRange {
  size_t begin = 0;
  size_t end = 0;
};

class PreTokenizer {
 public:
  // Compiles `patterns` (PCRE2 syntax; \s and \S mean Unicode White_Space, as in
  // the reference implementations). kInternal when one does not compile.
  static Result<PreTokenizer> Compile(std::span<const std::string_view> patterns);

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Appends the words of `text` (valid UTF-8) to `words`, as ranges relative to
  // `text`, in order. Fails (kResourceExhausted) only when the regex engine
  // runs out of its match limits on pathological input.
  Status Split(std::string_view text, std::vector<TextRange>* words) const;

 private:
  struct Compiled;
  explicit PreTokenizer(std::vector<std::unique_ptr<Compiled>> regexes);
  std::vector<std::unique_ptr<Compiled>> regexes_;
};

}  // namespace llmcore::text
