#include "llmcore/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

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

void SetLogLevel(LogLevel max_level) { MaxLevel().store(static_cast<int>(max_level)); }

void Log(LogLevel level, std::string_view line) {
  if (static_cast<int>(level) > MaxLevel().load(std::memory_order_relaxed)) return;
  std::lock_guard lock(SinkMutex());
  if (Sink()) {
    Sink()(level, line);
    return;
  }
  std::fprintf(stderr, "<%d>%.*s\n", static_cast<int>(level), static_cast<int>(line.size()),
               line.data());
}

}  // namespace llmcore
