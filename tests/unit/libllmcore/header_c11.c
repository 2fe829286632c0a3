/* llmcore.h compiles alone as strict C11 (this file is built with -std=c11
 * -Wall -Wextra -Wpedantic -Werror), and its default functions work from C. */
#include <math.h>

#include "llmcore.h"

size_t libllmcore_c11_default_options_size(void);
int libllmcore_c11_defaults_are_unset(void);

size_t libllmcore_c11_default_options_size(void) {
  llmcore_generate_options options;
  llmcore_generate_default_options(&options);
  return options.struct_size;
}

int libllmcore_c11_defaults_are_unset(void) {
  llmcore_generate_options options;
  llmcore_connect_params connect;
  llmcore_session_params session;
  llmcore_stats stats;
  llmcore_generate_default_options(&options);
  llmcore_connect_default_params(&connect);
  llmcore_session_default_params(&session);
  llmcore_stats_init(&stats);
  return isnan(options.temperature) && options.top_k == LLMCORE_OPTION_UNSET_INT &&
         options.max_tokens == 0 && options.stop == NULL && connect.address == NULL &&
         connect.struct_size == sizeof connect && session.model == NULL &&
         stats.struct_size == sizeof stats &&
         llmcore_generate_options_validate(&options, NULL) == LLMCORE_OK;
}
