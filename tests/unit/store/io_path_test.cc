// The read paths: io_uring, the pread fallback (by option and when io_uring
// cannot be set up), many reads in flight, short reads, retried errors.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <set>

#include "llmcore/gguf/reader.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"
#include "store_test_util.h"

namespace llmcore::store {
namespace {

using testing::ExpectSegmentMatchesFile;
using testing::FaultyIoBackend;
using testing::LogCapture;
using testing::ModelSpec;

class StoreIoPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ModelSpec spec;
    spec.tensors = 8;
    spec.bytes_per_tensor = 200 * 1024;
    file_ = testing::WriteUnalignedModel(path_, spec);
  }

  bool HaveIoUring() const { return OpenIoUringReader(IoOptions{}).ok(); }

  llmcore::testing::TempDir dir_;
  std::string path_ = dir_.File("model.gguf");
  gguf::GgufFile file_;
};

TEST_F(StoreIoPathTest, IoUringDisabledByOptionReadsWithPreadAndSaysSo) {
  LogCapture log;
  ModelStore store;
  LoadOptions options;
  options.io.allow_io_uring = false;
  LoadReport report;
  auto segment = store.Load(path_, file_, options, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(report.method, IoMethod::kPread);
  EXPECT_EQ(log.Count(LogLevel::kInfo, "reading with pread, io_uring not used: io_uring disabled"),
            1u);
  ExpectSegmentMatchesFile(**segment, path_, file_);
}

TEST_F(StoreIoPathTest, IoUringSetupFailureFallsBackToPreadWithANotice) {
  LogCapture log;
  auto backend = std::make_shared<FaultyIoBackend>();
  backend->uring_setup_error =
      Status(StatusCode::kPermissionDenied, "io_uring_setup: Operation not permitted");
  ModelStore store(backend);
  LoadReport report;
  auto segment = store.Load(path_, file_, {}, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(report.method, IoMethod::kPread);
  EXPECT_EQ(log.Count(LogLevel::kNotice,
                      "reading with pread, io_uring not used: "
                      "permission-denied: io_uring_setup: Operation not "
                      "permitted"),
            1u);
  ExpectSegmentMatchesFile(**segment, path_, file_);
}

TEST_F(StoreIoPathTest, PreadAndIoUringGiveIdenticalSegments) {
  if (!HaveIoUring()) GTEST_SKIP() << "io_uring unavailable here";
  LoadOptions uring;
  LoadOptions pread;
  pread.io.allow_io_uring = false;
  ModelStore a;
  ModelStore b;
  LoadReport ra;
  LoadReport rb;
  auto sa = a.Load(path_, file_, uring, &ra);
  auto sb = b.Load(path_, file_, pread, &rb);
  ASSERT_TRUE(sa.ok()) << sa.status().ToString();
  ASSERT_TRUE(sb.ok()) << sb.status().ToString();
  EXPECT_EQ(ra.method, IoMethod::kIoUring);
  EXPECT_EQ(rb.method, IoMethod::kPread);
  const auto& ha = (*sa)->header();
  const auto& hb = (*sb)->header();
  ASSERT_EQ(ha.data_bytes, hb.data_bytes);
  EXPECT_EQ(
      std::memcmp((*sa)->base() + ha.data_offset, (*sb)->base() + hb.data_offset, ha.data_bytes),
      0);
}

TEST_F(StoreIoPathTest, IoUringWithTinyChunksResubmitsShortReads) {
  if (!HaveIoUring()) GTEST_SKIP() << "io_uring unavailable here";
  auto backend = std::make_shared<FaultyIoBackend>();
  std::mutex mu;
  int short_reads = 0;
  std::set<uint64_t> resumed;  // request offsets that completed in more than one read
  backend->filter = [&](const ReadRequest& request, uint64_t done, int64_t result) -> int64_t {
    std::lock_guard lock(mu);
    if (done > 0) resumed.insert(request.offset);
    if (result > 1) {
      ++short_reads;
      return result / 2;  // the kernel read it all; pretend it stopped halfway
    }
    return result;
  };
  ModelStore store(backend);
  LoadOptions options;
  options.io.chunk_bytes = 4096;
  options.io.queue_depth = 3;
  options.io.direct_io = DirectIoPolicy::kNever;
  LoadReport report;
  auto segment = store.Load(path_, file_, options, &report);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(report.method, IoMethod::kIoUring);
  ExpectSegmentMatchesFile(**segment, path_, file_);
  uint64_t requests = (file_.data_size() + 4095) / 4096;
  EXPECT_GE(static_cast<uint64_t>(short_reads), requests);
  EXPECT_EQ(resumed.size(), requests) << "every request needed a resubmission";
}

TEST_F(StoreIoPathTest, PreadReaderResumesShortReads) {
  auto backend = std::make_shared<FaultyIoBackend>();
  int short_reads = 0;
  backend->filter = [&](const ReadRequest&, uint64_t, int64_t result) -> int64_t {
    if (result > 3) {
      ++short_reads;
      return result / 3;
    }
    return result;
  };
  ModelStore store(backend);
  LoadOptions options;
  options.io.allow_io_uring = false;
  options.io.chunk_bytes = 16 * 1024;
  auto segment = store.Load(path_, file_, options);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_GT(short_reads, 0);
  ExpectSegmentMatchesFile(**segment, path_, file_);
}

TEST_F(StoreIoPathTest, InterruptedAndBusyReadsAreRetried) {
  for (bool uring : {true, false}) {
    if (uring && !HaveIoUring()) continue;
    SCOPED_TRACE(uring ? "io_uring" : "pread");
    auto backend = std::make_shared<FaultyIoBackend>();
    int attempts = 0;
    int injected = 0;
    backend->filter = [&](const ReadRequest&, uint64_t, int64_t result) -> int64_t {
      ++attempts;
      if (attempts % 3 == 1) {
        ++injected;
        return attempts % 2 ? -EINTR : -EAGAIN;
      }
      return result;
    };
    ModelStore store(backend);
    LoadOptions options;
    options.io.allow_io_uring = uring;
    options.io.chunk_bytes = 32 * 1024;
    auto segment = store.Load(path_, file_, options);
    ASSERT_TRUE(segment.ok()) << segment.status().ToString();
    EXPECT_GT(injected, 2);
    ExpectSegmentMatchesFile(**segment, path_, file_);
  }
}

#if defined(__x86_64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr uint32_t kAuditArch = AUDIT_ARCH_AARCH64;
#else
constexpr uint32_t kAuditArch = 0;
#endif

// Makes io_uring_setup fail with EPERM in this process, as a container's
// seccomp profile does.
bool BlockIoUringSetup() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kAuditArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
  return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

// The real factory, with io_uring refused by the kernel: the load reads with
// pread and says why at notice level. Runs in a forked child so the filter
// stays there; the child's exit code says which check failed.
TEST_F(StoreIoPathTest, RealIoUringSetupRefusedFallsBackToPreadWithANotice) {
  if (kAuditArch == 0) GTEST_SKIP() << "no seccomp architecture constant for this CPU";
  if (!HaveIoUring()) GTEST_SKIP() << "io_uring unavailable here already";
  std::vector<std::byte> want = llmcore::testing::ReadFileBytes(path_);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (!BlockIoUringSetup()) _exit(10);
    if (OpenIoUringReader(IoOptions{}).ok()) _exit(11);
    int exit_code = 0;
    {
      LogCapture log;
      ModelStore store;
      LoadReport report;
      auto segment = store.Load(path_, file_, {}, &report);
      if (!segment.ok()) {
        exit_code = 12;
      } else if (report.method != IoMethod::kPread) {
        exit_code = 13;
      } else if (log.Count(LogLevel::kNotice, "io_uring_setup: Operation not permitted") != 1) {
        exit_code = 14;
      } else {
        const SegmentHeader& h = (*segment)->header();
        if (std::memcmp((*segment)->base() + h.data_offset, want.data() + h.source_data_offset,
                        h.data_bytes) != 0) {
          exit_code = 15;
        }
      }
    }
    _exit(exit_code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: no seccomp, 11: io_uring still works, 12: load "
                                       "failed, 13: not pread, 14: no notice, 15: bytes differ";
}

// The reader itself: never more than queue_depth reads in flight, and that
// many when there is enough to read.
TEST_F(StoreIoPathTest, IoUringReaderKeepsQueueDepthReadsInFlight) {
  IoOptions io;
  io.queue_depth = 3;
  std::mutex mu;
  size_t in_flight = 0;
  size_t max_in_flight = 0;
  auto reader = OpenIoUringReader(io, [&](const ReadRequest& r, uint64_t done, int64_t result) {
    std::lock_guard lock(mu);
    if (result > 0 && done + static_cast<uint64_t>(result) == r.dst.size()) --in_flight;
    return result;
  });
  if (!reader.ok()) GTEST_SKIP() << reader.status().ToString();

  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  std::vector<std::byte> buffer(file_.file_size());
  std::vector<ReadRequest> requests;
  for (uint64_t at = 0; at < buffer.size(); at += 8192) {
    uint64_t n = std::min<uint64_t>(8192, buffer.size() - at);
    requests.push_back(ReadRequest{fd, at, std::span<std::byte>(buffer.data() + at, n)});
  }
  ReadCallbacks callbacks;
  callbacks.before_submit = [&](const ReadRequest&) {
    std::lock_guard lock(mu);
    max_in_flight = std::max(max_in_flight, ++in_flight);
    return Status::Ok();
  };
  Status status = (*reader)->ReadAll(requests, callbacks);
  close(fd);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(max_in_flight, 3u);
  EXPECT_EQ(in_flight, 0u);
  EXPECT_EQ(buffer, llmcore::testing::ReadFileBytes(path_));
}

}  // namespace
}  // namespace llmcore::store
