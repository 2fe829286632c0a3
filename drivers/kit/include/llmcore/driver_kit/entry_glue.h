// The C side of a driver: its llmcore_driver function table built from a
// C++ driver description, every function an exception barrier. A driver's
// entry.cc defines a traits struct and exports the table (driver.h,
// "Discovery"):
//
//   struct MyDriver {
//     using Context = MyContext;       // the llmcore_driver_ctx behind the ABI
//     using Instance = MyInstance;     // the llmcore_instance behind the ABI
//     static constexpr const char* kName = "cpu";        // table name, messages
//     static constexpr const char* kVersion = LLMCORE_VERSION;
//     static constexpr const char* kKvFormat = "cpu-f32-v1";
//     static constexpr int32_t kScore = 10;  // driver.h's score
//     // Fills `info` (zeroed) for device 0: kind, name, description, sizes.
//     static void DescribeDevice(Context&, llmcore_device_info& info);
//   };
//   extern "C" ... llmcore_driver_entry(uint32_t major, uint32_t) {
//     return major == LLMCORE_DRIVER_ABI_MAJOR ? &driver_kit::kDriverTable<MyDriver> : nullptr;
//   }
//
// Context needs `static Result<std::unique_ptr<Context>> Create(const
// llmcore_driver_host*)`; Instance needs `static Result<std::unique_ptr<
// Instance>> Create(Context&, const llmcore_model_desc*, const
// llmcore_instance_params*)` and Forward, SeqRemove, SeqCopy, SeqLength,
// SeqExport, SeqImport with the signatures of the table's functions (minus
// the instance and error), returning Status (Result<int32_t> for SeqLength).
//
// Errors: a Status becomes a negative errno plus message (abi_error.h);
// std::bad_alloc becomes -ENOMEM ("<name> driver: out of memory"), any other
// exception -EIO ("<name> driver: internal error: ..."); nothing throws
// across the ABI. NULL handles answer -EINVAL.
//
// Ownership: init's context and instance_create's instance belong to the
// host until fini / instance_destroy. The table is constant static data.
// Thread safety: as driver.h says for each function; the glue adds no state.
// Single-device drivers only: device_count is 1, and device_info refuses
// any index but 0.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "llmcore/driver.h"
#include "llmcore/driver_kit/abi_error.h"

namespace llmcore::driver_kit {

template <typename Driver>
struct EntryGlue {
  using Context = typename Driver::Context;
  using Instance = typename Driver::Instance;

  static Context* Ctx(llmcore_driver_ctx* ctx) { return reinterpret_cast<Context*>(ctx); }
  static Instance* Inst(llmcore_instance* instance) {
    return reinterpret_cast<Instance*>(instance);
  }

  // "<name> driver: <what><detail>" into `error`, without allocating (the
  // bad_alloc path must not throw).
  static int32_t SetDriverError(llmcore_error* error, int32_t code, const char* what,
                                const char* detail = "") noexcept {
    char message[sizeof(llmcore_error::message)];
    std::snprintf(message, sizeof message, "%s driver: %s%s", Driver::kName, what, detail);
    return SetError(error, code, message);
  }

  template <typename F>
  static int32_t Guard(llmcore_error* error, F&& body) noexcept {
    try {
      return body();
    } catch (const std::bad_alloc&) {
      return SetDriverError(error, -ENOMEM, "out of memory");
    } catch (const std::exception& e) {
      return SetDriverError(error, -EIO, "internal error: ", e.what());
    } catch (...) {
      return SetDriverError(error, -EIO, "internal error");
    }
  }

  static int32_t NullInstance(llmcore_error* error) {
    return SetError(error, -EINVAL, "instance is NULL");
  }

  static int32_t Init(const llmcore_driver_host* host, llmcore_driver_ctx** out,
                      llmcore_error* error) {
    return Guard(error, [&]() -> int32_t {
      if (out == nullptr) return SetError(error, -EINVAL, "init: out is NULL");
      *out = nullptr;
      auto ctx = Context::Create(host);
      if (!ctx.ok()) return ReportStatus(ctx.status(), error);
      *out = reinterpret_cast<llmcore_driver_ctx*>(ctx->release());
      return 0;
    });
  }

  static void Fini(llmcore_driver_ctx* ctx) { delete Ctx(ctx); }

  static int32_t Score(llmcore_driver_ctx* /*ctx*/) { return Driver::kScore; }

