// LoadDaemonConfig: the main file, then the drop-ins of "<main>.d/" in
// lexical order, each overriding the one before; missing files; masking;
// errors located in the file that has them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "llmcore/config/daemon_config.h"
#include "llmcore/testing/testing.h"

namespace llmcore::config {
namespace {

using llmcore::testing::TempDir;
using llmcore::testing::WriteFileText;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class DropInTest : public ::testing::Test {
 protected:
  std::string Main() const { return dir_.File("llmcored.conf"); }
  std::string DropIn(const std::string& name) const { return Main() + ".d/" + name; }
  void MakeDropInDir() const { ASSERT_EQ(::mkdir((Main() + ".d").c_str(), 0755), 0); }

  TempDir dir_;
};

TEST_F(DropInTest, NoFilesAtAllGiveTheDefaults) {
  std::vector<std::string> read;
  auto config = LoadDaemonConfig(Main(), &read);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config, DaemonConfig{});
  EXPECT_THAT(read, IsEmpty());
}

TEST_F(DropInTest, DropInsWithoutAMainFileApply) {
  MakeDropInDir();
  WriteFileText(DropIn("threads.conf"), "[Daemon]\nThreads=3\n");
  std::vector<std::string> read;
  auto config = LoadDaemonConfig(Main(), &read);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->daemon.threads, 3u);
  EXPECT_THAT(read, ElementsAre(DropIn("threads.conf")));
}

TEST_F(DropInTest, DropInsApplyAfterTheMainFileInLexicalOrder) {
  WriteFileText(Main(), "[Daemon]\nThreads=1\nMaxTokens=100\n[Models]\nDirectory=/main\n");
  MakeDropInDir();
  // Byte order: "10-" < "20-" < "9-".
  WriteFileText(DropIn("20-b.conf"), "[Daemon]\nThreads=20\n[Models]\nDirectory=/twenty\n");
  WriteFileText(DropIn("10-a.conf"), "[Daemon]\nThreads=10\nMaxQueued=10\n");
  WriteFileText(DropIn("9-c.conf"), "[Daemon]\nThreads=9\n");
  // Not drop-ins: other suffixes, hidden files, a bare ".conf".
  WriteFileText(DropIn("99-z.conf.bak"), "[Daemon]\nThreads=99\n");
  WriteFileText(DropIn(".99-hidden.conf"), "[Daemon]\nThreads=99\n");
  WriteFileText(DropIn(".conf"), "[Daemon]\nThreads=99\n");
  WriteFileText(DropIn("README"), "not ini at all");

  std::vector<std::string> read;
  auto config = LoadDaemonConfig(Main(), &read);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->daemon.threads, 9u);
  EXPECT_EQ(config->daemon.max_queued, 10u);
  EXPECT_EQ(config->daemon.max_tokens, 100u);
  EXPECT_EQ(config->models.directories.back(), "/twenty");
  EXPECT_THAT(read,
              ElementsAre(Main(), DropIn("10-a.conf"), DropIn("20-b.conf"), DropIn("9-c.conf")));
}

TEST_F(DropInTest, ADropInResetsAListTheMainFileFilled) {
  WriteFileText(Main(), "[Models]\nDirectory=/srv/a\nPreload=x y\n");
  MakeDropInDir();
  WriteFileText(DropIn("50-reset.conf"), "[Models]\nDirectory=\nDirectory=/srv/b\nPreload=\n");
  WriteFileText(DropIn("60-append.conf"), "[Models]\nDirectory=/srv/c\nPreload=z\n");
  auto config = LoadDaemonConfig(Main());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_THAT(config->models.directories, ElementsAre("/srv/b", "/srv/c"));
  EXPECT_THAT(config->models.preload, ElementsAre("z"));
}

TEST_F(DropInTest, ASymlinkToDevNullMasksADropIn) {
  MakeDropInDir();
  ASSERT_EQ(::symlink("/dev/null", DropIn("masked.conf").c_str()), 0);
  auto config = LoadDaemonConfig(Main());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(*config, DaemonConfig{});
}

TEST_F(DropInTest, AnErrorNamesTheDropInAndItsLine) {
  WriteFileText(Main(), "[Daemon]\nThreads=1\n");
  MakeDropInDir();
  WriteFileText(DropIn("10-ok.conf"), "[Models]\nKeepAlive=10min\n");
  WriteFileText(DropIn("20-bad.conf"), "# fine\n\n[Models]\nKeepAlive=soon\n");
  auto config = LoadDaemonConfig(Main());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(config.status().message(),
            DropIn("20-bad.conf") +
                ":4: [Models] KeepAlive: 'soon' is not a time span (e.g. 300, 5min, 1h, infinity)");
}

TEST_F(DropInTest, AMainFileThatIsNoRegularFileIsRefused) {
  ASSERT_EQ(::mkdir(Main().c_str(), 0755), 0);
  auto config = LoadDaemonConfig(Main());
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(Main() + ": not a regular file"));

  ASSERT_EQ(::rmdir(Main().c_str()), 0);
  ASSERT_EQ(::mkfifo(Main().c_str(), 0644), 0);  // must not block the open
  config = LoadDaemonConfig(Main());
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(Main() + ": not a regular file"));
}

TEST_F(DropInTest, ADropInDirectoryThatIsAFileIsRefused) {
  WriteFileText(Main() + ".d", "");
  auto config = LoadDaemonConfig(Main());
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(Main() + ".d"));
}

TEST_F(DropInTest, AFileOverOneMebibyteIsRefused) {
  std::string text = "[Daemon]\n";
  while (text.size() <= kMaxConfigFileBytes) text += "# padding padding padding padding\n";
  WriteFileText(Main(), text);
  auto config = LoadDaemonConfig(Main());
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr(Main() + ": file is larger than 1048576 bytes"));
}

}  // namespace
}  // namespace llmcore::config
