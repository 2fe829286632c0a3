#include "special_matcher.h"

#include "llmcore/utf8.h"

namespace llmcore::text {
namespace {

uint64_t EdgeKey(uint32_t node, uint8_t byte) {
  return (static_cast<uint64_t>(node) << 8) | byte;
}

}  // namespace

SpecialMatcher::SpecialMatcher() : nodes_(1) {}

bool SpecialMatcher::Add(std::string_view text, TokenId id, bool always) {
  // Only valid UTF-8 texts: they can start and end only on character
  // boundaries of valid input, so the raw fragments stay valid UTF-8.
  if (text.empty() || text.size() > kMaxTextBytes || !IsValidUtf8(text)) return false;
  uint32_t node = 0;
  for (char c : text) {
    const auto byte = static_cast<uint8_t>(c);
    auto [it, inserted] = edges_.emplace(EdgeKey(node, byte), static_cast<uint32_t>(nodes_.size()));
    if (inserted) nodes_.emplace_back();
    node = it->second;
  }
  nodes_[node].token = id;
  nodes_[node].always = always;
  const auto first = static_cast<uint8_t>(text[0]);
  first_any_[first] = 1;
  if (always) first_always_[first] = 1;
  return true;
}

size_t SpecialMatcher::LongestAt(std::string_view text, size_t pos, bool parse_special,
                                 TokenId* token) const {
  size_t best = 0;
  uint32_t node = 0;
  for (size_t i = pos; i < text.size() && i - pos < kMaxTextBytes; ++i) {
    auto it = edges_.find(EdgeKey(node, static_cast<uint8_t>(text[i])));
    if (it == edges_.end()) break;
    node = it->second;
    const Node& n = nodes_[node];
    if (n.token != kNoToken && (parse_special || n.always)) {
      best = i + 1 - pos;
      *token = n.token;
    }
  }
  return best;
}

void SpecialMatcher::Partition(std::string_view text, bool parse_special,
                               std::vector<Fragment>* out) const {
  const auto& first = parse_special ? first_any_ : first_always_;
  size_t raw_begin = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (first[static_cast<uint8_t>(text[pos])] == 0) {
      ++pos;
      continue;
    }
    TokenId token = kNoToken;
    const size_t length = LongestAt(text, pos, parse_special, &token);
    if (length == 0) {
      ++pos;
      continue;
    }
    if (pos > raw_begin) out->push_back({raw_begin, pos, kNoToken});
    out->push_back({pos, pos + length, token});
    pos += length;
    raw_begin = pos;
  }
  if (raw_begin < text.size()) out->push_back({raw_begin, text.size(), kNoToken});
}

}  // namespace llmcore::text
