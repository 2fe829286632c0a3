// DaemonConfig: the built-in defaults, every key parsed into its field,
// empty assignments, writing a configuration back, the shipped
// etc/llmcored.conf, and the memory budgets.
#include "llmcore/config/daemon_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace llmcore::config {
namespace {

using std::chrono::microseconds;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

DaemonConfig Parse(std::string_view text, DaemonConfig base = DaemonConfig{}) {
  auto config = ParseDaemonConfig(text, "test.conf", std::move(base));
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  return config.ok() ? *config : DaemonConfig{};
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(DaemonConfig, DefaultsAreTheDocumentedOnes) {
  const DaemonConfig c = DefaultDaemonConfig();
  EXPECT_EQ(c, DaemonConfig{});
  EXPECT_EQ(c.daemon.driver_directory, LLMCORE_EXPECTED_DRIVER_DIR);
  EXPECT_EQ(c.daemon.threads, 0u);
  EXPECT_EQ(c.daemon.max_sessions_per_user, 16u);
  EXPECT_EQ(c.daemon.max_queued_per_user, 8u);
  EXPECT_EQ(c.daemon.max_queued, 64u);
  EXPECT_EQ(c.daemon.max_prompt_bytes, 256u << 10);
  EXPECT_EQ(c.daemon.max_tokens, 4096u);
  EXPECT_THAT(c.models.directories,
              ElementsAre("/var/lib/llmcore/models", LLMCORE_EXPECTED_DATA_MODEL_DIR));
  EXPECT_TRUE(c.models.huggingface_caches.empty());
  EXPECT_TRUE(c.models.ollama_stores.empty());
  EXPECT_EQ(c.models.default_model, "stories260K");
  EXPECT_TRUE(c.models.preload.empty());
  EXPECT_TRUE(c.models.pin.empty());
  EXPECT_EQ(c.models.keep_alive, microseconds(5min));
  EXPECT_EQ(c.models.context_length, 4096u);
  EXPECT_EQ(c.models.max_sequences, 16u);
  EXPECT_EQ(c.models.batch_size, 512u);
  EXPECT_EQ(c.memory.budget, MemoryLimit::Percent(80));
  EXPECT_EQ(c.memory.gpu_budget_percent, 90u);
}

TEST(DaemonConfig, AnEmptyFileKeepsTheDefaults) {
  EXPECT_EQ(Parse(""), DaemonConfig{});
  EXPECT_EQ(Parse("# only a comment\n\n; another\n[Daemon]\n[Models]\n"), DaemonConfig{});
}

constexpr std::string_view kEveryKey = R"(
[Daemon]
DriverDirectory=/opt/llmcore/drivers/
Threads=6
MaxSessionsPerUser=3
MaxQueuedPerUser=2
MaxQueued=100
MaxPromptBytes=1M
MaxTokens=512
DrainTimeout=25s

[Models]
Directory=
Directory=/srv/models
Directory = /home/shared/models
HuggingFaceCache=/home/alice/.cache/huggingface/hub
OllamaModels=/usr/share/ollama/.ollama/models
Default=llama/7b-q8
Preload=stories260K hf:Qwen/Qwen2-0.5B/q8
Preload=	ollama:llama3.2:1b
Pin=stories260K
KeepAlive=1h 30min
ContextLength=2048
MaxSequences=4
BatchSize=128

[Memory]
Budget=24G
GpuBudget=75%
)";

TEST(DaemonConfig, EveryKeySetsItsField) {
  const DaemonConfig c = Parse(kEveryKey);
  EXPECT_EQ(c.daemon.driver_directory, "/opt/llmcore/drivers");
  EXPECT_EQ(c.daemon.threads, 6u);
  EXPECT_EQ(c.daemon.max_sessions_per_user, 3u);
  EXPECT_EQ(c.daemon.max_queued_per_user, 2u);
  EXPECT_EQ(c.daemon.max_queued, 100u);
  EXPECT_EQ(c.daemon.max_prompt_bytes, 1u << 20);
  EXPECT_EQ(c.daemon.max_tokens, 512u);
  EXPECT_EQ(c.daemon.drain_timeout, microseconds(25s));
  EXPECT_THAT(c.models.directories, ElementsAre("/srv/models", "/home/shared/models"));
  EXPECT_THAT(c.models.huggingface_caches, ElementsAre("/home/alice/.cache/huggingface/hub"));
  EXPECT_THAT(c.models.ollama_stores, ElementsAre("/usr/share/ollama/.ollama/models"));
  EXPECT_EQ(c.models.default_model, "llama/7b-q8");
  EXPECT_THAT(c.models.preload,
              ElementsAre("stories260K", "hf:Qwen/Qwen2-0.5B/q8", "ollama:llama3.2:1b"));
  EXPECT_THAT(c.models.pin, ElementsAre("stories260K"));
  EXPECT_EQ(c.models.keep_alive, microseconds(90min));
  EXPECT_EQ(c.models.context_length, 2048u);
  EXPECT_EQ(c.models.max_sequences, 4u);
  EXPECT_EQ(c.models.batch_size, 128u);
  EXPECT_EQ(c.memory.budget, MemoryLimit::Bytes(uint64_t{24} << 30));
  EXPECT_EQ(c.memory.gpu_budget_percent, 75u);
}

TEST(DaemonConfig, SyntaxDetails) {
  // BOM, CRLF line ends, whitespace around keys and values, both comment
  // characters, repeated sections, a last line without a newline.
  const DaemonConfig c = Parse(
      "\xEF\xBB\xBF# comment\r\n  ; comment\r\n[Daemon]\r\n\t Threads \t=\t 3 \r\n"
      "[Models]\nKeepAlive=infinity\n[Daemon]\nMaxTokens=7");
  EXPECT_EQ(c.daemon.threads, 3u);
  EXPECT_EQ(c.daemon.max_tokens, 7u);
  EXPECT_EQ(c.models.keep_alive, kInfiniteTimeSpan);
}

TEST(DaemonConfig, LaterAssignmentsOverrideEarlierOnes) {
  const DaemonConfig c = Parse("[Daemon]\nThreads=2\nThreads=4\n[Models]\nDefault=a\nDefault=b\n");
  EXPECT_EQ(c.daemon.threads, 4u);
  EXPECT_EQ(c.models.default_model, "b");
}

TEST(DaemonConfig, AnEmptyAssignmentRestoresAScalarDefault) {
  DaemonConfig base = Parse(
      "[Daemon]\nThreads=2\nDriverDirectory=/x\n[Models]\nKeepAlive=1s\n"
      "Default=other\n[Memory]\nBudget=1G\nGpuBudget=5%\n");
  const DaemonConfig c = Parse(
      "[Daemon]\nThreads=\nDriverDirectory=\n[Models]\nKeepAlive=\nDefault=\n"
      "[Memory]\nBudget=\nGpuBudget=\n",
      base);
  EXPECT_EQ(c, DaemonConfig{});
}

TEST(DaemonConfig, ListsAppendAndAnEmptyAssignmentEmptiesThem) {
  const DaemonConfig appended = Parse("[Models]\nDirectory=/srv/models\n");
  EXPECT_THAT(
      appended.models.directories,
      ElementsAre("/var/lib/llmcore/models", LLMCORE_EXPECTED_DATA_MODEL_DIR, "/srv/models"));
  const DaemonConfig reset = Parse("[Models]\nDirectory=/a\nDirectory=\nDirectory=/b\n");
  EXPECT_THAT(reset.models.directories, ElementsAre("/b"));
  const DaemonConfig emptied = Parse("[Models]\nDirectory=\nPreload=a b\nPreload=\n");
  EXPECT_TRUE(emptied.models.directories.empty());
  EXPECT_TRUE(emptied.models.preload.empty());
}

TEST(DaemonConfig, ListsDoNotRepeatAValue) {
  const DaemonConfig c = Parse(
      "[Models]\nDirectory=\nDirectory=/a\nDirectory=/a/\nDirectory=/b\nDirectory=/a\n"
      "Pin=x y x\nPin=y z\n");
  EXPECT_THAT(c.models.directories, ElementsAre("/a", "/b"));
  EXPECT_THAT(c.models.pin, ElementsAre("x", "y", "z"));
}

TEST(DaemonConfig, PathsKeepSpacesAndLoseTrailingSlashes) {
  const DaemonConfig c = Parse("[Models]\nDirectory=\nDirectory=/srv/my models//\nDirectory=/\n");
  EXPECT_THAT(c.models.directories, ElementsAre("/srv/my models", "/"));
}

TEST(DaemonConfig, AFailedAssignmentChangesNothing) {
  auto result = ParseDaemonConfig("[Models]\nPreload=good bad..name\n", "test.conf");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("test.conf:2: [Models] Preload: 'bad..name'"));
}

