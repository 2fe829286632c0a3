// DriverLibrary: a compute driver loaded from its shared library, checked.
//
// Open() loads the library (dlopen, RTLD_NOW | RTLD_LOCAL: every symbol is
// resolved up front and none leaks into the process's namespace), finds the
// entry symbol, calls it with the host's ABI version and checks the table it
// returns against the compatibility rule of driver.h: same ABI major, a
// struct_size covering every function this host requires, and those
// functions present. Anything wrong refuses the library with a Status naming
// its path and the reason, and unloads it; the process goes on.
//
// Required functions: init, fini, device_count, device_info,
// instance_create, instance_destroy (the header's required prefix) and
// forward (a driver without it cannot serve). The rest are optional; the
// wrappers answer kUnsupported for a missing one.
//
// Ownership: a DriverLibrary owns the dlopen handle and closes it when
// destroyed. Contexts and instances made from it hold a shared_ptr to it, so
// the code they call stays mapped while they live.
//
// Thread safety: immutable after Open(); share freely.
#pragma once

#include <memory>
#include <string>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::driver_host {

class DriverLibrary {
 public:
  // Errors (the message starts with "driver <path>: "):
  //   kNotFound     the file does not exist;
  //   kCorrupt      dlopen fails (not a shared library, unresolved symbols),
  //                 the entry symbol is missing, the table is too short or
  //                 lacks a required function;
  //   kUnsupported  the entry returns NULL for this host's ABI major, or a
  //                 table of another major.
  static Result<std::shared_ptr<const DriverLibrary>> Open(const std::string& path);

  ~DriverLibrary();
  DriverLibrary(const DriverLibrary&) = delete;
  DriverLibrary& operator=(const DriverLibrary&) = delete;

  const std::string& path() const { return path_; }
  // The driver's self-reported name ("cpu") and build version.
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  uint32_t abi_minor() const { return table_.abi_minor; }

  // The driver's table as this host understands it: fields past the
  // driver's struct_size read as zero / NULL.
  const llmcore_driver& table() const { return table_; }

 private:
  DriverLibrary() = default;

  std::string path_;
  void* handle_ = nullptr;
  llmcore_driver table_{};
  std::string name_;
  std::string version_;
};

// A Status from a driver's negative return code and its error message:
// "driver <name>: <what>: <message>". The code maps -EINVAL to
// kInvalidArgument, -ENOMEM and -ENOSPC to kResourceExhausted, -ENOTSUP to
// kUnsupported, -ERANGE to kOutOfRange, -EPROTO to kCorrupt, -EIO to
// kIoError, -EPERM / -EACCES to kPermissionDenied, -ENOENT to kNotFound and
// anything else to kInternal. An empty message is replaced by strerror.
Status DriverStatus(const std::string& driver, const char* what, int32_t code,
                    const llmcore_error& error);

}  // namespace llmcore::driver_host
