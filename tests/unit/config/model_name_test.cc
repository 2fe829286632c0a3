// The model name rule, shared by the configuration and the registry.
#include "llmcore/config/model_name.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace llmcore::config {
namespace {

using ::testing::HasSubstr;

TEST(ValidateModelName, AcceptsNamesOfEveryKindOfSource) {
  for (const char* name :
       {"stories260K", "llama/7b-q8", "a", "hf:Qwen/Qwen2-0.5B-Instruct-GGUF/qwen2-0_5b-q8_0",
        "ollama:llama3.2:1b", "ollama:alice/model:latest", "x+y", "v1.5/model.q4"}) {
    EXPECT_TRUE(ValidateModelName(name).ok()) << name << ": " << ValidateModelName(name).message();
  }
  EXPECT_TRUE(ValidateModelName(std::string(kMaxModelNameBytes, 'a')).ok());
}

TEST(ValidateModelName, RefusesEachBrokenRuleSayingWhich) {
  const struct {
    std::string name;
    const char* why;
  } kCases[] = {
      {"", "it is empty"},
      {std::string(kMaxModelNameBytes + 1, 'a'), "longer than 255 bytes"},
      {"a b", "' ' is not one of"},
      {"a\\b", "is not one of"},
      {"caf\xc3\xa9", "is not one of"},
      {std::string("a\0b", 3), "'\\x00' is not one of"},
      {"/etc/passwd", "starts with '/'"},
      {"llama/", "ends with '/'"},
      {"a//b", "contains \"//\""},
      {"..", "contains \"..\""},
      {"a/../b", "contains \"..\""},
      {"a..b", "contains \"..\""},
      {"./a", "\".\" segment"},
      {"a/./b", "\".\" segment"},
      {"a/.", "\".\" segment"},
  };
  for (const auto& c : kCases) {
    const Status status = ValidateModelName(c.name);
    ASSERT_FALSE(status.ok()) << c.name;
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), HasSubstr("is not a valid model name"));
    EXPECT_THAT(status.message(), HasSubstr(c.why)) << c.name;
  }
}

}  // namespace
}  // namespace llmcore::config
