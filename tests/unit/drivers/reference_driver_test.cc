// The reference driver (llmcore-reference.so), loaded through the daemon's
// loader (driver_host) like any driver: its table and exports, bit-identity
// with the tests' ReferenceModel (the same NaiveModel code), the
// cross-backend check against the CPU driver over batches of two sequences,
// the sequence operations, KV export/import, and the ABI error codes for bad
// calls.
//
// Cross-backend threshold: the same as reference_crosscheck_test.cc (a
// normalized logit error of 1e-4; the two drivers differ only in rounding:
// double sums against f32 sums), plus identical greedy continuations.
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "driver_test_util.h"
#include "llmcore/reference/reference_model.h"
#include "llmcore/testing/testing.h"

namespace llmcore {
namespace {

using driver_host::DriverContext;
using driver_host::DriverInstance;

constexpr double kMaxNormalizedError = 1e-4;

std::shared_ptr<DriverContext> ReferenceDriver() {
  static std::shared_ptr<DriverContext> ctx = testing::OpenDriver(LLMCORE_TEST_REFERENCE_DRIVER);
  return ctx;
}

std::unique_ptr<DriverInstance> NewReferenceInstance(const llmcore_model_desc& desc,
                                                     const llmcore_instance_params& params) {
  return testing::NewInstance(*ReferenceDriver(), desc, params);
}

const llmcore_driver& Table() {
  return ReferenceDriver()->library().table();
}

// What one driver did in the two-sequence scenario: the logits of every row
// in order, and each sequence's greedy continuation.
struct Trace {
  std::vector<std::vector<float>> rows;
  std::vector<int32_t> continuation[2];
};

// One batch with both prompts interleaved (every entry wants logits), then
// `steps` decode batches of one entry per sequence, each feeding the greedy
// choice of that sequence's previous row.
Trace RunTwoSequences(DriverInstance& instance, uint32_t n_vocab,
                      const std::vector<int32_t> (&prompts)[2], int steps) {
  Trace trace;
  std::vector<llmcore_batch_entry> entries;
  int32_t next_pos[2] = {0, 0};
  const size_t longest = std::max(prompts[0].size(), prompts[1].size());
  for (size_t i = 0; i < longest; ++i) {
    for (int32_t s = 0; s < 2; ++s) {
      if (i < prompts[s].size()) entries.push_back({s, next_pos[s]++, prompts[s][i], 1u});
    }
  }
  int32_t last_row[2] = {-1, -1};
  for (int step = 0; step <= steps; ++step) {
    if (step > 0) {
      entries.clear();
      for (int32_t s = 0; s < 2; ++s) {
        const int32_t token = testing::Argmax(trace.rows[static_cast<size_t>(last_row[s])]);
        trace.continuation[s].push_back(token);
        entries.push_back({s, next_pos[s]++, token, 1u});
      }
    }
    std::vector<float> logits(entries.size() * n_vocab);
    Status status = instance.Forward(entries, logits);
    if (!status.ok()) throw std::runtime_error(status.ToString());
    for (size_t r = 0; r < entries.size(); ++r) {
      last_row[entries[r].seq_id] = static_cast<int32_t>(trace.rows.size());
      trace.rows.emplace_back(logits.begin() + r * n_vocab, logits.begin() + (r + 1) * n_vocab);
    }
  }
  return trace;
}

TEST(ReferenceDriverTest, LoadsThroughTheHostLoader) {
  auto ctx = ReferenceDriver();
  EXPECT_EQ(ctx->name(), "reference");
  EXPECT_EQ(Table().abi_major, uint32_t{LLMCORE_DRIVER_ABI_MAJOR});
  EXPECT_EQ(Table().abi_minor, uint32_t{LLMCORE_DRIVER_ABI_MINOR});
  EXPECT_GT(ctx->Score(), 0);
  EXPECT_LT(ctx->Score(), 10);  // below the CPU driver: never chosen over it
  auto count = ctx->DeviceCount();
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 1);
  auto info = ctx->DeviceInfo(0);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_STREQ(info->name, "cpu");
  EXPECT_EQ(info->kind, uint32_t{LLMCORE_DEVICE_CPU});
  auto missing = ctx->DeviceInfo(1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
}

TEST(ReferenceDriverTest, ExportsOnlyItsEntrySymbol) {
  EXPECT_EQ(testing::ExportedSymbols(LLMCORE_TEST_REFERENCE_DRIVER),
            std::set<std::string>{"llmcore_driver_entry"});
}

struct ModelCase {
  const char* name;
  const char* args;  // llmcore-mkmodel arguments; nullptr: the bundled stories260K
};

void PrintTo(const ModelCase& c, std::ostream* os) {
  *os << c.name;
}

std::shared_ptr<testing::LoadedModel> Load(const ModelCase& c) {
  return c.args == nullptr ? testing::LoadModel(testing::BundledModelPath())
                           : testing::GeneratedModel(c.args);
}

const ModelCase kModels[] = {
    {"stories260K", nullptr},
    {"llama_q8_0",
     "--arch llama --dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --ctx 64 --type q8_0 "
     "--seed 11"},
    {"qwen3_f16",
     "--arch qwen3 --dim 64 --layers 2 --heads 4 --kv-heads 2 --head-dim 32 --ffn 128 --ctx 64 "
     "--type f16 --seed 12"},
};

class ReferenceDriverModelTest : public ::testing::TestWithParam<ModelCase> {};

// Two sequences in one batch and a few decode steps: the reference driver's
// logits match the CPU driver's, and the greedy continuations are the same.
TEST_P(ReferenceDriverModelTest, MatchesTheCpuDriver) {
  auto model = Load(GetParam());
  const llmcore_model_desc& desc = model->desc->desc();
  const std::vector<int32_t> prompts[2] = {testing::RandomTokens(7, desc.n_vocab, 1),
                                           testing::RandomTokens(11, desc.n_vocab, 2)};
  constexpr int kSteps = 6;
  auto reference = NewReferenceInstance(desc, testing::Params(64, 2, 32));
  auto cpu = testing::NewInstance(desc, testing::Params(64, 2, 32, 2));
  const Trace got = RunTwoSequences(*reference, desc.n_vocab, prompts, kSteps);
  const Trace want = RunTwoSequences(*cpu, desc.n_vocab, prompts, kSteps);
  ASSERT_EQ(got.rows.size(), want.rows.size());
  double worst_normalized = 0, worst_abs = 0;
  for (size_t r = 0; r < got.rows.size(); ++r) {
    const double error = testing::NormalizedError(got.rows[r], want.rows[r]);
    worst_normalized = std::max(worst_normalized, error);
    for (size_t t = 0; t < got.rows[r].size(); ++t) {
      worst_abs = std::max(worst_abs, std::fabs(double{got.rows[r][t]} - want.rows[r][t]));
    }
    EXPECT_LT(error, kMaxNormalizedError) << "row " << r;
  }
  for (int s = 0; s < 2; ++s) {
    EXPECT_EQ(got.continuation[s], want.continuation[s]) << "sequence " << s;
  }
  RecordProperty("worst_normalized_error", std::to_string(worst_normalized));
  RecordProperty("max_abs_diff", std::to_string(worst_abs));
  std::printf("%s: reference vs cpu over %zu rows: max |diff| %.3g, normalized %.3g\n",
              GetParam().name, got.rows.size(), worst_abs, worst_normalized);
}

// The driver is the tests' ReferenceModel behind the ABI: the same code on
// the same numbers gives the same bits, sequence by sequence, whatever the
// interleaving of the batch; and the hidden states (ABI 1.1) likewise.
TEST_P(ReferenceDriverModelTest, IsTheReferenceModelBitForBit) {
  auto model = Load(GetParam());
  const llmcore_model_desc& desc = model->desc->desc();
  auto naive = reference::ReferenceModel::Load(*model->segment);
  ASSERT_TRUE(naive.ok()) << naive.status().ToString();
  const std::vector<int32_t> prompts[2] = {testing::RandomTokens(5, desc.n_vocab, 3),
                                           testing::RandomTokens(8, desc.n_vocab, 4)};
  auto instance = NewReferenceInstance(desc, testing::Params(32, 2, 16));
  const Trace got = RunTwoSequences(*instance, desc.n_vocab, prompts, 3);
  ASSERT_EQ(got.rows.size(), 5u + 8u + 2u * 3u);
  // Each sequence's tokens as fed (its prompt, then its continuation).
  std::vector<int32_t> tokens[2] = {prompts[0], prompts[1]};
  for (int s = 0; s < 2; ++s) {
    tokens[s].insert(tokens[s].end(), got.continuation[s].begin(), got.continuation[s].end());
  }
  const auto want0 = naive->Logits(tokens[0]);
  const auto want1 = naive->Logits(tokens[1]);
  size_t row = 0, i0 = 0, i1 = 0;
  for (size_t i = 0; i < 8; ++i) {  // the interleaved prefill
    if (i < 5) {
      EXPECT_EQ(got.rows[row++], want0[i0++]) << "prefill, sequence 0, position " << i;
    }
    EXPECT_EQ(got.rows[row++], want1[i1++]) << "prefill, sequence 1, position " << i;
  }
  while (row < got.rows.size()) {
    EXPECT_EQ(got.rows[row++], want0[i0++]) << "decode, sequence 0";
    EXPECT_EQ(got.rows[row++], want1[i1++]) << "decode, sequence 1";
  }

  // Hidden states only (logits NULL).
  auto fresh = NewReferenceInstance(desc, testing::Params(32, 1, 16));
  std::vector<llmcore_batch_entry> entries;
  for (size_t i = 0; i < prompts[1].size(); ++i) {
    entries.push_back({0, static_cast<int32_t>(i), prompts[1][i], 1u});
  }
  std::vector<float> hidden(entries.size() * desc.n_embd);
  ASSERT_TRUE(fresh->Forward(entries, {}, hidden).ok());
  const auto want_hidden = naive->HiddenStates(prompts[1]);
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::vector<float> got_row(hidden.begin() + i * desc.n_embd,
                                     hidden.begin() + (i + 1) * desc.n_embd);
    EXPECT_EQ(got_row, want_hidden[i]) << "position " << i;
  }
}

// seq_remove then re-feeding gives the same logits; seq_copy forks a prefix.
TEST_P(ReferenceDriverModelTest, SequenceOperations) {
  auto model = Load(GetParam());
  const llmcore_model_desc& desc = model->desc->desc();
  const auto tokens = testing::RandomTokens(10, desc.n_vocab, 5);
  auto instance = NewReferenceInstance(desc, testing::Params(32, 3, 16));
  const auto first = testing::Feed(*instance, desc.n_vocab, 0, 0, tokens, true);
  ASSERT_TRUE(instance->SeqRemove(0, 6, -1).ok());
  EXPECT_EQ(*instance->SeqLength(0), 6);
  const auto again =
      testing::Feed(*instance, desc.n_vocab, 0, 6, {tokens.data() + 6, tokens.size() - 6}, true);
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i], first[6 + i]) << i;

  ASSERT_TRUE(instance->SeqCopy(0, 2, 0, 5).ok());
  EXPECT_EQ(*instance->SeqLength(2), 5);
  const auto forked = testing::Feed(*instance, desc.n_vocab, 2, 5, {&tokens[5], 1}, false);
  EXPECT_EQ(forked[0], first[5]);
  EXPECT_EQ(*instance->SeqLength(1), 0);  // untouched
}

