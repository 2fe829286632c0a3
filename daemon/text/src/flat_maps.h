// Open-addressing hash tables for the two lookups tokenization is made of:
// token text -> id, and (left id, right id) -> merge. Vocabularies hold up to
// a few hundred thousand entries and are probed millions of times while
// encoding; flat arrays with linear probing keep each probe to one or two
// cache lines and build without a node allocation per entry.
//
// Both are built once and then only read, from any number of threads.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/text/tokenizer.h"

namespace llmcore::text {

// Maps the texts of a token table (owned by the caller, which must keep it
// alive and unchanged) to their ids.
class TokenTextIndex {
 public:
  // Indexes every non-empty text. Returns kNoToken, or the id of the first
  // text that repeats an earlier one (which is then not indexed; `*first` gets
  // the earlier id).
  TokenId Build(const std::vector<std::string>& texts, TokenId* first) {
    texts_ = &texts;
    const size_t capacity = std::bit_ceil(std::max<size_t>(16, texts.size() * 2));
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (size_t i = 0; i < texts.size(); ++i) {
      const std::string_view text = texts[i];
      if (text.empty()) continue;
      const uint64_t h = Hash(text);
      size_t pos = h & mask_;
      while (slots_[pos].id != kNoToken) {
        const Slot& s = slots_[pos];
        if (s.tag == Tag(h) && texts[static_cast<size_t>(s.id)] == text) {
          *first = s.id;
          return static_cast<TokenId>(i);
        }
        pos = (pos + 1) & mask_;
      }
      slots_[pos] = Slot{Tag(h), static_cast<TokenId>(i)};
    }
    return kNoToken;
  }

  TokenId Find(std::string_view text) const {
    if (slots_.empty()) return kNoToken;
    const uint64_t h = Hash(text);
    for (size_t pos = h & mask_;; pos = (pos + 1) & mask_) {
      const Slot& s = slots_[pos];
      if (s.id == kNoToken) return kNoToken;
      if (s.tag == Tag(h) && (*texts_)[static_cast<size_t>(s.id)] == text) return s.id;
    }
  }

 private:
  struct Slot {
    uint32_t tag = 0;  // high hash bits: most mismatches end without comparing texts
    TokenId id = kNoToken;
  };
  static uint64_t Hash(std::string_view text) { return std::hash<std::string_view>{}(text); }
  static uint32_t Tag(uint64_t h) { return static_cast<uint32_t>(h >> 32); }

  const std::vector<std::string>* texts_ = nullptr;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

// Maps a pair of token ids to the merge they form.
class MergeTable {
 public:
  struct Merge {
    uint32_t rank = 0;
    TokenId result = kNoToken;
  };

  void Reserve(size_t n) {
    const size_t capacity = std::bit_ceil(std::max<size_t>(16, n + n / 2 + 1));
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
  }

  // Keeps the first merge of a pair (the best rank). Reserve() must have
  // been called with at least the number of inserts.
  void Insert(TokenId left, TokenId right, Merge merge) {
    const uint64_t key = Key(left, right);
    for (size_t pos = Mix(key) & mask_;; pos = (pos + 1) & mask_) {
      Slot& s = slots_[pos];
      if (s.key == kEmpty) {
        s = Slot{key, merge};
        return;
      }
      if (s.key == key) return;
    }
  }

  // nullptr when the pair does not merge.
  const Merge* Find(TokenId left, TokenId right) const {
    if (slots_.empty()) return nullptr;
    const uint64_t key = Key(left, right);
    for (size_t pos = Mix(key) & mask_;; pos = (pos + 1) & mask_) {
      const Slot& s = slots_[pos];
      if (s.key == key) return &s.merge;
      if (s.key == kEmpty) return nullptr;
    }
  }

 private:
  // Token ids are non-negative int32, so no pair packs to all ones.
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key = kEmpty;
    Merge merge;
  };
  static uint64_t Key(TokenId left, TokenId right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
           static_cast<uint32_t>(right);
  }
  static uint64_t Mix(uint64_t key) {
    key ^= key >> 31;
    key *= 0x9E3779B97F4A7C15ull;
    return key ^ (key >> 29);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace llmcore::text
