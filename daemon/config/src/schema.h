// The schema of llmcored.conf: which sections and keys exist, what each key's
// value means, and which DaemonConfig field it sets. The syntax around it is
// ini_parser.h's; the key list with defaults and ranges is in schema.cc.
//
// Thread safety: reentrant; the key table is immutable.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "llmcore/config/daemon_config.h"
#include "llmcore/status.h"

namespace llmcore::config::internal {

// Ok for a known section name; otherwise kInvalidArgument listing the known
// ones.
Status CheckSection(std::string_view section);

// Applies `key=value` of `section` to `config`: an empty value restores the
// default of a scalar key or empties a list. kInvalidArgument, without a
// location, for an unknown key (listing the section's keys) or a value the
// key does not accept; `config` is then unchanged.
Status Assign(std::string_view section, std::string_view key, std::string_view value,
              DaemonConfig& config);

// Every key, in the order the sections and keys are documented.
std::span<const ConfigKey> Keys();

// `config` as INI text (see FormatDaemonConfig).
std::string Format(const DaemonConfig& config);

}  // namespace llmcore::config::internal
