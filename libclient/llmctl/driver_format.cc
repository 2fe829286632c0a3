#include "driver_format.h"

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "format.h"

namespace llmcore::llmctl {
namespace {

// The value as text; "-" when missing or empty.
std::string TextOrDash(const Json& object, const char* key) {
  std::string text = FieldText(object, key);
  return text.empty() ? "-" : text;
}

std::optional<uint64_t> Count(const Json& object, const char* key) {
  const Json* value = FindField(object, key);
  if (!value || !value->is_number_unsigned()) return std::nullopt;
  return value->get<uint64_t>();
}

std::optional<double> Number(const Json& object, const char* key) {
  const Json* value = FindField(object, key);
  if (!value || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

// "3 sequences", "1 token".
std::string Plural(uint64_t n, std::string_view singular) {
  return fmt::format("{} {}{}", n, singular, n == 1 ? "" : "s");
}

// "reference (cpu)", or just the driver without a device.
std::string Placement(const Json& report, const char* driver_key, const char* device_key) {
  std::string out = TextOrDash(report, driver_key);
  if (const std::string device = FieldText(report, device_key); !device.empty()) {
    out += " (" + device + ")";
  }
  return out;
}

// "3 sequences moved by re-processing 120 tokens", "no live sequences", or
// "" when the report says nothing about sequences.
std::string Moved(const Json& report) {
  const std::string method = FieldText(report, "method");
  if (method == "none") return "no live sequences";
  const std::optional<uint64_t> sequences = Count(report, "sequences");
  if (method.empty() && !sequences) return "";
  std::string out = sequences ? Plural(*sequences, "sequence") : "sequences";
  out += " moved";
  const std::optional<uint64_t> tokens = Count(report, "tokens_reprocessed");
  if (method == "kv-export") {
    out += " by KV export/import";
    if (tokens && *tokens > 0) out += fmt::format(" ({} re-processed)", Plural(*tokens, "token"));
  } else if (method == "reprocess") {
    out += " by re-processing";
    if (tokens) out += " " + Plural(*tokens, "token");
  } else if (!method.empty()) {
    out += " by " + method;
  }
  return out;
}

}  // namespace

std::string FormatSwapReport(const Json& report) {
  std::string out = fmt::format("model '{}' now on {}", TextOrDash(report, "model"),
                                Placement(report, "driver", "device"));
  if (!FieldText(report, "previous_driver").empty()) {
    out += ", was " + Placement(report, "previous_driver", "previous_device");
  }
  std::vector<std::string> parts;
  if (std::string moved = Moved(report); !moved.empty()) parts.push_back(std::move(moved));
  if (const std::optional<double> pause = Number(report, "pause_ms")) {
    parts.push_back(fmt::format("generation paused {:.1f} ms", *pause));
  }
  if (!parts.empty()) out += fmt::format(": {}", fmt::join(parts, ", "));
  return out;
}

std::string FormatVerifyReport(const Json& report) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += fmt::format("{}: {}\n", label, value);
  };
  if (FindField(report, "model")) line("model", FieldText(report, "model"));
  if (FindField(report, "driver")) {
    std::string driver = Placement(report, "driver", "device");
    if (const std::string reference = FieldText(report, "reference"); !reference.empty()) {
      driver += " vs " + reference;
    }
    line("driver", driver);
  }
  if (const std::optional<uint64_t> positions = Count(report, "positions")) {
    line("positions", fmt::format("{}", *positions));
  }
  if (const std::optional<double> diff = Number(report, "max_abs_diff")) {
    line("max |diff|", fmt::format("{:.3g}", *diff));
  }
  if (const std::optional<double> tolerance = Number(report, "tolerance")) {
    line("tolerance", fmt::format("{:.3g}", *tolerance));
  }
  if (const std::optional<double> agreement = Number(report, "top1_agreement")) {
    line("top-1 agreement", fmt::format("{:.1f}%", *agreement * 100.0));
  }
  line("result", VerifyPassed(report) ? "PASS" : "FAIL");
  return out;
}

bool VerifyPassed(const Json& report) {
  const Json* passed = FindField(report, "passed");
  return passed && passed->is_boolean() && passed->get<bool>();
}

std::string FormatReloadReport(const Json& report) {
  std::string out = "driver " + TextOrDash(report, "driver") + " reloaded";
  if (const std::string path = FieldText(report, "path"); !path.empty()) out += " from " + path;
  if (const std::string version = FieldText(report, "version"); !version.empty()) {
    const std::string previous = FieldText(report, "previous_version");
    out += ": " + (previous.empty() ? version : previous + " -> " + version);
  }
  const Json* models = FindField(report, "models");
  if (models && models->is_array() && !models->empty()) {
    out += "; models moved: " + FormatValue(*models);
  } else {
    out += "; no models to move";
  }
  return out;
}

}  // namespace llmcore::llmctl