TEST(DaemonConfig, FormatParsesBackToTheSameConfiguration) {
  for (const DaemonConfig& config : {DaemonConfig{}, Parse(kEveryKey),
                                     Parse("[Models]\nDirectory=\nKeepAlive=infinity\n"
                                           "[Memory]\nBudget=100%\n")}) {
    const std::string text = FormatDaemonConfig(config);
    EXPECT_EQ(Parse(text), config) << text;
    // Applied on top of anything, it still gives exactly `config`.
    EXPECT_EQ(Parse(text, Parse(kEveryKey)), config) << text;
  }
  EXPECT_THAT(FormatDaemonConfig(DaemonConfig{}),
              HasSubstr("[Models]\nDirectory=\nDirectory=/var/lib/llmcore/models\n"));
}

TEST(DaemonConfig, KeysAreListedOncePerSectionInFileOrder) {
  std::set<std::string> seen;
  std::vector<std::string> sections;
  for (const ConfigKey& key : DaemonConfigKeys()) {
    EXPECT_TRUE(seen.insert(std::string(key.section) + "." + std::string(key.key)).second);
    if (sections.empty() || sections.back() != key.section) sections.emplace_back(key.section);
  }
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_THAT(sections, ElementsAre("Daemon", "Models", "Memory"));
}

