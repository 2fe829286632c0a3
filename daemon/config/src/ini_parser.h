// The systemd-style INI syntax of llmcored.conf, without any knowledge of
// its sections and keys (those are the schema's, schema.h).
//
//   # comment            ; comment
//   [Section]
//   Key = value          (whitespace around key and value is dropped)
//   Key=                 (an empty value: the schema decides what it means)
//
// Lines end with "\n" (a "\r" before it is trimmed like other whitespace); a
// UTF-8 byte order mark at the very start is skipped. There are no inline
// comments, no quoting and no line continuations: everything after the first
// '=' is the value. A section may appear more than once.
//
// The whole text is checked: at most kMaxConfigFileBytes, lines of at most
// kMaxConfigLineBytes, no NUL byte and valid UTF-8 everywhere, comments
// included.
//
// Thread safety: reentrant.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

#include "llmcore/status.h"

namespace llmcore::config::internal {

struct IniItem {
  enum class Kind { kSection, kAssignment };
  Kind kind = Kind::kSection;
  size_t line = 0;           // 1-based
  std::string_view section;  // the header's name, or the section an assignment is in
  std::string_view key;      // assignments only
  std::string_view value;    // assignments only; may be empty
};

// Called for every section header and assignment, in file order. A non-ok
// Status says what is wrong with the item in words (no location); ParseIni
// returns it prefixed with "<file_name>:<line>: " and, for an assignment,
// "[Section] Key: ", keeping its code.
using IniVisitor = std::function<Status(const IniItem&)>;

// Tokenizes `text` and hands each item to `visit`, stopping at the first
// error: the syntax's own (kInvalidArgument, located the same way) or the
// visitor's. Items point into `text`; a visitor copies what it keeps.
Status ParseIni(std::string_view text, std::string_view file_name, const IniVisitor& visit);

}  // namespace llmcore::config::internal
