// llmcore.h: version, status texts, strings, default params and options.
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "handles.h"
#include "options.h"

namespace llmcore::lib {

char* DupString(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) return nullptr;
  std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

}  // namespace llmcore::lib

extern "C" {

LLMCORE_API const char* llmcore_version(void) {
  return LLMCORE_VERSION_STRING;
}

LLMCORE_API const char* llmcore_error_message(int status) {
  return llmcore::lib::CodeName(status);
}

LLMCORE_API void llmcore_string_free(char* text) {
  std::free(text);
}

LLMCORE_API void llmcore_connect_default_params(llmcore_connect_params* params) {
  if (params == nullptr) return;
  std::memset(static_cast<void*>(params), 0, sizeof(*params));
  params->struct_size = sizeof(*params);
}

LLMCORE_API void llmcore_session_default_params(llmcore_session_params* params) {
  if (params == nullptr) return;
  std::memset(static_cast<void*>(params), 0, sizeof(*params));
  params->struct_size = sizeof(*params);
}

LLMCORE_API void llmcore_generate_default_options(llmcore_generate_options* options) {
  if (options == nullptr) return;
  std::memset(static_cast<void*>(options), 0, sizeof(*options));
  options->struct_size = sizeof(*options);
  options->temperature = NAN;
  options->top_k = LLMCORE_OPTION_UNSET_INT;
  options->top_p = NAN;
  options->min_p = NAN;
  options->repeat_penalty = NAN;
  options->repeat_last_n = LLMCORE_OPTION_UNSET_INT;
  options->frequency_penalty = NAN;
  options->presence_penalty = NAN;
}

LLMCORE_API int llmcore_generate_options_validate(const llmcore_generate_options* options,
                                                  const char** message) {
  llmcore_generate_options copy;
  const llmcore::lib::Error error = llmcore::lib::CopyGenerateOptions(options, &copy);
  const char* why = error.ok() ? llmcore::lib::ValidateGenerateOptions(copy)
                               : "struct_size is not set (use llmcore_generate_default_options)";
  if (message != nullptr) *message = why;
  return why == nullptr ? LLMCORE_OK : LLMCORE_ERROR_INVALID_ARGUMENT;
}

LLMCORE_API void llmcore_stats_init(llmcore_stats* stats) {
  if (stats == nullptr) return;
  std::memset(static_cast<void*>(stats), 0, sizeof(*stats));
  stats->struct_size = sizeof(*stats);
}

}  // extern "C"
