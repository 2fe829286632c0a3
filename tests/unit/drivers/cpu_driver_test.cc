// The CPU driver's sequence and batch semantics: batching, chunked prefill
// and the thread count do not change a single bit of the logits; instances
// coexist; KV state moves between instances; seq_copy / seq_remove; and
// every kind of bad input is refused with an error naming it, leaving the
// KV state unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numbers>
#include <sstream>
#include <vector>

#include "driver_test_util.h"
#include "llmcore/quant/quantize.h"

namespace llmcore {
namespace {

using driver_host::DriverInstance;
using testing::Feed;
using testing::GeneratedModel;
using ::testing::HasSubstr;
using testing::NewInstance;
using testing::Params;

// A model large enough that its matmuls and attention go to the worker
// threads (above the driver's inline thresholds) for batches of a few
// entries: dim 128, ffn 384.
constexpr char kModelArgs[] = "--dim 128 --layers 2 --heads 8 --kv-heads 2 --ffn 384 --ctx 256";

class CpuDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = GeneratedModel(kModelArgs);
    n_vocab_ = model_->desc->desc().n_vocab;
  }
  const llmcore_model_desc& desc() const { return model_->desc->desc(); }
  std::unique_ptr<DriverInstance> Instance(uint32_t n_ctx = 64, uint32_t n_seq = 4,
                                           uint32_t n_batch = 64, uint32_t n_threads = 2) {
    return NewInstance(desc(), Params(n_ctx, n_seq, n_batch, n_threads));
  }
  std::vector<int32_t> Tokens(size_t n, uint64_t seed) const {
    return testing::RandomTokens(n, n_vocab_, seed);
  }
  int32_t Length(DriverInstance& inst, int32_t seq) { return *inst.SeqLength(seq); }

  std::shared_ptr<testing::LoadedModel> model_;
  uint32_t n_vocab_ = 0;
};

// Bit-identical, not merely close: every output of a projection depends only
// on its own entry (kernels.h), and attention only on the entry's own
// sequence, so batching must not change the arithmetic at all.
TEST_F(CpuDriverTest, BatchOfSeveralSequencesEqualsEachAlone) {
  const std::vector<std::vector<int32_t>> prompts = {Tokens(7, 1), Tokens(3, 2), Tokens(12, 3)};
  // Alone: each sequence in its own instance, prompt then two decode steps.
  std::vector<std::vector<std::vector<float>>> alone;
  for (const auto& prompt : prompts) {
    auto inst = Instance();
    auto logits = Feed(*inst, n_vocab_, 0, 0, prompt, true);
    for (int step = 0; step < 2; ++step) {
      const int32_t next = testing::Argmax(logits.back());
      logits.push_back(Feed(*inst, n_vocab_, 0, Length(*inst, 0), {&next, 1}, false)[0]);
    }
    alone.push_back(logits);
  }
  // Together: the three prompts interleaved in one batch (sequences 1, 2, 3
  // of one instance), then decode steps batched together.
  auto inst = Instance();
  std::vector<llmcore_batch_entry> entries;
  std::vector<std::pair<size_t, size_t>> origin;  // (sequence, position) of each logit row
  for (size_t i = 0; i < 12; ++i) {
    for (size_t s = 0; s < prompts.size(); ++s) {
      if (i < prompts[s].size()) {
        entries.push_back({int32_t(s + 1), int32_t(i), prompts[s][i], 1});
        origin.emplace_back(s, i);
      }
    }
  }
  std::vector<float> logits(entries.size() * n_vocab_);
  ASSERT_TRUE(inst->Forward(entries, logits).ok());
  for (size_t r = 0; r < origin.size(); ++r) {
    const auto [s, pos] = origin[r];
    ASSERT_EQ(0, std::memcmp(&logits[r * n_vocab_], alone[s][pos].data(), n_vocab_ * 4))
        << "sequence " << s << " position " << pos;
  }
  for (int step = 0; step < 2; ++step) {
    std::vector<llmcore_batch_entry> decode;
    for (size_t s = 0; s < prompts.size(); ++s) {
      const auto& previous = alone[s][prompts[s].size() - 1 + step];
      const int32_t seq = int32_t(s + 1);
      decode.push_back({seq, Length(*inst, seq), testing::Argmax(previous), 1});
    }
    std::vector<float> out(decode.size() * n_vocab_);
    ASSERT_TRUE(inst->Forward(decode, out).ok());
    for (size_t s = 0; s < prompts.size(); ++s) {
      ASSERT_EQ(0, std::memcmp(&out[s * n_vocab_], alone[s][prompts[s].size() + step].data(),
                               n_vocab_ * 4))
          << "sequence " << s << " decode step " << step;
    }
  }
}

