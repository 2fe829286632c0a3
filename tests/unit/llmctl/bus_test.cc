// Which bus run's libllmcore client connects to for each --bus value.
#include "bus.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <optional>
#include <string>

namespace llmcore::llmctl {
namespace {

// Sets (or, with nullopt, unsets) an environment variable for one test.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    if (value) {
      ::setenv(name, value->c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(LlmctlBusTest, SystemBusIsTheLibrarysDefaultAndAnAddressStaysItself) {
  const ScopedEnv session("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/session");
  auto system = ClientBusAddress(BusSpec{});
  ASSERT_TRUE(system.ok());
  EXPECT_EQ(*system, "");
  auto address = ClientBusAddress(*ParseBusSpec("unix:path=/tmp/x/bus"));
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(*address, "unix:path=/tmp/x/bus");
}

TEST(LlmctlBusTest, SessionBusFollowsTheRuleOfSdBus) {
  const BusSpec spec = *ParseBusSpec("session");
  {
    const ScopedEnv session("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/session");
    const ScopedEnv runtime("XDG_RUNTIME_DIR", "/run/user/1000");
    auto address = ClientBusAddress(spec);
    ASSERT_TRUE(address.ok());
    EXPECT_EQ(*address, "unix:path=/tmp/session");
  }
  {
    const ScopedEnv session("DBUS_SESSION_BUS_ADDRESS", std::nullopt);
    const ScopedEnv runtime("XDG_RUNTIME_DIR", "/run/user/1000 x");
    auto address = ClientBusAddress(spec);
    ASSERT_TRUE(address.ok());
    EXPECT_EQ(*address, "unix:path=/run/user/1000%20x/bus");
  }
  {
    // Empty is unset: "" would be the system bus to libllmcore.
    const ScopedEnv session("DBUS_SESSION_BUS_ADDRESS", "");
    const ScopedEnv runtime("XDG_RUNTIME_DIR", std::nullopt);
    auto address = ClientBusAddress(spec);
    ASSERT_FALSE(address.ok());
    EXPECT_EQ(address.status().code(), StatusCode::kUnavailable);
  }
}

TEST(LlmctlBusTest, AddressValuesEscapeAllButTheOptionallyEscapedBytes) {
  EXPECT_EQ(EscapeBusAddressValue("/run/user/1000"), "/run/user/1000");
  EXPECT_EQ(EscapeBusAddressValue("a-b_c.d\\e*f"), "a-b_c.d\\e*f");
  EXPECT_EQ(EscapeBusAddressValue("a b,c=d;%"), "a%20b%2cc%3dd%3b%25");
  EXPECT_EQ(EscapeBusAddressValue("\xc3\xa9"), "%c3%a9");
}

}  // namespace
}  // namespace llmcore::llmctl