std::string ModelName(const ::testing::TestParamInfo<ModelCase>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Models, ReferenceDriverModelTest, ::testing::ValuesIn(kModels), ModelName);

// Bad calls through the raw table: the ABI's codes and a message, no abort,
// and no sequence changed.
TEST(ReferenceDriverBadInputTest, ForwardRejectsBadBatches) {
  auto model = testing::LoadModel(testing::BundledModelPath());
  const llmcore_model_desc& desc = model->desc->desc();
  auto instance = NewReferenceInstance(desc, testing::Params(16, 2, 4));
  const auto tokens = testing::RandomTokens(3, desc.n_vocab, 6);
  testing::Feed(*instance, desc.n_vocab, 0, 0, tokens, false);

  std::vector<float> logits(4 * desc.n_vocab);
  auto call = [&](std::vector<llmcore_batch_entry> entries, uint64_t capacity) {
    llmcore_batch batch{};
    batch.struct_size = sizeof(batch);
    batch.n_entries = static_cast<uint32_t>(entries.size());
    batch.entries = entries.data();
    batch.logits = logits.data();
    batch.logits_capacity = capacity;
    llmcore_error error{};
    const int32_t rc = Table().forward(instance->handle(), &batch, &error);
    if (rc != 0) {
      EXPECT_EQ(error.code, rc);
      EXPECT_GT(std::strlen(error.message), 0u);
    }
    return rc;
  };
  const int32_t ok = tokens[0];
  const int32_t big = static_cast<int32_t>(desc.n_vocab);
  const uint64_t room = logits.size();
  EXPECT_EQ(call({{0, 3, big, 1}}, room), -ERANGE);                 // token out of range
  EXPECT_EQ(call({{0, 3, -1, 1}}, room), -ERANGE);                  // negative token
  EXPECT_EQ(call({{2, 0, ok, 1}}, room), -EINVAL);                  // sequence id too large
  EXPECT_EQ(call({{-1, 0, ok, 1}}, room), -EINVAL);                 // negative sequence id
  EXPECT_EQ(call({{0, 5, ok, 1}}, room), -EINVAL);                  // a gap
  EXPECT_EQ(call({{1, 16, ok, 1}}, room), -ERANGE);                 // beyond n_ctx
  EXPECT_EQ(call({{0, 3, ok, 1}, {0, 4, big, 1}}, room), -ERANGE);  // second entry bad
  EXPECT_EQ(call({{0, 3, ok, 0}, {0, 4, ok, 0}, {0, 5, ok, 0}, {0, 6, ok, 0}, {0, 7, ok, 1}}, room),
            -ENOSPC);                                                      // more than n_batch_max
  EXPECT_EQ(call({{0, 3, ok, 1}, {1, 0, ok, 1}}, desc.n_vocab), -ENOSPC);  // logits too small
  EXPECT_EQ(Table().forward(instance->handle(), nullptr, nullptr), -EINVAL);
  EXPECT_EQ(Table().forward(nullptr, nullptr, nullptr), -EINVAL);
  llmcore_batch short_batch{};
  short_batch.struct_size = 4;
  EXPECT_EQ(Table().forward(instance->handle(), &short_batch, nullptr), -EINVAL);
  // Nothing changed: the sequence still continues at position 3.
  EXPECT_EQ(Table().seq_length(instance->handle(), 0), 3);
  EXPECT_EQ(Table().seq_length(instance->handle(), 1), 0);
  EXPECT_EQ(call({{0, 3, ok, 1}}, room), 0);
}

