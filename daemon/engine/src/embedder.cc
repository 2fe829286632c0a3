#include "embedder.h"

#include <algorithm>
#include <cmath>

namespace llmcore::engine {
namespace {

Result<std::vector<float>> EmbedOne(driver_host::DriverInstance& instance,
                                    const text::Tokenizer& tokenizer, const EmbedShape& shape,
                                    const std::string& text) {
  LLMCORE_ASSIGN_OR_RETURN(std::vector<text::TokenId> tokens,
                           tokenizer.Encode(text, text::EncodeOptions{.add_special = true}));
  if (tokens.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "the text is empty and the model adds no BOS token: nothing to embed");
  }
  if (tokens.size() > shape.n_ctx) {
    return Status(StatusCode::kInvalidArgument, std::to_string(tokens.size()) +
                                                    " tokens do not fit the context of " +
                                                    std::to_string(shape.n_ctx));
  }
  std::vector<double> sum(shape.n_embd, 0.0);
  std::vector<llmcore_batch_entry> entries;
  std::vector<float> hidden;
  for (size_t begin = 0; begin < tokens.size(); begin += shape.n_batch_max) {
    const size_t end = std::min(tokens.size(), begin + shape.n_batch_max);
    entries.clear();
    for (size_t p = begin; p < end; ++p) {
      entries.push_back({shape.seq, static_cast<int32_t>(p), tokens[p], 1});
    }
    hidden.assign(entries.size() * shape.n_embd, 0.0f);
    LLMCORE_RETURN_IF_ERROR(instance.Forward(entries, {}, hidden));
    for (size_t row = 0; row < entries.size(); ++row) {
      for (uint32_t i = 0; i < shape.n_embd; ++i) sum[i] += hidden[row * shape.n_embd + i];
    }
  }
  double norm = 0;
  for (double& v : sum) {
    v /= static_cast<double>(tokens.size());
    norm += v * v;
  }
  norm = std::sqrt(norm);
  std::vector<float> out(shape.n_embd);
  for (uint32_t i = 0; i < shape.n_embd; ++i) {
    out[i] = static_cast<float>(norm > 0 ? sum[i] / norm : sum[i]);
  }
  return out;
}

}  // namespace

Result<std::vector<std::vector<float>>> ComputeEmbeddings(driver_host::DriverInstance& instance,
                                                          const text::Tokenizer& tokenizer,
                                                          const EmbedShape& shape,
                                                          std::span<const std::string> texts) {
  std::vector<std::vector<float>> out;
  out.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    auto embedding = EmbedOne(instance, tokenizer, shape, texts[i]);
    // The sequence is reused by the next text and the next call.
    const Status cleared = instance.SeqRemove(shape.seq, 0, -1);
    if (!embedding.ok()) return embedding.status().WithContext("text " + std::to_string(i));
    if (!cleared.ok()) return cleared;
    out.push_back(std::move(embedding).value());
  }
  return out;
}

}  // namespace llmcore::engine
