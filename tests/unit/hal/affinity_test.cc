#include "llmcore/hal/affinity.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <fstream>
#include <string>
#include <thread>

namespace llmcore::hal {
namespace {

// Cpus_allowed_list of /proc/self/status: the kernel's own rendering of the
// main thread's mask.
std::string ProcStatusAllowedList() {
  std::ifstream in("/proc/self/status");
  std::string line;
  constexpr std::string_view kKey = "Cpus_allowed_list:";
  while (std::getline(in, line)) {
    if (line.rfind(kKey, 0) == 0) {
      const size_t start = line.find_first_not_of(" \t", kKey.size());
      return start == std::string::npos ? "" : line.substr(start);
    }
  }
  return "";
}

TEST(AllowedCpusTest, MatchesProcSelfStatusAndSchedGetaffinity) {
  const Result<CpuSet> allowed = AllowedCpus();
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  ASSERT_FALSE(allowed->empty());
  EXPECT_EQ(FormatCpuList(*allowed), ProcStatusAllowedList());

  cpu_set_t fixed;
  CPU_ZERO(&fixed);
  ASSERT_EQ(sched_getaffinity(0, sizeof(fixed), &fixed), 0);
  EXPECT_EQ(static_cast<int>(allowed->size()), CPU_COUNT(&fixed));
}

TEST(PinCurrentThreadTest, PinsOnlyTheCallingThread) {
  const Result<CpuSet> before = AllowedCpus();
  ASSERT_TRUE(before.ok());
  const int target = before->back();

  Status pin_status;
  Result<CpuSet> inside = Status(StatusCode::kInternal, "not run");
  int ran_on = -1;
  std::thread worker([&] {
    pin_status = PinCurrentThread({target});
    inside = AllowedCpus();
    ran_on = sched_getcpu();
  });
  worker.join();

  ASSERT_TRUE(pin_status.ok()) << pin_status.ToString();
  ASSERT_TRUE(inside.ok());
  EXPECT_EQ(*inside, CpuSet{target});
  EXPECT_EQ(ran_on, target);
  const Result<CpuSet> after = AllowedCpus();
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
}

TEST(PinCurrentThreadTest, RejectsEmptyAndImpossibleSets) {
  EXPECT_EQ(PinCurrentThread({}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PinCurrentThread({-1}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PinCurrentThread({kMaxCpus}).code(), StatusCode::kInvalidArgument);
}

TEST(PinCurrentThreadTest, ACpuThatIsNotOnlineIsAnErrorNamingTheCall) {
  // Run in a thread of its own: should the kernel accept, only it is pinned.
  Status status;
  std::thread worker([&] { status = PinCurrentThread({kMaxCpus - 1}); });
  worker.join();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("pthread_setaffinity_np(cpus 65535)"), std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace llmcore::hal
