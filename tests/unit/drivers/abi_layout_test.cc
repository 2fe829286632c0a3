// Pins the size and field offsets of every struct that crosses the driver ABI.
// A failure here means the ABI changed: append fields and bump
// LLMCORE_DRIVER_ABI_MINOR, or bump the MAJOR for any other change, then
// update the numbers below (see the compatibility rule in driver.h).
#include <gtest/gtest.h>

#include <cstddef>

#include "llmcore/driver.h"  // first: the header must compile alone as C++

extern "C" size_t llmcore_test_c_sizeof_model_desc(void);
extern "C" size_t llmcore_test_c_sizeof_driver(void);
extern "C" size_t llmcore_test_c_sizeof_batch(void);

namespace {

TEST(DriverAbiTest, VersionIsOnePointOne) {
  EXPECT_EQ(LLMCORE_DRIVER_ABI_MAJOR, 1);
  EXPECT_EQ(LLMCORE_DRIVER_ABI_MINOR, 1);
  EXPECT_STREQ(LLMCORE_DRIVER_ENTRY_SYMBOL, "llmcore_driver_entry");
}

TEST(DriverAbiTest, TensorTypeIdsAreTheGgufIds) {
  EXPECT_EQ(LLMCORE_TYPE_F32, 0);
  EXPECT_EQ(LLMCORE_TYPE_F16, 1);
  EXPECT_EQ(LLMCORE_TYPE_Q4_0, 2);
  EXPECT_EQ(LLMCORE_TYPE_Q4_1, 3);
  EXPECT_EQ(LLMCORE_TYPE_Q5_0, 6);
  EXPECT_EQ(LLMCORE_TYPE_Q5_1, 7);
  EXPECT_EQ(LLMCORE_TYPE_Q8_0, 8);
  EXPECT_EQ(LLMCORE_TYPE_Q4_K, 12);
  EXPECT_EQ(LLMCORE_TYPE_Q5_K, 13);
  EXPECT_EQ(LLMCORE_TYPE_Q6_K, 14);
  EXPECT_EQ(LLMCORE_TYPE_BF16, 30);
}

TEST(DriverAbiTest, ErrorLayout) {
  EXPECT_EQ(sizeof(llmcore_error), 260u);
  EXPECT_EQ(offsetof(llmcore_error, message), 4u);
}

TEST(DriverAbiTest, HostLayout) {
  EXPECT_EQ(sizeof(llmcore_driver_host), 32u);
  EXPECT_EQ(offsetof(llmcore_driver_host, host_data), 16u);
  EXPECT_EQ(offsetof(llmcore_driver_host, log), 24u);
}

TEST(DriverAbiTest, DeviceInfoLayout) {
  EXPECT_EQ(sizeof(llmcore_device_info), 224u);
  EXPECT_EQ(offsetof(llmcore_device_info, name), 8u);
  EXPECT_EQ(offsetof(llmcore_device_info, description), 72u);
  EXPECT_EQ(offsetof(llmcore_device_info, memory_total_bytes), 200u);
  EXPECT_EQ(offsetof(llmcore_device_info, memory_free_bytes), 208u);
  EXPECT_EQ(offsetof(llmcore_device_info, numa_node), 216u);
  EXPECT_EQ(offsetof(llmcore_device_info, compute_units), 220u);
}

TEST(DriverAbiTest, TensorDescLayout) {
  EXPECT_EQ(sizeof(llmcore_tensor_desc), 64u);
  EXPECT_EQ(offsetof(llmcore_tensor_desc, type), 8u);
  EXPECT_EQ(offsetof(llmcore_tensor_desc, n_dims), 12u);
  EXPECT_EQ(offsetof(llmcore_tensor_desc, ne), 16u);
  EXPECT_EQ(offsetof(llmcore_tensor_desc, data), 48u);
  EXPECT_EQ(offsetof(llmcore_tensor_desc, n_bytes), 56u);
}

TEST(DriverAbiTest, ModelDescLayout) {
  EXPECT_EQ(sizeof(llmcore_model_desc), 96u);
  EXPECT_EQ(llmcore_test_c_sizeof_model_desc(), sizeof(llmcore_model_desc));
  EXPECT_EQ(offsetof(llmcore_model_desc, architecture), 8u);
  EXPECT_EQ(offsetof(llmcore_model_desc, n_vocab), 16u);
  EXPECT_EQ(offsetof(llmcore_model_desc, n_ff), 44u);
  EXPECT_EQ(offsetof(llmcore_model_desc, rms_norm_eps), 48u);
  EXPECT_EQ(offsetof(llmcore_model_desc, rope_kind), 56u);
  EXPECT_EQ(offsetof(llmcore_model_desc, rope_scaling_factor), 64u);
  EXPECT_EQ(offsetof(llmcore_model_desc, rope_original_ctx), 76u);
  EXPECT_EQ(offsetof(llmcore_model_desc, tensors), 80u);
  EXPECT_EQ(offsetof(llmcore_model_desc, n_tensors), 88u);
}

TEST(DriverAbiTest, InstanceParamsLayout) {
  EXPECT_EQ(sizeof(llmcore_instance_params), 40u);
  EXPECT_EQ(offsetof(llmcore_instance_params, n_threads), 20u);
  EXPECT_EQ(offsetof(llmcore_instance_params, cpus), 24u);
  EXPECT_EQ(offsetof(llmcore_instance_params, n_cpus), 32u);
}

TEST(DriverAbiTest, BatchLayout) {
  EXPECT_EQ(sizeof(llmcore_batch_entry), 16u);
  EXPECT_EQ(offsetof(llmcore_batch_entry, pos), 4u);
  EXPECT_EQ(offsetof(llmcore_batch_entry, token), 8u);
  EXPECT_EQ(sizeof(llmcore_batch), 48u);
  EXPECT_EQ(llmcore_test_c_sizeof_batch(), sizeof(llmcore_batch));
  EXPECT_EQ(offsetof(llmcore_batch, entries), 8u);
  EXPECT_EQ(offsetof(llmcore_batch, logits), 16u);
  EXPECT_EQ(offsetof(llmcore_batch, logits_capacity), 24u);
  // Appended in 1.1: a 1.0 batch (struct_size 32) ends before them.
  EXPECT_EQ(offsetof(llmcore_batch, embeddings), 32u);
  EXPECT_EQ(offsetof(llmcore_batch, embeddings_capacity), 40u);
}

TEST(DriverAbiTest, DriverTableLayout) {
  EXPECT_EQ(sizeof(llmcore_driver), 144u);
  EXPECT_EQ(llmcore_test_c_sizeof_driver(), sizeof(llmcore_driver));
  EXPECT_EQ(offsetof(llmcore_driver, name), 16u);
  EXPECT_EQ(offsetof(llmcore_driver, init), 32u);
  EXPECT_EQ(offsetof(llmcore_driver, score), 48u);
  EXPECT_EQ(offsetof(llmcore_driver, instance_create), 72u);
  EXPECT_EQ(offsetof(llmcore_driver, instance_destroy), 80u);
  EXPECT_EQ(offsetof(llmcore_driver, forward), 88u);
  EXPECT_EQ(offsetof(llmcore_driver, seq_length), 112u);
  EXPECT_EQ(offsetof(llmcore_driver, kv_format), 120u);
  EXPECT_EQ(offsetof(llmcore_driver, seq_import), 136u);
}

}  // namespace