// A non-finite output is -EIO, and the sequences the batch touched are cut
// back to where they were.
TEST(ReferenceDriverBadInputTest, NonFiniteOutputIsEioAndRollsBack) {
  auto model = testing::LoadModel(testing::BundledModelPath());
  testing::EditableDesc edit(model->desc->desc());
  llmcore_tensor_desc* norm = edit.Find("output_norm.weight");
  ASSERT_EQ(norm->type, uint32_t{LLMCORE_TYPE_F32});
  const std::vector<float> nan(norm->ne[0], std::nanf(""));
  norm->data = nan.data();
  const llmcore_model_desc& desc = edit.get();
  auto instance = NewReferenceInstance(desc, testing::Params(16, 2, 8));
  const std::vector<llmcore_batch_entry> entries = {{0, 0, 5, 0}, {1, 0, 6, 0}, {0, 1, 7, 1}};
  std::vector<float> logits(desc.n_vocab);
  llmcore_batch batch{};
  batch.struct_size = sizeof(batch);
  batch.n_entries = static_cast<uint32_t>(entries.size());
  batch.entries = entries.data();
  batch.logits = logits.data();
  batch.logits_capacity = logits.size();
  llmcore_error error{};
  EXPECT_EQ(Table().forward(instance->handle(), &batch, &error), -EIO);
  EXPECT_EQ(error.code, -EIO);
  EXPECT_EQ(Table().seq_length(instance->handle(), 0), 0);
  EXPECT_EQ(Table().seq_length(instance->handle(), 1), 0);
}

