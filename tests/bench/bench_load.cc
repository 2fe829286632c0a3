// llmcore-bench-load: how fast the model store loads a model, as a ratio to a
// plain read() of the same file into memory, both measured in this run.
//
//   warm: the file is in the page cache (read once before measuring);
//   cold: the file is dropped from the page cache (posix_fadvise DONTNEED)
//         before every measured load.
//
// Each figure is the best of --repeat runs. The plain read() goes into a fresh
// heap buffer each time, so both sides pay for getting new memory; a second
// baseline reads into a buffer already faulted in, which is the bound set by
// copying out of the page cache alone (the store cannot beat it warm).
// Without a MODEL argument, a model of about --size-gib GiB is generated with
// llmcore-mkmodel in a temporary directory (removed at the end).

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "llmcore/gguf/reader.h"
#include "llmcore/store/model_store.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool DropFromPageCache(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  fdatasync(fd);
  bool ok = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0;
  close(fd);
  return ok;
}

// Reads the whole file with read(2) in 8 MiB calls into `into`, or into a new
// buffer when it is null; returns seconds, or a negative value on error.
double PlainRead(const std::string& path, uint64_t size, char* into = nullptr) {
  auto start = Clock::now();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  std::unique_ptr<char[]> fresh;
  if (into == nullptr) {
    fresh.reset(new char[size]);  // not zeroed: faulted in by read()
    into = fresh.get();
  }
  char* const buffer = into;
  uint64_t done = 0;
  while (done < size) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(size - done, 8u << 20));
    ssize_t n = read(fd, buffer + done, want);
    if (n <= 0) break;
    done += static_cast<uint64_t>(n);
  }
  close(fd);
  double seconds = Seconds(start);
  return done == size ? seconds : -1;
}

struct StoreRun {
  double seconds = -1;
  llmcore::store::LoadReport report;
};

StoreRun StoreLoad(const std::string& path, const llmcore::gguf::GgufFile& file,
                   const llmcore::store::LoadOptions& options) {
  llmcore::store::ModelStore store;
  StoreRun run;
  auto start = Clock::now();
  auto segment = store.Load(path, file, options, &run.report);
  run.seconds = Seconds(start);
  if (!segment.ok()) {
    std::fprintf(stderr, "store load failed: %s\n", segment.status().ToString().c_str());
    run.seconds = -1;
  }
  return run;
}

const char* MethodName(const llmcore::store::LoadReport& report) {
  return report.method == llmcore::store::IoMethod::kIoUring ? "io_uring" : "pread";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Model store load throughput against a plain read() of the same file"};
  std::string model;
  double size_gib = 1.1;
  int repeat = 3;
  bool skip_cold = false;
  app.add_option("MODEL", model, "GGUF file to load (default: generate one)");
  app.add_option("--size-gib", size_gib, "size of the generated model")
      ->check(CLI::Range(0.01, 64.0));
  app.add_option("--repeat", repeat, "runs per figure; the best is kept")
      ->check(CLI::Range(1, 100));
  app.add_flag("--no-cold", skip_cold, "skip the cold (page cache dropped) figures");
  CLI11_PARSE(app, argc, argv);

  std::string temp_dir;
  if (model.empty()) {
    char pattern[] = "/var/tmp/llmcore-bench-load-XXXXXX";
    if (mkdtemp(pattern) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    temp_dir = pattern;
    model = temp_dir + "/bench.gguf";
    // A TinyLlama-1.1B-shaped model; the layer count sets the size (44.6 MiB
    // of Q8_0 weights per layer; the 512-token embeddings are negligible).
    int layers = std::max(1, static_cast<int>(size_gib * 1024.0 / 44.6 + 0.5));
    std::string command = std::string(LLMCORE_MKMODEL_PATH) +
                          " --preset 1b --type q8_0 --seed 7 --layers " + std::to_string(layers) +
                          " -o " + model;
    std::fprintf(stderr, "generating: %s\n", command.c_str());
    if (std::system(command.c_str()) != 0) {
      std::fprintf(stderr, "llmcore-mkmodel failed\n");
      return 1;
    }
  }

  auto file = llmcore::gguf::ReadGgufFile(model);
  if (!file.ok()) {
    std::fprintf(stderr, "%s\n", file.status().ToString().c_str());
    return 1;
  }
  uint64_t size = file->file_size();
  std::printf("llmcore-bench-load: %s, %.2f GiB, %zu tensors\n", model.c_str(), size / kGiB,
              file->tensors().size());

  llmcore::store::LoadOptions options;
  // Warm: bring the file into the page cache, then measure both ways.
  PlainRead(model, size);
  std::vector<char> touched(size, 1);  // faulted in once, reused
  double warm_read = 1e30, warm_store = 1e30, warm_copy = 1e30;
  StoreRun warm_run;
  for (int i = 0; i < repeat; ++i) {
    double c = PlainRead(model, size, touched.data());
    if (c < 0) return 1;
    warm_copy = std::min(warm_copy, c);
    double r = PlainRead(model, size);
    StoreRun s = StoreLoad(model, *file, options);
    if (r < 0 || s.seconds < 0) return 1;
    warm_read = std::min(warm_read, r);
    if (s.seconds < warm_store) {
      warm_store = s.seconds;
      warm_run = s;
    }
  }

  double cold_read = 1e30, cold_store = 1e30;
  StoreRun cold_run;
  bool cold_ok = !skip_cold;
  for (int i = 0; cold_ok && i < repeat; ++i) {
    if (!DropFromPageCache(model)) {
      cold_ok = false;
      break;
    }
    double r = PlainRead(model, size);
    if (!DropFromPageCache(model)) {
      cold_ok = false;
      break;
    }
    StoreRun s = StoreLoad(model, *file, options);
    if (r < 0 || s.seconds < 0) return 1;
    cold_read = std::min(cold_read, r);
    if (s.seconds < cold_store) {
      cold_store = s.seconds;
      cold_run = s;
    }
  }

  std::printf("\n| case | plain read() GiB/s | store GiB/s | store / read | store method |\n");
  std::printf("| --- | --- | --- | --- | --- |\n");
  std::printf("| warm | %.2f | %.2f | %.2f | %s%s, hugepages %s |\n", size / kGiB / warm_read,
              size / kGiB / warm_store, warm_read / warm_store, MethodName(warm_run.report),
              warm_run.report.direct_io ? " + O_DIRECT" : "",
              warm_run.report.hugepages ? "yes" : "no");
  std::printf(
      "| warm, read() into memory already faulted in | %.2f | %.2f | %.2f | (copy bound) |\n",
      size / kGiB / warm_copy, size / kGiB / warm_store, warm_copy / warm_store);
  if (cold_ok) {
    std::printf("| cold | %.2f | %.2f | %.2f | %s%s, hugepages %s |\n", size / kGiB / cold_read,
                size / kGiB / cold_store, cold_read / cold_store, MethodName(cold_run.report),
                cold_run.report.direct_io ? " + O_DIRECT" : "",
                cold_run.report.hugepages ? "yes" : "no");
  } else if (!skip_cold) {
    std::printf("| cold | (posix_fadvise DONTNEED refused; not measured) | | | |\n");
  }

  if (!temp_dir.empty()) std::filesystem::remove_all(temp_dir);
  return 0;
}
