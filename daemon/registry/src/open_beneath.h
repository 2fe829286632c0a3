// OpenBeneath: opening a file by a path relative to a root directory without
// ever leaving that directory (the rule of open_model_file.h, also used while
// scanning, so that the registry never even reads metadata from outside).
//
// Thread safety: reentrant.
#pragma once

#include <sys/stat.h>

#include <string>

#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::registry::internal {

enum class Resolver {
  kAuto,      // openat2 when the kernel has it, else kRealpath
  kRealpath,  // realpath(3) both paths and compare (tests use it directly)
};

struct OpenedFile {
  UniqueFd fd;
  struct stat st {};
};

// Opens `relative` under the directory `root` read-only with O_CLOEXEC and
// fstat()s it; it must be a regular file. Errors: kPermissionDenied when
// the path leads outside `root` (through "..", a symlink, an absolute path,
// a magic link) or names something other than a regular file, kNotFound when
// it does not exist, the errno's code otherwise. Messages name the path
// and, when it leads outside, the root.
Result<OpenedFile> OpenBeneath(const std::string& root, const std::string& relative,
                               Resolver resolver = Resolver::kAuto);

}  // namespace llmcore::registry::internal
