// libFuzzer target: ParseDaemonConfig over arbitrary bytes.
//
// Besides crashes, leaks and hangs, it checks the promises of
// daemon_config.h and traps when one is broken: an error names the file, a
// configuration it accepts holds only valid names and absolute paths, and
// FormatDaemonConfig writes it back as text that parses to the same
// configuration whatever it is applied on.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "llmcore/config/daemon_config.h"
#include "llmcore/config/model_name.h"

namespace {

using llmcore::config::DaemonConfig;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

void CheckPaths(const std::vector<std::string>& paths) {
  for (const std::string& path : paths) Check(!path.empty() && path.front() == '/');
}

void CheckNames(const std::vector<std::string>& names) {
  for (const std::string& name : names) Check(llmcore::config::ValidateModelName(name).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = llmcore::config::ParseDaemonConfig(text, "fuzz.conf");
  if (!config.ok()) {
    Check(config.status().code() == llmcore::StatusCode::kInvalidArgument);
    Check(config.status().message().starts_with("fuzz.conf:"));
    return 0;
  }
  CheckPaths(config->models.directories);
  CheckPaths(config->models.huggingface_caches);
  CheckPaths(config->models.ollama_stores);
  Check(config->daemon.driver_directory.front() == '/');
  CheckNames(config->models.preload);
  CheckNames(config->models.pin);
  Check(llmcore::config::ValidateModelName(config->models.default_model).ok());

  const std::string formatted = llmcore::config::FormatDaemonConfig(*config);
  auto again = llmcore::config::ParseDaemonConfig(formatted, "formatted.conf");
  Check(again.ok() && *again == *config);
  // The written file sets everything: applied over another configuration
  // it still gives exactly this one.
  auto over = llmcore::config::ParseDaemonConfig(formatted, "formatted.conf", *config);
  Check(over.ok() && *over == *config);
  return 0;
}
