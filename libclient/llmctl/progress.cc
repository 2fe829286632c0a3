#include "progress.h"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "format.h"

namespace llmcore::llmctl {
namespace {

constexpr size_t kMinimumBar = 10;  // columns, brackets included

}  // namespace

std::string RenderProgress(std::string_view model, uint64_t done, uint64_t total, size_t width) {
  if (total == 0) return fmt::format("{} ... {}", model, FormatBytes(done));
  done = std::min(done, total);
  // Integer percent, rounded down: 100% only when everything is there.
  const auto percent =
      static_cast<unsigned>(static_cast<double>(done) * 100.0 / static_cast<double>(total));
  const std::string head(model);
  const std::string tail =
      fmt::format(" {:>3}%  {} / {}", percent, FormatBytes(done), FormatBytes(total));
  const size_t fixed =
      CodePointCount(head) + 1 + CodePointCount(tail);  // +1: the space after the name
  if (width < fixed + kMinimumBar) {
    // No room for a bar: the name and the percentage, then as much as fits.
    const std::string line = head + tail;
    const size_t keep = std::max(width, CodePointCount(head) + 5);
    return CodePointCount(line) <= keep ? line : head + fmt::format(" {:>3}%", percent);
  }
  const size_t inner = width - fixed - 2;  // the brackets
  const auto filled = static_cast<size_t>(static_cast<double>(inner) * static_cast<double>(done) /
                                          static_cast<double>(total));
  return fmt::format("{} [{}{}]{}", head, std::string(filled, '#'),
                     std::string(inner - filled, '.'), tail);
}

ProgressBar::ProgressBar(int fd, std::string model)
    : fd_(fd), model_(std::move(model)), enabled_(::isatty(fd) == 1) {
  winsize size{};
  if (enabled_ && ::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
    // One column short: a line that fills the terminal exactly would wrap.
    width_ = size.ws_col > 1 ? size.ws_col - 1u : 1u;
  }
}

void ProgressBar::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  std::string line = RenderProgress(model_, done, total, width_);
  if (line == shown_) return;
  Write("\r" + line + "\x1b[K");
  shown_ = std::move(line);
}

void ProgressBar::Clear() {
  if (!enabled_ || shown_.empty()) return;
  Write("\r\x1b[K");
  shown_.clear();
}

void ProgressBar::Write(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a progress bar is not worth failing for
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace llmcore::llmctl