TEST_F(CpuDriverTest, ChunkedPrefillEqualsOneShotPrefill) {
  const auto prompt = Tokens(20, 4);
  auto one = Instance();
  const auto expected = Feed(*one, n_vocab_, 0, 0, prompt, true);
  auto chunked = Instance();
  std::vector<std::vector<float>> got;
  for (size_t begin = 0; begin < prompt.size(); begin += 7) {
    const size_t n = std::min<size_t>(7, prompt.size() - begin);
    auto part = Feed(*chunked, n_vocab_, 0, int32_t(begin), {&prompt[begin], n}, true);
    got.insert(got.end(), part.begin(), part.end());
  }
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i], expected[i]) << "position " << i;
  }
}

// 64 positions: enough that the attention of the prefill also runs on the
// workers, not only the matmuls.
TEST_F(CpuDriverTest, ThreadCountDoesNotChangeLogits) {
  const auto prompt = Tokens(64, 5);
  auto one = Instance(128, 1, 64, 1);
  auto two = Instance(128, 1, 64, 2);
  EXPECT_EQ(Feed(*one, n_vocab_, 0, 0, prompt, true), Feed(*two, n_vocab_, 0, 0, prompt, true));
}

TEST_F(CpuDriverTest, TwoInstancesOfOneModelCoexist) {
  // Two instances, also from two driver contexts, used alternately.
  auto lib = driver_host::DriverLibrary::Open(testing::CpuDriverPath());
  ASSERT_TRUE(lib.ok());
  auto other_ctx = driver_host::DriverContext::Create(*lib);
  ASSERT_TRUE(other_ctx.ok());
  auto a = Instance();
  auto b = Instance();
  auto c = (*other_ctx)->CreateInstance(desc(), Params(64, 4, 64, 2));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const auto prompt = Tokens(9, 6);
  for (size_t i = 0; i < prompt.size(); ++i) {
    const auto la = Feed(*a, n_vocab_, 0, int32_t(i), {&prompt[i], 1}, false);
    const auto lb = Feed(*b, n_vocab_, 0, int32_t(i), {&prompt[i], 1}, false);
    const auto lc = Feed(**c, n_vocab_, 0, int32_t(i), {&prompt[i], 1}, false);
    ASSERT_EQ(la, lb) << "position " << i;
    ASSERT_EQ(la, lc) << "position " << i;
  }
  b.reset();  // destroying one leaves the others working
  const int32_t next = 42;
  EXPECT_EQ(Feed(*a, n_vocab_, 0, 9, {&next, 1}, false),
            Feed(**c, n_vocab_, 0, 9, {&next, 1}, false));
}

TEST_F(CpuDriverTest, KvExportImportContinuesIdentically) {
  auto a = Instance();
  auto b = Instance();
  EXPECT_EQ(a->KvFormat(), "cpu-f32-v1");
  EXPECT_EQ(a->KvFormat(), b->KvFormat());
  const auto prompt = Tokens(11, 7);
  Feed(*a, n_vocab_, 2, 0, prompt, false);
  auto blob = a->SeqExport(2);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  ASSERT_TRUE(b->SeqImport(3, *blob).ok());
  EXPECT_EQ(Length(*b, 3), 11);
  const auto more = Tokens(5, 8);
  for (size_t i = 0; i < more.size(); ++i) {
    const int32_t pos = int32_t(11 + i);
    ASSERT_EQ(Feed(*a, n_vocab_, 2, pos, {&more[i], 1}, false),
              Feed(*b, n_vocab_, 3, pos, {&more[i], 1}, false))
        << "step " << i;
  }
}

