// The progress bar of `llmctl load`, drawn on stderr when it is a terminal.
//
// Thread safety: RenderProgress is pure; ProgressBar writes to one fd and is
// used from one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace llmcore::llmctl {

// One line, at most `width` code points (never less than the model name and
// the percentage need), no newline:
//   "stories260K [##########..........]  50%  512.0 KiB / 1.0 MiB"
// The bar takes what the rest leaves, and is left out below 10 columns.
// `done` is clamped to `total`; with total 0 (not known yet) the line says
// "stories260K ... 512.0 KiB".
std::string RenderProgress(std::string_view model, uint64_t done, uint64_t total, size_t width);

// Redraws the line in place ("\r", the line, then erase to the end) when the
// rendered text changes; Clear() erases it. Does nothing when `fd` is not a
// terminal.
class ProgressBar {
 public:
  ProgressBar(int fd, std::string model);
  ~ProgressBar() { Clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  void Update(uint64_t done, uint64_t total);
  void Clear();

 private:
  void Write(std::string_view text);

  int fd_;
  std::string model_;
  bool enabled_;
  size_t width_ = 80;
  std::string shown_;
};

}  // namespace llmcore::llmctl
