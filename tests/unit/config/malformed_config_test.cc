// One malformed input per rule of llmcored.conf, each refused with a message
// that starts with "file:line: " and names the section and key where there
// is one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "llmcore/config/daemon_config.h"

namespace llmcore::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

struct MalformedCase {
  const char* rule;
  std::string text;
  std::string location;  // what the message starts with
  std::string says;      // what else it must contain
};

std::string LongLine(size_t bytes) {
  return "[Daemon]\n# " + std::string(bytes - 2, 'x') + "\n";
}

const MalformedCase kCases[] = {
    {"unknown section", "[Daemon]\nThreads=1\n[Deamon]\n",
     "test.conf:3: ", "unknown section ['Deamon'] (known: [Daemon], [Models], [Memory])"},
    {"unknown key", "[Models]\nKeepAlive=5min\nKeepAlvie=5min\n",
     "test.conf:3: [Models] KeepAlvie: ",
     "unknown key (the keys of [Models] are Directory, HuggingFaceCache"},
    {"key in the wrong section", "[Daemon]\nKeepAlive=5min\n",
     "test.conf:2: [Daemon] KeepAlive: ", "unknown key"},
    {"keys are case-sensitive", "[Daemon]\nthreads=2\n",
     "test.conf:2: [Daemon] threads: ", "unknown key"},
    {"sections are case-sensitive", "[daemon]\n", "test.conf:1: ", "unknown section ['daemon']"},
    {"key outside a section", "# header\nThreads=2\n",
     "test.conf:2: ", "'Threads': assignment outside of a section"},
    {"missing '='", "[Daemon]\nThreads 2\n",
     "test.conf:2: ", "'Threads 2' is neither an assignment (Key=Value) nor a [Section] header"},
    {"assignment without a key", "[Daemon]\n = 2\n",
     "test.conf:2: ", "'= 2' assigns a value to no key"},
    {"unterminated section header", "[Daemon\nThreads=2\n",
     "test.conf:1: ", "'[Daemon' is not a section header"},
    {"text after a section header", "[Daemon] # main\n",
     "test.conf:1: ", "is not a section header"},
    {"bad integer", "[Daemon]\nThreads=four\n",
     "test.conf:2: [Daemon] Threads: ", "'four' is not an integer from 0 to 4096"},
    {"negative integer", "[Daemon]\nMaxQueued=-1\n",
     "test.conf:2: [Daemon] MaxQueued: ", "'-1' is not an integer from 0 to 1048576"},
    {"integer out of range", "[Daemon]\nMaxSessionsPerUser=0\n",
     "test.conf:2: [Daemon] MaxSessionsPerUser: ", "'0' is not an integer from 1 to 65536"},
    {"integer above its range", "[Models]\nContextLength=2000000\n",
     "test.conf:2: [Models] ContextLength: ", "'2000000' is not an integer from 16 to 1048576"},
    {"integer that overflows", "[Models]\nBatchSize=99999999999999999999999\n",
     "test.conf:2: [Models] BatchSize: ", "is not an integer from 1 to 65536"},
    {"inline comment", "[Daemon]\nThreads=2 # two\n",
     "test.conf:2: [Daemon] Threads: ", "'2 # two' is not an integer"},
    {"bad size", "[Daemon]\nMaxPromptBytes=256KB\n",
     "test.conf:2: [Daemon] MaxPromptBytes: ", "'256KB' is not a size (e.g. 4096, 256K, 8G)"},
    {"size out of range", "[Daemon]\nMaxPromptBytes=2G\n",
     "test.conf:2: [Daemon] MaxPromptBytes: ", "'2G' is not a size from 1 to 1G"},
    {"bad time span", "[Models]\nKeepAlive=soon\n", "test.conf:2: [Models] KeepAlive: ",
     "'soon' is not a time span (e.g. 300, 5min, 1h, infinity)"},
    {"time span too long", "[Models]\nKeepAlive=999999999d\n",
     "test.conf:2: [Models] KeepAlive: ", "too long a time span"},
    {"bad percent", "[Memory]\nGpuBudget=90\n",
     "test.conf:2: [Memory] GpuBudget: ", "'90' is not a percentage from 1% to 100%"},
    {"percent out of range", "[Memory]\nGpuBudget=0%\n",
     "test.conf:2: [Memory] GpuBudget: ", "'0%' is not a percentage from 1% to 100%"},
    {"bad memory budget", "[Memory]\nBudget=most\n",
     "test.conf:2: [Memory] Budget: ", "'most' is not a percentage or a size"},
    {"relative path", "[Models]\nDirectory=models\n",
     "test.conf:2: [Models] Directory: ", "'models' is not an absolute path"},
    {"relative driver directory", "[Daemon]\nDriverDirectory=~/drivers\n",
     "test.conf:2: [Daemon] DriverDirectory: ", "'~/drivers' is not an absolute path"},
    {"path ending in whitespace", "[Models]\nDirectory=/srv/models /\n",
     "test.conf:2: [Models] Directory: ", "'/srv/models ' ends in whitespace"},
    {"bad model name", "[Models]\nDefault=../etc/passwd\n",
     "test.conf:2: [Models] Default: ", "'../etc/passwd' is not a valid model name"},
    {"model name with a space", "[Models]\nDefault=my model\n",
     "test.conf:2: [Models] Default: ", "'my model' is not a valid model name"},
    {"bad name in a list", "[Models]\nPin=ok /abs\n",
     "test.conf:2: [Models] Pin: ", "'/abs' is not a valid model name: it starts with '/'"},
    {"overlong line", LongLine(kMaxConfigLineBytes + 1),
     "test.conf:2: ", "line is longer than 65536 bytes"},
    {"NUL byte in a value",
     std::string("[Daemon]\nThreads=1\0"
                 "2\n",
                 21),
     "test.conf:2: [Daemon] Threads: ", "NUL byte at column 10 in the value"},
    {"NUL byte in a comment", std::string("# a\0b\n", 6), "test.conf:1: ", "NUL byte at column 4"},
    {"invalid UTF-8 in a value", "[Models]\nDefault=caf\xe9\n",
     "test.conf:2: [Models] Default: ", "invalid UTF-8 at column 12 in the value"},
    {"invalid UTF-8 in a key",
     "[Models]\nDef\xff"
     "ault=x\n",
     "test.conf:2: ", "invalid UTF-8 at column 4"},
    {"overlong UTF-8 encoding", "[Daemon]\n# \xc0\xaf\n",
     "test.conf:2: ", "invalid UTF-8 at column 3"},
    {"file over 1 MiB", std::string(kMaxConfigFileBytes + 1, '\n'),
     "test.conf: ", "file is larger than 1048576 bytes"},
};

