#include "llmcore/driver_host/driver_library.h"

#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

namespace llmcore::driver_host {
namespace {

// The table prefix this host needs: everything up to and including forward.
constexpr size_t kRequiredTableBytes = offsetof(llmcore_driver, forward) + sizeof(void*);

// Driver strings are read bounded: the library is outside code.
std::string BoundedString(const char* s) {
  if (s == nullptr) return "";
  return std::string(s, strnlen(s, LLMCORE_NAME_MAX));
}

StatusCode CodeOf(int32_t code) {
  switch (-code) {
    case EINVAL: return StatusCode::kInvalidArgument;
    case ENOMEM:
    case ENOSPC: return StatusCode::kResourceExhausted;
    case ENOTSUP: return StatusCode::kUnsupported;
    case ERANGE: return StatusCode::kOutOfRange;
    case EPROTO: return StatusCode::kCorrupt;
    case EIO: return StatusCode::kIoError;
    case EPERM:
    case EACCES: return StatusCode::kPermissionDenied;
    case ENOENT: return StatusCode::kNotFound;
    default: return StatusCode::kInternal;
  }
}

}  // namespace

Status DriverStatus(const std::string& driver, const char* what, int32_t code,
                    const llmcore_error& error) {
  std::string message(error.message, strnlen(error.message, sizeof(error.message)));
  if (message.empty()) message = code < 0 ? std::strerror(-code) : "failed";
  return Status(CodeOf(code), "driver " + driver + ": " + what + ": " + message);
}

Result<std::shared_ptr<const DriverLibrary>> DriverLibrary::Open(const std::string& path) {
  const std::string prefix = "driver " + path + ": ";
  if (access(path.c_str(), F_OK) != 0) {
    return Status(errno == ENOENT ? StatusCode::kNotFound : StatusCode::kPermissionDenied,
                  prefix + "cannot open: " + std::strerror(errno));
  }
  std::shared_ptr<DriverLibrary> lib(new DriverLibrary());
  lib->path_ = path;
  dlerror();
  lib->handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->handle_ == nullptr) {
    const char* why = dlerror();
    return Status(StatusCode::kCorrupt, prefix + "cannot load: " + (why ? why : "dlopen failed"));
  }
  // From here on, returning an error destroys `lib`, which dlcloses.
  void* symbol = dlsym(lib->handle_, LLMCORE_DRIVER_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    return Status(StatusCode::kCorrupt,
                  prefix + "has no entry symbol " + LLMCORE_DRIVER_ENTRY_SYMBOL);
  }
  auto entry = reinterpret_cast<llmcore_driver_entry_fn>(symbol);
  const llmcore_driver* table = entry(LLMCORE_DRIVER_ABI_MAJOR, LLMCORE_DRIVER_ABI_MINOR);
  if (table == nullptr) {
    return Status(StatusCode::kUnsupported,
                  prefix + "refuses driver ABI major " + std::to_string(LLMCORE_DRIVER_ABI_MAJOR) +
                      " (the entry returned no table; it was built for another major)");
  }
  // The major is checked before any other field is trusted: another major
  // may lay the table out differently.
  if (table->abi_major != LLMCORE_DRIVER_ABI_MAJOR) {
    return Status(StatusCode::kUnsupported,
                  prefix + "has driver ABI major " + std::to_string(table->abi_major) +
                      ", this host needs " + std::to_string(LLMCORE_DRIVER_ABI_MAJOR));
  }
  if (table->struct_size < kRequiredTableBytes) {
    return Status(StatusCode::kCorrupt,
                  prefix + "table struct_size " + std::to_string(table->struct_size) +
                      " is too small (at least " + std::to_string(kRequiredTableBytes) + ")");
  }
  std::memcpy(&lib->table_, table, std::min<size_t>(table->struct_size, sizeof(llmcore_driver)));
  lib->table_.struct_size =
      static_cast<uint32_t>(std::min<size_t>(table->struct_size, sizeof(llmcore_driver)));
  const llmcore_driver& t = lib->table_;
  const std::pair<const char*, bool> required[] = {
      {"init", t.init != nullptr},
      {"fini", t.fini != nullptr},
      {"device_count", t.device_count != nullptr},
      {"device_info", t.device_info != nullptr},
      {"instance_create", t.instance_create != nullptr},
      {"instance_destroy", t.instance_destroy != nullptr},
      {"forward", t.forward != nullptr},
  };
  for (const auto& [name, present] : required) {
    if (!present) {
      return Status(StatusCode::kCorrupt, prefix + "table lacks the required function " + name);
    }
  }
  lib->name_ = BoundedString(t.name);
  if (lib->name_.empty()) lib->name_ = path;
  lib->version_ = BoundedString(t.version);
  return std::shared_ptr<const DriverLibrary>(std::move(lib));
}

DriverLibrary::~DriverLibrary() {
  if (handle_ != nullptr) dlclose(handle_);
}

}  // namespace llmcore::driver_host