// etc/llmcored.conf (as configured for this build) names every key once,
// commented out with its default, so that uncommenting any line changes
// nothing.
TEST(ShippedConfig, DocumentsEveryKeyWithItsDefault) {
  const std::string shipped = ReadText(LLMCORE_SHIPPED_CONFIG);
  ASSERT_FALSE(shipped.empty()) << LLMCORE_SHIPPED_CONFIG;
  EXPECT_EQ(Parse(shipped), DaemonConfig{});
  EXPECT_EQ(shipped.find('@'), std::string::npos) << "an unreplaced @VARIABLE@";

  std::string uncommented;
  std::set<std::string> documented;
  std::string section;
  std::istringstream lines(shipped);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with('[')) section = line.substr(1, line.size() - 2);
    const size_t equals = line.find('=');
    if (line.starts_with('#') && equals != std::string::npos &&
        line.find(' ') > equals) {  // "#Key=value", not prose
      documented.insert(section + "." + line.substr(1, equals - 1));
      line.erase(0, 1);
    }
    uncommented += line + "\n";
  }
  std::set<std::string> keys;
  for (const ConfigKey& key : DaemonConfigKeys()) {
    keys.insert(std::string(key.section) + "." + std::string(key.key));
  }
  EXPECT_EQ(documented, keys);
  EXPECT_EQ(Parse(uncommented), DaemonConfig{}) << uncommented;
}

TEST(MemoryBudget, PercentOfPhysicalMemoryOrACappedSize) {
  const uint64_t physical = 100'000'000'000;
  EXPECT_EQ(ResolveMemoryBudget(DaemonConfig{}, physical), 80'000'000'000u);
  EXPECT_EQ(ResolveMemoryBudget(Parse("[Memory]\nBudget=100%\n"), physical), physical);
  EXPECT_EQ(ResolveMemoryBudget(Parse("[Memory]\nBudget=1%\n"), 199), 1u);
  EXPECT_EQ(ResolveMemoryBudget(Parse("[Memory]\nBudget=16G\n"), physical), uint64_t{16} << 30);
  EXPECT_EQ(ResolveMemoryBudget(Parse("[Memory]\nBudget=128G\n"), physical), physical);
  EXPECT_EQ(ResolveMemoryBudget(Parse("[Memory]\nBudget=80%\n"), 64), 51u);
  EXPECT_EQ(ResolveMemoryBudget(Parse("[Memory]\nBudget=50%\n"), UINT64_MAX), UINT64_MAX / 2);
  EXPECT_EQ(ResolveGpuMemoryBudget(DaemonConfig{}, 80'000), 72'000u);
  EXPECT_EQ(ResolveGpuMemoryBudget(Parse("[Memory]\nGpuBudget=100%\n"), UINT64_MAX), UINT64_MAX);
}

}  // namespace
}  // namespace llmcore::config
