// OpenModelFile: the one way the daemon opens a model's file.
//
// A model name is never a path: the registry found the file inside a
// configured root, and this opens it again relative to that root with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS), so a symlink or ".." that
// leads outside the root - placed there after the scan, or planted to make
// the daemon read a file the client could not - is refused. Symlinks whose
// target stays inside the root (a Hugging Face snapshot pointing into
// ../../blobs) are followed; absolute symlinks are refused even when they
// point inside the root, because RESOLVE_BENEATH cannot tell.
//
// Where openat2 is unavailable (ENOSYS: kernels before 5.6; EPERM: seccomp
// filters that predate it), both paths are resolved with realpath(3) and the
// file must lie under the root; that check can race with a concurrent rename
// (and accepts absolute symlinks that resolve inside the root). Falling back
// is said once in the log.
//
// Thread safety: reentrant.
#pragma once

#include "llmcore/registry/model_entry.h"
#include "llmcore/status.h"
#include "llmcore/unique_fd.h"

namespace llmcore::registry {

// Opens `entry.relative_path` under `entry.root` read-only (O_CLOEXEC) and
// checks that it is a regular file. Errors, each naming the model:
// kPermissionDenied when the path leads outside the root or is not a regular
// file, kNotFound when it no longer exists, the errno's code otherwise.
Result<UniqueFd> OpenModelFile(const ModelEntry& entry);

}  // namespace llmcore::registry
