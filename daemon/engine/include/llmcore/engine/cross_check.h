// CrossCheck: compares the logits of two instances of one model over the
// same tokens - how `llmctl verify` checks the driver serving a model against
// the reference driver on the user's own machine.
//
// Both instances get the same token sequence on their sequence 0, in chunks
// of the model's batch size, every position wanting logits. The comparison
// is per position: the largest absolute difference, and whether the two
// arg-max tokens agree. The check passes when the largest difference stays
// within `relative_tolerance` of the largest |logit| the reference produced
// and at least `min_top1_agreement` of the positions agree on the arg-max.
//
// Thread safety: runs on the calling thread; the instances must not be used
// by anyone else meanwhile (build fresh ones: LoadedModel::BuildInstance).
#pragma once

#include <cstdint>
#include <span>

#include "llmcore/driver_host/driver_instance.h"
#include "llmcore/status.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::engine {

struct CrossCheckLimits {
  double relative_tolerance = 1e-2;
  double min_top1_agreement = 0.9;
};

struct CrossCheckReport {
  uint32_t positions = 0;
  double max_abs_diff = 0;
  double tolerance = 0;  // the absolute bound applied: relative_tolerance x max |reference logit|
  double top1_agreement = 0;
  bool passed = false;
};

// The tokens checked: `count` tokens of a fixed English text, encoded by the
// model's tokenizer (BOS first when it adds one), repeated when short.
std::vector<text::TokenId> CrossCheckTokens(const text::Tokenizer& tokenizer, uint32_t count);

// Errors: kInvalidArgument for no tokens; the drivers' forward errors.
Result<CrossCheckReport> CrossCheck(driver_host::DriverInstance& checked,
                                    driver_host::DriverInstance& reference,
                                    std::span<const text::TokenId> tokens, uint32_t n_vocab,
                                    uint32_t n_batch, CrossCheckLimits limits = {});

}  // namespace llmcore::engine
