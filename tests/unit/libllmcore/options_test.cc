// libllmcore without a daemon: option and parameter validation, struct_size
// handling, the D-Bus error mapping, statistics, and the C API's argument
// checks (NULL handles, every *_free(NULL), an unreachable bus).
#include "options.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "llmcore.h"
#include "stats.h"
#include "status.h"

extern "C" size_t libllmcore_c11_default_options_size(void);
extern "C" int libllmcore_c11_defaults_are_unset(void);

namespace llmcore::lib {
namespace {

llmcore_generate_options Defaults() {
  llmcore_generate_options options;
  llmcore_generate_default_options(&options);
  return options;
}

int Validate(const llmcore_generate_options& options) {
  return llmcore_generate_options_validate(&options, nullptr);
}

TEST(LibllmcoreHeader, CompilesAsC11AndDefaultsWorkFromC) {
  EXPECT_EQ(libllmcore_c11_default_options_size(), sizeof(llmcore_generate_options));
  EXPECT_TRUE(libllmcore_c11_defaults_are_unset());
}

TEST(LibllmcoreVersion, MatchesTheMacros) {
  EXPECT_STREQ(llmcore_version(), LLMCORE_VERSION_STRING);
  EXPECT_EQ(LLMCORE_VERSION_MAJOR, 0);
}

TEST(LibllmcoreOptions, DefaultsAreValidAndNullMeansDefaults) {
  EXPECT_EQ(Validate(Defaults()), LLMCORE_OK);
  EXPECT_EQ(llmcore_generate_options_validate(nullptr, nullptr), LLMCORE_OK);
}

TEST(LibllmcoreOptions, TemperatureMustBeZeroOrPositive) {
  auto options = Defaults();
  options.temperature = 0;
  EXPECT_EQ(Validate(options), LLMCORE_OK);
  options.temperature = 0.7;
  EXPECT_EQ(Validate(options), LLMCORE_OK);
  options.temperature = -0.5;
  const char* why = nullptr;
  EXPECT_EQ(llmcore_generate_options_validate(&options, &why), LLMCORE_ERROR_INVALID_ARGUMENT);
  ASSERT_NE(why, nullptr);
  EXPECT_NE(std::strstr(why, "temperature"), nullptr);
  options.temperature = INFINITY;
  EXPECT_EQ(Validate(options), LLMCORE_ERROR_INVALID_ARGUMENT);
}

TEST(LibllmcoreOptions, EachRangeIsChecked) {
  struct Case {
    void (*set)(llmcore_generate_options*);
    const char* key;
  };
  const Case cases[] = {
      {[](llmcore_generate_options* o) { o->top_k = -1; }, "top_k"},
      {[](llmcore_generate_options* o) { o->top_p = 0; }, "top_p"},
      {[](llmcore_generate_options* o) { o->top_p = 1.5; }, "top_p"},
      {[](llmcore_generate_options* o) { o->min_p = -0.1; }, "min_p"},
      {[](llmcore_generate_options* o) { o->repeat_penalty = 0; }, "repeat_penalty"},
      {[](llmcore_generate_options* o) { o->repeat_last_n = -2; }, "repeat_last_n"},
      {[](llmcore_generate_options* o) { o->frequency_penalty = 2.5; }, "frequency_penalty"},
      {[](llmcore_generate_options* o) { o->presence_penalty = -3; }, "presence_penalty"},
      {[](llmcore_generate_options* o) { o->stop_count = 1; }, "stop"},
  };
  for (const Case& c : cases) {
    auto options = Defaults();
    c.set(&options);
    const char* why = nullptr;
    EXPECT_EQ(llmcore_generate_options_validate(&options, &why), LLMCORE_ERROR_INVALID_ARGUMENT)
        << c.key;
    ASSERT_NE(why, nullptr) << c.key;
    EXPECT_NE(std::strstr(why, c.key), nullptr) << why;
  }
}

TEST(LibllmcoreOptions, LimitsThemselvesAreValid) {
  auto options = Defaults();
  options.top_k = 0;
  options.top_p = 1;
  options.min_p = 0;
  options.repeat_last_n = -1;
  options.frequency_penalty = -2;
  options.presence_penalty = 2;
  const char* stops[] = {"\n", "The end"};
  options.stop = stops;
  options.stop_count = 2;
  EXPECT_EQ(Validate(options), LLMCORE_OK);
  const char* with_null[] = {"x", nullptr};
  options.stop = with_null;
  EXPECT_EQ(Validate(options), LLMCORE_ERROR_INVALID_ARGUMENT);
}

TEST(LibllmcoreOptions, StructSizeZeroIsRefused) {
  auto options = Defaults();
  options.struct_size = 0;
  EXPECT_EQ(Validate(options), LLMCORE_ERROR_INVALID_ARGUMENT);
}

TEST(LibllmcoreOptions, AnOlderSmallerStructLeavesLaterFieldsAtTheirDefaults) {
  auto options = Defaults();
  options.max_tokens = 12;
  options.ignore_eos = 1;  // beyond the "old" size below: must be ignored
  options.struct_size = offsetof(llmcore_generate_options, temperature);
  llmcore_generate_options copy;
  ASSERT_TRUE(CopyGenerateOptions(&options, &copy).ok());
  EXPECT_EQ(copy.struct_size, sizeof(llmcore_generate_options));
  EXPECT_EQ(copy.max_tokens, 12u);
  EXPECT_TRUE(std::isnan(copy.temperature));
  EXPECT_EQ(copy.ignore_eos, 0);
}

TEST(LibllmcoreErrors, DaemonErrorNamesMapOneToOne) {
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.InvalidArgument", ""),
            LLMCORE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.ModelNotFound", ""), LLMCORE_ERROR_MODEL_NOT_FOUND);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.ModelNotLoaded", ""),
            LLMCORE_ERROR_MODEL_NOT_LOADED);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.NoSuchSession", ""), LLMCORE_ERROR_NO_SUCH_SESSION);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.Busy", ""), LLMCORE_ERROR_BUSY);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.AccessDenied", ""), LLMCORE_ERROR_ACCESS_DENIED);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.LoadFailed", ""), LLMCORE_ERROR_LOAD_FAILED);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.Unsupported", ""), LLMCORE_ERROR_UNSUPPORTED);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.ShuttingDown", ""), LLMCORE_ERROR_SHUTTING_DOWN);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.Failed", ""), LLMCORE_ERROR_FAILED);
  EXPECT_EQ(CodeFromBusError("org.llmcore.Error.SomethingNew", ""), LLMCORE_ERROR_FAILED);
}

