// Logging: one line per event, with a syslog priority.
//
// By default lines go to stderr. When stderr is the journal stream systemd set
// up ($JOURNAL_STREAM), each line is prefixed with "<N>", its syslog priority,
// so the journal keeps the levels; on a terminal, warnings and errors say so
// in words. Tests and tools may install their own sink to capture lines.
//
// Thread safety: Log() and SetLogSink() may be called from any thread; a sink
// is called under an internal lock, one line at a time.
#pragma once

#include <fmt/format.h>

#include <functional>
#include <string_view>

namespace llmcore {

enum class LogLevel { kError = 3, kWarning = 4, kNotice = 5, kInfo = 6, kDebug = 7 };

using LogSink = std::function<void(LogLevel, std::string_view line)>;

// Replaces the sink; an empty function restores the default (stderr).
// Returns the previous sink.
LogSink SetLogSink(LogSink sink);

// Lines above this level are dropped (default: kInfo; LLMCORE_LOG_LEVEL=debug
// in the environment lowers it).
void SetLogLevel(LogLevel max_level);

void Log(LogLevel level, std::string_view line);

template <typename... Args>
void Logf(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  Log(level, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace llmcore
