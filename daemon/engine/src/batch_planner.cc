#include "batch_planner.h"

#include <algorithm>

namespace llmcore::engine {
namespace {

// Water-filling over `needs`, visited from `first` on: each round offers
// every unsatisfied need an equal share of what is left (at least 1).
std::vector<uint32_t> Fill(std::span<const uint32_t> needs, uint32_t budget, size_t first) {
  std::vector<uint32_t> grants(needs.size(), 0);
  const size_t n = needs.size();
  uint32_t left = budget;
  while (left > 0) {
    size_t unsatisfied = 0;
    for (size_t i = 0; i < n; ++i) unsatisfied += grants[i] < needs[i] ? 1 : 0;
    if (unsatisfied == 0) break;
    const uint32_t share = std::max<uint32_t>(1, left / static_cast<uint32_t>(unsatisfied));
    for (size_t k = 0; k < n && left > 0; ++k) {
      const size_t i = (first + k) % n;
      const uint32_t give = std::min({share, needs[i] - grants[i], left});
      grants[i] += give;
      left -= give;
    }
  }
  return grants;
}

}  // namespace

std::vector<uint32_t> SharePromptBudget(std::span<const PromptDemand> demands, uint32_t budget,
                                        uint64_t rotation) {
  // Groups by uid, in order of first appearance.
  std::vector<uid_t> uids;
  std::vector<std::vector<size_t>> members;
  for (size_t i = 0; i < demands.size(); ++i) {
    auto it = std::find(uids.begin(), uids.end(), demands[i].uid);
    if (it == uids.end()) {
      uids.push_back(demands[i].uid);
      members.emplace_back();
      it = uids.end() - 1;
    }
    members[static_cast<size_t>(it - uids.begin())].push_back(i);
  }
  std::vector<uint32_t> grants(demands.size(), 0);
  if (uids.empty()) return grants;

  std::vector<uint32_t> group_needs;
  for (const auto& group : members) {
    uint64_t need = 0;
    for (size_t i : group) need += demands[i].tokens;
    group_needs.push_back(static_cast<uint32_t>(std::min<uint64_t>(need, budget)));
  }
  const std::vector<uint32_t> group_grants =
      Fill(group_needs, budget, static_cast<size_t>(rotation % uids.size()));
  for (size_t g = 0; g < members.size(); ++g) {
    std::vector<uint32_t> needs;
    for (size_t i : members[g]) needs.push_back(demands[i].tokens);
    const std::vector<uint32_t> inner =
        Fill(needs, group_grants[g], static_cast<size_t>(rotation % needs.size()));
    for (size_t k = 0; k < members[g].size(); ++k) grants[members[g][k]] = inner[k];
  }
  return grants;
}

}  // namespace llmcore::engine
