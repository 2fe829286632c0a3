// The driver manager with real driver libraries in temporary directories:
// discovery (directories, files, refusals with their reasons, duplicates,
// drivers declining the machine), the ranking, placement (explicit and
// automatic, the fit rule, the CPU fallback), and reloading a library file
// replaced on disk, which loads a fresh copy beside the one still in use.
// DriverLibrary's loading through /proc/self/fd is checked here too: each
// file gets its own loaded object, whatever descriptor numbers come back.
#include "llmcore/driver_host/driver_manager.h"

#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "driver_test_util.h"
#include "llmcore/driver_host/driver_library.h"
#include "llmcore/log.h"
#include "llmcore/testing/testing.h"

namespace llmcore {
namespace {

namespace fs = std::filesystem;
using driver_host::DeviceState;
using driver_host::DriverContext;
using driver_host::DriverLibrary;
using driver_host::DriverManager;
using driver_host::DriverSummary;
using driver_host::PlacementRequest;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint64_t kMiB = uint64_t{1} << 20;

std::string ReferenceDriverPath() {
  return LLMCORE_TEST_REFERENCE_DRIVER;
}

void Link(const std::string& target, const std::string& link) {
  fs::create_symlink(target, link);
}

// Replaces `to` by a copy of `from`, renamed into place the way package
// managers and install(1) do: `to` gets a new inode.
void ReplaceByCopy(const std::string& from, const std::string& to) {
  const std::string staging = to + ".new";
  fs::copy_file(from, staging, fs::copy_options::overwrite_existing);
  fs::rename(staging, to);
}

ino_t InodeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_ino;
}

// Whether /proc/self/maps has a mapping of a file with inode `inode` whose
// path starts with `path` (a deleted file's ends in " (deleted)").
bool Mapped(ino_t inode, const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms, offset, dev, file;
    unsigned long long ino = 0;
    fields >> range >> perms >> offset >> dev >> ino;
    std::getline(fields >> std::ws, file);
    if (ino == inode && file.starts_with(path)) return true;
  }
  return false;
}

PlacementRequest Request(std::string driver, std::string device = "", uint64_t weights_bytes = 0,
                         uint64_t kv_bytes = 0) {
  PlacementRequest request;
  request.driver = std::move(driver);
  request.device = std::move(device);
  request.weights_bytes = weights_bytes;
  request.kv_bytes = kv_bytes;
  return request;
}

std::vector<std::string> Names(const std::vector<DriverSummary>& list) {
  std::vector<std::string> names;
  for (const DriverSummary& d : list) names.push_back(d.name);
  return names;
}

std::unique_ptr<DriverManager> MustDiscover(const std::vector<std::string>& sources) {
  auto manager = DriverManager::Discover(sources);
  if (!manager.ok()) {
    ADD_FAILURE() << manager.status().ToString();
    return nullptr;
  }
  return std::move(manager).value();
}

// A directory holding the CPU and reference drivers (symlinks), plus
// whatever a test adds.
class DriverDir {
 public:
  DriverDir() {
    Link(testing::CpuDriverPath(), dir_.File("llmcore-cpu.so"));
    Link(ReferenceDriverPath(), dir_.File("llmcore-reference.so"));
  }
  const std::string& path() const { return dir_.path(); }
  std::string File(const std::string& name) const { return dir_.File(name); }

 private:
  testing::TempDir dir_;
};

// Captures llmcore's log lines while it lives.
class LogCapture {
 public:
  LogCapture() {
    previous_ = SetLogSink([this](LogLevel level, std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.push_back({level, std::string(line)});
    });
  }
  ~LogCapture() { SetLogSink(previous_); }
  bool Has(LogLevel level, const std::string& part) {
    std::lock_guard lock(mu_);
    for (const auto& [l, line] : lines_) {
      if (l == level && line.find(part) != std::string::npos) return true;
    }
    return false;
  }

 private:
  LogSink previous_;
  std::mutex mu_;
  std::vector<std::pair<LogLevel, std::string>> lines_;
};

// The CPU driver's device, as the manager lists it.
DeviceState CpuDevice(const DriverManager& manager) {
  for (const DriverSummary& d : manager.List()) {
    if (d.name == "cpu" && !d.devices.empty()) return d.devices[0];
  }
  ADD_FAILURE() << "no cpu device";
  return {};
}