TEST(ReferenceDriverBadInputTest, SequenceCalls) {
  auto model = testing::LoadModel(testing::BundledModelPath());
  const llmcore_model_desc& desc = model->desc->desc();
  auto instance = NewReferenceInstance(desc, testing::Params(16, 2, 8));
  testing::Feed(*instance, desc.n_vocab, 0, 0, testing::RandomTokens(5, desc.n_vocab, 7), false);
  llmcore_instance* h = instance->handle();
  llmcore_error error{};
  EXPECT_EQ(Table().seq_remove(h, 0, 1, 3, &error), -ENOTSUP);  // a hole
  EXPECT_EQ(error.code, -ENOTSUP);
  EXPECT_EQ(Table().seq_remove(h, 0, -1, -1, &error), -EINVAL);
  EXPECT_EQ(Table().seq_remove(h, 2, 0, -1, &error), -EINVAL);
  EXPECT_EQ(Table().seq_copy(h, 0, 1, 2, -1, &error), -EINVAL);  // would leave a hole in 1
  EXPECT_EQ(Table().seq_copy(h, 0, 5, 0, -1, &error), -EINVAL);
  EXPECT_EQ(Table().seq_length(h, 7), -EINVAL);
  EXPECT_EQ(Table().seq_length(h, 0), 5);
  EXPECT_EQ(Table().seq_length(nullptr, 0), -EINVAL);
}

