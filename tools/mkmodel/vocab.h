// The vocabulary of a generated model: every tokenizer.* key of an existing
// GGUF file, copied unchanged.
//
// Default file: the tiny model bundled with llmcore (stories260K.gguf, a
// 512-token SentencePiece vocabulary), looked up so that both an installed
// tool and one run from a build tree find it without options:
//   1. <directory of the executable>/<bindir-to-datadir>/llmcore/models/
//      (an installed tree, wherever it was relocated),
//   2. the source tree's models/ (recorded at build time),
//   3. <install prefix>/<datadir>/llmcore/models/ (recorded at build time).
// The first that exists wins; --vocab-from overrides them all.
//
// Threading: no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/gguf/writer.h"
#include "llmcore/status.h"

namespace llmcore::mkmodel {

struct Vocab {
  std::string path;                  // where it came from
  std::vector<gguf::KeyValue> keys;  // the tokenizer.* keys, in file order
  uint32_t size = 0;                 // elements of tokenizer.ggml.tokens
};

// The default locations in the order tried.
std::vector<std::string> DefaultVocabCandidates();
// The first existing default, or kNotFound listing the paths tried.
Result<std::string> FindDefaultVocab();

// Reads the tokenizer keys of `path`. kInvalidArgument when it has no
// tokenizer.ggml.tokens string array; the reader's error when unreadable.
Result<Vocab> LoadVocab(const std::string& path);

// Adds the keys to `writer` in their original order.
Status AddVocab(const Vocab& vocab, gguf::GgufWriter& writer);

}  // namespace llmcore::mkmodel