// --- DriverLibrary: loading through /proc/self/fd -------------------------

// Two libraries opened one after the other (the first closed in between)
// are two objects: the descriptor number the first was loaded through is
// never taken for the second's name.
TEST(DriverLibraryTest, EachFileIsItsOwnObjectWhateverTheDescriptorNumbers) {
  for (int round = 0; round < 3; ++round) {
    auto cpu = DriverLibrary::Open(testing::CpuDriverPath());
    ASSERT_TRUE(cpu.ok()) << cpu.status().ToString();
    EXPECT_EQ((*cpu)->name(), "cpu");
    auto reference = DriverLibrary::Open(ReferenceDriverPath());
    ASSERT_TRUE(reference.ok()) << reference.status().ToString();
    EXPECT_EQ((*reference)->name(), "reference");
    EXPECT_EQ((*reference)->path(), ReferenceDriverPath());
    cpu->reset();
    auto again = DriverLibrary::Open(ReferenceDriverPath());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ((*again)->name(), "reference");
    auto cpu_again = DriverLibrary::Open(testing::CpuDriverPath());
    ASSERT_TRUE(cpu_again.ok());
    EXPECT_EQ((*cpu_again)->name(), "cpu");
  }
}

// The same file opened twice is one loaded object; closing the first
// leaves nothing that answers for another file.
TEST(DriverLibraryTest, ReopeningAnUnchangedFileGivesTheSameObject) {
  testing::TempDir dir;
  Link(ReferenceDriverPath(), dir.File("llmcore-reference.so"));
  auto first = DriverLibrary::Open(ReferenceDriverPath());
  ASSERT_TRUE(first.ok());
  auto second = DriverLibrary::Open(dir.File("llmcore-reference.so"));
  ASSERT_TRUE(second.ok());
  EXPECT_EQ((*first)->table().init, (*second)->table().init);
  EXPECT_EQ((*second)->path(), dir.File("llmcore-reference.so"));
  first->reset();
  auto cpu = DriverLibrary::Open(testing::CpuDriverPath());
  ASSERT_TRUE(cpu.ok());
  EXPECT_EQ((*cpu)->name(), "cpu");
  auto ctx = DriverContext::Create(*second);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(*(*ctx)->DeviceCount(), 1);
}

// A library another part of the process loaded itself (dlopen by path):
// DriverLibrary gets that object, and after the DriverLibrary is gone, the
// next library opened is still itself.
TEST(DriverLibraryTest, LibraryHeldByAnotherDlopenDoesNotCaptureLaterOpens) {
  void* outside = dlopen(ReferenceDriverPath().c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(outside, nullptr) << dlerror();
  auto entry =
      reinterpret_cast<llmcore_driver_entry_fn>(dlsym(outside, LLMCORE_DRIVER_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  {
    auto lib = DriverLibrary::Open(ReferenceDriverPath());
    ASSERT_TRUE(lib.ok());
    EXPECT_EQ((*lib)->table().init, entry(LLMCORE_DRIVER_ABI_MAJOR, 0)->init);
  }
  for (int i = 0; i < 3; ++i) {
    auto cpu = DriverLibrary::Open(testing::CpuDriverPath());
    ASSERT_TRUE(cpu.ok());
    EXPECT_EQ((*cpu)->name(), "cpu");
  }
  dlclose(outside);
}

TEST(DriverLibraryTest, LoaderErrorsNameThePathNotTheDescriptor) {
  testing::TempDir dir;
  const std::string path = dir.File("llmcore-junk.so");
  testing::WriteFileText(path, "not an ELF file");
  auto lib = DriverLibrary::Open(path);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(lib.status().message(), StartsWith("driver " + path + ": cannot load: " + path));
  EXPECT_THAT(lib.status().message(), ::testing::Not(HasSubstr("/proc/self/fd")));
}

TEST(DriverLibraryTest, DirectoriesAndFifosAreNotLibraries) {
  testing::TempDir dir;
  const std::string fifo = dir.File("llmcore-fifo.so");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto lib = DriverLibrary::Open(fifo);  // does not wait for a writer
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kCorrupt);
  EXPECT_EQ(lib.status().message(), "driver " + fifo + ": is not a regular file");
  auto directory = DriverLibrary::Open(dir.path());
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), StatusCode::kCorrupt);
}

// --- Discovery -------------------------------------------------------------

