// SharePromptBudget: how the prompt tokens of one step are shared between
// the sequences that still have prompt to process.
//
// The budget (what n_batch_max leaves after the decode tokens) is split
// evenly between uids first, then evenly between the sequences of each uid:
// a user with ten long prompts gets no more of a step than a user with one.
// A share that a demand does not need goes to the others (water-filling).
// `rotation` picks which uid (and which sequence within a uid) is served
// first, and so gets the remainder of an uneven split; the scheduler advances
// it every step so that the remainders go round.
//
// Pure and deterministic; no allocation beyond the result and a few small
// vectors.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <vector>

namespace llmcore::engine {

struct PromptDemand {
  uid_t uid = 0;
  uint32_t tokens = 0;  // prompt tokens still to process
};

// Tokens granted to each demand, in the order given; the sum is at most
// `budget` and each grant at most its demand. Every demand gets at least one
// token while budget lasts.
std::vector<uint32_t> SharePromptBudget(std::span<const PromptDemand> demands, uint32_t budget,
                                        uint64_t rotation);

}  // namespace llmcore::engine