// KV export/import ("reference-f32-v1"): a sequence moved to another
// instance continues bit for bit; a damaged or foreign blob is refused with
// -EPROTO and the sequence left as it was.
TEST(ReferenceDriverKvTest, ExportImportMovesASequence) {
  auto model = testing::LoadModel(testing::BundledModelPath());
  const llmcore_model_desc& desc = model->desc->desc();
  const auto tokens = testing::RandomTokens(9, desc.n_vocab, 8);
  auto from = NewReferenceInstance(desc, testing::Params(32, 2, 16));
  auto to = NewReferenceInstance(desc, testing::Params(32, 2, 16));
  EXPECT_EQ(from->KvFormat(), "reference-f32-v1");
  testing::Feed(*from, desc.n_vocab, 0, 0, {tokens.data(), 8}, false);
  auto blob = from->SeqExport(0);
  ASSERT_TRUE(blob.ok()) << blob.status().ToString();
  ASSERT_TRUE(to->SeqImport(1, *blob).ok());
  EXPECT_EQ(*to->SeqLength(1), 8);
  const auto want = testing::Feed(*from, desc.n_vocab, 0, 8, {&tokens[8], 1}, false);
  const auto got = testing::Feed(*to, desc.n_vocab, 1, 8, {&tokens[8], 1}, false);
  EXPECT_EQ(got[0], want[0]);

  llmcore_error error{};
  uint64_t size = 0;
  EXPECT_EQ(Table().seq_export(from->handle(), 0, nullptr, 0, &size, &error), 0);
  EXPECT_EQ(size, blob->size() + 2 * desc.n_layer * desc.n_head_kv * desc.head_dim * 4);
  std::vector<std::byte> small(16);
  EXPECT_EQ(Table().seq_export(from->handle(), 0, small.data(), small.size(), &size, &error),
            -ENOSPC);
  EXPECT_EQ(Table().seq_export(from->handle(), 0, small.data(), small.size(), nullptr, &error),
            -EINVAL);

  auto import = [&](const std::vector<std::byte>& bytes) {
    return Table().seq_import(to->handle(), 0, bytes.data(), bytes.size(), &error);
  };
  std::vector<std::byte> damaged = *blob;
  damaged[damaged.size() - 3] ^= std::byte{0x40};
  EXPECT_EQ(import(damaged), -EPROTO);
  EXPECT_EQ(import({blob->begin(), blob->end() - 4}), -EPROTO);
  EXPECT_EQ(import({blob->begin(), blob->begin() + 10}), -EPROTO);
  EXPECT_EQ(Table().seq_import(to->handle(), 0, nullptr, 0, &error), -EPROTO);
  EXPECT_EQ(Table().seq_import(to->handle(), 9, blob->data(), blob->size(), &error), -EINVAL);
  // The CPU driver's blob of the same model: another format.
  auto cpu = testing::NewInstance(desc, testing::Params(32, 1, 16));
  testing::Feed(*cpu, desc.n_vocab, 0, 0, {tokens.data(), 8}, false);
  auto cpu_blob = cpu->SeqExport(0);
  ASSERT_TRUE(cpu_blob.ok());
  EXPECT_EQ(import(*cpu_blob), -EPROTO);
  // Another model's blob.
  auto other = testing::GeneratedModel(
      "--arch llama --dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128 --ctx 64 --seed 13");
  auto other_instance = NewReferenceInstance(other->desc->desc(), testing::Params(32, 1, 16));
  const std::vector<int32_t> three = {1, 2, 3};
  testing::Feed(*other_instance, other->desc->desc().n_vocab, 0, 0, three, false);
  auto other_blob = other_instance->SeqExport(0);
  ASSERT_TRUE(other_blob.ok());
  EXPECT_EQ(import(*other_blob), -EPROTO);
  EXPECT_EQ(*to->SeqLength(0), 0);  // every refusal left it as it was
  EXPECT_EQ(*to->SeqLength(1), 9);
}

