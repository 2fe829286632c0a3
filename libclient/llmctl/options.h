// The "a{sv}" option dictionaries llmctl sends, built from its command line.
//
// Only what the person gave is sent: an option left out is left to the
// daemon's default (ipc/dbus/org.llmcore.Core1.xml lists keys, types and
// defaults). Values are passed on unchanged; the daemon checks their ranges
// and names the offending key when it refuses one.
//
// Thread safety: values and pure functions.
#pragma once

#include <systemd/sd-bus.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "llmcore/status.h"

namespace llmcore::llmctl {

// One value of an option dictionary, by D-Bus type: b i u t d as.
using OptionValue =
    std::variant<bool, int32_t, uint32_t, uint64_t, double, std::vector<std::string>>;
using OptionList = std::vector<std::pair<std::string, OptionValue>>;

// The D-Bus signature of a value ("b", "i", "u", "t", "d", "as").
const char* OptionSignature(const OptionValue& value);

// The generation options of `llmctl run`.
struct GenerationFlags {
  std::optional<uint32_t> max_tokens;    // -n
  std::optional<double> temperature;     // --temp
  std::optional<int32_t> top_k;          // --top-k
  std::optional<double> top_p;           // --top-p
  std::optional<double> min_p;           // --min-p
  std::optional<double> repeat_penalty;  // --repeat-penalty
  std::optional<uint64_t> seed;          // --seed
  std::vector<std::string> stop;         // --stop (repeatable)
  bool ignore_eos = false;               // --ignore-eos
};

// Options of Submit / SubmitChat, in the order of the interface description:
// max_tokens u, temperature d, top_k i, top_p d, min_p d, repeat_penalty d,
// seed t, stop as, ignore_eos b.
OptionList GenerationOptions(const GenerationFlags& flags);

// Options of CreateSession: context_length u when given.
OptionList SessionOptions(std::optional<uint32_t> context_length);

// Options of LoadModel: pin b when asked for.
OptionList LoadOptions(bool pin);

// Appends `options` to `message` as one "a{sv}" argument.
Status AppendOptions(sd_bus_message* message, const OptionList& options);

}  // namespace llmcore::llmctl
