// ReadGguf: a strict, overflow-safe parser of GGUF files (versions 2 and 3).
//
// Every count, length, size and offset is checked against the bytes that are
// actually left in the source before it is used or allocated, so no input can
// make the reader crash, hang, or allocate much more than the file's own size.
// A file that breaks a rule is rejected with a FormatError naming the rule and
// the byte offset where it was detected; the returned Status carries the same
// text ("gguf: <rule>: <detail> (at byte N)").
//
// Only the header, metadata and tensor infos are read; tensor data is not.
// The source is read sequentially through a buffer, in large chunks.
//
// FormatError::offset is the first byte of the field that breaks the rule (a
// count, a length, a type id, a dimension, a value), with three refinements:
// kInvalidUtf8 and kInvalidBool point at the offending byte itself, and
// kTensorOutOfBounds and kOverlappingTensors at the tensor's offset field (for
// an overlap, that of whichever of the two tensors comes later in the file).
//
// The well-known keys whose type is enforced (kKeyTypeMismatch) are listed,
// with the reason, in src/well_known_keys.h.
//
// Thread safety: ReadGguf is reentrant; it keeps no global state.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "llmcore/gguf/gguf_file.h"
#include "llmcore/gguf/source.h"
#include "llmcore/status.h"

namespace llmcore::gguf {

// The rules a file can break. The test suite holds one hand-made file per rule.
enum class Rule {
  kBadMagic,                // the first four bytes are not "GGUF"
  kBigEndian,               // a byte-swapped version: a big-endian file
  kUnsupportedVersion,      // version other than 2 or 3
  kTruncated,               // the file ends inside a field
  kTooManyTensors,          // tensor count above the limit or the bytes left
  kTooManyKeys,             // metadata count above the limit or the bytes left
  kStringTooLong,           // a string longer than the limit or the bytes left
  kInvalidUtf8,             // a key or tensor name that is not valid UTF-8
  kEmptyKey,                // a metadata key of length 0
  kDuplicateKey,            // the same metadata key twice
  kUnknownValueType,        // a metadata value type id outside the spec
  kInvalidBool,             // a bool value other than 0 or 1
  kArrayTooLong,            // an array count above the limit or the bytes left
  kArrayNestingTooDeep,     // arrays of arrays nested past the limit
  kKeyTypeMismatch,         // a well-known key with the wrong type (general.alignment
                            // not uint32, tokenizer.ggml.tokens not string[], ...)
  kBadAlignment,            // general.alignment zero or not a power of two
  kEmptyTensorName,         // a tensor name of length 0
  kDuplicateTensorName,     // the same tensor name twice
  kBadDimensionCount,       // n_dims of 0 or more than 4
  kZeroDimension,           // a dimension of size 0
  kElementCountOverflow,    // the product of the dimensions does not fit in int64
  kUnknownTensorType,       // a tensor type id that ggml does not define
  kRowNotBlockMultiple,     // ne[0] not a multiple of the type's block size
  kMisalignedTensorOffset,  // a tensor offset not a multiple of the alignment
  kTensorOutOfBounds,       // a tensor's data reaches past the end of the file
  kOverlappingTensors,      // two tensors' data ranges overlap
};

// Stable kebab-case name of a rule ("bad-magic", "tensor-out-of-bounds").
std::string_view RuleName(Rule rule);

// Every rule, in declaration order (for tests and tools that list them).
std::span<const Rule> AllRules();

struct FormatError {
  Rule rule = Rule::kBadMagic;
  uint64_t offset = 0;  // byte offset in the file where the problem was found
  std::string detail;   // what exactly, in words

  // "gguf: <rule-name>: <detail> (at byte <offset>)"
  std::string ToString() const;
};

// Hard caps on top of the per-file checks. The defaults accept every real model
// we know of with wide margins.
struct ReadLimits {
  uint64_t max_tensors = 1u << 20;
  uint64_t max_keys = 1u << 20;
  uint64_t max_string_bytes = 16u << 20;
  uint64_t max_array_elements = 1u << 26;
  // An array of arrays of scalars has depth 2. Values above 32 count as 32:
  // the reader recurses once per level.
  uint32_t max_array_depth = 3;
};

// Parses `source`. On failure returns a kCorrupt Status (kUnsupported for
// kUnsupportedVersion/kBigEndian, kIoError when the source itself failed)
// and, when `error` is non-null, fills it in.
Result<GgufFile> ReadGguf(RandomAccessSource& source, const ReadLimits& limits = {},
                          FormatError* error = nullptr);

// Convenience: opens `path` with FileSource and parses it. Messages are
// prefixed with the path.
Result<GgufFile> ReadGgufFile(const std::string& path, const ReadLimits& limits = {},
                              FormatError* error = nullptr);

}  // namespace llmcore::gguf