TEST(DriverManagerTest, DiscoversEveryDriverOfADirectoryRankedByScore) {
  DriverDir dir;
  testing::WriteFileText(dir.File("README"), "not a driver");
  testing::WriteFileText(dir.File("other.so"), "not named llmcore-*.so");
  testing::WriteFileText(dir.File("llmcore-.so"), "no name between prefix and suffix");
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  EXPECT_THAT(manager->refused(), ElementsAre());
  const auto list = manager->List();
  ASSERT_THAT(Names(list), ElementsAre("cpu", "reference"));
  EXPECT_EQ(list[0].score, 10);
  EXPECT_EQ(list[1].score, 1);
  EXPECT_EQ(list[0].path, dir.File("llmcore-cpu.so"));
  EXPECT_EQ(list[1].path, dir.File("llmcore-reference.so"));
  EXPECT_EQ(list[0].abi_minor, uint32_t{LLMCORE_DRIVER_ABI_MINOR});
  EXPECT_FALSE(list[0].version.empty());
  for (const DriverSummary& d : list) {
    ASSERT_EQ(d.devices.size(), 1u) << d.name;
    EXPECT_EQ(d.devices[0].index, 0u);
    EXPECT_EQ(d.devices[0].name, "cpu");
    EXPECT_EQ(d.devices[0].kind, LLMCORE_DEVICE_CPU);
    EXPECT_FALSE(d.devices[0].description.empty());
  }
}

TEST(DriverManagerTest, ASourceMayBeOneLibraryFile) {
  auto manager = MustDiscover({testing::CpuDriverPath()});
  ASSERT_NE(manager, nullptr);
  const auto list = manager->List();
  ASSERT_THAT(Names(list), ElementsAre("cpu"));
  EXPECT_EQ(list[0].path, testing::CpuDriverPath());
}

TEST(DriverManagerTest, BrokenLibrariesAreRefusedWithTheirReasonsWhileTheOthersLoad) {
  DriverDir dir;
  const std::string junk = dir.File("llmcore-junk.so");
  testing::WriteFileText(junk, "garbage, not a shared library");
  Link(testing::FakeDriverPath("init_fails"), dir.File("llmcore-fake.so"));
  LogCapture log;
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  EXPECT_THAT(Names(manager->List()), ElementsAre("cpu", "reference"));
  const auto refused = manager->refused();
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0],
            dir.File("llmcore-fake.so") + ": driver fake: init: fake device is on fire");
  EXPECT_THAT(refused[1], StartsWith(junk + ": cannot load: " + junk + ": "));
  EXPECT_TRUE(log.Has(LogLevel::kWarning, refused[0]));
  EXPECT_TRUE(log.Has(LogLevel::kWarning, refused[1]));
}

TEST(DriverManagerTest, TheFirstLibraryOfADriverNameWinsAndTheOtherIsRefused) {
  testing::TempDir first, second;
  Link(testing::CpuDriverPath(), first.File("llmcore-cpu.so"));
  fs::copy_file(testing::CpuDriverPath(), second.File("llmcore-cpu.so"));
  Link(ReferenceDriverPath(), second.File("llmcore-reference.so"));
  auto manager = MustDiscover({first.path(), second.path()});
  ASSERT_NE(manager, nullptr);
  const auto list = manager->List();
  ASSERT_THAT(Names(list), ElementsAre("cpu", "reference"));
  EXPECT_EQ(list[0].path, first.File("llmcore-cpu.so"));
  EXPECT_THAT(manager->refused(),
              ElementsAre(second.File("llmcore-cpu.so") + ": driver cpu is already loaded from " +
                          first.File("llmcore-cpu.so")));
}

TEST(DriverManagerTest, ADriverDecliningTheMachineIsSkipped) {
  DriverDir dir;
  Link(testing::FakeDriverPath("declines"), dir.File("llmcore-declines.so"));
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  EXPECT_THAT(Names(manager->List()), ElementsAre("cpu", "reference"));
  EXPECT_EQ(manager->Find("fake"), nullptr);
  EXPECT_THAT(manager->refused(), ElementsAre(dir.File("llmcore-declines.so") +
                                              ": driver fake declined this machine (score 0)"));
}

