#include "spm_encoder.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace llmcore::text {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581

struct Symbol {
  uint32_t begin = 0;
  uint32_t length = 0;  // 0: merged into its left neighbour
  int32_t prev = -1;
  int32_t next = -1;
};

struct Candidate {
  float score = 0;
  int32_t left = 0;
  int32_t right = 0;
  uint32_t length = 0;  // bytes of both symbols when queued; stale when changed
};

// Best score first; the leftmost pair on ties.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    if (a.score != b.score) return a.score < b.score;
    return a.left > b.left;
  }
};

// Buffers reused across the words of one Encode call.
struct Scratch {
  std::vector<Symbol> symbols;
  std::vector<Candidate> heap;  // a max-heap under LowerPriority
};

size_t CharLength(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Pieces SentencePiece merges into: never control, unknown or byte tokens.
bool IsMergeableType(TokenType type) {
  switch (type) {
    case TokenType::kNormal:
    case TokenType::kUserDefined:
    case TokenType::kUnused:
    case TokenType::kUndefined: return true;
    case TokenType::kControl:
    case TokenType::kUnknown:
    case TokenType::kByte: return false;
  }
  return false;
}

TokenId MergeableToken(const Vocabulary& vocab, std::string_view text) {
  const TokenId id = vocab.Find(text);
  return id != kNoToken && IsMergeableType(vocab.type(id)) ? id : kNoToken;
}

// Whether a word starts at byte `i` of escaped text: a U+2581 that follows
// something other than U+2581.
bool StartsWord(std::string_view s, size_t i) {
  const size_t m = kSpaceMarker.size();
  return i >= m && s.substr(i, m) == kSpaceMarker && s.substr(i - m, m) != kSpaceMarker;
}

// Tokenizes `s` (escaped text, or one word of it) as one unit.
void EncodeUnit(const Vocabulary& vocab, std::string_view s, Scratch* scratch,
                std::vector<TokenId>* out) {
  if (s.empty()) return;
  // The caller bounds the input, so offsets and counts fit 32 bits.
  std::vector<Symbol>& symbols = scratch->symbols;
  symbols.clear();
  for (size_t i = 0; i < s.size();) {
    const size_t length = std::min(CharLength(static_cast<uint8_t>(s[i])), s.size() - i);
    Symbol sym;
    sym.begin = static_cast<uint32_t>(i);
    sym.length = static_cast<uint32_t>(length);
    sym.prev = static_cast<int32_t>(symbols.size()) - 1;
    sym.next = static_cast<int32_t>(symbols.size()) + 1;
    symbols.push_back(sym);
    i += length;
  }
  symbols.back().next = -1;

  std::vector<Candidate>& heap = scratch->heap;
  heap.clear();
  auto consider = [&](int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[static_cast<size_t>(left)];
    const Symbol& r = symbols[static_cast<size_t>(right)];
    const uint32_t length = l.length + r.length;
    const TokenId id = MergeableToken(vocab, s.substr(l.begin, length));
    if (id == kNoToken) return;
    heap.push_back({vocab.score(id), left, right, length});
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
    // Either side merged with something else since this pair was queued.
    if (l.length == 0 || r.length == 0 || l.length + r.length != c.length) continue;
    l.length += r.length;
    r.length = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[static_cast<size_t>(r.next)].prev = c.left;
    consider(l.prev, c.left);
    consider(c.left, l.next);
  }

  const auto& bytes = vocab.byte_tokens();
  for (int32_t i = 0; i >= 0; i = symbols[static_cast<size_t>(i)].next) {
    const Symbol& sym = symbols[static_cast<size_t>(i)];
    const std::string_view piece = s.substr(sym.begin, sym.length);
    const TokenId id = MergeableToken(vocab, piece);
    if (id != kNoToken) {
      out->push_back(id);
    } else if (vocab.has_byte_tokens()) {
      // Complete by construction (Vocabulary checks all 256 exist).
      for (char c : piece) out->push_back(bytes[static_cast<uint8_t>(c)]);
    } else {
      out->push_back(vocab.special().unk);
    }
  }
}

}  // namespace

SpmEncoder::SpmEncoder(const Vocabulary& vocab) : vocab_(vocab) {
  split_words_ = true;
  for (size_t i = 0; i < vocab.size() && split_words_; ++i) {
    const auto id = static_cast<TokenId>(i);
    if (!IsMergeableType(vocab.type(id))) continue;
    const std::string_view text = vocab.text(id);
    for (size_t p = text.find(kSpaceMarker, 1); p != std::string_view::npos;
         p = text.find(kSpaceMarker, p + 1)) {
      if (StartsWord(text, p)) {
        split_words_ = false;
        break;
      }
    }
  }
}

Status SpmEncoder::Encode(std::string_view text, bool starts_segment,
                          std::vector<TokenId>* out) const {
  std::string s;
  s.reserve(text.size() + kSpaceMarker.size() * 4);
  if (starts_segment && vocab_.add_space_prefix()) s.append(kSpaceMarker);
  for (char c : text) {
    if (c == ' ') {
      s.append(kSpaceMarker);
    } else {
      s.push_back(c);
    }
  }
  Scratch scratch;
  if (!split_words_) {
    EncodeUnit(vocab_, s, &scratch, out);
    return Status::Ok();
  }
  const std::string_view all = s;
  size_t word_begin = 0;
  for (size_t i = 1; i < all.size(); ++i) {
    if (StartsWord(all, i)) {
      EncodeUnit(vocab_, all.substr(word_begin, i - word_begin), &scratch, out);
      word_begin = i;
    }
  }
  if (word_begin < all.size()) EncodeUnit(vocab_, all.substr(word_begin), &scratch, out);
  return Status::Ok();
}

}  // namespace llmcore::text
