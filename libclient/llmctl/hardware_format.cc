#include "hardware_format.h"

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <vector>

#include "format.h"

namespace llmcore::llmctl {
namespace {

using Fields = std::vector<const char*>;

// An array of structs (JSON arrays) as objects. A row's fields are named by
// the first of `shapes` with as many fields as the row (the current shape,
// then older daemons' ones), else by the first shape as far as it goes;
// anything but an array of arrays is returned unchanged.
Json NameFields(const Json& rows, const std::vector<Fields>& shapes) {
  if (!rows.is_array()) return rows;
  Json out = Json::array();
  for (const Json& row : rows) {
    if (!row.is_array()) return rows;
    const Fields* fields = &shapes.front();
    for (const Fields& shape : shapes) {
      if (shape.size() == row.size()) {
        fields = &shape;
        break;
      }
    }
    Json named = Json::object();
    for (size_t i = 0; i < fields->size() && i < row.size(); ++i) named[(*fields)[i]] = row[i];
    out.push_back(std::move(named));
  }
  return out;
}

std::string Bytes(const Json& object, const char* key) {
  const Json* value = FindField(object, key);
  if (value && value->is_number_unsigned()) return FormatBytes(value->get<uint64_t>());
  return value ? FormatValue(*value) : "-";
}

// "2 physical, 4 threads, 1 package", from whichever counts are present.
std::string Cores(const Json& hw) {
  std::vector<std::string> parts;
  auto count = [&](const char* key, const char* singular, const char* plural) {
    const Json* value = FindField(hw, key);
    if (!value || !value->is_number_unsigned()) return;
    const uint64_t n = value->get<uint64_t>();
    parts.push_back(fmt::format("{} {}", n, n == 1 ? singular : plural));
  };
  count("cores", "physical", "physical");
  count("threads", "thread", "threads");
  count("packages", "package", "packages");
  return fmt::format("{}", fmt::join(parts, ", "));
}

// "cpu 0.1.0, score 100, 1 instance, from /usr/lib/.../cpu.so", from
// whichever fields are present.
std::string DriverLine(const Json& driver) {
  std::string out = FieldText(driver, "name", "-");
  if (const std::string version = FieldText(driver, "version"); !version.empty()) {
    out += " " + version;
  }
  if (FindField(driver, "score")) out += ", score " + FieldText(driver, "score", "-");
  if (const Json* instances = FindField(driver, "instances");
      instances && instances->is_number_unsigned()) {
    const uint64_t n = instances->get<uint64_t>();
    out += fmt::format(", {} {}", n, n == 1 ? "instance" : "instances");
  }
  if (const std::string path = FieldText(driver, "path"); !path.empty()) {
    out += ", from " + path;
  }
  return out;
}

}  // namespace

Json HardwareJson(const Json& raw) {
  Json out = raw;
  if (!out.is_object()) return out;
  if (out.contains("numa_nodes")) {
    out["numa_nodes"] = NameFields(out["numa_nodes"], {{"node", "memory"}});
  }
  if (out.contains("gpus")) {
    out["gpus"] = NameFields(out["gpus"], {{"name", "pci_address", "numa_node"}});
  }
  if (out.contains("drivers")) {
    // a(sssiu); older daemons sent a(ss), the same first two fields.
    out["drivers"] =
        NameFields(out["drivers"], {{"name", "version", "path", "score", "instances"}});
  }
  if (out.contains("devices")) {
    // a(sussstt); older daemons sent a(ssstt), without index and description.
    out["devices"] = NameFields(
        out["devices"],
        {{"driver", "index", "name", "description", "kind", "memory_total", "memory_free"},
         {"driver", "name", "kind", "memory_total", "memory_free"}});
  }
  return out;
}

std::string FormatHardware(const Json& hw) {
  std::string out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += fmt::format("{}: {}\n", label, value);
  };
  if (FindField(hw, "cpu_model")) line("cpu", FieldText(hw, "cpu_model", "-"));
  if (const std::string cores = Cores(hw); !cores.empty()) line("cores", cores);
  if (const Json* features = FindField(hw, "cpu_features")) {
    // A space-separated string (older descriptions had an array of names).
    std::string names = features->is_string() ? features->get<std::string>() : "";
    if (features->is_array()) {
      for (const Json& f : *features) names += (names.empty() ? "" : " ") + FormatValue(f);
    }
    line("cpu features", names.empty() ? "none" : names);
  }
  if (FindField(hw, "memory_total")) {
    line("memory", FindField(hw, "memory_available")
                       ? fmt::format("{} available of {}", Bytes(hw, "memory_available"),
                                     Bytes(hw, "memory_total"))
                       : Bytes(hw, "memory_total"));
  }
  if (const Json* nodes = FindField(hw, "numa_nodes"); nodes && nodes->is_array()) {
    for (const Json& node : *nodes) {
      line(fmt::format("numa node {}", FieldText(node, "node", "-")), Bytes(node, "memory"));
    }
  }
  if (const Json* gpus = FindField(hw, "gpus"); gpus && gpus->is_array()) {
    if (gpus->empty()) line("gpu", "none");
    for (const Json& gpu : *gpus) {
      line("gpu",
           fmt::format("{} at {}, numa node {}", FieldText(gpu, "name", "-"),
                       FieldText(gpu, "pci_address", "-"), FieldText(gpu, "numa_node", "-")));
    }
  }
  if (const Json* drivers = FindField(hw, "drivers"); drivers && drivers->is_array()) {
    for (const Json& driver : *drivers) line("driver", DriverLine(driver));
  }
  if (const Json* devices = FindField(hw, "devices"); devices && devices->is_array()) {
    for (const Json& device : *devices) {
      std::string about = FieldText(device, "kind", "-");
      if (const std::string description = FieldText(device, "description"); !description.empty()) {
        about = description + ", " + about;
      }
      line("device", fmt::format("{}/{} ({}): {} free of {}", FieldText(device, "driver", "-"),
                                 FieldText(device, "name", "-"), about,
                                 Bytes(device, "memory_free"), Bytes(device, "memory_total")));
    }
  }
  return out;
}

}  // namespace llmcore::llmctl
