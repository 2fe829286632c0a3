// llmcored: the system LLM service. See daemon/service/include/llmcore/
// service/daemon.h for its life cycle and ipc/dbus/org.llmcore.Core1.xml for
// its D-Bus API.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "llmcore/log.h"
#include "llmcore/service/daemon.h"

int main(int argc, char** argv) {
  try {
    llmcore::service::DaemonOptions options;
    options.version = LLMCORE_VERSION;
    std::string log_level;
    CLI::App app{"llmcored: the system LLM service (org.llmcore.Core1 on D-Bus).", "llmcored"};
    app.add_option("--bus", options.bus,
                   "system, session, or a D-Bus address such as unix:path=/run/x (default: "
                   "system)");
    app.add_option("--config", options.config_path,
                   "configuration file (default /etc/llmcore/llmcored.conf; drop-ins are read "
                   "from FILE.d/)");
    app.add_option("--log-level", log_level, "error, warning, notice, info or debug")
        ->check(CLI::IsMember({"error", "warning", "notice", "info", "debug"}));
    app.set_version_flag("--version", LLMCORE_VERSION);
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? 0 : 2;
    }
    using llmcore::LogLevel;
    if (log_level == "error") llmcore::SetLogLevel(LogLevel::kError);
    if (log_level == "warning") llmcore::SetLogLevel(LogLevel::kWarning);
    if (log_level == "notice") llmcore::SetLogLevel(LogLevel::kNotice);
    if (log_level == "info") llmcore::SetLogLevel(LogLevel::kInfo);
    if (log_level == "debug") llmcore::SetLogLevel(LogLevel::kDebug);
    return llmcore::service::RunDaemon(options);
  } catch (const std::exception& e) {
    std::cerr << "llmcored: " << e.what() << '\n';
    return 1;
  }
}
