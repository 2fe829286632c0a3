// Tokenizer: text to token ids and back, for the vocabularies GGUF models carry.
//
// Two families are implemented, as the reference implementations
// (SentencePiece, Hugging Face tokenizers, llama.cpp) define them:
//   - SentencePiece BPE (tokenizer.ggml.model "llama": Llama 1/2, Mistral v1,
//     Phi-3, ...): merges chosen by token score, spaces as U+2581, a space
//     prefixed to the text, bytes without a token spelled as <0xXX> tokens.
//   - Byte-level BPE (tokenizer.ggml.model "gpt2": GPT-2, Llama 3, Qwen2,
//     DeepSeek, Falcon, StarCoder, MPT, ...): the text is cut into words by the
//     regular expressions that tokenizer.ggml.pre names (the accepted names are
//     listed by SupportedPreTokenizers()), each word's bytes are written in the
//     GPT-2 byte alphabet and merged by rank.
// Any other model, and an unknown or missing pre-tokenizer name, is refused
// with kUnsupported: a wrong guess would silently feed the model other tokens
// than it was trained on.
//
// Not done, as in llama.cpp: Unicode normalization (Qwen2's tokenizer.json
// asks for NFC; text is taken as given), Hugging Face's
// clean_up_tokenization_spaces when decoding (decoding is exact instead), and
// the per-model left/right whitespace stripping around special tokens that
// GGUF does not record.
//
// Vocabularies come from model files, so they are validated completely before
// use (array lengths, special ids, merges, byte tokens); a bad one yields
// kCorrupt with a message naming the problem, never a crash.
//
// Ownership and threading: CreateTokenizer returns an immutable object; every
// const method may be called from any number of threads at once. Views it
// returns (TokenPiece) live as long as the tokenizer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/status.h"
#include "llmcore/text/vocabulary_spec.h"

namespace llmcore::text {

using TokenId = int32_t;
inline constexpr TokenId kNoToken = -1;

// Token types as GGUF stores them in tokenizer.ggml.token_type (SentencePiece's
// piece types).
enum class TokenType : uint8_t {
  kUndefined = 0,
  kNormal = 1,
  kUnknown = 2,      // the <unk> token
  kControl = 3,      // BOS, EOS, chat markers: never produced from plain text
  kUserDefined = 4,  // text matched literally before the model's own splitting
  kUnused = 5,
  kByte = 6,  // <0xXX>: one raw byte (SentencePiece byte fallback)
};

enum class TokenizerKind { kSentencePiece, kByteLevelBpe };

// "sentencepiece" or "byte-level-bpe".
std::string_view TokenizerKindName(TokenizerKind kind);

// The tokenizer.ggml.pre names byte-level vocabularies may use.
std::vector<std::string_view> SupportedPreTokenizers();

struct SpecialTokenIds {
  TokenId bos = kNoToken;
  TokenId eos = kNoToken;
  TokenId unk = kNoToken;
  TokenId pad = kNoToken;
  TokenId sep = kNoToken;
  TokenId eot = kNoToken;  // end of turn (chat models)
  TokenId eom = kNoToken;  // end of message (tool calls)
};

struct EncodeOptions {
  // Add BOS / EOS where the model's metadata asks for them
  // (tokenizer.ggml.add_bos_token / add_eos_token, or the family's default).
  bool add_special = false;
  // Turn the text of control tokens ("<|im_start|>", "<s>") into those tokens.
  // Leave false for text from users: there it is tokenized as plain text and
  // cannot inject chat markers. User-defined tokens are matched either way, as
  // the reference tokenizers do.
  bool parse_special = false;
};

struct DecodeOptions {
  // Write control (and unknown/unused) tokens as their text; otherwise they
  // produce nothing.
  bool render_special = false;
  // For vocabularies that prefix a space when encoding (SentencePiece): drop
  // that space again from the first token that produces text, so that decoding
  // returns exactly what was encoded. Keep false when decoding a continuation
  // of earlier text (generated tokens), where the space is real.
  bool strip_space_prefix = true;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  virtual TokenizerKind kind() const = 0;
  // The tokenizer.ggml.pre name in use ("" for SentencePiece).
  virtual const std::string& pre_tokenizer() const = 0;
  virtual size_t vocab_size() const = 0;
  virtual const SpecialTokenIds& special_ids() const = 0;
  // Whether Encode with add_special adds BOS / EOS.
  virtual bool adds_bos() const = 0;
  virtual bool adds_eos() const = 0;
  // Whether Encode prefixes a space to text at the start and after special tokens.
  virtual bool adds_space_prefix() const = 0;

  // The type of `id`; kUndefined when `id` is out of range.
  virtual TokenType token_type(TokenId id) const = 0;
  // The vocabulary entry exactly as stored (before byte decoding); empty when
  // `id` is out of range.
  virtual std::string_view token_text(TokenId id) const = 0;
  // The token whose stored text is `text`, of any type.
  virtual std::optional<TokenId> FindToken(std::string_view text) const = 0;

  // Tokenizes `text`, which must be valid UTF-8 (kInvalidArgument with the
  // offset of the first bad byte otherwise; kResourceExhausted above 256 MiB).
  virtual Result<std::vector<TokenId>> Encode(std::string_view text,
                                              const EncodeOptions& options = {}) const = 0;

  // The bytes token `id` stands for: byte-level characters and <0xXX> tokens
  // decoded, U+2581 turned back into spaces; control tokens give their text.
  // A piece may be part of a UTF-8 sequence. kOutOfRange for an unknown id.
  virtual Result<std::string_view> TokenPiece(TokenId id) const = 0;

  // The concatenated pieces of `ids` under `options`. The result is the bytes
  // the tokens stand for and need not be valid UTF-8 (a model can emit any
  // byte tokens); see StreamingDetokenizer for text that always is.
  // kOutOfRange names the first unknown id.
  virtual Result<std::string> Decode(std::span<const TokenId> ids,
                                     const DecodeOptions& options = {}) const = 0;

  // Whether generation should stop at `id`: EOS, end-of-turn, end-of-message
  // and the control tokens the model families use for that ("<|eot_id|>",
  // "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", ...). Such a
  // marker stored as user-defined is treated as a control token throughout
  // (token_type() says kControl), so plain text cannot produce it.
  virtual bool IsEndOfGeneration(TokenId id) const = 0;
  // All such ids, ascending.
  virtual std::span<const TokenId> end_of_generation_ids() const = 0;
};

// Builds a tokenizer from `spec`. kUnsupported for a model or pre-tokenizer
// that is not implemented (the message names it); kCorrupt for an
// inconsistent vocabulary. Building a 150k-token vocabulary takes a small
// fraction of a second.
Result<std::unique_ptr<Tokenizer>> CreateTokenizer(VocabularySpec spec);

// ReadVocabularySpec + CreateTokenizer.
Result<std::unique_ptr<Tokenizer>> CreateTokenizer(const gguf::GgufFile& file);

}  // namespace llmcore::text
