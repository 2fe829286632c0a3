#include "kernels.h"

#include <algorithm>

#include "llmcore/quant/codec.h"

namespace llmcore::cpu {
namespace {

// Below this many multiply-adds a MatMul runs on the calling thread: waking
// the workers costs microseconds, which small matrices (a tiny model's 64 x
// 64 projections) would spend many times over.
constexpr int64_t kInlineWork = 1 << 17;

// Weight rows handled together: each activation row is read once per block
// of rows instead of once per row, and a block is the unit of work a worker
// takes.
constexpr int64_t kRowBlock = 16;

class GenericKernels final : public WeightKernels {
 public:
  std::string_view name() const override { return "generic"; }

  bool Supports(TensorType type) const override { return quant::FindCodec(type) != nullptr; }

  Result<Weight> Prepare(const WeightView& view) const override {
    const quant::Codec* codec = quant::FindCodec(view.type);
    if (codec == nullptr) {
      return Status(StatusCode::kUnsupported,
                    "tensor type " + std::string(Traits(view.type).name) + " has no kernels");
    }
    Weight w;
    w.view = view;
    w.impl = codec;
    return w;
  }

  void MatMul(const Weight& w, const float* x, size_t ldx, int64_t n_act, float* y, size_t ldy,
              ThreadPool* pool) const override {
    const auto* codec = static_cast<const quant::Codec*>(w.impl);
    const WeightView& v = w.view;
    auto rows = [&](int64_t block_begin, int64_t block_end, int /*worker*/) {
      const int64_t r_end = std::min(v.rows, block_end * kRowBlock);
      for (int64_t r0 = block_begin * kRowBlock; r0 < r_end; r0 += kRowBlock) {
        const int64_t r1 = std::min(r_end, r0 + kRowBlock);
        for (int64_t e = 0; e < n_act; ++e) {
          const float* xe = x + e * ldx;
          float* ye = y + e * ldy;
          for (int64_t r = r0; r < r1; ++r) {
            ye[r] = codec->dot(v.data + r * v.row_bytes, xe, v.cols);
          }
        }
      }
    };
    const int64_t blocks = (v.rows + kRowBlock - 1) / kRowBlock;
    const int64_t work = v.rows * v.cols * n_act;
    if (pool == nullptr || work < kInlineWork) {
      rows(0, blocks, 0);
      return;
    }
    // A few chunks per worker balance uneven progress without making the
    // shared counter hot.
    const int64_t grain = std::max<int64_t>(1, blocks / (4 * int64_t{pool->size()}));
    pool->ParallelFor(blocks, grain, rows);
  }

  void Row(const Weight& w, int64_t r, float* dst) const override {
    const auto* codec = static_cast<const quant::Codec*>(w.impl);
    codec->to_float(w.view.data + r * w.view.row_bytes, dst, w.view.cols);
  }
};

}  // namespace

std::unique_ptr<WeightKernels> MakeGenericKernels() {
  return std::make_unique<GenericKernels>();
}

}  // namespace llmcore::cpu