TEST_F(CpuDriverTest, MalformedKvBlobIsRefusedAndChangesNothing) {
  auto a = Instance();
  Feed(*a, n_vocab_, 0, 0, Tokens(6, 9), false);
  const auto blob = *a->SeqExport(0);
  auto b = Instance();
  Feed(*b, n_vocab_, 1, 0, Tokens(4, 10), false);
  auto expect_refused = [&](std::vector<std::byte> bad, const char* why) {
    Status st = b->SeqImport(1, bad);
    EXPECT_EQ(st.code(), StatusCode::kCorrupt) << why << ": " << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr("kv blob")) << why;
    EXPECT_EQ(Length(*b, 1), 4) << why;
  };
  expect_refused({blob.begin(), blob.begin() + 40}, "truncated header");
  expect_refused({blob.begin(), blob.end() - 4}, "truncated payload");
  auto magic = blob;
  magic[0] = std::byte{'X'};
  expect_refused(magic, "bad magic");
  auto payload = blob;
  payload[100] ^= std::byte{1};
  expect_refused(payload, "flipped payload bit");
  auto header = blob;
  header[32] = std::byte{5};  // n_pos
  expect_refused(header, "edited header");
  // A blob of another model shape (kv heads 4 instead of 2).
  auto other = GeneratedModel("--dim 128 --layers 2 --heads 8 --kv-heads 4 --ffn 384");
  auto c = NewInstance(other->desc->desc(), Params(64, 1, 8));
  Feed(*c, n_vocab_, 0, 0, Tokens(3, 11), false);
  expect_refused(*c->SeqExport(0), "another model");
}

TEST_F(CpuDriverTest, SeqCopyForksASequence) {
  auto inst = Instance();
  const auto prompt = Tokens(10, 12);
  Feed(*inst, n_vocab_, 0, 0, prompt, false);
  // Whole sequence: dst continues exactly like src.
  ASSERT_TRUE(inst->SeqCopy(0, 1, 0, -1).ok());
  EXPECT_EQ(Length(*inst, 1), 10);
  const int32_t next = 77;
  EXPECT_EQ(Feed(*inst, n_vocab_, 0, 10, {&next, 1}, false),
            Feed(*inst, n_vocab_, 1, 10, {&next, 1}, false));
  // A prefix: dst continues like a fresh sequence fed those positions only.
  ASSERT_TRUE(inst->SeqCopy(0, 2, 0, 4).ok());
  EXPECT_EQ(Length(*inst, 2), 4);
  Feed(*inst, n_vocab_, 3, 0, {prompt.data(), 4}, false);
  EXPECT_EQ(Feed(*inst, n_vocab_, 2, 4, {&next, 1}, false),
            Feed(*inst, n_vocab_, 3, 4, {&next, 1}, false));
  // p0 beyond dst's length would leave a hole.
  Status hole = inst->SeqCopy(0, 2, 6, -1);
  EXPECT_EQ(hole.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(hole.message(), HasSubstr("seq_copy"));
  EXPECT_EQ(Length(*inst, 2), 5);
  EXPECT_EQ(inst->SeqCopy(0, 9, 0, -1).code(), StatusCode::kInvalidArgument);
}

TEST_F(CpuDriverTest, SeqRemoveTruncatesASequence) {
  auto inst = Instance();
  const auto prompt = Tokens(10, 13);
  const auto full = Feed(*inst, n_vocab_, 0, 0, prompt, true);
  ASSERT_TRUE(inst->SeqRemove(0, 6, -1).ok());
  EXPECT_EQ(Length(*inst, 0), 6);
  // Re-feeding the removed positions gives the same logits again.
  const auto again = Feed(*inst, n_vocab_, 0, 6, {&prompt[6], 4}, true);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(again[i], full[6 + i]);
  // A range inside the sequence would leave a hole.
  Status hole = inst->SeqRemove(0, 2, 5);
  EXPECT_EQ(hole.code(), StatusCode::kUnsupported);
  EXPECT_THAT(hole.message(), HasSubstr("hole"));
  EXPECT_EQ(Length(*inst, 0), 10);
  EXPECT_EQ(inst->SeqRemove(0, -1, -1).code(), StatusCode::kInvalidArgument);
  // Removing everything empties it; an empty range changes nothing.
  ASSERT_TRUE(inst->SeqRemove(0, 4, 4).ok());
  EXPECT_EQ(Length(*inst, 0), 10);
  ASSERT_TRUE(inst->SeqRemove(0, 0, -1).ok());
  EXPECT_EQ(Length(*inst, 0), 0);
}

// Explicit CPUs in the instance parameters: the worker thread is pinned
// there (its Cpus_allowed_list says so).
TEST_F(CpuDriverTest, WorkersArePinnedToTheCpusGiven) {
  cpu_set_t allowed;
  ASSERT_EQ(sched_getaffinity(0, sizeof allowed, &allowed), 0);
  if (CPU_COUNT(&allowed) < 2) GTEST_SKIP() << "needs two allowed CPUs to tell pinning apart";
  int32_t cpu = -1;
  for (int i = 0; i < CPU_SETSIZE; ++i) {
    if (CPU_ISSET(i, &allowed)) cpu = i;  // the last allowed one
  }
  auto pinned_threads = [cpu] {
    int n = 0;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
      std::ifstream status(task.path() / "status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.rfind("Cpus_allowed_list:", 0) == 0) {
          std::istringstream fields(line.substr(18));
          std::string list;
          fields >> list;
          if (list == std::to_string(cpu)) ++n;
        }
      }
    }
    return n;
  };
  const int before = pinned_threads();
  auto params = Params(16, 1, 4, 1);
  params.cpus = &cpu;
  params.n_cpus = 1;
  auto inst = NewInstance(desc(), params);
  EXPECT_EQ(pinned_threads(), before + 1);
  const int32_t token = 1;
  Feed(*inst, n_vocab_, 0, 0, {&token, 1}, false);
}

