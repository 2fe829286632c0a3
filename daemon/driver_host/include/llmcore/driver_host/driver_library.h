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
// Loading through a file descriptor (fresh copies for upgrades). Open()
// opens the file (O_RDONLY | O_CLOEXEC, and O_NONBLOCK so that a FIFO does
// not hang it), checks that it is a regular file and dlopens
// "/proc/self/fd/<n>" instead of the path. glibc recognises an
// object it has already loaded by the name it was loaded under and by the
// file's device and inode. Under its path, a library file that was replaced
// on disk would come back as the old, still loaded copy; through
// /proc/self/fd, the replacement (a new inode: package managers and
// install(1) rename the new file into place) is loaded as a fresh copy next
// to the old one, which is what a driver upgrade (DriverManager::Reload)
// needs, while reopening an unchanged file (same device and inode) returns
// the object already loaded. A file rewritten in place keeps its inode and
// so its loaded copy: replace driver files by renaming.
//
// The name "/proc/self/fd/<n>" stays attached to the loaded object in glibc
// while the object is loaded, whatever the descriptor later becomes. Were
// the descriptor closed after dlopen, the next library opened on the same
// number would be answered with the first one's object. So one descriptor
// per loaded file is kept open, process-wide, while a DriverLibrary of that
// file lives (every Open of the same file dlopens under that one name), and
// for good when the object is still loaded after its last DriverLibrary
// closed it (another dlopen in the process holds it): its number is never
// reused for another file. This needs /proc mounted. Debuggers see such a
// library under its /proc/self/fd name in the link map; /proc/self/maps
// shows the real path.
//
// Ownership: a DriverLibrary owns the dlopen handle and closes it when
// destroyed (then its share of the descriptor). Contexts and instances made
// from it hold a shared_ptr to it, so the code they call stays mapped while
// they live.
//
// Thread safety: immutable after Open(); share freely. Open() and the
// destructor may run on any thread (the descriptor table is behind a
// process-wide mutex).
#pragma once

#include <memory>
#include <string>

#include "llmcore/driver.h"
#include "llmcore/status.h"

namespace llmcore::driver_host {

class DriverLibrary {
 public:
  // Errors (the message starts with "driver <path>: "; a loader message
  // may name the library as /proc/self/fd/<n>):
  //   kNotFound     the file does not exist;
  //   kPermissionDenied / kIoError  it cannot be opened or examined;
  //   kCorrupt      it is not a regular file, dlopen fails (not a shared
  //                 library, unresolved symbols), the entry symbol is
  //                 missing, the table is too short or lacks a required
  //                 function;
  //   kUnsupported  the entry returns NULL for this host's ABI major, or a
  //                 table of another major.
  static Result<std::shared_ptr<const DriverLibrary>> Open(const std::string& path);

  ~DriverLibrary();
  DriverLibrary(const DriverLibrary&) = delete;
  DriverLibrary& operator=(const DriverLibrary&) = delete;

  // The path Open() was given (not the /proc/self/fd name it loaded).
  const std::string& path() const { return path_; }
  // The driver's self-reported name ("cpu") and build version.
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  uint32_t abi_minor() const { return table_.abi_minor; }

  // The driver's table as this host understands it: fields past the
  // driver's struct_size read as zero / NULL.
  const llmcore_driver& table() const { return table_; }

 private:
  struct LoadedFile;  // the descriptor the library was loaded through

  DriverLibrary() = default;

  std::string path_;
  std::shared_ptr<LoadedFile> file_;
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