TEST(DriverManagerTest, NoDriverAtAllIsNotFoundListingSourcesAndReasons) {
  testing::TempDir dir;
  const std::string junk = dir.File("llmcore-junk.so");
  testing::WriteFileText(junk, "garbage");
  Link(testing::FakeDriverPath("init_fails"), dir.File("llmcore-fake.so"));
  const std::string missing = dir.File("no-such-dir");
  auto manager = DriverManager::Discover({dir.path(), missing});
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), StatusCode::kNotFound);
  const std::string message = manager.status().message();
  EXPECT_THAT(message, HasSubstr(dir.path() + " (2 llmcore-*.so)"));
  EXPECT_THAT(message, HasSubstr(missing + ": does not exist"));
  EXPECT_THAT(message, HasSubstr(junk + ": cannot load"));
  EXPECT_THAT(message, HasSubstr("fake device is on fire"));

  auto empty = DriverManager::Discover({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kNotFound);
}

TEST(DriverManagerTest, MissingSourcesAreRefusedAndTheRestLoads) {
  testing::TempDir dir;
  auto manager = MustDiscover({dir.File("missing"), testing::CpuDriverPath()});
  ASSERT_NE(manager, nullptr);
  EXPECT_THAT(Names(manager->List()), ElementsAre("cpu"));
  EXPECT_THAT(manager->refused(), ElementsAre(dir.File("missing") + ": does not exist"));
}

TEST(DriverManagerTest, FindAnswersTheCurrentContextOrNull) {
  DriverDir dir;
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  auto cpu = manager->Find("cpu");
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->name(), "cpu");
  EXPECT_EQ(manager->Find("cpu"), cpu);
  EXPECT_EQ(manager->Find("reference")->name(), "reference");
  EXPECT_EQ(manager->Find("cuda"), nullptr);
  EXPECT_EQ(manager->Find(""), nullptr);
}

// --- Placement -------------------------------------------------------------

TEST(DriverManagerTest, PlacesOnANamedDriverAndDevice) {
  DriverDir dir;
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  for (const std::string device : {"", "cpu", "0"}) {
    const PlacementRequest request = Request("reference", device, kMiB, kMiB);
    auto placed = manager->Place(request);
    ASSERT_TRUE(placed.ok()) << device << ": " << placed.status().ToString();
    EXPECT_EQ(placed->driver, manager->Find("reference"));
    EXPECT_EQ(placed->device_index, 0u);
    EXPECT_EQ(placed->device_name, "cpu");
  }
}

