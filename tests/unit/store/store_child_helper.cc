// store_child_helper FD GGUF_PATH PARENT_BASE TENSOR_COUNT
//
// Run by child_process_test after fork+exec with a segment fd at FD. Reserves
// the address the parent mapped the segment at (so the directory must work at
// another address), attaches the fd read-only, checks that it cannot be made
// writable, and compares every tensor with the GGUF file's bytes, read with
// pread at source_data_offset + offset. Exits 0 when everything matches;
// otherwise prints what differed and exits non-zero.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "llmcore/store/segment.h"

namespace {

int Fail(const std::string& what) {
  std::fprintf(stderr, "store_child_helper: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return Fail("usage: FD GGUF_PATH PARENT_BASE TENSOR_COUNT");
  int fd = std::atoi(argv[1]);
  std::string path = argv[2];
  uintptr_t parent_base = std::strtoull(argv[3], nullptr, 16);
  size_t tensor_count = std::strtoull(argv[4], nullptr, 10);

  // Occupy the parent's address so that our mapping cannot land there.
  off_t size = lseek(fd, 0, SEEK_END);
  if (size <= 0) return Fail("the segment fd did not arrive");
  void* reserved = mmap(reinterpret_cast<void*>(parent_base), static_cast<size_t>(size), PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  (void)reserved;  // if something else already lives there, so much the better

  auto segment = llmcore::store::Segment::Attach(llmcore::UniqueFd(fd));
  if (!segment.ok()) return Fail("Attach: " + segment.status().ToString());
  if (reinterpret_cast<uintptr_t>(segment->base()) == parent_base) {
    return Fail("mapped at the parent's address");
  }
  if (mprotect(const_cast<std::byte*>(segment->base()), segment->size(), PROT_READ | PROT_WRITE) ==
      0) {
    return Fail("the mapping could be made writable");
  }
  const auto& dir = segment->directory();
  if (dir.tensors.size() != tensor_count) {
    return Fail("expected " + std::to_string(tensor_count) + " tensors, found " +
                std::to_string(dir.tensors.size()));
  }

  int file = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) return Fail("open " + path + ": " + std::strerror(errno));
  const uint64_t data_offset = segment->header().source_data_offset;
  std::vector<std::byte> want;
  for (const auto& tensor : dir.tensors) {
    std::string name(tensor.name.data(), tensor.name.size());
    if (segment->FindTensor(name) != &tensor) return Fail("lookup of " + name + " failed");
    want.resize(tensor.n_bytes);
    ssize_t n =
        pread(file, want.data(), want.size(), static_cast<off_t>(data_offset + tensor.offset));
    if (n != static_cast<ssize_t>(want.size())) return Fail("short read of " + name);
    auto got = segment->TensorData(tensor);
    if (got.size() != want.size() || std::memcmp(got.data(), want.data(), want.size()) != 0) {
      return Fail("tensor " + name + " differs from the file");
    }
  }
  close(file);
  std::printf("verified %zu tensors at %p (parent %#lx)\n", dir.tensors.size(),
              static_cast<const void*>(segment->base()), static_cast<unsigned long>(parent_base));
  return 0;
}
