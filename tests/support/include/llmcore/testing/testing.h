// Helpers shared by llmcore's tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmcore::testing {

// ../shared/testdata of the checkout, or $LLMCORE_TESTDATA when set.
std::string TestdataDir();
// The bundled tiny model (models/stories260K.gguf).
std::string BundledModelPath();
// The build tree (tools live in <binary dir>/tools).
std::string BinaryDir();

// Every *.gguf file under TestdataDir() (models/ and vocab/), sorted.
std::vector<std::string> TestdataGgufFiles();

std::vector<std::byte> ReadFileBytes(const std::string& path);
// Both replace the file; they throw std::runtime_error when it cannot be written.
void WriteFileBytes(const std::string& path, const std::vector<std::byte>& bytes);
void WriteFileText(const std::string& path, std::string_view text);

// A fresh directory under $TMPDIR, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Open file descriptors of this process (entries of /proc/self/fd).
size_t CountOpenFds();
// Threads of this process (entries of /proc/self/task).
size_t CountThreads();
// Targets of this process's fds that are memfds ("/memfd:NAME (deleted)").
std::vector<std::string> OpenMemfds();

// `s` as one single-quoted /bin/sh word.
std::string ShellQuote(const std::string& s);

// Runs a command line with /bin/sh, capturing stdout and stderr separately.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
CommandResult RunCommand(const std::string& command_line);

}  // namespace llmcore::testing
