// The pread(2) reader: one read at a time, for systems without io_uring.
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <utility>

#include "llmcore/store/io_backend.h"
#include "read_result.h"

namespace llmcore::store {
namespace {

using internal::ApplyReadResult;
using internal::NextReadLength;
using internal::ReadStep;

class PreadReader final : public FileReader {
 public:
  explicit PreadReader(ReadResultFilter filter) : filter_(std::move(filter)) {}

  IoMethod method() const override { return IoMethod::kPread; }

  Status ReadAll(std::span<const ReadRequest> requests, const ReadCallbacks& callbacks) override {
    for (const ReadRequest& request : requests) {
      if (callbacks.cancelled && callbacks.cancelled()) return internal::CancelledStatus();
      if (callbacks.before_submit) LLMCORE_RETURN_IF_ERROR(callbacks.before_submit(request));
      uint64_t done = 0;
      while (done < request.dst.size()) {
        ssize_t n = pread(request.fd, request.dst.data() + done, NextReadLength(request, done),
                          static_cast<off_t>(request.offset + done));
        int64_t result = n < 0 ? -static_cast<int64_t>(errno) : n;
        if (filter_) result = filter_(request, done, result);
        LLMCORE_ASSIGN_OR_RETURN(ReadStep step, ApplyReadResult(request, result, &done));
        if (step == ReadStep::kTransferred && callbacks.on_done) {
          callbacks.on_done(static_cast<uint64_t>(result));
        }
      }
    }
    return Status::Ok();
  }

 private:
  ReadResultFilter filter_;
};

}  // namespace

std::unique_ptr<FileReader> OpenPreadReader(ReadResultFilter filter) {
  return std::make_unique<PreadReader>(std::move(filter));
}

}  // namespace llmcore::store
