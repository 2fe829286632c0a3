#include "bpe_encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "byte_level.h"

namespace llmcore::text {
namespace {

struct Symbol {
  TokenId id = kNoToken;  // kNoToken: a byte without a token; never merges
  int32_t prev = -1;
  int32_t next = -1;
  bool merged_away = false;
};

struct Candidate {
  uint32_t rank = 0;
  int32_t left = 0;
  int32_t right = 0;
  TokenId left_id = kNoToken;  // the pair as queued; stale when either changed
  TokenId right_id = kNoToken;
  TokenId result = kNoToken;
};

// Best (lowest) rank first; the leftmost pair on ties.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.rank != b.rank) return a.rank > b.rank;
    return a.left > b.left;
  }
};

}  // namespace

// Buffers reused across the words of one Encode call.
struct BpeEncoder::Scratch {
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;  // a max-heap under LowerPriority
  std::string encoded;
};

Result<std::unique_ptr<BpeEncoder>> BpeEncoder::Create(const Vocabulary& vocab,
                                                       const std::vector<std::string>& merges,
                                                       const PreTokenizerRules& rules) {
  LLMCORE_ASSIGN_OR_RETURN(PreTokenizer pre, PreTokenizer::Compile(rules.patterns));
  std::unique_ptr<BpeEncoder> encoder(new BpeEncoder(vocab, std::move(pre), rules.ignore_merges));

  const auto& alphabet = ByteLevelAlphabet();
  for (size_t b = 0; b < 256; ++b) encoder->byte_token_[b] = vocab.Find(alphabet[b]);

  if (merges.size() > UINT32_MAX) {
    return Status(StatusCode::kCorrupt, "tokenizer: too many merges");
  }
  encoder->merges_.Reserve(merges.size());
  std::string joined;
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const std::string_view merge = merges[rank];
    // "left right"; the separator is the first space after the first byte
    // (byte-level texts hold no spaces; they are written as U+0120).
    const size_t space = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
    if (space == std::string_view::npos || space + 1 >= merge.size()) {
      return Status(StatusCode::kCorrupt,
                    fmt::format("tokenizer: merge {} {} is not two tokens separated by a space",
                                rank, QuoteToken(merge)));
    }
    const std::string_view left = merge.substr(0, space);
    const std::string_view right = merge.substr(space + 1);
    const TokenId left_id = vocab.Find(left);
    const TokenId right_id = vocab.Find(right);
    if (left_id == kNoToken || right_id == kNoToken) {
      return Status(
          StatusCode::kCorrupt,
          fmt::format("tokenizer: merge {} {} names a token not in the vocabulary ({})", rank,
                      QuoteToken(merge), QuoteToken(left_id == kNoToken ? left : right)));
    }
    joined.assign(left);
    joined.append(right);
    const TokenId result = vocab.Find(joined);
    if (result == kNoToken) {
      return Status(StatusCode::kCorrupt,
                    fmt::format("tokenizer: merge {} {} makes {}, which is not in the vocabulary",
                                rank, QuoteToken(merge), QuoteToken(joined)));
    }
    // A repeated pair keeps its first (best) rank.
    encoder->merges_.Insert(left_id, right_id, {static_cast<uint32_t>(rank), result});
  }
  return encoder;
}

void BpeEncoder::AppendMissingByte(std::vector<TokenId>* out) const {
  if (vocab_.special().unk != kNoToken) out->push_back(vocab_.special().unk);
}

Status BpeEncoder::Encode(std::string_view text, bool /*starts_segment*/,
                          std::vector<TokenId>* out) const {
  std::vector<TextRange> words;
  LLMCORE_RETURN_IF_ERROR(pre_tokenizer_.Split(text, &words));
  Scratch scratch;
  std::string& encoded = scratch.encoded;
  for (const TextRange& range : words) {
    const std::string_view word = text.substr(range.begin, range.end - range.begin);
    if (ignore_merges_) {
      encoded.clear();
      AppendByteLevelEncoded(word, &encoded);
      const TokenId whole = vocab_.Find(encoded);
      if (whole != kNoToken) {
        out->push_back(whole);
        continue;
      }
    }
    EncodeWord(word, &scratch, out);
  }
  return Status::Ok();
}

void BpeEncoder::EncodeWord(std::string_view word, Scratch* scratch,
                            std::vector<TokenId>* out) const {
  std::vector<Symbol>& symbols = scratch->symbols;
  symbols.assign(word.size(), Symbol{});
  for (size_t i = 0; i < word.size(); ++i) {
    symbols[i].id = byte_token_[static_cast<uint8_t>(word[i])];
    symbols[i].prev = static_cast<int32_t>(i) - 1;
    symbols[i].next = i + 1 < word.size() ? static_cast<int32_t>(i + 1) : -1;
  }

  std::vector<Candidate>& heap = scratch->heap;
  heap.clear();
  auto consider = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const TokenId l = symbols[static_cast<size_t>(left)].id;
    const TokenId r = symbols[static_cast<size_t>(right)].id;
    if (l == kNoToken || r == kNoToken) return;
    const MergeTable::Merge* merge = merges_.Find(l, r);
    if (merge == nullptr) return;
    heap.push_back({merge->rank, left, right, l, r, merge->result});
    std::push_heap(heap.begin(), heap.end(), LowerPriority());
  };
  for (size_t i = 1; i < symbols.size(); ++i) {
    consider(static_cast<int32_t>(i - 1), static_cast<int32_t>(i));
  }

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), LowerPriority());
    const Candidate c = heap.back();
    heap.pop_back();
    Symbol& l = symbols[static_cast<size_t>(c.left)];
    Symbol& r = symbols[static_cast<size_t>(c.right)];
    if (l.merged_away || r.merged_away || l.next != c.right || l.id != c.left_id ||
        r.id != c.right_id) {
      continue;
    }
    l.id = c.result;
    r.merged_away = true;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = c.left;
    consider(l.prev, c.left);
    consider(c.left, l.next);
  }

  for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    const TokenId id = symbols[static_cast<size_t>(i)].id;
    if (id != kNoToken) {
      out->push_back(id);
    } else {
      AppendMissingByte(out);
    }
  }
}

}  // namespace llmcore::text
