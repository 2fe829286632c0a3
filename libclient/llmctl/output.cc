#include <cstdio>
#include <string>

#include "commands.h"

namespace llmcore::llmctl {

void PrintText(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void PrintJson(const Json& value) {
  PrintText(value.dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

}  // namespace llmcore::llmctl
