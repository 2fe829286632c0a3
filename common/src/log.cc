#include "llmcore/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>

namespace llmcore {
namespace {

std::mutex& SinkMutex() {
  static std::mutex mu;
  return mu;
}

LogSink& Sink() {
  static LogSink sink;
  return sink;
}

LogLevel LevelFromEnvironment() {
  const char* env = std::getenv("LLMCORE_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kInfo;
  if (std::strcmp(env, "debug") == 0) return LogLevel::kDebug;
  if (std::strcmp(env, "notice") == 0) return LogLevel::kNotice;
  if (std::strcmp(env, "warning") == 0) return LogLevel::kWarning;
  if (std::strcmp(env, "error") == 0) return LogLevel::kError;
  return LogLevel::kInfo;
}

// True when stderr is the journal stream systemd connected us to: then each
// line carries its syslog priority as a "<N>" prefix, which journald parses.
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st;
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

std::string_view LevelPrefix(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error: ";
    case LogLevel::kWarning: return "warning: ";
    default: return "";
  }
}

std::atomic<int>& MaxLevel() {
  static std::atomic<int> level{static_cast<int>(LevelFromEnvironment())};
  return level;
}

}  // namespace

LogSink SetLogSink(LogSink sink) {
  std::lock_guard lock(SinkMutex());
  LogSink previous = std::move(Sink());
  Sink() = std::move(sink);
  return previous;
}

void SetLogLevel(LogLevel max_level) {
  MaxLevel().store(static_cast<int>(max_level));
}

void Log(LogLevel level, std::string_view line) {
  if (static_cast<int>(level) > MaxLevel().load(std::memory_order_relaxed)) return;
  std::lock_guard lock(SinkMutex());
  if (Sink()) {
    Sink()(level, line);
    return;
  }
  static const bool journal = StderrIsJournal();
  if (journal) {
    std::fprintf(stderr, "<%d>%.*s\n", static_cast<int>(level), static_cast<int>(line.size()),
                 line.data());
  } else {
    const std::string_view prefix = LevelPrefix(level);
    std::fprintf(stderr, "%.*s%.*s\n", static_cast<int>(prefix.size()), prefix.data(),
                 static_cast<int>(line.size()), line.data());
  }
}

}  // namespace llmcore
