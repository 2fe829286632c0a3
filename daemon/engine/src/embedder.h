// ComputeEmbeddings: pooled text embeddings from a driver instance.
//
// Each text is tokenized as a document (BOS first when the model adds one),
// fed through KV sequence `seq` in chunks of at most n_batch_max tokens, and
// the final normalized hidden state of every token is averaged (mean
// pooling); the mean is then scaled to unit L2 norm. The sequence is empty
// before and is emptied after each text, also on failure.
//
// Thread safety: the instance's one caller (the scheduler's worker).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "llmcore/driver_host/driver_instance.h"
#include "llmcore/status.h"
#include "llmcore/text/tokenizer.h"

namespace llmcore::engine {

struct EmbedShape {
  int32_t seq = 0;
  uint32_t n_ctx = 0;
  uint32_t n_batch_max = 0;
  uint32_t n_embd = 0;
};

// One vector of n_embd floats per text. Errors, naming the text by index:
// kInvalidArgument for a text with no tokens or more than n_ctx; the
// tokenizer's and the driver's.
Result<std::vector<std::vector<float>>> ComputeEmbeddings(driver_host::DriverInstance& instance,
                                                          const text::Tokenizer& tokenizer,
                                                          const EmbedShape& shape,
                                                          std::span<const std::string> texts);

}  // namespace llmcore::engine
