#include "llmcore/config/daemon_config.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "ini_parser.h"
#include "llmcore/unique_fd.h"
#include "schema.h"

namespace llmcore::config {
namespace {

// The whole text of a configuration file, read through one fd so that size
// check and content belong to the same file. A symlink to /dev/null (how
// systemd masks a drop-in) reads as empty. O_NONBLOCK keeps a FIFO in the
// directory from blocking the open; it is refused as not a regular file.
Result<std::string> ReadConfigFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) return ErrnoStatus(errno, "cannot open " + path);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "cannot stat " + path);
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) return std::string();
  if (!S_ISREG(st.st_mode)) {
    return Status(StatusCode::kInvalidArgument, path + ": not a regular file");
  }
  // The file may grow after fstat: read at most one byte more than allowed
  // and let the parser refuse the excess.
  std::string text(std::min<uint64_t>(static_cast<uint64_t>(st.st_size), kMaxConfigFileBytes) + 1,
                   '\0');
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot read " + path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

// The "*.conf" entries of `dir` in lexical order, hidden names left out; an
// empty list when the directory does not exist.
Result<std::vector<std::string>> DropInNames(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> stream(::opendir(dir.c_str()), &::closedir);
  if (!stream) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return ErrnoStatus(errno, "cannot open the drop-in directory " + dir);
  }
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(stream.get())) {
    const std::string_view name = entry->d_name;
    if (!name.starts_with('.') && name.size() > 5 && name.ends_with(".conf")) {
      names.emplace_back(name);
    }
  }
  if (errno != 0) return ErrnoStatus(errno, "cannot read the drop-in directory " + dir);
  std::sort(names.begin(), names.end());
  return names;
}

// Splits the colon-separated compile-time list, dropping empty parts.
std::vector<std::string> SplitPathList(std::string_view list) {
  std::vector<std::string> paths;
  size_t pos = 0;
  while (pos <= list.size()) {
    const size_t end = std::min(list.find(':', pos), list.size());
    if (end > pos) paths.emplace_back(list.substr(pos, end - pos));
    pos = end + 1;
  }
  return paths;
}

// `total` * `percent` / 100 without overflow.
uint64_t PercentOf(uint64_t total, uint64_t percent) {
  return total / 100 * percent + total % 100 * percent / 100;
}

}  // namespace

std::string BuiltinDriverDirectory() {
  return LLMCORE_DEFAULT_DRIVER_DIR;
}

std::vector<std::string> BuiltinModelDirectories() {
  return SplitPathList(LLMCORE_DEFAULT_MODEL_DIRS);
}

DaemonConfig DefaultDaemonConfig() {
  return DaemonConfig{};
}

Result<DaemonConfig> ParseDaemonConfig(std::string_view text, std::string_view file_name,
                                       DaemonConfig base) {
  const auto apply = [&base](const internal::IniItem& item) {
    if (item.kind == internal::IniItem::Kind::kSection) return internal::CheckSection(item.section);
    return internal::Assign(item.section, item.key, item.value, base);
  };
  LLMCORE_RETURN_IF_ERROR(internal::ParseIni(text, file_name, apply));
  return base;
}

Result<DaemonConfig> LoadDaemonConfig(const std::string& main_path,
                                      std::vector<std::string>* files_read) {
  std::vector<std::string> paths = {main_path};
  const std::string drop_in_dir = main_path + ".d";
  LLMCORE_ASSIGN_OR_RETURN(const std::vector<std::string> drop_ins, DropInNames(drop_in_dir));
  for (const std::string& name : drop_ins) paths.push_back(drop_in_dir + "/" + name);

  DaemonConfig config;
  for (const std::string& path : paths) {
    Result<std::string> text = ReadConfigFile(path);
    // A missing main file means defaults; a drop-in that vanished since the
    // directory was listed has nothing to say either.
    if (!text.ok() && text.status().code() == StatusCode::kNotFound) continue;
    if (!text.ok()) return text.status();
    LLMCORE_ASSIGN_OR_RETURN(config, ParseDaemonConfig(*text, path, std::move(config)));
    if (files_read != nullptr) files_read->push_back(path);
  }
  return config;
}

std::string FormatDaemonConfig(const DaemonConfig& config) {
  return internal::Format(config);
}

uint64_t ResolveMemoryBudget(const DaemonConfig& config, uint64_t physical_bytes) {
  const MemoryLimit& budget = config.memory.budget;
  if (budget.unit == MemoryLimit::Unit::kPercent) return PercentOf(physical_bytes, budget.value);
  return std::min(budget.value, physical_bytes);
}

uint64_t ResolveGpuMemoryBudget(const DaemonConfig& config, uint64_t total_bytes) {
  return PercentOf(total_bytes, config.memory.gpu_budget_percent);
}

std::span<const ConfigKey> DaemonConfigKeys() {
  return internal::Keys();
}

}  // namespace llmcore::config
