// llmcore-gguf: shows what a GGUF file holds, as the daemon's reader sees it.
//
//   llmcore-gguf FILE          header, metadata (arrays abbreviated) and the
//                              tensor directory, in aligned columns
//   llmcore-gguf FILE --json   one JSON object with every key and value
//                              (arrays complete) and every tensor
//   llmcore-gguf FILE --load   also loads the tensor data into a model store
//                              segment (as the daemon does) and prints the
//                              directory read back from that shared segment
//
// Exit status: 0 for a valid file, 1 when the file cannot be read or breaks a
// rule of the reader (the reason on stderr, nothing on stdout), 2 for a bad
// command line.
//
// The directory is printed from DirectoryRows rather than from the GgufFile
// itself, so that a directory read back from elsewhere (a loaded model's
// shared segment) prints and serializes the same way.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/gguf/reader.h"
#include "llmcore/gguf/types.h"
#include "llmcore/store/model_store.h"
#include "llmcore/store/segment.h"

namespace {

using llmcore::gguf::Array;
using llmcore::gguf::GgufFile;
using llmcore::gguf::TensorInfo;
using llmcore::gguf::Value;
using llmcore::gguf::ValueType;
using Json = nlohmann::ordered_json;

constexpr int kExitOk = 0;
constexpr int kExitBadFile = 1;
constexpr int kExitUsage = 2;

// The human view shows this many array elements and string bytes.
constexpr size_t kShownElements = 6;
constexpr size_t kShownStringBytes = 64;

struct Options {
  std::string path;
  bool json = false;
  bool load = false;
};

// One tensor of a directory, whatever it was read from.
struct DirectoryRow {
  std::string name;
  std::string type;             // ggml's name: "f32", "q4_K", ...
  std::vector<uint64_t> shape;  // ne[0] first
  uint64_t offset = 0;          // relative to the data section
  uint64_t bytes = 0;
};

std::vector<DirectoryRow> RowsFromGguf(const GgufFile& file) {
  std::vector<DirectoryRow> rows;
  rows.reserve(file.tensors().size());
  for (const TensorInfo& t : file.tensors()) {
    rows.push_back(DirectoryRow{t.name, std::string(llmcore::gguf::Traits(t.type).name),
                                std::vector<uint64_t>(t.ne.begin(), t.ne.begin() + t.n_dims),
                                t.offset, t.n_bytes});
  }
  return rows;
}

// The directory as another process sees it: read back from the segment.
std::vector<DirectoryRow> RowsFromSegment(const llmcore::store::Segment& segment) {
  std::vector<DirectoryRow> rows;
  rows.reserve(segment.directory().tensors.size());
  for (const auto& t : segment.directory().tensors) {
    const auto traits = llmcore::LookupTensorType(t.type);
    rows.push_back(DirectoryRow{std::string(t.name.begin(), t.name.end()),
                                traits ? std::string(traits->name) : fmt::format("type{}", t.type),
                                std::vector<uint64_t>(t.ne, t.ne + t.n_dims), t.offset, t.n_bytes});
  }
  return rows;
}

std::string ShapeString(const std::vector<uint64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// ---- human view -----------------------------------------------------------

void PrintHeader(std::ostream& out, const std::string& path, const GgufFile& file) {
  out << fmt::format("file:         {}\n", path);
  out << fmt::format("version:      {}\n", file.version());
  out << fmt::format("alignment:    {}\n", file.alignment());
  out << fmt::format("data offset:  {}\n", file.data_offset());
  out << fmt::format("data size:    {} bytes\n", file.data_size());
  out << fmt::format("file size:    {} bytes\n", file.file_size());
  out << fmt::format("metadata:     {} keys\n", file.metadata().size());
  out << fmt::format("tensors:      {}\n", file.tensors().size());
}

// The type column of a value: "uint32", or "string[512]" for an array.
std::string TypeColumn(const Value& value) {
  if (const Array* array = value.AsArray()) {
    return fmt::format("{}[{}]", llmcore::gguf::ValueTypeName(array->element_type), array->size());
  }
  return std::string(llmcore::gguf::ValueTypeName(value.type));
}

// The value column: the display string without the array's type prefix,
// which the type column already shows.
std::string ValueColumn(const Value& value) {
  std::string shown = value.ToDisplayString(kShownElements, kShownStringBytes);
  const std::string prefix = TypeColumn(value) + " ";
  if (value.AsArray() != nullptr && shown.starts_with(prefix)) shown.erase(0, prefix.size());
  return shown;
}

void PrintMetadata(std::ostream& out, const GgufFile& file) {
  if (file.metadata().empty()) return;
  size_t key_width = 3, type_width = 4;
  for (const auto& kv : file.metadata()) {
    key_width = std::max(key_width, kv.key.size());
    type_width = std::max(type_width, TypeColumn(kv.value).size());
  }
  out << "\nmetadata:\n";
  out << fmt::format("  {:<{}}  {:<{}}  {}\n", "KEY", key_width, "TYPE", type_width, "VALUE");
  for (const auto& kv : file.metadata()) {
    out << fmt::format("  {:<{}}  {:<{}}  {}\n", kv.key, key_width, TypeColumn(kv.value),
                       type_width, ValueColumn(kv.value));
  }
}

void PrintDirectory(std::ostream& out, std::span<const DirectoryRow> rows) {
  if (rows.empty()) return;
  size_t name_w = 4, type_w = 4, shape_w = 5, offset_w = 6, bytes_w = 5;
  for (const DirectoryRow& r : rows) {
    name_w = std::max(name_w, r.name.size());
    type_w = std::max(type_w, r.type.size());
    shape_w = std::max(shape_w, ShapeString(r.shape).size());
    offset_w = std::max(offset_w, fmt::formatted_size("{}", r.offset));
    bytes_w = std::max(bytes_w, fmt::formatted_size("{}", r.bytes));
  }
  out << "\ntensors:\n";
  out << fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:>{}}  {:>{}}\n", "NAME", name_w, "TYPE", type_w,
                     "SHAPE", shape_w, "OFFSET", offset_w, "BYTES", bytes_w);
  for (const DirectoryRow& r : rows) {
    out << fmt::format("  {:<{}}  {:<{}}  {:<{}}  {:>{}}  {:>{}}\n", r.name, name_w, r.type, type_w,
                       ShapeString(r.shape), shape_w, r.offset, offset_w, r.bytes, bytes_w);
  }
}

