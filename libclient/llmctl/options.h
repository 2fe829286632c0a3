// The options llmctl passes on from its command line: the "a{sv}"
// dictionaries of LoadModel, SwapDriver and VerifyModel, and run's
// generation options as libllmcore's llmcore_generate_options.
//
// Only what the person gave is sent: an option left out is left to the
// daemon's default (ipc/dbus/org.llmcore.Core1.xml lists keys, types and
// defaults). Values are passed on unchanged; libllmcore and the daemon check
// their ranges and name the offending key when they refuse one.
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

#include "llmcore.h"
#include "llmcore/status.h"

namespace llmcore::llmctl {

// One value of an option dictionary, by D-Bus type: b i u t d s as.
using OptionValue =
    std::variant<bool, int32_t, uint32_t, uint64_t, double, std::string, std::vector<std::string>>;
using OptionList = std::vector<std::pair<std::string, OptionValue>>;

// The D-Bus signature of a value ("b", "i", "u", "t", "d", "s", "as").
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

// The options of run's requests: llmcore_generate_default_options() (every
// option unset: the daemon's default) with the flags given set. The stop
// strings' pointers point into `flags`, which must outlive this object (and
// is why it is neither copied nor moved).
class GenerateOptions {
 public:
  explicit GenerateOptions(const GenerationFlags& flags);
  GenerateOptions(const GenerateOptions&) = delete;
  GenerateOptions& operator=(const GenerateOptions&) = delete;

  const llmcore_generate_options* get() const { return &options_; }

 private:
  std::vector<const char*> stop_;
  llmcore_generate_options options_;
};

// Options of LoadModel: pin b when asked for; driver s and device s when
// the model is placed explicitly ("" : not sent).
OptionList LoadOptions(bool pin, const std::string& driver = "", const std::string& device = "");

// Options of SwapDriver: threads u when given (0 = the driver's choice),
// method s "reprocess" when asked for (left out, the daemon's "auto" moves
// sequences by KV export/import where both drivers can).
OptionList SwapOptions(std::optional<uint32_t> threads, bool reprocess);

// Options of VerifyModel: tokens u when given (the daemon's default is 32).
OptionList VerifyOptions(std::optional<uint32_t> tokens);

// Appends `options` to `message` as one "a{sv}" argument.
Status AppendOptions(sd_bus_message* message, const OptionList& options);

}  // namespace llmcore::llmctl
