/* Deliberately broken drivers for the loader tests, one per FAKE_DRIVER_*
 * variant (each built as its own module, see CMakeLists.txt):
 *   NO_ENTRY          exports a function, but not llmcore_driver_entry
 *   NULL_TABLE        the entry returns NULL (refuses the host's major)
 *   WRONG_MAJOR       the entry returns a table of ABI major + 1
 *   MISSING_FORWARD   a table without the required forward function
 *   INIT_FAILS        a complete table whose init fails with a message
 * and working ones for the driver manager's tests:
 *   SMALL_GPU         init succeeds; one GPU device "fake0" with 1 MiB total
 *                     and free; score 90; instance_create fails (-ENOMEM)
 *   DECLINES          init succeeds; no devices; score 0 (declines the machine)
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "llmcore/driver.h"

#define EXPORT __attribute__((visibility("default")))

#if defined(FAKE_DRIVER_NO_ENTRY)

EXPORT int llmcore_driver_entry_misspelled(void) {
  return 0;
}

#else

#if defined(FAKE_DRIVER_SMALL_GPU) || defined(FAKE_DRIVER_DECLINES)
#define FAKE_DRIVER_WORKS 1
#endif

#if defined(FAKE_DRIVER_WORKS)
/* The context is never dereferenced: any non-NULL address will do (never
 * written: no mutable state). */
static char fake_context;

static int32_t FakeInit(const llmcore_driver_host* host, llmcore_driver_ctx** out,
                        llmcore_error* error) {
  (void)host, (void)error;
  *out = (llmcore_driver_ctx*)&fake_context;
  return 0;
}

static int32_t FakeScore(llmcore_driver_ctx* ctx) {
  (void)ctx;
#if defined(FAKE_DRIVER_SMALL_GPU)
  return 90;
#else
  return 0;
#endif
}
#else
static int32_t FakeInit(const llmcore_driver_host* host, llmcore_driver_ctx** out,
                        llmcore_error* error) {
  (void)host;
  *out = NULL;
  if (error != NULL) {
    error->code = -EIO;
    strncpy(error->message, "fake device is on fire", sizeof(error->message) - 1);
    error->message[sizeof(error->message) - 1] = '\0';
  }
  return -EIO;
}
#endif

static void FakeFini(llmcore_driver_ctx* ctx) {
  (void)ctx;
}
#if defined(FAKE_DRIVER_SMALL_GPU)
static int32_t FakeDeviceCount(llmcore_driver_ctx* ctx) {
  (void)ctx;
  return 1;
}
static int32_t FakeDeviceInfo(llmcore_driver_ctx* ctx, uint32_t index, llmcore_device_info* out,
                              llmcore_error* error) {
  (void)ctx, (void)error;
  if (index != 0) return -EINVAL;
  out->kind = LLMCORE_DEVICE_GPU;
  strncpy(out->name, "fake0", sizeof(out->name) - 1);
  strncpy(out->description, "fake GPU with 1 MiB", sizeof(out->description) - 1);
  out->memory_total_bytes = 1u << 20;
  out->memory_free_bytes = 1u << 20;
  out->numa_node = -1;
  out->compute_units = 1;
  return 0;
}
static int32_t FakeInstanceCreate(llmcore_driver_ctx* ctx, const llmcore_model_desc* model,
                                  const llmcore_instance_params* params, llmcore_instance** out,
                                  llmcore_error* error) {
  (void)ctx, (void)model, (void)params, (void)out;
  if (error != NULL) {
    error->code = -ENOMEM;
    strncpy(error->message, "fake0 has 1 MiB", sizeof(error->message) - 1);
    error->message[sizeof(error->message) - 1] = '\0';
  }
  return -ENOMEM;
}
#else
static int32_t FakeDeviceCount(llmcore_driver_ctx* ctx) {
  (void)ctx;
  return 0;
}
static int32_t FakeDeviceInfo(llmcore_driver_ctx* ctx, uint32_t index, llmcore_device_info* out,
                              llmcore_error* error) {
  (void)ctx, (void)index, (void)out, (void)error;
  return -EINVAL;
}
static int32_t FakeInstanceCreate(llmcore_driver_ctx* ctx, const llmcore_model_desc* model,
                                  const llmcore_instance_params* params, llmcore_instance** out,
                                  llmcore_error* error) {
  (void)ctx, (void)model, (void)params, (void)out, (void)error;
  return -ENOTSUP;
}
#endif
static void FakeInstanceDestroy(llmcore_instance* instance) {
  (void)instance;
}
#if !defined(FAKE_DRIVER_MISSING_FORWARD)
static int32_t FakeForward(llmcore_instance* instance, const llmcore_batch* batch,
                           llmcore_error* error) {
  (void)instance, (void)batch, (void)error;
  return -ENOTSUP;
}
#endif

static const llmcore_driver kTable = {
    .struct_size = sizeof(llmcore_driver),
#if defined(FAKE_DRIVER_WRONG_MAJOR)
    .abi_major = LLMCORE_DRIVER_ABI_MAJOR + 1,
#else
    .abi_major = LLMCORE_DRIVER_ABI_MAJOR,
#endif
    .abi_minor = LLMCORE_DRIVER_ABI_MINOR,
    .name = "fake",
    .version = "0",
    .init = FakeInit,
    .fini = FakeFini,
#if defined(FAKE_DRIVER_WORKS)
    .score = FakeScore,
#endif
    .device_count = FakeDeviceCount,
    .device_info = FakeDeviceInfo,
    .instance_create = FakeInstanceCreate,
    .instance_destroy = FakeInstanceDestroy,
#if !defined(FAKE_DRIVER_MISSING_FORWARD)
    .forward = FakeForward,
#endif
};

EXPORT const llmcore_driver* llmcore_driver_entry(uint32_t host_abi_major,
                                                  uint32_t host_abi_minor) {
  (void)host_abi_major, (void)host_abi_minor;
#if defined(FAKE_DRIVER_NULL_TABLE)
  /* Refuses every major a real host has. */
  return host_abi_major == UINT32_MAX ? &kTable : NULL;
#else
  return &kTable;
#endif
}

#endif
