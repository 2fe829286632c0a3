/* Streams a completion from llmcored with libllmcore's callback API.
 *
 *   cc stream.c $(pkg-config --cflags --libs llmcore) -o stream
 *   ./stream "Once upon a time" [MODEL]
 *
 * The system bus is used unless LLMCORE_BUS_ADDRESS names another one. */
#include <llmcore.h>
#include <stdio.h>

static int print_piece(const char* piece, size_t length, uint32_t token, void* user_data) {
  (void)token;
  (void)user_data;
  fwrite(piece, 1, length, stdout);
  fflush(stdout);
  return 0; /* go on; nonzero would cancel */
}

int main(int argc, char** argv) {
  const char* prompt = argc > 1 ? argv[1] : "Once upon a time";
  llmcore_client* client = NULL;
  llmcore_session* session = NULL;
  char* why = NULL;
  int status = llmcore_connect(NULL, &client, &why);
  if (status != LLMCORE_OK) {
    fprintf(stderr, "stream: %s: %s\n", llmcore_error_message(status), why ? why : "");
    llmcore_string_free(why);
    return 1;
  }

  llmcore_session_params params;
  llmcore_session_default_params(&params);
  params.model = argc > 2 ? argv[2] : NULL; /* NULL: the default model */
  status = llmcore_session_open(client, &params, &session);
  if (status != LLMCORE_OK) {
    fprintf(stderr, "stream: %s\n", llmcore_client_last_error(client));
    llmcore_client_free(client);
    return 1;
  }

  llmcore_generate_options options;
  llmcore_generate_default_options(&options);
  options.temperature = 0; /* greedy */
  options.max_tokens = 40;
  llmcore_stats stats;
  llmcore_stats_init(&stats);
  status = llmcore_session_generate(session, prompt, &options, print_piece, NULL, NULL, &stats);
  printf("\n");
  if (status != LLMCORE_OK) {
    fprintf(stderr, "stream: %s\n", llmcore_session_last_error(session));
  } else {
    fprintf(stderr, "stream: %u tokens, %.1f tokens/s\n", stats.generated_tokens,
            stats.tokens_per_second);
  }
  llmcore_session_close(session);
  llmcore_client_free(client);
  return status == LLMCORE_OK ? 0 : 1;
}
