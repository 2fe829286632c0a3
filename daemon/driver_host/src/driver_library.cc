#include "llmcore/driver_host/driver_library.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <map>
#include <mutex>
#include <utility>

#include "llmcore/unique_fd.h"

namespace llmcore::driver_host {

// One library file as the dynamic loader knows it: the descriptor it was
// dlopened through and the name that gave it ("/proc/self/fd/<n>"). The
// process-wide table below holds one per file (device, inode) while a
// DriverLibrary of it lives, and for good once the object outlived its last
// DriverLibrary (the header says why).
struct DriverLibrary::LoadedFile {
  using Key = std::pair<dev_t, ino_t>;

  Key key;
  UniqueFd fd;
  std::string proc_name;
  int users = 0;  // DriverLibrary objects holding a handle; under Mutex()

  // Never destroyed: a DriverLibrary may be released during static
  // destruction.
  static std::mutex& Mutex() {
    static auto* mu = new std::mutex();
    return *mu;
  }
  static std::map<Key, std::shared_ptr<LoadedFile>>& Table() {
    static auto* table = new std::map<Key, std::shared_ptr<LoadedFile>>();
    return *table;
  }
};

namespace {

// Whether the loader still has an object mapped at `base` under `name`.
bool StillLoaded(ElfW(Addr) base, const std::string& name) {
  struct Wanted {
    ElfW(Addr) base;
    const std::string* name;
  } wanted{base, &name};
  return dl_iterate_phdr(
             [](dl_phdr_info* info, size_t, void* data) -> int {
               const auto* w = static_cast<const Wanted*>(data);
               return info->dlpi_addr == w->base && info->dlpi_name != nullptr &&
                              *w->name == info->dlpi_name
                          ? 1
                          : 0;
             },
             &wanted) != 0;
}

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
  // O_NONBLOCK: a FIFO in a driver directory must not hang the caller; it
  // changes nothing for a regular file.
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd) {
    const int err = errno;
    const StatusCode code = err == ENOENT || err == ENOTDIR ? StatusCode::kNotFound
                            : err == EACCES || err == EPERM ? StatusCode::kPermissionDenied
                                                            : StatusCode::kIoError;
    return Status(code, prefix + "cannot open: " + std::strerror(err));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) {
    return Status(StatusCode::kIoError, prefix + "cannot stat: " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return Status(StatusCode::kCorrupt, prefix + "is not a regular file");
  }

  std::shared_ptr<DriverLibrary> lib(new DriverLibrary());
  lib->path_ = path;
  {
    std::lock_guard lock(LoadedFile::Mutex());
    auto& table = LoadedFile::Table();
    const LoadedFile::Key key{st.st_dev, st.st_ino};
    std::shared_ptr<LoadedFile> file;
    if (auto it = table.find(key); it != table.end()) {
      // Loaded already: its name finds the same object (`fd` closes).
      file = it->second;
    } else {
      file = std::make_shared<LoadedFile>();
      file->key = key;
      file->fd = std::move(fd);
      file->proc_name = "/proc/self/fd/" + std::to_string(file->fd.get());
    }
    dlerror();
    void* handle = dlopen(file->proc_name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      // A failed dlopen leaves nothing loaded under the name; a new entry's
      // descriptor closes with `file`. The loader's message names the file
      // by the name it was given: say the path instead.
      const char* why = dlerror();
      std::string message = why ? why : "dlopen failed";
      const std::string loaded_as = file->proc_name + ":";
      for (size_t at = message.find(loaded_as); at != std::string::npos;
           at = message.find(loaded_as, at + path.size() + 1)) {
        message.replace(at, loaded_as.size(), path + ":");
      }
      return Status(StatusCode::kCorrupt, prefix + "cannot load: " + message);
    }
    if (file->users++ == 0) table[key] = file;
    lib->file_ = std::move(file);
    lib->handle_ = handle;
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
  if (handle_ == nullptr) return;
  std::lock_guard lock(LoadedFile::Mutex());
  // The object's identity, to see after dlclose whether it is still loaded.
  link_map* map = nullptr;
  const bool known = dlinfo(handle_, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr;
  const ElfW(Addr) base = known ? map->l_addr : 0;
  const std::string name = known && map->l_name != nullptr ? map->l_name : "";
  dlclose(handle_);
  if (--file_->users > 0) return;
  // The last user. Unloaded: the name is gone from the loader, the
  // descriptor may close. Still loaded (another dlopen holds it, or it
  // cannot be unloaded): the descriptor stays open, so its number, which
  // the loader still answers with this object, never names another file.
  if (!known || StillLoaded(base, name)) return;
  auto& table = LoadedFile::Table();
  if (auto it = table.find(file_->key); it != table.end() && it->second == file_) table.erase(it);
}

}  // namespace llmcore::driver_host
