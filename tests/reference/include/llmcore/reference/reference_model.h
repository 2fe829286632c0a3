// ReferenceModel: a naive float forward pass, the yardstick every driver is
// measured against.
//
// A thin wrapper over NaiveModel (drivers/reference: the same code is the
// reference driver), which states how it computes: every weight decoded to
// float once, sums in double, plain loops. Each call recomputes the whole
// sequence from position 0 on a fresh KV state. It reads the model's
// hyperparameters from the segment's metadata itself (not through the
// driver host's ModelDesc), so a mistake in either is caught by comparing
// them.
//
// Thread safety: immutable after Load; Logits may run concurrently.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "llmcore/reference/naive_model.h"
#include "llmcore/status.h"
#include "llmcore/store/segment.h"

namespace llmcore::reference {

class ReferenceModel {
 public:
  // Decodes every tensor of `segment` (which need not outlive the model).
  // Errors: kUnsupported for another architecture or an undecodable type;
  // kCorrupt for a missing key or tensor, or a tensor of the wrong size.
  static Result<ReferenceModel> Load(const store::Segment& segment);

  const Hyperparameters& hparams() const { return model_.hparams(); }

  // Logits (n_vocab each) for every position of `tokens`, which start at
  // position 0. Tokens must be in range.
  std::vector<std::vector<float>> Logits(std::span<const int32_t> tokens) const;
  // The final hidden states (n_embd each, after the output norm: what the
  // output matrix turns into logits) of every position of `tokens`.
  std::vector<std::vector<float>> HiddenStates(std::span<const int32_t> tokens) const;

 private:
  explicit ReferenceModel(NaiveModel model) : model_(std::move(model)) {}

  NaiveModel model_;
};

}  // namespace llmcore::reference
