// The CPU driver's C entry points: the function table and its exported
// entry function. Every function here is an exception barrier: C++ errors
// become negative errno codes with a message (abi_error.h), std::bad_alloc
// becomes -ENOMEM, and nothing throws across the ABI.
#include <cerrno>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <thread>

#include "abi_error.h"
#include "driver_context.h"
#include "instance.h"
#include "kv_blob.h"
#include "llmcore/driver.h"

#ifndef LLMCORE_VERSION
#define LLMCORE_VERSION "unknown"
#endif

namespace llmcore::cpu {
namespace {

DriverContext* Ctx(llmcore_driver_ctx* ctx) {
  return reinterpret_cast<DriverContext*>(ctx);
}
Instance* Inst(llmcore_instance* instance) {
  return reinterpret_cast<Instance*>(instance);
}

template <typename F>
int32_t Guard(llmcore_error* error, F&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return SetError(error, -ENOMEM, "cpu driver: out of memory");
  } catch (const std::exception& e) {
    return SetError(error, -EIO, std::string("cpu driver: internal error: ") + e.what());
  } catch (...) {
    return SetError(error, -EIO, "cpu driver: internal error");
  }
}

int32_t NullInstance(llmcore_error* error) {
  return SetError(error, -EINVAL, "instance is NULL");
}

int32_t Init(const llmcore_driver_host* host, llmcore_driver_ctx** out, llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (out == nullptr) return SetError(error, -EINVAL, "init: out is NULL");
    *out = nullptr;
    auto ctx = DriverContext::Create(host);
    if (!ctx.ok()) return ReportStatus(ctx.status(), error);
    *out = reinterpret_cast<llmcore_driver_ctx*>(ctx->release());
    return 0;
  });
}

void Fini(llmcore_driver_ctx* ctx) {
  delete Ctx(ctx);
}

int32_t Score(llmcore_driver_ctx* /*ctx*/) {
  // Always usable, never preferred over an accelerator.
  return 10;
}

int32_t DeviceCount(llmcore_driver_ctx* ctx) {
  return ctx == nullptr ? -EINVAL : 1;
}

int32_t DeviceInfo(llmcore_driver_ctx* ctx, uint32_t index, llmcore_device_info* out,
                   llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (ctx == nullptr || out == nullptr) return SetError(error, -EINVAL, "device_info: NULL");
    if (index != 0) {
      return SetError(error, -EINVAL,
                      "device_info: device " + std::to_string(index) + " does not exist");
    }
    // The caller's struct_size says how many bytes it has room for.
    const uint32_t room = out->struct_size;
    llmcore_device_info info{};
    info.kind = LLMCORE_DEVICE_CPU;
    std::strncpy(info.name, "cpu", sizeof(info.name) - 1);
    info.numa_node = -1;
    auto topology = Ctx(ctx)->LiveTopology();
    std::string description;
    if (topology.ok()) {
      info.compute_units = static_cast<uint32_t>(topology->cores.size());
      info.memory_total_bytes = topology->total_memory_bytes;
      info.memory_free_bytes = topology->available_memory_bytes.value_or(0);
      if (topology->numa_nodes.size() == 1) info.numa_node = topology->numa_nodes[0].id;
      description = "CPU, " + std::to_string(topology->cores.size()) + " cores, " +
                    std::to_string(topology->LogicalCpuCount()) + " logical CPUs";
    } else {
      info.compute_units = std::max(1u, std::thread::hardware_concurrency());
      description = "CPU, " + std::to_string(info.compute_units) + " logical CPUs";
    }
    std::strncpy(info.description, description.c_str(), sizeof(info.description) - 1);
    const uint32_t n = std::min<uint32_t>(room, sizeof(info));
    info.struct_size = n;
    std::memcpy(out, &info, n);
    return 0;
  });
}

int32_t InstanceCreate(llmcore_driver_ctx* ctx, const llmcore_model_desc* model,
                       const llmcore_instance_params* params, llmcore_instance** out,
                       llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (ctx == nullptr || out == nullptr) {
      return SetError(error, -EINVAL, "instance_create: ctx or out is NULL");
    }
    *out = nullptr;
    auto instance = Instance::Create(*Ctx(ctx), model, params);
    if (!instance.ok()) return ReportStatus(instance.status(), error);
    *out = reinterpret_cast<llmcore_instance*>(instance->release());
    return 0;
  });
}

void InstanceDestroy(llmcore_instance* instance) {
  delete Inst(instance);
}

int32_t Forward(llmcore_instance* instance, const llmcore_batch* batch, llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (instance == nullptr) return NullInstance(error);
    return ReportStatus(Inst(instance)->Forward(batch), error);
  });
}

int32_t SeqRemove(llmcore_instance* instance, int32_t seq, int32_t p0, int32_t p1,
                  llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (instance == nullptr) return NullInstance(error);
    return ReportStatus(Inst(instance)->SeqRemove(seq, p0, p1), error);
  });
}

int32_t SeqCopy(llmcore_instance* instance, int32_t src, int32_t dst, int32_t p0, int32_t p1,
                llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (instance == nullptr) return NullInstance(error);
    return ReportStatus(Inst(instance)->SeqCopy(src, dst, p0, p1), error);
  });
}

int32_t SeqLength(llmcore_instance* instance, int32_t seq) {
  return Guard(nullptr, [&]() -> int32_t {
    if (instance == nullptr) return -EINVAL;
    auto length = Inst(instance)->SeqLength(seq);
    return length.ok() ? *length : -ErrnoOf(length.status().code());
  });
}

const char* KvFormat(llmcore_instance* /*instance*/) {
  return kKvFormat;
}

int32_t SeqExport(llmcore_instance* instance, int32_t seq, void* buffer, uint64_t capacity,
                  uint64_t* size, llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (instance == nullptr) return NullInstance(error);
    return ReportStatus(Inst(instance)->SeqExport(seq, buffer, capacity, size), error);
  });
}

int32_t SeqImport(llmcore_instance* instance, int32_t seq, const void* buffer, uint64_t size,
                  llmcore_error* error) {
  return Guard(error, [&]() -> int32_t {
    if (instance == nullptr) return NullInstance(error);
    return ReportStatus(Inst(instance)->SeqImport(seq, buffer, size), error);
  });
}

// Immutable: the only static data of the driver.
constexpr llmcore_driver kTable = {
    .struct_size = sizeof(llmcore_driver),
    .abi_major = LLMCORE_DRIVER_ABI_MAJOR,
    .abi_minor = LLMCORE_DRIVER_ABI_MINOR,
    .reserved0 = 0,
    .name = "cpu",
    .version = LLMCORE_VERSION,
    .init = Init,
    .fini = Fini,
    .score = Score,
    .device_count = DeviceCount,
    .device_info = DeviceInfo,
    .instance_create = InstanceCreate,
    .instance_destroy = InstanceDestroy,
    .forward = Forward,
    .seq_remove = SeqRemove,
    .seq_copy = SeqCopy,
    .seq_length = SeqLength,
    .kv_format = KvFormat,
    .seq_export = SeqExport,
    .seq_import = SeqImport,
};

}  // namespace
}  // namespace llmcore::cpu

// The one exported symbol (see exports.map). Same major: the table; the
// minor may differ either way (driver.h's rule). Another major: NULL.
extern "C" __attribute__((visibility("default"))) const llmcore_driver* llmcore_driver_entry(
    uint32_t host_abi_major, uint32_t /*host_abi_minor*/) {
  if (host_abi_major != LLMCORE_DRIVER_ABI_MAJOR) return nullptr;
  return &llmcore::cpu::kTable;
}