  static int32_t DeviceCount(llmcore_driver_ctx* ctx) { return ctx == nullptr ? -EINVAL : 1; }

  static int32_t DeviceInfo(llmcore_driver_ctx* ctx, uint32_t index, llmcore_device_info* out,
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
      Driver::DescribeDevice(*Ctx(ctx), info);
      const uint32_t n = room < sizeof(info) ? room : static_cast<uint32_t>(sizeof(info));
      info.struct_size = n;
      std::memcpy(out, &info, n);
      return 0;
    });
  }

  static int32_t InstanceCreate(llmcore_driver_ctx* ctx, const llmcore_model_desc* model,
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

  static void InstanceDestroy(llmcore_instance* instance) { delete Inst(instance); }

  static int32_t Forward(llmcore_instance* instance, const llmcore_batch* batch,
                         llmcore_error* error) {
    return Guard(error, [&]() -> int32_t {
      if (instance == nullptr) return NullInstance(error);
      return ReportStatus(Inst(instance)->Forward(batch), error);
    });
  }

  static int32_t SeqRemove(llmcore_instance* instance, int32_t seq, int32_t p0, int32_t p1,
                           llmcore_error* error) {
    return Guard(error, [&]() -> int32_t {
      if (instance == nullptr) return NullInstance(error);
      return ReportStatus(Inst(instance)->SeqRemove(seq, p0, p1), error);
    });
  }

  static int32_t SeqCopy(llmcore_instance* instance, int32_t src, int32_t dst, int32_t p0,
                         int32_t p1, llmcore_error* error) {
    return Guard(error, [&]() -> int32_t {
      if (instance == nullptr) return NullInstance(error);
      return ReportStatus(Inst(instance)->SeqCopy(src, dst, p0, p1), error);
    });
  }

  static int32_t SeqLength(llmcore_instance* instance, int32_t seq) {
    return Guard(nullptr, [&]() -> int32_t {
      if (instance == nullptr) return -EINVAL;
      auto length = Inst(instance)->SeqLength(seq);
      return length.ok() ? *length : -ErrnoOf(length.status().code());
    });
  }

  static const char* KvFormat(llmcore_instance* /*instance*/) { return Driver::kKvFormat; }

  static int32_t SeqExport(llmcore_instance* instance, int32_t seq, void* buffer, uint64_t capacity,
                           uint64_t* size, llmcore_error* error) {
    return Guard(error, [&]() -> int32_t {
      if (instance == nullptr) return NullInstance(error);
      return ReportStatus(Inst(instance)->SeqExport(seq, buffer, capacity, size), error);
    });
  }

  static int32_t SeqImport(llmcore_instance* instance, int32_t seq, const void* buffer,
                           uint64_t size, llmcore_error* error) {
    return Guard(error, [&]() -> int32_t {
      if (instance == nullptr) return NullInstance(error);
      return ReportStatus(Inst(instance)->SeqImport(seq, buffer, size), error);
    });
  }
};

// The driver's function table: immutable, the only static data the glue
// adds. Every function of the table is set, the optional ones included.
template <typename Driver>
inline constexpr llmcore_driver kDriverTable = {
    .struct_size = sizeof(llmcore_driver),
    .abi_major = LLMCORE_DRIVER_ABI_MAJOR,
    .abi_minor = LLMCORE_DRIVER_ABI_MINOR,
    .reserved0 = 0,
    .name = Driver::kName,
    .version = Driver::kVersion,
    .init = EntryGlue<Driver>::Init,
    .fini = EntryGlue<Driver>::Fini,
    .score = EntryGlue<Driver>::Score,
    .device_count = EntryGlue<Driver>::DeviceCount,
    .device_info = EntryGlue<Driver>::DeviceInfo,
    .instance_create = EntryGlue<Driver>::InstanceCreate,
    .instance_destroy = EntryGlue<Driver>::InstanceDestroy,
    .forward = EntryGlue<Driver>::Forward,
    .seq_remove = EntryGlue<Driver>::SeqRemove,
    .seq_copy = EntryGlue<Driver>::SeqCopy,
    .seq_length = EntryGlue<Driver>::SeqLength,
    .kv_format = EntryGlue<Driver>::KvFormat,
    .seq_export = EntryGlue<Driver>::SeqExport,
    .seq_import = EntryGlue<Driver>::SeqImport,
};

}  // namespace llmcore::driver_kit
