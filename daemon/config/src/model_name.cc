#include "llmcore/config/model_name.h"

#include <string>

#include "quote.h"

namespace llmcore::config {
namespace {

bool IsNameByte(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '+' || c == '-';
}

Status Invalid(std::string_view name, std::string_view why) {
  return Status(StatusCode::kInvalidArgument,
                internal::Quote(name) + " is not a valid model name: " + std::string(why));
}

}  // namespace

Status ValidateModelName(std::string_view name) {
  if (name.empty()) return Invalid(name, "it is empty");
  if (name.size() > kMaxModelNameBytes) {
    return Invalid(name, "it is longer than " + std::to_string(kMaxModelNameBytes) + " bytes");
  }
  for (const char c : name) {
    if (!IsNameByte(c)) {
      return Invalid(name, internal::Quote(std::string_view(&c, 1)) +
                               " is not one of A-Z a-z 0-9 . _ : / + -");
    }
  }
  if (name.front() == '/') return Invalid(name, "it starts with '/'");
  if (name.back() == '/') return Invalid(name, "it ends with '/'");
  if (name.find("//") != std::string_view::npos) return Invalid(name, "it contains \"//\"");
  if (name.find("..") != std::string_view::npos) return Invalid(name, "it contains \"..\"");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    if (name.substr(start, end - start) == ".") return Invalid(name, "it has a \".\" segment");
    start = end + 1;
  }
  return Status::Ok();
}

}  // namespace llmcore::config
