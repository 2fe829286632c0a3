// GgufFileBuilder: assembles a GgufFile while the reader parses. Private to
// llmcore_gguf: only the reader creates GgufFiles, so that every GgufFile has
// passed every rule (gguf_file.h).
//
// Thread safety: one builder per reader call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "llmcore/gguf/gguf_file.h"

namespace llmcore::gguf {

class GgufFileBuilder {
 public:
  void set_version(uint32_t version) { file_.version_ = version; }
  void set_alignment(uint64_t alignment) { file_.alignment_ = alignment; }
  void set_layout(uint64_t data_offset, uint64_t file_size, uint64_t data_size) {
    file_.data_offset_ = data_offset;
    file_.file_size_ = file_size;
    file_.data_size_ = data_size;
  }

  // Reserving is only a hint; callers bound `n` by the bytes the file has.
  void ReserveMetadata(size_t n) { file_.metadata_.reserve(n); }
  void ReserveTensors(size_t n) { file_.tensors_.reserve(n); }

  // Adds a key-value pair; false (and nothing added) when the key is taken.
  bool AddKeyValue(KeyValue kv) {
    auto [it, inserted] = file_.key_index_.try_emplace(kv.key, file_.metadata_.size());
    if (!inserted) return false;
    file_.metadata_.push_back(std::move(kv));
    return true;
  }

  // Adds a tensor info; false (and nothing added) when the name is taken.
  bool AddTensor(TensorInfo info) {
    auto [it, inserted] = file_.tensor_index_.try_emplace(info.name, file_.tensors_.size());
    if (!inserted) return false;
    file_.tensors_.push_back(std::move(info));
    return true;
  }

  bool HasKey(std::string_view key) const { return file_.key_index_.contains(key); }
  bool HasTensor(std::string_view name) const { return file_.tensor_index_.contains(name); }
  uint64_t alignment() const { return file_.alignment_; }
  const std::vector<TensorInfo>& tensors() const { return file_.tensors_; }

  GgufFile Build() && { return std::move(file_); }

 private:
  GgufFile file_;
};

}  // namespace llmcore::gguf
