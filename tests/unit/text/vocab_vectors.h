// Test helpers: the tokenizer test vectors of ../shared/testdata/vocab (format
// in the README there: NAME.gguf.inp holds the inputs, each followed by the
// line "__ggml_vocab_test__"; NAME.gguf.out holds one line of ids per input),
// and loading tokenizers once per test process.
#pragma once

#include <string>
#include <vector>

#include "llmcore/text/tokenizer.h"

namespace llmcore::text::testing {

struct VocabVector {
  std::string input;
  std::vector<TokenId> expected;
};

// The directory of the vocabularies and vectors.
std::string VocabDir();
// Names (NAME of NAME.gguf.inp) of every vector set, sorted.
std::vector<std::string> VectorSetNames();
// Parses NAME.gguf.inp/.out; throws std::runtime_error on a malformed set.
std::vector<VocabVector> ReadVectors(const std::string& name);
// NAME.gguf.
std::string VocabPath(const std::string& name);

// The tokenizer of a GGUF file, loaded once per process and shared (tokenizers
// are immutable). Fails the calling test and returns nullptr when it does not
// load.
const Tokenizer* LoadTokenizer(const std::string& path);
// The tokenizer of vocabulary NAME (VocabPath(name)).
inline const Tokenizer* LoadVocab(const std::string& name) {
  return LoadTokenizer(VocabPath(name));
}

// The metadata of a vocabulary as a spec, to modify before CreateTokenizer.
VocabularySpec ReadSpec(const std::string& path);

}  // namespace llmcore::text::testing
