#include "llmcore/testing/testing.h"

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace llmcore::testing {
namespace fs = std::filesystem;

std::string TestdataDir() {
  if (const char* env = std::getenv("LLMCORE_TESTDATA")) return env;
  return LLMCORE_TESTDATA_DIR;
}

std::string BundledModelPath() {
  return LLMCORE_BUNDLED_MODEL;
}
std::string BinaryDir() {
  return LLMCORE_BINARY_DIR;
}

std::vector<std::string> TestdataGgufFiles() {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(TestdataDir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".gguf") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::byte> ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot open " + path);
  const std::streamsize size = in.tellg();
  in.seekg(0);
  std::vector<std::byte> bytes(static_cast<size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) {
    throw std::runtime_error("cannot read " + path);
  }
  return bytes;
}

void WriteFileBytes(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void WriteFileText(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp ? tmp : "/tmp") + "/llmcore-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

namespace {
size_t CountDirEntries(const char* dir) {
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    (void)entry;
    ++n;
  }
  return n;
}
}  // namespace

size_t CountOpenFds() {
  // The directory iterator holds one fd of its own while counting.
  return CountDirEntries("/proc/self/fd") - 1;
}

size_t CountThreads() {
  return CountDirEntries("/proc/self/task");
}

std::vector<std::string> OpenMemfds() {
  std::vector<std::string> memfds;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    fs::path target = fs::read_symlink(entry.path(), ec);
    if (!ec && target.string().rfind("/memfd:", 0) == 0) memfds.push_back(target.string());
  }
  return memfds;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

CommandResult RunCommand(const std::string& command_line) {
  CommandResult result;
  char err_path[] = "/tmp/llmcore-cmd-err-XXXXXX";
  int err_fd = mkstemp(err_path);
  if (err_fd < 0) throw std::runtime_error("mkstemp failed");
  close(err_fd);
  std::string full = command_line + " 2>" + err_path;
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) result.out.append(buf, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream err_in(err_path, std::ios::binary);
  std::ostringstream err_text;
  err_text << err_in.rdbuf();
  result.err = err_text.str();
  unlink(err_path);
  return result;
}

}  // namespace llmcore::testing
