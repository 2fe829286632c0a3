// Another process maps the segment at another address and reads the same
// directory and bytes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "llmcore/gguf/reader.h"
#include "llmcore/store/model_store.h"
#include "llmcore/testing/testing.h"
#include "store_test_util.h"

namespace llmcore::store {
namespace {

// The fd number the child finds the segment at.
constexpr int kChildFd = 37;

// fork+exec of the helper with a dup of the segment fd as kChildFd: dup2 in
// the child clears close-on-exec on the copy only. Returns the exit status.
int RunChild(const Segment& segment, const std::string& path, size_t tensors) {
  char base[32];
  std::snprintf(base, sizeof base, "%lx", reinterpret_cast<unsigned long>(segment.base()));
  std::string fd_arg = std::to_string(kChildFd);
  std::string count = std::to_string(tensors);
  std::string helper = LLMCORE_STORE_CHILD_HELPER;
  char* argv[] = {helper.data(), fd_arg.data(), const_cast<char*>(path.c_str()),
                  base,          count.data(),  nullptr};
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (dup2(segment.fd(), kChildFd) < 0) _exit(126);
    execv(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(StoreChildProcessTest, ChildAttachesTheBundledModelAndVerifiesEveryTensor) {
  const std::string path = llmcore::testing::BundledModelPath();
  ModelStore store;
  auto segment = store.Load(path);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(RunChild(**segment, path, (*segment)->directory().tensors.size()), 0);
}

TEST(StoreChildProcessTest, ChildAttachesAGeneratedModelAndVerifiesEveryTensor) {
  llmcore::testing::TempDir dir;
  const std::string path = dir.File("model.gguf");
  testing::ModelSpec spec;
  spec.tensors = 10;
  spec.alignment = 64;
  gguf::GgufFile file = testing::WriteModel(path, spec);
  ModelStore store;
  auto segment = store.Load(path, file);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(RunChild(**segment, path, file.tensors().size()), 0);
}

TEST(StoreChildProcessTest, ChildFailsWhenTheFileDiffers) {
  // The helper really compares: the same segment against another file fails.
  llmcore::testing::TempDir dir;
  const std::string path = dir.File("model.gguf");
  const std::string other = dir.File("other.gguf");
  testing::ModelSpec spec;
  gguf::GgufFile file = testing::WriteModel(path, spec);
  spec.seed = 2;
  testing::WriteModel(other, spec);
  ModelStore store;
  auto segment = store.Load(path, file);
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  EXPECT_EQ(RunChild(**segment, other, file.tensors().size()), 1);
}

}  // namespace
}  // namespace llmcore::store