// A CPU the machine does not have is refused, naming it.
TEST_F(CpuDriverTest, UnknownCpuIsRefused) {
  auto params = Params(16, 1, 4, 1);
  const int32_t bogus = 100000;
  params.cpus = &bogus;
  params.n_cpus = 1;
  Status st = testing::CpuDriver()->CreateInstance(desc(), params).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("thread placement"));
  EXPECT_THAT(st.message(), HasSubstr("100000"));
}

// --- Bad input: a batch whose first entries are fine and whose last one is
// not is refused as a whole, naming the problem, and nothing changes.

class BadBatchTest : public CpuDriverTest {
 protected:
  void SetUp() override {
    CpuDriverTest::SetUp();
    inst_ = Instance(/*n_ctx=*/16, /*n_seq=*/2, /*n_batch=*/8);
    before_ = Feed(*inst_, n_vocab_, 0, 0, Tokens(5, 14), false)[0];
  }
  // Runs {seq 0 pos 5, seq 1 pos 0, bad} and checks the refusal.
  void ExpectRefused(llmcore_batch_entry bad, StatusCode code, const std::string& text) {
    std::vector<llmcore_batch_entry> entries = {{0, 5, 1, 1}, {1, 0, 2, 1}, bad};
    std::vector<float> logits(3 * n_vocab_);
    Status st = inst_->Forward(entries, logits);
    EXPECT_EQ(st.code(), code) << st.ToString();
    EXPECT_THAT(st.message(), HasSubstr(text));
    ExpectUnchanged();
  }
  void ExpectUnchanged() {
    EXPECT_EQ(Length(*inst_, 0), 5);
    EXPECT_EQ(Length(*inst_, 1), 0);
    // Position 4 fed again after removing it gives the same logits.
    ASSERT_TRUE(inst_->SeqRemove(0, 4, -1).ok());
    const int32_t token = Tokens(5, 14)[4];
    EXPECT_EQ(Feed(*inst_, n_vocab_, 0, 4, {&token, 1}, false)[0], before_);
  }
  std::unique_ptr<DriverInstance> inst_;
  std::vector<float> before_;
};

TEST_F(BadBatchTest, TokenOutOfRange) {
  ExpectRefused({1, 1, int32_t(n_vocab_), 1}, StatusCode::kOutOfRange,
                "entry 2 (sequence 1, position 1): token 512 is out of range");
  ExpectRefused({1, 1, -1, 1}, StatusCode::kOutOfRange, "token -1 is out of range");
}

TEST_F(BadBatchTest, PositionBeyondContext) {
  ExpectRefused({1, 16, 3, 1}, StatusCode::kOutOfRange, "position 16 is beyond the context");
  // A sequence that has filled its context cannot take one more token.
  auto inst = Instance(/*n_ctx=*/8, 1, 8);
  Feed(*inst, n_vocab_, 0, 0, Tokens(8, 15), false);
  const int32_t token = 3;
  std::vector<float> logits(n_vocab_);
  llmcore_batch_entry entry = {0, 8, token, 1};
  Status st = inst->Forward({&entry, 1}, logits);
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_THAT(st.message(), HasSubstr("position 8 is beyond the context (n_ctx 8)"));
  EXPECT_EQ(Length(*inst, 0), 8);
}