TEST(LibllmcoreErrors, BusErrorsSayWhetherTheDaemonIsThere) {
  EXPECT_EQ(CodeFromBusError("org.freedesktop.DBus.Error.ServiceUnknown", ""),
            LLMCORE_ERROR_DAEMON_UNAVAILABLE);
  EXPECT_EQ(CodeFromBusError("org.freedesktop.DBus.Error.NameHasNoOwner", ""),
            LLMCORE_ERROR_DAEMON_UNAVAILABLE);
  EXPECT_EQ(CodeFromBusError("org.freedesktop.DBus.Error.NoReply",
                             "Message recipient disconnected from message bus without replying"),
            LLMCORE_ERROR_INTERRUPTED);
  EXPECT_EQ(CodeFromBusError("org.freedesktop.DBus.Error.NoReply", "Method call timed out"),
            LLMCORE_ERROR_TIMEOUT);
  EXPECT_EQ(CodeFromBusError("org.freedesktop.DBus.Error.AccessDenied", ""),
            LLMCORE_ERROR_ACCESS_DENIED);
}

TEST(LibllmcoreErrors, MessagesNameTheErrorAndKeepTheDaemonsText) {
  const Error error = ErrorFromBus("org.llmcore.Error.ModelNotFound", "no model named 'x'");
  EXPECT_EQ(error.code, LLMCORE_ERROR_MODEL_NOT_FOUND);
  EXPECT_EQ(error.message, "ModelNotFound: no model named 'x'");
  EXPECT_EQ(ErrorFromBus("org.freedesktop.DBus.Error.NoReply", "recipient disconnected").message,
            "interrupted: the service restarted");
}

TEST(LibllmcoreErrors, EveryCodeHasAText) {
  for (int code = LLMCORE_ERROR_PROTOCOL; code <= LLMCORE_STREAM_AGAIN; ++code) {
    EXPECT_STRNE(llmcore_error_message(code), "unknown status") << code;
  }
  EXPECT_STREQ(llmcore_error_message(-1000), "unknown status");
}