// ---- JSON view ------------------------------------------------------------

// A float32 as the shortest decimal that reads back as the same float, not
// as the double it widens to (1e-05, not 9.999999747378752e-06).
Json Float32Json(float f) {
  if (!std::isfinite(f)) return nullptr;  // JSON has no NaN or infinity
  const std::string shortest = fmt::format("{}", f);
  double d = f;
  std::from_chars(shortest.data(), shortest.data() + shortest.size(), d);
  return d;
}

Json ArrayElementsJson(const Array& array);

Json ScalarJson(const Value& value) {
  return std::visit(
      [&](const auto& v) -> Json {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, Array>) {
          return ArrayElementsJson(v);
        } else if constexpr (std::is_same_v<V, double>) {
          if (value.type == ValueType::kFloat32) return Float32Json(static_cast<float>(v));
          if (!std::isfinite(v)) return nullptr;
          return v;
        } else {
          return v;
        }
      },
      value.data);
}

Json ArrayElementsJson(const Array& array) {
  Json out = Json::array();
  std::visit(
      [&](const auto& elements) {
        using E = typename std::decay_t<decltype(elements)>::value_type;
        for (const E& e : elements) {
          if constexpr (std::is_same_v<E, Value>) {
            out.push_back(ScalarJson(e));
          } else if constexpr (std::is_same_v<E, float>) {
            out.push_back(Float32Json(e));
          } else if constexpr (std::is_same_v<E, double>) {
            out.push_back(std::isfinite(e) ? Json(e) : Json(nullptr));
          } else if constexpr (std::is_same_v<E, uint8_t>) {
            if (array.element_type == ValueType::kBool) {
              out.push_back(e != 0);
            } else {
              out.push_back(e);
            }
          } else {
            out.push_back(e);
          }
        }
      },
      array.elements);
  return out;
}

Json ValueJson(const Value& value) {
  Json out = Json::object();
  out["type"] = llmcore::gguf::ValueTypeName(value.type);
  if (const Array* array = value.AsArray()) {
    out["element_type"] = llmcore::gguf::ValueTypeName(array->element_type);
    out["count"] = array->size();
  }
  out["value"] = ScalarJson(value);
  return out;
}

Json DirectoryJson(std::span<const DirectoryRow> rows, uint64_t data_offset) {
  Json out = Json::array();
  for (const DirectoryRow& r : rows) {
    out.push_back(Json{{"name", r.name},
                       {"type", r.type},
                       {"shape", r.shape},
                       {"offset", r.offset},
                       {"file_offset", data_offset + r.offset},
                       {"bytes", r.bytes}});
  }
  return out;
}

Json FileJson(const std::string& path, const GgufFile& file) {
  Json out = Json::object();
  out["file"] = path;
  out["version"] = file.version();
  out["alignment"] = file.alignment();
  out["data_offset"] = file.data_offset();
  out["data_size"] = file.data_size();
  out["file_size"] = file.file_size();
  out["metadata_count"] = file.metadata().size();
  out["tensor_count"] = file.tensors().size();
  Json metadata = Json::object();
  for (const auto& kv : file.metadata()) metadata[kv.key] = ValueJson(kv.value);
  out["metadata"] = std::move(metadata);
  out["tensors"] = DirectoryJson(RowsFromGguf(file), file.data_offset());
  return out;
}