TEST_F(BadBatchTest, NonConsecutivePositions) {
  ExpectRefused({1, 2, 3, 1}, StatusCode::kInvalidArgument,
                "positions are not consecutive (sequence 1 continues at position 1)");
  ExpectRefused({0, 5, 3, 1}, StatusCode::kInvalidArgument, "sequence 0 continues at position 6");
}

TEST_F(BadBatchTest, SequenceIdOutOfRange) {
  ExpectRefused({2, 0, 3, 1}, StatusCode::kInvalidArgument,
                "entry 2: sequence id 2 is out of range (n_seq_max 2)");
  ExpectRefused({-1, 0, 3, 1}, StatusCode::kInvalidArgument, "sequence id -1 is out of range");
}

TEST_F(BadBatchTest, BatchLargerThanDeclared) {
  std::vector<llmcore_batch_entry> entries;
  for (int32_t i = 0; i < 9; ++i) entries.push_back({1, i, 3, 0});
  std::vector<float> logits;
  Status st = inst_->Forward(entries, logits);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(st.message(), HasSubstr("batch of 9 entries is larger than n_batch_max 8"));
  ExpectUnchanged();
}

TEST_F(BadBatchTest, LogitsBufferTooSmall) {
  std::vector<llmcore_batch_entry> entries = {{0, 5, 1, 1}, {1, 0, 2, 1}};
  std::vector<float> logits(2 * n_vocab_ - 1);
  Status st = inst_->Forward(entries, logits);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(st.message(), HasSubstr("logits_capacity 1023"));
  ExpectUnchanged();
}

// --- Bad models: refused at instance creation, naming what is wrong.

class BadModelTest : public CpuDriverTest {
 protected:
  Status Create(const llmcore_model_desc& d) {
    auto inst = testing::CpuDriver()->CreateInstance(d, Params(16, 1, 4));
    return inst.status();
  }
};

TEST_F(BadModelTest, MissingTensor) {
  testing::EditableDesc d(desc());
  d.Remove("blk.1.ffn_up.weight");
  Status st = Create(d.get());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_THAT(st.message(), HasSubstr("tensor blk.1.ffn_up.weight: missing"));
}

TEST_F(BadModelTest, TensorOfWrongShape) {
  testing::EditableDesc d(desc());
  d.Find("blk.0.attn_k.weight")->ne[1] = 64;
  Status st = Create(d.get());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_THAT(st.message(),
              HasSubstr("tensor blk.0.attn_k.weight: shape [128, 64] should be [128, 32]"));
}

TEST_F(BadModelTest, TensorOfWrongByteSize) {
  testing::EditableDesc d(desc());
  d.Find("output_norm.weight")->n_bytes -= 4;
  Status st = Create(d.get());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_THAT(st.message(), HasSubstr("tensor output_norm.weight: n_bytes 508"));
}

TEST_F(BadModelTest, TensorOfUnsupportedType) {
  testing::EditableDesc d(desc());
  d.Find("blk.0.ffn_gate.weight")->type = 10;  // q2_K
  Status st = Create(d.get());
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_THAT(st.message(), HasSubstr("tensor blk.0.ffn_gate.weight has type q2_K"));
}

TEST_F(BadModelTest, UnsupportedArchitecture) {
  testing::EditableDesc d(desc());
  d.architecture = "mamba";
  Status st = Create(d.get());
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_THAT(st.message(), HasSubstr("unsupported architecture 'mamba'"));
}

TEST_F(BadModelTest, InconsistentHyperparameters) {
  testing::EditableDesc d(desc());
  d.desc.n_head_kv = 3;
  Status st = Create(d.get());
  EXPECT_EQ(st.code(), StatusCode::kCorrupt);
  EXPECT_THAT(st.message(), HasSubstr("n_head 8 is not a multiple of n_head_kv 3"));
}

TEST_F(BadModelTest, BadInstanceParameters) {
  Status st = testing::CpuDriver()->CreateInstance(desc(), Params(0, 1, 4)).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("n_ctx = 0"));
  auto params = Params(16, 1, 4);
  params.device_index = 1;
  st = testing::CpuDriver()->CreateInstance(desc(), params).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("device 1 does not exist"));
}

