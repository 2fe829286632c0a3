#include "os_probes.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

namespace llmcore::store::internal {
namespace {

// Up to this many pages are probed one by one; above, kWindows windows of
// kWindowPages pages spread over the range.
constexpr uint64_t kFullProbePages = 65536;
constexpr uint64_t kWindows = 256;
constexpr uint64_t kWindowPages = 256;

// The bracketed choice of a sysfs THP setting ("always [madvise] never").
std::string SelectedSetting(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return "";
  size_t open = line.find('[');
  size_t close = line.find(']', open);
  if (open == std::string::npos || close == std::string::npos) return "";
  return line.substr(open + 1, close - open - 1);
}

}  // namespace

Result<double> ProbePageCacheResidency(int fd, uint64_t offset, uint64_t length) {
  if (length == 0) return 1.0;
  long page_size = sysconf(_SC_PAGESIZE);
  uint64_t page = page_size > 0 ? static_cast<uint64_t>(page_size) : 4096;
  uint64_t begin = offset & ~(page - 1);
  uint64_t span = offset + length - begin;
  void* map = mmap(nullptr, span, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(begin));
  if (map == MAP_FAILED) return ErrnoStatus(errno, "mapping the file to probe the page cache");
  auto* base = static_cast<unsigned char*>(map);
  uint64_t pages = (span + page - 1) / page;

  uint64_t probed = 0;
  uint64_t resident = 0;
  std::vector<unsigned char> vec;
  auto probe = [&](uint64_t first, uint64_t count) -> bool {
    vec.resize(count);
    if (mincore(base + first * page, count * page, vec.data()) != 0) return false;
    probed += count;
    for (unsigned char v : vec) resident += v & 1;
    return true;
  };
  bool ok = true;
  if (pages <= kFullProbePages) {
    ok = probe(0, pages);
  } else {
    uint64_t stride = pages / kWindows;
    for (uint64_t w = 0; ok && w < kWindows; ++w) {
      ok = probe(w * stride, std::min(kWindowPages, pages - w * stride));
    }
  }
  int err = errno;
  munmap(map, span);
  if (!ok) return ErrnoStatus(err, "mincore");
  return probed == 0 ? 1.0 : static_cast<double>(resident) / static_cast<double>(probed);
}

bool ProbeShmemTransparentHugepages() {
  const std::string root = "/sys/kernel/mm/transparent_hugepage/";
  long page_size = sysconf(_SC_PAGESIZE);
  // The PMD size (2 MiB on x86-64); newer kernels have per-size settings.
  std::ifstream pmd(root + "hpage_pmd_size");
  uint64_t pmd_bytes = 0;
  if (pmd >> pmd_bytes; pmd_bytes > 0 && page_size > 0) {
    std::string per_size = SelectedSetting(root + "hugepages-" + std::to_string(pmd_bytes / 1024) +
                                           "kB/shmem_enabled");
    if (per_size == "always" || per_size == "within_size" || per_size == "advise") return true;
    if (per_size == "never") return false;
    // "inherit", or a kernel without per-size settings: the global one rules.
  }
  std::string global = SelectedSetting(root + "shmem_enabled");
  return global == "always" || global == "within_size" || global == "advise" || global == "force";
}

}  // namespace llmcore::store::internal