TEST(ReferenceDriverBadInputTest, InstanceCreateRejectsBadModels) {
  auto model = testing::LoadModel(testing::BundledModelPath());
  const llmcore_model_desc& desc = model->desc->desc();
  auto create = [](const llmcore_model_desc* d, const llmcore_instance_params* p) {
    llmcore_instance* out = nullptr;
    llmcore_error error{};
    const int32_t rc = Table().instance_create(ReferenceDriver()->handle(), d, p, &out, &error);
    EXPECT_EQ(out, nullptr);
    if (rc != 0) {
      EXPECT_EQ(error.code, rc);
    }
    Table().instance_destroy(out);
    return rc;
  };
  const llmcore_instance_params params = testing::Params(16, 1, 4);
  {
    testing::EditableDesc edit(desc);
    edit.architecture = "mamba";
    EXPECT_EQ(create(&edit.get(), &params), -ENOTSUP);
  }
  {
    testing::EditableDesc edit(desc);
    edit.Remove("blk.0.ffn_up.weight");
    EXPECT_EQ(create(&edit.get(), &params), -EPROTO);
  }
  {
    testing::EditableDesc edit(desc);
    edit.Find("blk.1.attn_q.weight")->n_bytes -= 4;
    EXPECT_EQ(create(&edit.get(), &params), -EPROTO);
  }
  {
    testing::EditableDesc edit(desc);
    edit.Find("blk.0.attn_k.weight")->ne[0] += 1;
    EXPECT_EQ(create(&edit.get(), &params), -EPROTO);
  }
  {
    testing::EditableDesc edit(desc);
    edit.desc.n_head_kv = 0;
    EXPECT_EQ(create(&edit.get(), &params), -EPROTO);
  }
  llmcore_instance_params bad = params;
  bad.device_index = 1;
  EXPECT_EQ(create(&desc, &bad), -EINVAL);
  bad = params;
  bad.n_ctx = 0;
  EXPECT_EQ(create(&desc, &bad), -EINVAL);
  EXPECT_EQ(create(&desc, nullptr), -EINVAL);
  EXPECT_EQ(create(nullptr, &params), -EINVAL);
}

}  // namespace
}  // namespace llmcore
