#include "llmcore/engine/cross_check.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace llmcore::engine {
namespace {

// Plain English, so that every tokenizer splits it into ordinary tokens.
constexpr std::string_view kCheckText =
    "Once upon a time, in a small village by the sea, there lived an old fisherman and his "
    "daughter. Every morning they walked to the harbour, counted the boats, and talked about "
    "the weather, the price of bread and the stories the sailors brought from far away.";

size_t Argmax(std::span<const float> row) {
  return static_cast<size_t>(std::max_element(row.begin(), row.end()) - row.begin());
}

}  // namespace

std::vector<text::TokenId> CrossCheckTokens(const text::Tokenizer& tokenizer, uint32_t count) {
  std::vector<text::TokenId> tokens;
  text::EncodeOptions first;
  first.add_special = true;
  auto opening = tokenizer.Encode(kCheckText, first);
  auto encoded = tokenizer.Encode(kCheckText);
  if (!opening.ok() || !encoded.ok() || encoded->empty()) return tokens;
  tokens.assign(opening->begin(), opening->begin() + static_cast<ptrdiff_t>(
                                                         std::min<size_t>(count, opening->size())));
  while (tokens.size() < count) {
    const size_t take = std::min<size_t>(count - tokens.size(), encoded->size());
    tokens.insert(tokens.end(), encoded->begin(), encoded->begin() + static_cast<ptrdiff_t>(take));
  }
  return tokens;
}

Result<CrossCheckReport> CrossCheck(driver_host::DriverInstance& checked,
                                    driver_host::DriverInstance& reference,
                                    std::span<const text::TokenId> tokens, uint32_t n_vocab,
                                    uint32_t n_batch, CrossCheckLimits limits) {
  if (tokens.empty()) return Status(StatusCode::kInvalidArgument, "no tokens to compare");
  if (n_batch == 0) n_batch = 1;
  CrossCheckReport report;
  double max_reference = 0;
  uint32_t agree = 0;
  std::vector<llmcore_batch_entry> batch;
  std::vector<float> a;
  std::vector<float> b;
  for (size_t start = 0; start < tokens.size(); start += n_batch) {
    const size_t n = std::min<size_t>(n_batch, tokens.size() - start);
    batch.clear();
    for (size_t i = 0; i < n; ++i) {
      batch.push_back({0, static_cast<int32_t>(start + i), tokens[start + i], 1});
    }
    a.assign(n * n_vocab, 0.0f);
    b.assign(n * n_vocab, 0.0f);
    LLMCORE_RETURN_IF_ERROR(checked.Forward(batch, a));
    LLMCORE_RETURN_IF_ERROR(reference.Forward(batch, b));
    for (size_t i = 0; i < n; ++i) {
      const std::span<const float> row_a(a.data() + i * n_vocab, n_vocab);
      const std::span<const float> row_b(b.data() + i * n_vocab, n_vocab);
      for (size_t v = 0; v < n_vocab; ++v) {
        const double diff = std::fabs(double{row_a[v]} - double{row_b[v]});
        // NaN in either output counts as an infinite difference.
        report.max_abs_diff = std::isnan(diff) ? INFINITY : std::max(report.max_abs_diff, diff);
        max_reference = std::max(max_reference, std::fabs(double{row_b[v]}));
      }
      if (Argmax(row_a) == Argmax(row_b)) ++agree;
    }
  }
  report.positions = static_cast<uint32_t>(tokens.size());
  report.tolerance = limits.relative_tolerance * std::max(1.0, max_reference);
  report.top1_agreement = static_cast<double>(agree) / report.positions;
  report.passed =
      report.max_abs_diff <= report.tolerance && report.top1_agreement >= limits.min_top1_agreement;
  return report;
}

}  // namespace llmcore::engine
