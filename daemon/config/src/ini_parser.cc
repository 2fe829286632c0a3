#include "ini_parser.h"

#include <fmt/format.h>

#include <string>

#include "llmcore/ascii_text.h"
#include "llmcore/config/daemon_config.h"
#include "llmcore/utf8.h"
#include "quote.h"

namespace llmcore::config::internal {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// Offset of the first NUL byte or byte that is not part of valid UTF-8, or
// npos.
size_t FindBadByte(std::string_view line) {
  const size_t nul = line.find('\0');
  const size_t invalid = FindInvalidUtf8(line.substr(0, nul));
  return invalid != std::string_view::npos ? invalid : nul;
}

// A section or key name for a message: as it is when that is harmless, quoted
// (and escaped, and cut) when it holds control characters or is very long.
std::string Shown(std::string_view name) {
  std::string quoted = Quote(name);
  if (quoted.size() == name.size() + 2) return std::string(name);
  return quoted;
}

class Tokenizer {
 public:
  Tokenizer(std::string_view file_name, const IniVisitor& visit)
      : file_name_(file_name), visit_(visit) {}

  Status Line(size_t number, std::string_view raw) {
    number_ = number;
    if (raw.size() > kMaxConfigLineBytes) {
      return Error(fmt::format("line is longer than {} bytes", kMaxConfigLineBytes));
    }
    if (const size_t bad = FindBadByte(raw); bad != std::string_view::npos)
      return BadByte(raw, bad);

    const std::string_view line = TrimAsciiSpace(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') return Status::Ok();
    if (line.front() == '[') return Section(line);
    return Assignment(line);
  }

 private:
  Status Section(std::string_view line) {
    if (line.back() != ']' || line.size() < 2) {
      return Error(Quote(line) + " is not a section header (expected [Name])");
    }
    section_ = line.substr(1, line.size() - 2);
    in_section_ = true;
    IniItem item;
    item.kind = IniItem::Kind::kSection;
    item.line = number_;
    item.section = section_;
    Status status = visit_(item);
    if (!status.ok()) return Located(status, "");
    return Status::Ok();
  }

  Status Assignment(std::string_view line) {
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos) {
      return Error(Quote(line) + " is neither an assignment (Key=Value) nor a [Section] header");
    }
    const std::string_view key = TrimAsciiSpace(line.substr(0, equals));
    if (key.empty()) return Error(Quote(line) + " assigns a value to no key");
    if (!in_section_) {
      return Error(fmt::format("{}: assignment outside of a section (put a [Section] header above)",
                               Quote(key)));
    }
    IniItem item{.kind = IniItem::Kind::kAssignment,
                 .line = number_,
                 .section = section_,
                 .key = key,
                 .value = TrimAsciiSpace(line.substr(equals + 1))};
    Status status = visit_(item);
    if (!status.ok()) {
      return Located(status, fmt::format("[{}] {}: ", Shown(section_), Shown(key)));
    }
    return Status::Ok();
  }

  // Names the key when the bad byte lies in the value of an assignment whose
  // key is clean, so that the message points at what to fix.
  Status BadByte(std::string_view raw, size_t offset) {
    const std::string what = raw[offset] == '\0' ? "NUL byte" : "invalid UTF-8";
    const std::string where = fmt::format("{} at column {}", what, offset + 1);
    const std::string_view head = TrimAsciiSpace(raw.substr(0, offset));
    const size_t equals = head.find('=');
    const bool is_value = !head.empty() && head.front() != '#' && head.front() != ';' &&
                          head.front() != '[' && equals != std::string_view::npos && in_section_;
    if (is_value) {
      const std::string_view key = TrimAsciiSpace(head.substr(0, equals));
      if (!key.empty()) {
        return Error(fmt::format("[{}] {}: {} in the value", Shown(section_), Shown(key), where));
      }
    }
    return Error(where);
  }

  Status Located(const Status& status, std::string_view context) const {
    return Status(status.code(),
                  fmt::format("{}:{}: {}{}", file_name_, number_, context, status.message()));
  }

  Status Error(std::string_view message) const {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("{}:{}: {}", file_name_, number_, message));
  }

  std::string_view file_name_;
  const IniVisitor& visit_;
  size_t number_ = 0;
  bool in_section_ = false;
  std::string_view section_;
};

}  // namespace

Status ParseIni(std::string_view text, std::string_view file_name, const IniVisitor& visit) {
  if (text.size() > kMaxConfigFileBytes) {
    return Status(StatusCode::kInvalidArgument,
                  fmt::format("{}: file is larger than {} bytes ({} bytes)", file_name,
                              kMaxConfigFileBytes, text.size()));
  }
  if (text.starts_with(kByteOrderMark)) text.remove_prefix(kByteOrderMark.size());
  Tokenizer tokenizer(file_name, visit);
  size_t number = 1;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view raw = text.substr(0, end);
    LLMCORE_RETURN_IF_ERROR(tokenizer.Line(number, raw));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
    ++number;
  }
  return Status::Ok();
}

}  // namespace llmcore::config::internal
