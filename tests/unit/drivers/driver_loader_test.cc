// The driver loader refuses missing, broken and incompatible driver
// libraries with a Status naming the library and the reason, and the
// process keeps working afterwards; the CPU driver exports exactly its entry
// symbol and checks the ABI version on its side too.
#include <dlfcn.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <set>
#include <string>

#include "driver_test_util.h"
#include "llmcore/driver_host/driver_context.h"
#include "llmcore/driver_host/driver_library.h"
#include "llmcore/testing/testing.h"

namespace llmcore {
namespace {

using driver_host::DriverContext;
using driver_host::DriverLibrary;
using ::testing::HasSubstr;

// The CPU driver still loads and runs a forward pass: a refused library
// leaves nothing behind that breaks the next one.
void ExpectCpuDriverStillWorks() {
  auto lib = DriverLibrary::Open(testing::CpuDriverPath());
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  auto ctx = DriverContext::Create(*lib);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  auto model = testing::GeneratedModel("--preset tiny");
  auto instance = (*ctx)->CreateInstance(model->desc->desc(), testing::Params(16, 1, 4));
  ASSERT_TRUE(instance.ok()) << instance.status().ToString();
  const int32_t tokens[] = {1, 2, 3};
  auto logits = testing::Feed(**instance, model->desc->desc().n_vocab, 0, 0, tokens, false);
  EXPECT_EQ(logits.size(), 1u);
}

TEST(DriverLoaderTest, MissingFileIsRefusedNamingIt) {
  const std::string path = "/nonexistent/llmcore-missing.so";
  auto lib = DriverLibrary::Open(path);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(lib.status().message(), HasSubstr(path));
  ExpectCpuDriverStillWorks();
}

TEST(DriverLoaderTest, FileThatIsNotALibraryIsRefused) {
  testing::TempDir dir;
  const std::string path = dir.File("not-a-driver.so");
  testing::WriteFileBytes(path, {std::byte{'h'}, std::byte{'i'}});
  auto lib = DriverLibrary::Open(path);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(lib.status().message(), HasSubstr(path));
  EXPECT_THAT(lib.status().message(), HasSubstr("cannot load"));
}

TEST(DriverLoaderTest, LibraryWithoutEntrySymbolIsRefused) {
  const std::string path = testing::FakeDriverPath("no_entry");
  auto lib = DriverLibrary::Open(path);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(lib.status().message(), HasSubstr(path));
  EXPECT_THAT(lib.status().message(), HasSubstr("no entry symbol llmcore_driver_entry"));
  ExpectCpuDriverStillWorks();
}

TEST(DriverLoaderTest, EntryReturningNullIsRefused) {
  const std::string path = testing::FakeDriverPath("null_table");
  auto lib = DriverLibrary::Open(path);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(lib.status().message(), HasSubstr(path));
  EXPECT_THAT(lib.status().message(), HasSubstr("refuses driver ABI major 1"));
}

TEST(DriverLoaderTest, TableOfAnotherMajorIsRefused) {
  const std::string path = testing::FakeDriverPath("wrong_major");
  auto lib = DriverLibrary::Open(path);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kUnsupported);
  EXPECT_THAT(lib.status().message(), HasSubstr(path));
  EXPECT_THAT(lib.status().message(), HasSubstr("ABI major 2, this host needs 1"));
  ExpectCpuDriverStillWorks();
}

TEST(DriverLoaderTest, TableWithoutForwardIsRefused) {
  const std::string path = testing::FakeDriverPath("missing_forward");
  auto lib = DriverLibrary::Open(path);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kCorrupt);
  EXPECT_THAT(lib.status().message(), HasSubstr(path));
  EXPECT_THAT(lib.status().message(), HasSubstr("lacks the required function forward"));
}

TEST(DriverLoaderTest, DriverWhoseInitFailsIsRefused) {
  auto lib = DriverLibrary::Open(testing::FakeDriverPath("init_fails"));
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  EXPECT_EQ((*lib)->name(), "fake");
  auto ctx = DriverContext::Create(*lib);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.status().code(), StatusCode::kIoError);
  EXPECT_EQ(ctx.status().message(), "driver fake: init: fake device is on fire");
  ExpectCpuDriverStillWorks();
}

TEST(DriverLoaderTest, CpuDriverLoadsAndDescribesItsDevice) {
  auto lib = DriverLibrary::Open(testing::CpuDriverPath());
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  EXPECT_EQ((*lib)->name(), "cpu");
  EXPECT_EQ((*lib)->abi_minor(), uint32_t{LLMCORE_DRIVER_ABI_MINOR});
  EXPECT_FALSE((*lib)->version().empty());
  auto ctx = DriverContext::Create(*lib);
  ASSERT_TRUE(ctx.ok()) << ctx.status().ToString();
  EXPECT_EQ(*(*ctx)->DeviceCount(), 1);
  auto info = (*ctx)->DeviceInfo(0);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  EXPECT_EQ(info->kind, uint32_t{LLMCORE_DEVICE_CPU});
  EXPECT_STREQ(info->name, "cpu");
  EXPECT_EQ(info->struct_size, sizeof(llmcore_device_info));
  EXPECT_GE(info->compute_units, 1u);
  auto missing = (*ctx)->DeviceInfo(1);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("device 1 does not exist"));
}

TEST(DriverLoaderTest, CpuDriverExportsOnlyItsEntrySymbol) {
  EXPECT_EQ(testing::ExportedSymbols(testing::CpuDriverPath()),
            std::set<std::string>{"llmcore_driver_entry"});
}

// The driver side of the version rule: the entry refuses another major, and
// init refuses a host struct of another major.
TEST(DriverLoaderTest, CpuDriverChecksTheHostsMajor) {
  void* handle = dlopen(testing::CpuDriverPath().c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  auto entry =
      reinterpret_cast<llmcore_driver_entry_fn>(dlsym(handle, LLMCORE_DRIVER_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry(LLMCORE_DRIVER_ABI_MAJOR + 1, 0), nullptr);
  const llmcore_driver* table = entry(LLMCORE_DRIVER_ABI_MAJOR, LLMCORE_DRIVER_ABI_MINOR + 7);
  ASSERT_NE(table, nullptr) << "a newer minor of the same major is accepted";
  EXPECT_EQ(table->abi_major, uint32_t{LLMCORE_DRIVER_ABI_MAJOR});
  EXPECT_EQ(table->struct_size, sizeof(llmcore_driver));

  llmcore_driver_host host{};
  host.struct_size = sizeof(host);
  host.abi_major = LLMCORE_DRIVER_ABI_MAJOR + 1;
  llmcore_driver_ctx* ctx = nullptr;
  llmcore_error error{};
  EXPECT_EQ(table->init(&host, &ctx, &error), -ENOTSUP);
  EXPECT_EQ(error.code, -ENOTSUP);
  EXPECT_THAT(std::string(error.message), HasSubstr("host ABI major 2"));
  EXPECT_EQ(ctx, nullptr);
  dlclose(handle);
}

}  // namespace
}  // namespace llmcore
