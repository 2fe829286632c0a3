// The layout of a model segment: what a process that receives a segment's fd
// finds when it maps it. Shared by the daemon (which writes it) and drivers or
// other trusted processes (which only read it).
//
//   offset 0            SegmentHeader (one page)
//   directory_offset    a Boost.Interprocess managed buffer holding the
//                       TensorDirectory (offset_ptr-based, so it reads the same
//                       at any mapping address); directory_root_offset locates
//                       the TensorDirectory object inside the segment
//   data_offset         the GGUF data section, byte for byte: a tensor whose
//                       GGUF offset is X lives at data_offset + X
//
// Readers never need the Boost allocator: they map the segment (read-only is
// enough), check the header, and cast base + directory_root_offset.
//
// Compatibility: the header's magic and layout_version change whenever any
// struct below changes; readers refuse other versions.
#pragma once

#include <boost/interprocess/containers/string.hpp>
#include <boost/interprocess/containers/vector.hpp>
#include <boost/interprocess/managed_external_buffer.hpp>
#include <cstdint>

namespace llmcore::store {

inline constexpr uint64_t kSegmentMagic = 0x31474553434c4c4dULL;  // "MLLCSEG1"
inline constexpr uint32_t kSegmentLayoutVersion = 1;

struct SegmentHeader {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t header_bytes;          // sizeof(SegmentHeader)
  uint64_t segment_bytes;         // total size of the memfd
  uint64_t directory_offset;      // start of the managed buffer
  uint64_t directory_bytes;       // size of the managed buffer
  uint64_t directory_root_offset; // TensorDirectory object, from segment start
  uint64_t data_offset;           // start of the tensor data
  uint64_t data_bytes;            // size of the tensor data
  uint64_t source_file_bytes;     // size of the GGUF file it came from
  uint64_t source_data_offset;    // where the data section started in that file
};

using SegmentManager = boost::interprocess::managed_external_buffer::segment_manager;
template <typename T>
using SegmentAllocator = boost::interprocess::allocator<T, SegmentManager>;
using SegmentString =
    boost::interprocess::basic_string<char, std::char_traits<char>, SegmentAllocator<char>>;
template <typename T>
using SegmentVector = boost::interprocess::vector<T, SegmentAllocator<T>>;

struct TensorEntry {
  explicit TensorEntry(const SegmentAllocator<char>& alloc) : name(alloc) {}
  SegmentString name;
  uint32_t type;      // gguf::TensorType id
  uint32_t n_dims;
  uint64_t ne[4];
  uint64_t offset;    // from the segment's data_offset
  uint64_t n_bytes;
};

// One metadata entry needed to run the model: every scalar and string key of
// the GGUF, plus numeric arrays of at most kMaxDirectoryArrayElements elements
// (per-layer hyperparameters). Large arrays (the vocabulary) are not copied.
inline constexpr uint64_t kMaxDirectoryArrayElements = 1024;

struct MetadataEntry {
  explicit MetadataEntry(const SegmentAllocator<char>& alloc)
      : key(alloc), string_value(alloc), array_values(alloc) {}
  SegmentString key;
  uint32_t value_type;        // gguf::ValueType id
  uint32_t array_element_type;
  uint64_t uint_value;        // unsigned integers and bool
  int64_t int_value;          // signed integers
  double float_value;         // floats
  SegmentString string_value; // strings
  SegmentVector<double> array_values;  // numeric arrays, converted to double
};

struct TensorDirectory {
  explicit TensorDirectory(const SegmentAllocator<char>& alloc)
      : architecture(alloc), tensors(alloc), metadata(alloc) {}
  SegmentString architecture;
  SegmentVector<TensorEntry> tensors;
  SegmentVector<MetadataEntry> metadata;
};

}  // namespace llmcore::store
