// The layout of a model segment: what a process that receives a segment's fd
// finds when it maps it. Shared by the daemon (which writes it) and drivers or
// other trusted processes (which only read it).
//
//   offset 0            SegmentHeader, padded to kSegmentHeaderBytes
//   directory_offset    a Boost.Interprocess managed buffer holding the
//                       TensorDirectory (offset_ptr-based, so it reads the same
//                       at any mapping address); directory_root_offset locates
//                       the TensorDirectory object inside the segment
//   data_offset         the GGUF data section, byte for byte: a tensor whose
//                       GGUF offset is X lives at data_offset + X. data_offset
//                       is congruent to source_data_offset modulo
//                       max(kDirectIoAlignment, data_alignment), so every tensor
//                       keeps the file's alignment and whole blocks of the file
//                       land on block-aligned addresses (O_DIRECT reads go
//                       straight into the segment)
//   segment_bytes       the end of the memfd (rounded up to a page or huge page)
//
// Readers never need the Boost allocator: they map the segment (read-only is
// enough), check the header, and cast base + directory_root_offset.
// Segment::Attach() does this and also checks that every string and vector of
// the directory lies inside the directory, and every tensor inside the data.
//
// Trust: Boost.Interprocess structures are only exchanged between trusted
// parties built from the same sources (daemon, drivers); never place them in
// memory a client can write. The header records the Boost version, and Attach
// refuses a segment written with another one, since Boost's internal layout
// is not ours to pin.
//
// Compatibility: the magic and layout_version change whenever any struct below
// changes; readers refuse other versions.
#pragma once

#include <boost/interprocess/allocators/allocator.hpp>
#include <boost/interprocess/containers/string.hpp>
#include <boost/interprocess/containers/vector.hpp>
#include <boost/interprocess/indexes/iset_index.hpp>
#include <boost/interprocess/managed_external_buffer.hpp>
#include <boost/interprocess/mem_algo/rbtree_best_fit.hpp>
#include <boost/interprocess/sync/mutex_family.hpp>
#include <boost/version.hpp>
#include <cstdint>
#include <type_traits>

namespace llmcore::store {

inline constexpr uint64_t kSegmentMagic = 0x31474553434c4c4dULL;  // "MLLCSEG1"
inline constexpr uint32_t kSegmentLayoutVersion = 1;
// The header is padded to this many bytes; the directory starts right after.
inline constexpr uint64_t kSegmentHeaderBytes = 4096;

struct SegmentHeader {
  uint64_t magic;
  uint32_t layout_version;
  uint32_t header_bytes;           // sizeof(SegmentHeader)
  uint32_t boost_version;          // BOOST_VERSION of the writer
  uint32_t tensor_count;           // directory().tensors.size(), for a quick look
  uint64_t segment_bytes;          // size of the memfd
  uint64_t directory_offset;       // start of the managed buffer
  uint64_t directory_bytes;        // size of the managed buffer
  uint64_t directory_root_offset;  // TensorDirectory object, from segment start
  uint64_t data_offset;            // start of the tensor data
  uint64_t data_bytes;             // size of the tensor data
  uint64_t data_alignment;         // the GGUF alignment every tensor offset keeps
  uint64_t source_file_bytes;      // size of the GGUF file it came from
  uint64_t source_data_offset;     // where the data section started in that file
};
static_assert(std::is_trivially_copyable_v<SegmentHeader>);
static_assert(sizeof(SegmentHeader) == 96, "changing the header needs a new layout version");
static_assert(sizeof(SegmentHeader) <= kSegmentHeaderBytes);

// The managed buffer the directory is built in. No mutex: the directory is
// built by one thread and never modified once in the segment. The root is an
// anonymous object found through the header, so the name index stays empty.
using DirectoryBuffer = boost::interprocess::basic_managed_external_buffer<
    char, boost::interprocess::rbtree_best_fit<boost::interprocess::null_mutex_family>,
    boost::interprocess::iset_index>;
using SegmentManager = DirectoryBuffer::segment_manager;
template <typename T>
using SegmentAllocator = boost::interprocess::allocator<T, SegmentManager>;
using SegmentString =
    boost::interprocess::basic_string<char, std::char_traits<char>, SegmentAllocator<char>>;
template <typename T>
using SegmentVector = boost::interprocess::vector<T, SegmentAllocator<T>>;

struct TensorEntry {
  explicit TensorEntry(const SegmentAllocator<char>& alloc) : name(alloc) {}
  SegmentString name;
  uint32_t type = 0;  // gguf::TensorType id
  uint32_t n_dims = 0;
  uint64_t ne[4] = {1, 1, 1, 1};  // ne[0] is the innermost dimension
  uint64_t offset = 0;            // from the segment's data_offset
  uint64_t n_bytes = 0;
};

// One metadata entry needed to run the model: every scalar and string key of
// the GGUF, plus numeric arrays of at most kMaxDirectoryArrayElements elements
// (per-layer hyperparameters). Large arrays (the vocabulary) and arrays of
// strings or arrays are not copied.
inline constexpr uint64_t kMaxDirectoryArrayElements = 1024;

struct MetadataEntry {
  explicit MetadataEntry(const SegmentAllocator<char>& alloc)
      : key(alloc), string_value(alloc), array_values(alloc) {}
  SegmentString key;
  uint32_t value_type = 0;          // gguf::ValueType id
  uint32_t array_element_type = 0;  // gguf::ValueType id, for kArray
  uint64_t uint_value = 0;          // unsigned integers and bool
  int64_t int_value = 0;            // signed integers
  double float_value = 0;           // floats
  SegmentString string_value;       // strings
  // Numeric arrays, converted to double (exact up to 2^53; booleans as 0/1).
  SegmentVector<double> array_values;
};

struct TensorDirectory {
  explicit TensorDirectory(const SegmentAllocator<char>& alloc)
      : architecture(alloc), tensors(alloc), metadata(alloc) {}
  SegmentString architecture;  // general.architecture, "" when absent
  SegmentVector<TensorEntry> tensors;
  SegmentVector<MetadataEntry> metadata;
};

}  // namespace llmcore::store