TEST(DriverManagerTest, UnknownDriversAndDevicesAreNotFound) {
  DriverDir dir;
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  auto no_driver = manager->Place(Request("cuda"));
  ASSERT_FALSE(no_driver.ok());
  EXPECT_EQ(no_driver.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(no_driver.status().message(), "no driver named 'cuda' (drivers: cpu, reference)");

  for (const std::string device : {"cuda0", "1", "-0", "00x"}) {
    auto no_device = manager->Place(Request("cpu", device));
    ASSERT_FALSE(no_device.ok()) << device;
    EXPECT_EQ(no_device.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(no_device.status().message(),
              "driver cpu has no device '" + device + "' (devices: 0 cpu)");
  }

  auto device_alone = manager->Place(Request("", "cpu"));
  ASSERT_FALSE(device_alone.ok());
  EXPECT_EQ(device_alone.status().code(), StatusCode::kInvalidArgument);
}

TEST(DriverManagerTest, ADeviceWithoutRoomIsRefusedSayingWhatIsNeeded) {
  DriverDir dir;
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  const DeviceState cpu = CpuDevice(*manager);
  if (cpu.memory_free_bytes == 0) GTEST_SKIP() << "the CPU driver does not know free memory";
  // Weights sit in host memory already: only the KV cache counts on a CPU.
  const PlacementRequest fits = Request("cpu", "", cpu.memory_free_bytes * 4, kMiB);
  EXPECT_TRUE(manager->Place(fits).ok());
  const uint64_t kv = cpu.memory_total_bytes * 2;
  for (const std::string device : {"", "cpu", "0"}) {
    auto placed = manager->Place(Request("cpu", device, 0, kv));
    ASSERT_FALSE(placed.ok()) << device;
    EXPECT_EQ(placed.status().code(), StatusCode::kResourceExhausted);
    EXPECT_THAT(placed.status().message(),
                AllOf(StartsWith("driver cpu device cpu: the model needs " +
                                 std::to_string((kv + kMiB - 1) / kMiB) + " MiB, "),
                      HasSubstr(" MiB are free")));
  }
}

TEST(DriverManagerTest, AutomaticPlacementTakesTheBestScoredDriverThatFits) {
  DriverDir dir;
  Link(testing::FakeDriverPath("small_gpu"), dir.File("llmcore-fake.so"));
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  const auto list = manager->List();
  ASSERT_THAT(Names(list), ElementsAre("fake", "cpu", "reference"));
  ASSERT_EQ(list[0].devices.size(), 1u);
  EXPECT_EQ(list[0].devices[0].kind, LLMCORE_DEVICE_GPU);
  EXPECT_EQ(list[0].devices[0].memory_free_bytes, kMiB);

  // Small enough for the fake GPU: weights and KV cache together.
  auto small = manager->Place(Request("", "", kMiB / 2, kMiB / 2));
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  EXPECT_EQ(small->driver->name(), "fake");
  EXPECT_EQ(small->device_name, "fake0");

  // Too big for it: the CPU, which needs room for the KV cache only.
  auto big = manager->Place(Request("", "", kMiB, 1));
  ASSERT_TRUE(big.ok()) << big.status().ToString();
  EXPECT_EQ(big->driver->name(), "cpu");
  EXPECT_EQ(big->device_index, 0u);

  auto named = manager->Place(Request("fake", "", kMiB, kMiB));
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(named.status().message(),
            "driver fake device fake0: the model needs 2 MiB, 1 MiB are free");
}

TEST(DriverManagerTest, WhenNothingFitsTheCpuDriverTakesTheModel) {
  DriverDir dir;
  Link(testing::FakeDriverPath("small_gpu"), dir.File("llmcore-fake.so"));
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  const DeviceState cpu = CpuDevice(*manager);
  if (cpu.memory_free_bytes == 0) GTEST_SKIP() << "the CPU driver does not know free memory";
  LogCapture log;
  auto placed = manager->Place(Request("", "", kMiB, cpu.memory_total_bytes * 2));
  ASSERT_TRUE(placed.ok()) << placed.status().ToString();
  EXPECT_EQ(placed->driver->name(), "cpu");
  EXPECT_EQ(placed->device_index, 0u);
  EXPECT_EQ(placed->device_name, "cpu");
  EXPECT_TRUE(log.Has(LogLevel::kInfo, "falling back to driver cpu"));
}

TEST(DriverManagerTest, WhenNothingFitsAndThereIsNoCpuDriverPlacementFails) {
  testing::TempDir dir;
  Link(ReferenceDriverPath(), dir.File("llmcore-reference.so"));
  Link(testing::FakeDriverPath("small_gpu"), dir.File("llmcore-fake.so"));
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  const auto list = manager->List();
  ASSERT_THAT(Names(list), ElementsAre("fake", "reference"));
  ASSERT_EQ(list[1].devices.size(), 1u);
  if (list[1].devices[0].memory_total_bytes == 0) GTEST_SKIP() << "memory unknown";
  const uint64_t kv = list[1].devices[0].memory_total_bytes * 2;
  auto placed = manager->Place(Request("", "", 3 * kMiB, kv));
  ASSERT_FALSE(placed.ok());
  EXPECT_EQ(placed.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(placed.status().message(),
              AllOf(StartsWith("no driver has room for the model: the model needs 3 MiB of "
                               "weights and " +
                               std::to_string((kv + kMiB - 1) / kMiB) + " MiB for its KV cache; "),
                    HasSubstr("fake 1 MiB free (fake0)"), HasSubstr("reference ")));
}

// --- Reload ----------------------------------------------------------------

// The library file replaced on disk: Reload loads the new file as a fresh
// copy beside the old one, which keeps serving its instance until dropped.
TEST(DriverManagerTest, ReloadLoadsAReplacedLibraryAsAFreshCopy) {
  testing::TempDir dir;
  const std::string path = dir.File("llmcore-reference.so");
  fs::copy_file(ReferenceDriverPath(), path);
  const ino_t old_inode = InodeOf(path);
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  std::shared_ptr<DriverContext> old = manager->Find("reference");
  ASSERT_NE(old, nullptr);
  auto model = testing::GeneratedModel("--preset tiny");
  auto instance = testing::NewInstance(*old, model->desc->desc(), testing::Params(16, 1, 4));
  const int32_t tokens[] = {1, 2, 3};
  const auto before = testing::Feed(*instance, model->desc->desc().n_vocab, 0, 0, tokens, false);
  ASSERT_TRUE(Mapped(old_inode, path));

  ReplaceByCopy(ReferenceDriverPath(), path);
  const ino_t new_inode = InodeOf(path);
  ASSERT_NE(new_inode, old_inode);
  auto fresh = manager->Reload("reference");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(*fresh, old);
  EXPECT_EQ(manager->Find("reference"), *fresh);
  EXPECT_EQ((*fresh)->library().path(), path);
  EXPECT_NE((*fresh)->library().table().init, old->library().table().init)
      << "a fresh copy has its own code";
  EXPECT_TRUE(Mapped(new_inode, path));
  EXPECT_TRUE(Mapped(old_inode, path)) << "the old copy stays while it is used";
  EXPECT_EQ(*(*fresh)->DeviceCount(), 1);
  EXPECT_EQ(*old->DeviceCount(), 1);
  const int32_t more[] = {4};
  const auto after = testing::Feed(*instance, model->desc->desc().n_vocab, 0, 3, more, false);
  EXPECT_EQ(after.size(), 1u);
  const auto list = manager->List();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].devices.size(), 1u);
  auto placed = manager->Place(Request("reference"));
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(placed->driver, *fresh);

  // The last user gone, the old copy is unloaded.
  instance.reset();
  old.reset();
  EXPECT_FALSE(Mapped(old_inode, path));
  EXPECT_TRUE(Mapped(new_inode, path));
}

TEST(DriverManagerTest, ReloadOfAnUnchangedFileMakesANewContextOnTheSameCopy) {
  DriverDir dir;
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  const auto old = manager->Find("cpu");
  auto fresh = manager->Reload("cpu");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(*fresh, old);
  EXPECT_EQ(manager->Find("cpu"), *fresh);
  EXPECT_EQ((*fresh)->library().table().init, old->library().table().init);
  EXPECT_EQ(*old->DeviceCount(), 1);
  EXPECT_EQ(*(*fresh)->DeviceCount(), 1);
  EXPECT_THAT(Names(manager->List()), ElementsAre("cpu", "reference"));
}

TEST(DriverManagerTest, AFailedReloadKeepsTheLoadedDriver) {
  testing::TempDir dir;
  const std::string path = dir.File("llmcore-reference.so");
  fs::copy_file(ReferenceDriverPath(), path);
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  const auto old = manager->Find("reference");

  auto unknown = manager->Reload("cuda");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);

  // The file now holds another driver.
  ReplaceByCopy(testing::CpuDriverPath(), path);
  auto renamed = manager->Reload("reference");
  ASSERT_FALSE(renamed.ok());
  EXPECT_EQ(renamed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(renamed.status().message(), HasSubstr("now reports the driver name 'cpu'"));
  EXPECT_EQ(manager->Find("reference"), old);
  EXPECT_EQ(manager->Find("cpu"), nullptr);

  // Garbage.
  testing::WriteFileText(path + ".new", "garbage");
  fs::rename(path + ".new", path);
  auto garbage = manager->Reload("reference");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(garbage.status().message(), HasSubstr(path));

  // Gone.
  fs::remove(path);
  auto gone = manager->Reload("reference");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(manager->Find("reference"), old);
  EXPECT_EQ(*old->DeviceCount(), 1);
  auto placed = manager->Place(PlacementRequest{});
  ASSERT_TRUE(placed.ok());
  EXPECT_EQ(placed->driver, old);
}

// Readers on several threads while another reloads: each sees a whole
// driver, the old context or the new one.
TEST(DriverManagerTest, ReadersAndReloadsRunConcurrently) {
  DriverDir dir;
  auto manager = MustDiscover({dir.path()});
  ASSERT_NE(manager, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (Names(manager->List()) != std::vector<std::string>{"cpu", "reference"}) ++failures;
        auto placed = manager->Place(Request("reference", "0"));
        if (!placed.ok() || placed->driver->name() != "reference") ++failures;
        auto found = manager->Find("reference");
        if (found == nullptr || !found->DeviceCount().ok()) ++failures;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    auto fresh = manager->Reload(i % 2 ? "cpu" : "reference");
    EXPECT_TRUE(fresh.ok()) << fresh.status().ToString();
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace llmcore