class MalformedConfig : public ::testing::TestWithParam<MalformedCase> {};

TEST_P(MalformedConfig, IsRefusedWithFileLineAndKey) {
  const MalformedCase& c = GetParam();
  auto config = ParseDaemonConfig(c.text, "test.conf");
  ASSERT_FALSE(config.ok()) << c.rule;
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), StartsWith(c.location));
  EXPECT_THAT(config.status().message(), HasSubstr(c.says));
}

std::string CaseName(const ::testing::TestParamInfo<MalformedCase>& info) {
  std::string name;
  for (const char ch : std::string(info.param.rule)) {
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
      name += ch;
    } else if (!name.empty() && name.back() != '_') {
      name += '_';
    }
  }
  while (!name.empty() && name.back() == '_') name.pop_back();
  return name;
}

INSTANTIATE_TEST_SUITE_P(Rules, MalformedConfig, ::testing::ValuesIn(kCases), CaseName);

// A message quotes outside text safely: control characters escaped, long
// values cut.
TEST(MalformedConfigMessages, QuoteOutsideTextSafely) {
  auto escape = ParseDaemonConfig("[Daemon]\nThreads=\x1b[31mred\n", "test.conf");
  ASSERT_FALSE(escape.ok());
  EXPECT_THAT(escape.status().message(), HasSubstr("'\\x1b[31mred' is not an integer"));
  EXPECT_EQ(escape.status().message().find('\x1b'), std::string::npos);

  auto long_value =
      ParseDaemonConfig("[Daemon]\nThreads=" + std::string(10000, '9') + "\n", "test.conf");
  ASSERT_FALSE(long_value.ok());
  EXPECT_LT(long_value.status().message().size(), 200u);
  EXPECT_THAT(long_value.status().message(), HasSubstr("...' is not an integer"));

  auto weird_key = ParseDaemonConfig("[Daemon]\nA\tB\x7f=1\n", "test.conf");
  ASSERT_FALSE(weird_key.ok());
  EXPECT_THAT(weird_key.status().message(),
              StartsWith("test.conf:2: [Daemon] 'A\\x09B\\x7f': unknown key"));
}

}  // namespace
}  // namespace llmcore::config