TEST(LibllmcoreStats, StopReasonsAndOutcomes) {
  Dict dict{{"prompt_tokens", uint64_t{5}},
            {"generated_tokens", uint64_t{40}},
            {"decode_ms", 12.5},
            {"stop_reason", std::string("length")}};
  Stats stats = StatsFromDict(dict);
  EXPECT_EQ(stats.values.prompt_tokens, 5u);
  EXPECT_EQ(stats.values.generated_tokens, 40u);
  EXPECT_DOUBLE_EQ(stats.values.decode_ms, 12.5);
  EXPECT_EQ(stats.values.stop_reason, LLMCORE_STOP_LENGTH);
  EXPECT_TRUE(OutcomeOf(stats).ok());

  dict["stop_reason"] = std::string("error");
  dict["error"] = std::string("the driver failed");
  const Error failed = OutcomeOf(StatsFromDict(dict));
  EXPECT_EQ(failed.code, LLMCORE_ERROR_FAILED);
  EXPECT_NE(failed.message.find("the driver failed"), std::string::npos);

  dict["stop_reason"] = std::string("shutdown");
  EXPECT_EQ(OutcomeOf(StatsFromDict(dict)).code, LLMCORE_ERROR_INTERRUPTED);
}

TEST(LibllmcoreStats, CopyOutWritesNothingPastTheCallersSize) {
  Stats stats;
  llmcore_stats_init(&stats.values);
  stats.values.prompt_tokens = 7;
  stats.values.generated_tokens = 9;
  unsigned char buffer[sizeof(llmcore_stats)];
  std::memset(buffer, 0xAB, sizeof(buffer));
  auto* out = reinterpret_cast<llmcore_stats*>(buffer);
  const size_t old_size = offsetof(llmcore_stats, cached_tokens);
  out->struct_size = old_size;
  CopyStatsOut(stats, out);
  EXPECT_EQ(out->struct_size, old_size);
  EXPECT_EQ(out->prompt_tokens, 7u);
  for (size_t i = old_size; i < sizeof(buffer); ++i) EXPECT_EQ(buffer[i], 0xAB) << i;
}

TEST(LibllmcoreApi, EveryFreeAcceptsNull) {
  llmcore_string_free(nullptr);
  llmcore_client_free(nullptr);
  llmcore_model_list_free(nullptr);
  llmcore_model_info_free(nullptr);
  llmcore_session_close(nullptr);
  llmcore_stream_free(nullptr);
}

TEST(LibllmcoreApi, NullHandlesAreInvalidArguments) {
  char* text = reinterpret_cast<char*>(1);
  EXPECT_EQ(llmcore_generate(nullptr, nullptr, "x", nullptr, &text, nullptr),
            LLMCORE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(text, nullptr);
  llmcore_availability availability;
  EXPECT_EQ(llmcore_get_availability(nullptr, nullptr, &availability, nullptr),
            LLMCORE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(llmcore_session_cancel(nullptr), LLMCORE_ERROR_INVALID_ARGUMENT);
  const char* piece = nullptr;
  EXPECT_EQ(llmcore_stream_next(nullptr, 0, &piece, nullptr), LLMCORE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(llmcore_client_get_fd(nullptr), LLMCORE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(llmcore_connect(nullptr, nullptr, nullptr), LLMCORE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(llmcore_model_list_count(nullptr), 0u);
  EXPECT_EQ(llmcore_model_list_get(nullptr, 0), nullptr);
}

TEST(LibllmcoreApi, AnUnreachableBusIsDaemonUnavailableWithAReason) {
  llmcore_connect_params params;
  llmcore_connect_default_params(&params);
  params.address = "unix:path=/nonexistent/llmcore-test/bus";
  llmcore_client* client = reinterpret_cast<llmcore_client*>(1);
  char* why = nullptr;
  EXPECT_EQ(llmcore_connect(&params, &client, &why), LLMCORE_ERROR_DAEMON_UNAVAILABLE);
  EXPECT_EQ(client, nullptr);
  ASSERT_NE(why, nullptr);
  EXPECT_NE(std::strstr(why, "/nonexistent/llmcore-test/bus"), nullptr) << why;
  llmcore_string_free(why);
}

TEST(LibllmcoreApi, ConnectParamsWithoutStructSizeAreRefused) {
  llmcore_connect_params params;
  std::memset(&params, 0, sizeof(params));
  llmcore_client* client = nullptr;
  EXPECT_EQ(llmcore_connect(&params, &client, nullptr), LLMCORE_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(client, nullptr);
}

}  // namespace
}  // namespace llmcore::lib