// A NaN in a weight matrix shows up as NaN logits: -EIO naming the entry,
// and the batch's keys and values are not committed.
TEST_F(BadModelTest, NanWeightGivesANamedErrorAndNoStateChange) {
  testing::EditableDesc d(desc());
  llmcore_tensor_desc* t = d.Find("blk.1.attn_output.weight");
  ASSERT_EQ(t->type, uint32_t{LLMCORE_TYPE_F32});
  std::vector<float> poisoned(t->n_bytes / 4);
  std::memcpy(poisoned.data(), t->data, t->n_bytes);
  poisoned[5] = std::numeric_limits<float>::quiet_NaN();
  t->data = poisoned.data();
  auto inst = NewInstance(d.get(), Params(16, 1, 8));
  std::vector<llmcore_batch_entry> entries = {{0, 0, 1, 0}, {0, 1, 2, 1}};
  std::vector<float> logits(n_vocab_);
  Status st = inst->Forward(entries, logits);
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_THAT(st.message(),
              HasSubstr("entry 1 (sequence 0, position 1): the logit of token 0 is NaN"));
  EXPECT_EQ(Length(*inst, 0), 0);
}

// rope_freqs.weight (what llama.cpp's converter writes for Llama 3) and the
// rope.scaling.* parameters give the same model.
TEST(CpuDriverRopeTest, RopeFreqsTensorEqualsScalingParameters) {
  auto model = GeneratedModel(
      "--dim 64 --heads 4 --kv-heads 2 --rope-scaling-factor 8 --rope-original-ctx 64 "
      "--ctx 256");
  const llmcore_model_desc& base = model->desc->desc();
  ASSERT_EQ(base.rope_scaling_factor, 8.0f);
  // The factors llama.cpp's converter computes, written out by hand.
  const uint32_t pairs = base.rope_dim / 2;
  std::vector<float> factors(pairs);
  for (uint32_t i = 0; i < pairs; ++i) {
    const double freq = std::pow(double{base.rope_freq_base}, -2.0 * i / base.rope_dim);
    const double wavelength = 2 * std::numbers::pi / freq;
    const double lo = base.rope_original_ctx / double{base.rope_low_freq_factor};
    const double hi = base.rope_original_ctx / double{base.rope_high_freq_factor};
    if (wavelength < hi) {
      factors[i] = 1;
    } else if (wavelength > lo) {
      factors[i] = base.rope_scaling_factor;
    } else {
      const double s = (base.rope_original_ctx / wavelength - base.rope_low_freq_factor) /
                       (base.rope_high_freq_factor - base.rope_low_freq_factor);
      factors[i] = float(1 / ((1 - s) / base.rope_scaling_factor + s));
    }
  }
  testing::EditableDesc with_tensor(base);
  with_tensor.desc.rope_scaling_factor = 0;
  llmcore_tensor_desc t{};
  t.type = LLMCORE_TYPE_F32;
  t.n_dims = 1;
  t.ne[0] = pairs;
  t.ne[1] = t.ne[2] = t.ne[3] = 1;
  t.data = factors.data();
  t.n_bytes = pairs * 4;
  with_tensor.Add(t, "rope_freqs.weight");
  testing::EditableDesc unscaled(base);
  unscaled.desc.rope_scaling_factor = 0;

  const auto prompt = testing::RandomTokens(40, base.n_vocab, 16);
  auto a = NewInstance(base, Params(64, 1, 64));
  auto b = NewInstance(with_tensor.get(), Params(64, 1, 64));
  auto c = NewInstance(unscaled.get(), Params(64, 1, 64));
  const auto la = Feed(*a, base.n_vocab, 0, 0, prompt, true);
  const auto lb = Feed(*b, base.n_vocab, 0, 0, prompt, true);
  const auto lc = Feed(*c, base.n_vocab, 0, 0, prompt, true);
  double scaled_vs_unscaled = 0;
  for (size_t p = 0; p < prompt.size(); ++p) {
    // The float factors round the double ones: 1e-6 is a few float ulps.
    EXPECT_LT(testing::NormalizedError(lb[p], la[p]), 1e-6) << "position " << p;
    scaled_vs_unscaled = std::max(scaled_vs_unscaled, testing::NormalizedError(lc[p], la[p]));
  }
  // Scaling does change the model at these positions (so the comparison
  // above means something).
  EXPECT_GT(scaled_vs_unscaled, 1e-3);
}

}  // namespace
}  // namespace llmcore
