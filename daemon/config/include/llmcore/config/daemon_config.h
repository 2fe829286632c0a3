// DaemonConfig: llmcored's configuration, read from systemd-style INI files.
//
// Files: the main file (kDefaultConfigPath unless llmcored is told another),
// then every "*.conf" in the directory "<main file>.d/" in lexical (byte)
// order, names starting with '.' ignored. Each file is applied on top of what
// the previous ones produced, so a later assignment overrides an earlier one.
// A missing main file or drop-in directory is not an error: the built-in
// defaults (the member initializers below, listed with each key in
// etc/llmcored.conf) apply.
//
// Syntax (src/ini_parser.h): "[Section]" headers, "Key=Value" lines, '#' and
// ';' comment lines, blank lines; whitespace around keys and values is
// dropped; keys and section names are case-sensitive. Files of at most
// kMaxConfigFileBytes, lines of at most kMaxConfigLineBytes, valid UTF-8, no
// NUL bytes.
//
// Values (value_syntax.h for the exact forms):
//   - an empty assignment ("KeepAlive=") restores the key's built-in default;
//   - list keys (Directory=, HuggingFaceCache=, OllamaModels=, Preload=, Pin=)
//     append what is assigned, and an empty assignment empties the list, as in
//     systemd unit files. Path lists take one absolute path per assignment;
//     name lists take one or more model names separated by spaces. A value
//     already in the list is not added twice;
//   - paths must be absolute; trailing '/' are dropped;
//   - model names must follow ValidateModelName (model_name.h).
//
// Errors name the file, the line, the section and the key, and say what was
// expected:
//   /etc/llmcore/llmcored.conf:12: [Models] KeepAlive: 'soon' is not a time
//   span (e.g. 300, 5min, 1h, infinity)
// An unknown section or key is an error, so that a typo does not pass
// silently. Every error is kInvalidArgument, except a file that cannot be
// read (the errno's code, naming the path).
//
// Thread safety: DaemonConfig is a value; the functions are reentrant.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "llmcore/config/value_syntax.h"
#include "llmcore/status.h"

namespace llmcore::config {

inline constexpr std::string_view kDefaultConfigPath = "/etc/llmcore/llmcored.conf";
inline constexpr size_t kMaxConfigFileBytes = size_t{1} << 20;
inline constexpr size_t kMaxConfigLineBytes = size_t{64} << 10;

// The build's defaults for the two path settings, from the compile-time
// definitions LLMCORE_DEFAULT_DRIVER_DIR and LLMCORE_DEFAULT_MODEL_DIRS
// (colon-separated) of daemon/config/CMakeLists.txt.
std::string BuiltinDriverDirectory();
std::vector<std::string> BuiltinModelDirectories();

// [Daemon]
struct DaemonSection {
  std::string driver_directory = BuiltinDriverDirectory();  // DriverDirectory=
  uint32_t threads = 0;                   // Threads=, per model; 0 = one per physical core
  uint32_t max_sessions_per_user = 16;    // MaxSessionsPerUser=
  uint32_t max_queued_per_user = 8;       // MaxQueuedPerUser=
  uint32_t max_queued = 64;               // MaxQueued=, all users together
  uint64_t max_prompt_bytes = 256 << 10;  // MaxPromptBytes=
  uint32_t max_tokens = 4096;             // MaxTokens=, bound of a request's max_tokens
  // DrainTimeout=: how long running generations may go on after a stop was
  // asked before they end with stop reason "shutdown".
  std::chrono::microseconds drain_timeout = std::chrono::seconds(10);

  bool operator==(const DaemonSection&) const = default;
};

// [Models]
struct ModelsSection {
  std::vector<std::string> directories = BuiltinModelDirectories();  // Directory=
  std::vector<std::string> huggingface_caches;  // HuggingFaceCache=, hub cache directories
  std::vector<std::string> ollama_stores;       // OllamaModels=, Ollama model stores
  std::string default_model = "stories260K";    // Default=, used when a client names none
  std::vector<std::string> preload;             // Preload=, loaded at start
  std::vector<std::string> pin;                 // Pin=, never unloaded for idleness
  // KeepAlive=: how long an unpinned model may stay loaded without use.
  std::chrono::microseconds keep_alive = std::chrono::minutes(5);
  uint32_t context_length = 4096;  // ContextLength=, per session, capped by the model's
  uint32_t max_sequences = 16;     // MaxSequences=, concurrent sequences per loaded model
  uint32_t batch_size = 512;       // BatchSize=, tokens per forward pass

  bool operator==(const ModelsSection&) const = default;
};

// [Memory]
struct MemorySection {
  // Budget=: what loaded models may take of the machine's memory on the CPU
  // device, as a share of physical RAM or as bytes.
  MemoryLimit budget = MemoryLimit::Percent(80);
  uint32_t gpu_budget_percent = 90;  // GpuBudget=, share of each GPU's memory

  bool operator==(const MemorySection&) const = default;
};

struct DaemonConfig {
  DaemonSection daemon;
  ModelsSection models;
  MemorySection memory;

  bool operator==(const DaemonConfig&) const = default;
};

// The built-in defaults (the same as DaemonConfig{}).
DaemonConfig DefaultDaemonConfig();

// Applies the assignments of one file's text, named `file_name` in
// messages, on top of `base`. Stops at the first error.
Result<DaemonConfig> ParseDaemonConfig(std::string_view text, std::string_view file_name,
                                       DaemonConfig base = DaemonConfig{});

// Reads `main_path` and then the drop-ins of `main_path` + ".d", starting from
// the defaults. `files_read`, when given, receives the paths that were
// applied, in order (for the log).
Result<DaemonConfig> LoadDaemonConfig(const std::string& main_path,
                                      std::vector<std::string>* files_read = nullptr);

// The configuration as a file that parses back to exactly `config`: every
// section and key in order, list keys as an empty assignment followed by one
// assignment per element.
std::string FormatDaemonConfig(const DaemonConfig& config);

// Bytes the CPU device may use for models on a machine with `physical_bytes`
// of RAM: the percentage of it, or the configured size capped at it.
uint64_t ResolveMemoryBudget(const DaemonConfig& config, uint64_t physical_bytes);

// Bytes models may use on a GPU with `total_bytes` of memory.
uint64_t ResolveGpuMemoryBudget(const DaemonConfig& config, uint64_t total_bytes);

// Every key the schema knows, in file order (for documentation checks).
struct ConfigKey {
  std::string_view section;
  std::string_view key;
};
std::span<const ConfigKey> DaemonConfigKeys();

}  // namespace llmcore::config
