#include "format.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace llmcore::llmctl {
namespace {

bool HasControlCharacters(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7F; });
}

std::string Cell(const Json& object, const char* key) {
  const Json* value = FindField(object, key);
  if (value == nullptr) return "-";
  if (value->is_string() && value->get_ref<const std::string&>().empty()) return "-";
  return FormatValue(*value);
}

std::string SizeCell(const Json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object[key].is_number_unsigned()) {
    return Cell(object, key);
  }
  return FormatBytes(object[key].get<uint64_t>());
}

// "cpu 0.1.0": the driver and, when the daemon says, its version.
std::string DriverCell(const Json& info) {
  std::string cell = Cell(info, "driver");
  if (cell == "-") return cell;
  if (const std::string version = Cell(info, "driver_version"); version != "-") {
    cell += " " + version;
  }
  return cell;
}

}  // namespace

size_t CodePointCount(std::string_view text) {
  // Every byte but UTF-8 continuation bytes (10xxxxxx) starts a code point.
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string FormatBytes(uint64_t bytes) {
  static constexpr std::array<const char*, 7> kUnits = {"B",   "KiB", "MiB", "GiB",
                                                        "TiB", "PiB", "EiB"};
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  // Round first, so that 1048575 B shows as "1.0 MiB", not "1024.0 KiB".
  while (unit + 1 < kUnits.size() && value >= 1024.0 * (1 - 0.05 / 1024)) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, kUnits[unit]);
}

std::string FormatTable(const std::vector<Column>& columns,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(columns.size());
  for (size_t c = 0; c < columns.size(); ++c) widths[c] = CodePointCount(columns[c].header);
  for (const auto& row : rows) {
    for (size_t c = 0; c < columns.size() && c < row.size(); ++c) {
      widths[c] = std::max(widths[c], CodePointCount(row[c]));
    }
  }
  std::string out;
  auto append_row = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string& cell = c < cells.size() ? cells[c] : std::string("-");
      const std::string pad(widths[c] - std::min(widths[c], CodePointCount(cell)), ' ');
      if (c > 0) line += "  ";
      line += columns[c].right_aligned ? pad + cell : cell + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  };
  std::vector<std::string> header;
  for (const Column& column : columns) header.push_back(column.header);
  append_row(header);
  for (const auto& row : rows) append_row(row);
  return out;
}

std::string FormatValue(const Json& value) {
  if (value.is_null()) return "-";
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    return HasControlCharacters(text) ? value.dump(-1, ' ', false, Json::error_handler_t::replace)
                                      : text;
  }
  if (value.is_array()) {
    std::string out;
    for (const Json& element : value) {
      if (!out.empty()) out += ", ";
      if (element.is_array()) {
        std::string inner;
        for (const Json& field : element) {
          if (!inner.empty()) inner += ' ';
          inner += FormatValue(field);
        }
        out += "(" + inner + ")";
      } else {
        out += FormatValue(element);
      }
    }
    return out;
  }
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* FindField(const Json& object, const char* key) {
  return object.is_object() && object.contains(key) ? &object[key] : nullptr;
}

std::string FieldText(const Json& object, const char* key, std::string_view missing) {
  const Json* value = FindField(object, key);
  return value ? FormatValue(*value) : std::string(missing);
}

std::string FormatKeyValues(const Json& object) {
  std::string out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    out += key;
    out += ": ";
    out += FormatValue(value);
    out += '\n';
  }
  return out;
}

Json ModelListJson(const Json& rows) {
  static constexpr std::array<const char*, 5> kFields = {"name", "architecture", "quantization",
                                                         "size", "state"};
  Json out = Json::array();
  if (!rows.is_array()) return out;
  for (const Json& row : rows) {
    Json model = Json::object();
    for (size_t i = 0; i < kFields.size() && row.is_array() && i < row.size(); ++i) {
      model[kFields[i]] = row[i];
    }
    out.push_back(std::move(model));
  }
  return out;
}

std::string FormatModelList(const Json& models) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& m : models) {
    rows.push_back({Cell(m, "name"), Cell(m, "architecture"), Cell(m, "quantization"),
                    SizeCell(m, "size"), Cell(m, "state")});
  }
  return FormatTable({{"NAME"}, {"ARCHITECTURE"}, {"QUANTIZATION"}, {"SIZE", true}, {"STATE"}},
                     rows);
}

std::string FormatLoadedModels(const Json& infos) {
  std::vector<std::vector<std::string>> rows;
  for (const Json& info : infos) {
    rows.push_back(
        {Cell(info, "name"), DriverCell(info), Cell(info, "device"), SizeCell(info, "size")});
  }
  return FormatTable({{"NAME"}, {"DRIVER"}, {"DEVICE"}, {"MEMORY", true}}, rows);
}

std::string FormatStatus(std::string_view availability, std::string_view reason) {
  if (availability == "ready" || reason.empty()) return std::string(availability);
  return fmt::format("{}: {}", availability, reason);
}

std::string FormatStats(const Json& stats) {
  auto number = [&](const char* key) -> const Json* {
    return stats.is_object() && stats.contains(key) && stats[key].is_number() ? &stats[key]
                                                                              : nullptr;
  };
  std::vector<std::string> tokens;
  if (const Json* prompt = number("prompt_tokens")) {
    std::string part = fmt::format("{} prompt tokens", prompt->get<uint64_t>());
    if (const Json* cached = number("cached_tokens")) {
      part += fmt::format(" ({} cached)", cached->get<uint64_t>());
    }
    tokens.push_back(std::move(part));
  }
  if (const Json* generated = number("generated_tokens")) {
    tokens.push_back(fmt::format("{} generated", generated->get<uint64_t>()));
  }
  std::vector<std::string> times;
  for (const char* key : {"queue_ms", "prefill_ms", "decode_ms"}) {
    if (const Json* ms = number(key)) {
      const std::string_view name(key, std::string_view(key).find('_'));
      times.push_back(fmt::format("{} {:.1f} ms", name, ms->get<double>()));
    }
  }
  if (const Json* rate = number("tokens_per_second"); rate && !times.empty()) {
    times.back() += fmt::format(" ({:.1f} tokens/s)", rate->get<double>());
  }
  std::vector<std::string> parts;
  if (!tokens.empty()) parts.push_back(fmt::format("{}", fmt::join(tokens, ", ")));
  if (!times.empty()) parts.push_back(fmt::format("{}", fmt::join(times, ", ")));
  if (stats.is_object() && stats.contains("stop_reason") && stats["stop_reason"].is_string()) {
    parts.push_back("stop: " + stats["stop_reason"].get<std::string>());
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace llmcore::llmctl