// ---- loading into the model store -----------------------------------------

struct LoadedModel {
  std::shared_ptr<const llmcore::store::Segment> segment;
  llmcore::store::LoadReport report;
};

const char* MethodName(llmcore::store::IoMethod method) {
  return method == llmcore::store::IoMethod::kIoUring ? "io_uring" : "pread";
}

void PrintSegment(std::ostream& out, const LoadedModel& loaded) {
  const auto& segment = *loaded.segment;
  const auto& header = segment.header();
  const double mib = static_cast<double>(loaded.report.bytes_read) / (1024.0 * 1024.0);
  out << "\nloaded into the model store:\n";
  out << fmt::format(
      "  segment:      memfd, {} bytes (directory {} bytes at {}, data {} bytes at {})\n",
      segment.size(), header.directory_bytes, header.directory_offset, header.data_bytes,
      header.data_offset);
  out << fmt::format("  read with:    {}{}, huge pages {}\n", MethodName(loaded.report.method),
                     loaded.report.direct_io ? " + O_DIRECT" : "",
                     loaded.report.hugepages ? "yes" : "no");
  out << fmt::format("  read:         {} bytes in {:.1f} ms ({:.0f} MiB/s)\n",
                     loaded.report.bytes_read, loaded.report.seconds * 1e3,
                     loaded.report.seconds > 0 ? mib / loaded.report.seconds : 0.0);
  out << fmt::format(
      "  directory:    architecture '{}', {} tensors, {} metadata entries\n",
      std::string(segment.directory().architecture.begin(), segment.directory().architecture.end()),
      segment.directory().tensors.size(), segment.directory().metadata.size());
  out << "\nread back from the segment:";
  PrintDirectory(out, RowsFromSegment(segment));
}

Json SegmentJson(const LoadedModel& loaded) {
  const auto& segment = *loaded.segment;
  const auto& header = segment.header();
  return Json{{"segment_bytes", segment.size()},
              {"directory_offset", header.directory_offset},
              {"directory_bytes", header.directory_bytes},
              {"data_offset", header.data_offset},
              {"data_bytes", header.data_bytes},
              {"io_method", MethodName(loaded.report.method)},
              {"direct_io", loaded.report.direct_io},
              {"hugepages", loaded.report.hugepages},
              {"bytes_read", loaded.report.bytes_read},
              {"seconds", loaded.report.seconds},
              {"architecture", std::string(segment.directory().architecture.begin(),
                                           segment.directory().architecture.end())},
              {"metadata_count", segment.directory().metadata.size()},
              {"tensors", DirectoryJson(RowsFromSegment(segment), 0)}};
}

// ---- main -----------------------------------------------------------------

int Run(const Options& options) {
  auto file = llmcore::gguf::ReadGgufFile(options.path);
  if (!file.ok()) {
    std::cerr << "llmcore-gguf: " << file.status().message() << '\n';
    return kExitBadFile;
  }
  LoadedModel loaded;
  llmcore::store::ModelStore store;
  if (options.load) {
    auto segment = store.Load(options.path, *file, {}, &loaded.report);
    if (!segment.ok()) {
      std::cerr << "llmcore-gguf: " << options.path << ": " << segment.status().message() << '\n';
      return kExitBadFile;
    }
    loaded.segment = std::move(*segment);
  }
  if (options.json) {
    Json json = FileJson(options.path, *file);
    if (options.load) json["store"] = SegmentJson(loaded);
    // Strings in GGUF files are meant to be UTF-8 but some vocabularies hold
    // byte fragments; JSON cannot carry those, so they become U+FFFD.
    std::cout << json.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  } else {
    PrintHeader(std::cout, options.path, *file);
    PrintMetadata(std::cout, *file);
    const std::vector<DirectoryRow> rows = RowsFromGguf(*file);
    PrintDirectory(std::cout, rows);
    if (options.load) PrintSegment(std::cout, loaded);
  }
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "llmcore-gguf: cannot write the output\n";
    return kExitBadFile;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Options options;
    CLI::App app{"Show the header, metadata and tensor directory of a GGUF file.", "llmcore-gguf"};
    app.add_option("file", options.path, "the GGUF file")->required();
    app.add_flag("--json", options.json,
                 "print one JSON object with every key and value (arrays complete) and every "
                 "tensor");
    app.add_flag("--load", options.load,
                 "also load the tensor data into a shared-memory segment of the model store and "
                 "print the directory read back from it");
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int code = app.exit(e);  // prints help, or the error and a hint
      return code == 0 ? kExitOk : kExitUsage;
    }
    return Run(options);
  } catch (const std::exception& e) {
    std::cerr << "llmcore-gguf: " << e.what() << '\n';
    return kExitBadFile;
  }
}
