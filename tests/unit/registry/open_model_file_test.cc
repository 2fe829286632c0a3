// OpenModelFile: opening an entry's file relative to its root, refusing
// every way out of it (symlinks, "..", absolute links, magic links) and
// anything but a regular file; and the realpath fallback for kernels
// without openat2, held to the same cases.
#include "llmcore/registry/open_model_file.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "llmcore/testing/testing.h"
#include "open_beneath.h"
#include "registry_test_util.h"

namespace llmcore::registry {
namespace {

using llmcore::testing::TempDir;
using ::testing::HasSubstr;

class OpenModelFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteTinyModel(root_.File("models/real.gguf"));
    testing::WriteTinyModel(outside_.File("secret.gguf"));
    outside_name_ = std::filesystem::path(outside_.path()).filename();
  }

  ModelEntry Entry(const std::string& relative) const {
    ModelEntry entry;
    entry.name = "victim";
    entry.root = root_.path();
    entry.relative_path = relative;
    entry.path = root_.path() + "/" + relative;
    return entry;
  }

  TempDir root_;
  TempDir outside_;
  std::string outside_name_;
};

TEST_F(OpenModelFileTest, OpensAFileAndASymlinkInsideTheRoot) {
  testing::Symlink("models/real.gguf", root_.File("alias.gguf"));
  testing::Symlink("../models/real.gguf", root_.File("sub/alias.gguf"));
  for (const char* relative :
       {"models/real.gguf", "alias.gguf", "sub/alias.gguf", "sub/../models/real.gguf"}) {
    auto fd = OpenModelFile(Entry(relative));
    ASSERT_TRUE(fd.ok()) << relative << ": " << fd.status().ToString();
    struct stat st {};
    ASSERT_EQ(::fstat(fd->get(), &st), 0);
    EXPECT_TRUE(S_ISREG(st.st_mode));
    EXPECT_EQ(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT_EQ(::fcntl(fd->get(), F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
    char magic[4] = {};
    EXPECT_EQ(::pread(fd->get(), magic, 4, 0), 4);
    EXPECT_EQ(std::string(magic, 4), "GGUF");
  }
}

TEST_F(OpenModelFileTest, RefusesEveryWayOutOfTheRoot) {
  testing::Symlink(outside_.File("secret.gguf"), root_.File("absolute.gguf"));
  testing::Symlink("../" + outside_name_ + "/secret.gguf", root_.File("relative.gguf"));
  testing::Symlink("../../" + outside_name_, root_.File("sub/dir-link"));
  testing::Symlink("/proc/self/root" + outside_.File("secret.gguf"), root_.File("magic.gguf"));
  // Pointing inside the root, but absolute: RESOLVE_BENEATH cannot tell.
  testing::Symlink(root_.File("models/real.gguf"), root_.File("absolute-inside.gguf"));
  for (const std::string& relative :
       {std::string("absolute.gguf"), std::string("relative.gguf"),
        std::string("sub/dir-link/secret.gguf"), "../" + outside_name_ + "/secret.gguf",
        outside_.File("secret.gguf"), std::string("magic.gguf"),
        std::string("absolute-inside.gguf")}) {
    auto fd = OpenModelFile(Entry(relative));
    ASSERT_FALSE(fd.ok()) << relative;
    EXPECT_EQ(fd.status().code(), StatusCode::kPermissionDenied) << relative;
    EXPECT_THAT(fd.status().message(), HasSubstr("model 'victim'")) << relative;
  }
  EXPECT_THAT(
      OpenModelFile(Entry("relative.gguf")).status().message(),
      HasSubstr("'relative.gguf' leads outside its model directory '" + root_.path() + "'"));
}

TEST_F(OpenModelFileTest, RefusesWhatIsNotARegularFile) {
  testing::MakeDirs(root_.File("dir.gguf"));
  ASSERT_EQ(::mkfifo(root_.File("fifo.gguf").c_str(), 0644), 0);
  for (const char* relative : {"dir.gguf", "fifo.gguf"}) {
    auto fd = OpenModelFile(Entry(relative));
    ASSERT_FALSE(fd.ok()) << relative;
    EXPECT_EQ(fd.status().code(), StatusCode::kPermissionDenied);
    EXPECT_THAT(fd.status().message(), HasSubstr("is not a regular file"));
  }
}

TEST_F(OpenModelFileTest, AFileThatIsGoneIsNotFound) {
  auto fd = OpenModelFile(Entry("models/deleted.gguf"));
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(fd.status().message(), HasSubstr("model 'victim'"));
}

TEST_F(OpenModelFileTest, TheRealpathFallbackAcceptsAndRefusesTheSame) {
  using internal::OpenBeneath;
  using internal::Resolver;
  testing::Symlink("models/real.gguf", root_.File("alias.gguf"));
  testing::Symlink("../" + outside_name_ + "/secret.gguf", root_.File("relative.gguf"));
  testing::Symlink("../../" + outside_name_, root_.File("sub/dir-link"));
  // A sibling whose name starts with the root's: a plain prefix test would
  // let it through.
  const std::string sibling = root_.path() + "-sibling";
  testing::WriteTinyModel(sibling + "/x.gguf");
  testing::Symlink(sibling + "/x.gguf", root_.File("sibling.gguf"));

  for (const char* relative : {"models/real.gguf", "alias.gguf", "sub/../models/real.gguf"}) {
    auto opened = OpenBeneath(root_.path(), relative, Resolver::kRealpath);
    EXPECT_TRUE(opened.ok()) << relative << ": " << opened.status().ToString();
  }
  for (const std::string& relative :
       {std::string("relative.gguf"), std::string("sub/dir-link/secret.gguf"),
        "../" + outside_name_ + "/secret.gguf", outside_.File("secret.gguf"),
        std::string("sibling.gguf")}) {
    auto opened = OpenBeneath(root_.path(), relative, Resolver::kRealpath);
    ASSERT_FALSE(opened.ok()) << relative;
    EXPECT_EQ(opened.status().code(), StatusCode::kPermissionDenied) << relative;
    EXPECT_THAT(opened.status().message(), HasSubstr("leads outside")) << relative;
  }
  testing::MakeDirs(root_.File("dir.gguf"));
  EXPECT_THAT(OpenBeneath(root_.path(), "dir.gguf", Resolver::kRealpath).status().message(),
              HasSubstr("is not a regular file"));
  EXPECT_EQ(OpenBeneath(root_.path(), "gone.gguf", Resolver::kRealpath).status().code(),
            StatusCode::kNotFound);
  std::filesystem::remove_all(sibling);
}

}  // namespace
}  // namespace llmcore::registry
