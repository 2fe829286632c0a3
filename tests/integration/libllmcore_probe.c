/* A client of llmcored written against libllmcore, driven by
 * test_libllmcore.py: each command runs one scenario and prints what it saw.
 * The bus comes from LLMCORE_BUS_ADDRESS (the library reads it).
 *
 *   status [MODEL]            "<availability> <reason>"
 *   list                      model names, one a line
 *   info MODEL                "<name> <architecture> <vocab_size>"
 *   generate PROMPT N [MODEL] the greedy text (llmcore_generate)
 *   callback PROMPT N         the greedy text (session, callback API)
 *   pull PROMPT N             the greedy text (session, llmcore_stream_next)
 *   two PROMPT N              two sessions streaming at once: both texts
 *   cancel PROMPT MODEL       "stream <stop reason> <pieces>" then "callback ..."
 *   restart PROMPT MODEL N    streams, prints STREAMING, waits for the request
 *                             to end, prints "RESULT <code>", reads a line, then
 *                             "AFTER <code> <text>" and "SESSION <code> <text>"
 *   thread-cancel PROMPT MODEL one thread streams (callback API), another
 *                             cancels: "<status> <stop reason>"
 *   drain PROMPT MODEL N      streams N tokens (end of text ignored), prints
 *                             STREAMING after the first piece, then
 *                             "RESULT <status> <stop reason> <pieces>"
 *   bad                       "<what> <code> <message>" per bad argument
 *
 * Failures print "ERROR <code> <message>" on stderr and exit 1. */
#include <llmcore.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static llmcore_client* client;

static void fail(int code, const char* message) {
  fprintf(stderr, "ERROR %d %s\n", code, message);
  exit(1);
}

static llmcore_generate_options greedy(int max_tokens) {
  llmcore_generate_options options;
  llmcore_generate_default_options(&options);
  options.temperature = 0;
  options.max_tokens = (uint32_t)max_tokens;
  return options;
}

static llmcore_session* open_session(const char* model) {
  llmcore_session_params params;
  llmcore_session_default_params(&params);
  params.model = model;
  llmcore_session* session = NULL;
  int status = llmcore_session_open(client, &params, &session);
  if (status != LLMCORE_OK) fail(status, llmcore_client_last_error(client));
  return session;
}

/* Greedy decoding that ignores end-of-generation: long enough to act while
 * it still runs. */
static llmcore_generate_options endless(void) {
  llmcore_generate_options options = greedy(2000);
  options.ignore_eos = 1;
  return options;
}

/* Submits `prompt` with endless() options on `session` (exits on failure). */
static llmcore_stream* submit_endless(llmcore_session* session, const char* prompt) {
  llmcore_generate_options options = endless();
  llmcore_stream* stream = NULL;
  int status = llmcore_session_submit(session, prompt, &options, &stream);
  if (status != LLMCORE_OK) fail(status, llmcore_session_last_error(session));
  return stream;
}

static int append_piece(const char* piece, size_t length, uint32_t token, void* user_data) {
  (void)token;
  (void)length;
  (void)piece;
  (void)user_data;
  return 0;
}

static int cancel_after_three(const char* piece, size_t length, uint32_t token, void* user_data) {
  int* count = user_data;
  (void)piece;
  (void)length;
  (void)token;
  return ++*count >= 3;
}

/* Pulls a stream to its end into a malloc'ed string; *status gets the end. */
static char* pull_all(llmcore_stream* stream, int* status, int* pieces) {
  size_t size = 0;
  char* text = calloc(1, 1);
  for (;;) {
    const char* piece = NULL;
    size_t length = 0;
    *status = llmcore_stream_next(stream, 30000, &piece, &length);
    if (*status != LLMCORE_OK) break;
    text = realloc(text, size + length + 1);
    memcpy(text + size, piece, length + 1);
    size += length;
    if (pieces) ++*pieces;
  }
  return text;
}

static int cmd_status(int argc, char** argv) {
  llmcore_availability availability;
  char* reason = NULL;
  int status = llmcore_get_availability(client, argc > 0 ? argv[0] : NULL, &availability, &reason);
  if (status != LLMCORE_OK) fail(status, llmcore_client_last_error(client));
  printf("%d %s\n", (int)availability, reason);
  llmcore_string_free(reason);
  return 0;
}

static int cmd_list(void) {
  llmcore_model_list* list = NULL;
  int status = llmcore_list_models(client, &list);
  if (status != LLMCORE_OK) fail(status, llmcore_client_last_error(client));
  for (size_t i = 0; i < llmcore_model_list_count(list); ++i) {
    const llmcore_model_entry* entry = llmcore_model_list_get(list, i);
    printf("%s %s %llu %s\n", entry->name, entry->architecture,
           (unsigned long long)entry->size_bytes, entry->state);
  }
  llmcore_model_list_free(list);
  return 0;
}

static int cmd_info(char** argv) {
  llmcore_model_info* info = NULL;
  int status = llmcore_get_model_info(client, argv[0], &info);
  if (status != LLMCORE_OK) fail(status, llmcore_client_last_error(client));
  printf("%s %s %u\n", info->name, info->architecture, info->vocab_size);
  llmcore_model_info_free(info);
  return 0;
}

static int cmd_generate(int argc, char** argv) {
  llmcore_generate_options options = greedy(atoi(argv[1]));
  char* text = NULL;
  llmcore_stats stats;
  llmcore_stats_init(&stats);
  int status =
      llmcore_generate(client, argc > 2 ? argv[2] : NULL, argv[0], &options, &text, &stats);
  if (status != LLMCORE_OK) fail(status, llmcore_client_last_error(client));
  fputs(text, stdout);
  fprintf(stderr, "generated %u stop %d\n", stats.generated_tokens, (int)stats.stop_reason);
  llmcore_string_free(text);
  return 0;
}

static int cmd_callback(char** argv) {
  llmcore_session* session = open_session(NULL);
  llmcore_generate_options options = greedy(atoi(argv[1]));
  char* text = NULL;
  int status =
      llmcore_session_generate(session, argv[0], &options, append_piece, NULL, &text, NULL);
  if (status != LLMCORE_OK) fail(status, llmcore_session_last_error(session));
  fputs(text, stdout);
  llmcore_string_free(text);
  llmcore_session_close(session);
  return 0;
}

static int cmd_pull(char** argv) {
  llmcore_session* session = open_session(NULL);
  llmcore_generate_options options = greedy(atoi(argv[1]));
  llmcore_stream* stream = NULL;
  int status = llmcore_session_submit(session, argv[0], &options, &stream);
  if (status != LLMCORE_OK) fail(status, llmcore_session_last_error(session));
  char* text = pull_all(stream, &status, NULL);
  if (status != LLMCORE_STREAM_FINISHED) fail(status, llmcore_stream_last_error(stream));
  llmcore_stats stats;
  llmcore_stats_init(&stats);
  if (llmcore_stream_stats(stream, &stats) != LLMCORE_OK || stats.generated_tokens == 0) {
    fail(LLMCORE_ERROR_PROTOCOL, "no statistics after the stream finished");
  }
  fputs(text, stdout);
  free(text);
  llmcore_stream_free(stream);
  llmcore_session_close(session);
  return 0;
}

static int cmd_two(char** argv) {
  llmcore_session* sessions[2] = {open_session(NULL), open_session(NULL)};
  llmcore_stream* streams[2] = {NULL, NULL};
  llmcore_generate_options options = greedy(atoi(argv[1]));
  char* texts[2] = {calloc(1, 1), calloc(1, 1)};
  size_t sizes[2] = {0, 0};
  int done[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    int status = llmcore_session_submit(sessions[i], argv[0], &options, &streams[i]);
    if (status != LLMCORE_OK) fail(status, llmcore_session_last_error(sessions[i]));
  }
  while (!done[0] || !done[1]) {
    for (int i = 0; i < 2; ++i) {
      if (done[i]) continue;
      const char* piece = NULL;
      size_t length = 0;
      int status = llmcore_stream_next(streams[i], 10, &piece, &length);
      if (status == LLMCORE_OK) {
        texts[i] = realloc(texts[i], sizes[i] + length + 1);
        memcpy(texts[i] + sizes[i], piece, length + 1);
        sizes[i] += length;
      } else if (status == LLMCORE_STREAM_FINISHED) {
        done[i] = 1;
      } else if (status != LLMCORE_STREAM_AGAIN) {
        fail(status, llmcore_stream_last_error(streams[i]));
      }
    }
  }
  printf("%s\n---\n%s", texts[0], texts[1]);
  for (int i = 0; i < 2; ++i) {
    free(texts[i]);
    llmcore_stream_free(streams[i]);
    llmcore_session_close(sessions[i]);
  }
  return 0;
}

static int cmd_cancel(char** argv) {
  llmcore_session* session = open_session(argv[1]);
  llmcore_stream* stream = submit_endless(session, argv[0]);
  int status = LLMCORE_OK;
  int pieces = 0;
  while (pieces < 3) {
    const char* piece = NULL;
    status = llmcore_stream_next(stream, 30000, &piece, NULL);
    if (status != LLMCORE_OK) fail(status, llmcore_stream_last_error(stream));
    ++pieces;
  }
  status = llmcore_stream_cancel(stream);
  if (status != LLMCORE_OK) fail(status, llmcore_stream_last_error(stream));
  char* rest = pull_all(stream, &status, &pieces);
  free(rest);
  if (status != LLMCORE_STREAM_FINISHED) fail(status, llmcore_stream_last_error(stream));
  llmcore_stats stats;
  llmcore_stats_init(&stats);
  llmcore_stream_stats(stream, &stats);
  printf("stream %d %d\n", (int)stats.stop_reason, pieces);
  llmcore_stream_free(stream);

  int count = 0;
  llmcore_generate_options options = endless();
  llmcore_stats_init(&stats);
  status = llmcore_session_generate(session, argv[0], &options, cancel_after_three, &count, NULL,
                                    &stats);
  if (status != LLMCORE_OK) fail(status, llmcore_session_last_error(session));
  printf("callback %d %d\n", (int)stats.stop_reason, count);
  llmcore_session_close(session);
  return 0;
}

typedef struct {
  llmcore_session* session;
  const char* prompt;
  atomic_int pieces;
  int status;
  llmcore_stats stats;
} threaded;

static int count_piece(const char* piece, size_t length, uint32_t token, void* user_data) {
  threaded* t = user_data;
  (void)piece;
  (void)length;
  (void)token;
  atomic_fetch_add(&t->pieces, 1);
  return 0;
}

static void* generate_thread(void* data) {
  threaded* t = data;
  llmcore_generate_options options = endless();
  llmcore_stats_init(&t->stats);
  t->status =
      llmcore_session_generate(t->session, t->prompt, &options, count_piece, t, NULL, &t->stats);
  return NULL;
}

static int cmd_thread_cancel(char** argv) {
  threaded t;
  t.session = open_session(argv[1]);
  t.prompt = argv[0];
  atomic_init(&t.pieces, 0);
  t.status = 1;
  pthread_t thread;
  if (pthread_create(&thread, NULL, generate_thread, &t) != 0) fail(1, "pthread_create");
  while (atomic_load(&t.pieces) < 3) {
    struct timespec pause = {0, 1000000};
    nanosleep(&pause, NULL);
  }
  int status = llmcore_session_cancel(t.session);
  if (status != LLMCORE_OK) fail(status, llmcore_session_last_error(t.session));
  pthread_join(thread, NULL);
  printf("%d %d\n", t.status, (int)t.stats.stop_reason);
  llmcore_session_close(t.session);
  return 0;
}

static int cmd_restart(char** argv) {
  llmcore_session* session = open_session(argv[1]);
  llmcore_stream* stream = submit_endless(session, argv[0]);
  const char* piece = NULL;
  int status = llmcore_stream_next(stream, 30000, &piece, NULL);
  if (status != LLMCORE_OK) fail(status, llmcore_stream_last_error(stream));
  printf("STREAMING\n");
  fflush(stdout);
  do {
    status = llmcore_stream_next(stream, 60000, &piece, NULL);
  } while (status == LLMCORE_OK);
  printf("RESULT %d %s\n", status, llmcore_stream_last_error(stream));
  fflush(stdout);
  llmcore_stream_free(stream);

  char line[64];
  if (!fgets(line, sizeof line, stdin)) fail(LLMCORE_ERROR_FAILED, "no go-ahead on stdin");
  llmcore_generate_options small = greedy(atoi(argv[2]));
  char* text = NULL;
  status = llmcore_generate(client, NULL, argv[0], &small, &text, NULL);
  printf("AFTER %d %s\n", status, text ? text : llmcore_client_last_error(client));
  llmcore_string_free(text);
  text = NULL;
  status = llmcore_session_generate(session, argv[0], &small, NULL, NULL, &text, NULL);
  printf("SESSION %d %s\n", status, text ? text : llmcore_session_last_error(session));
  llmcore_string_free(text);
  llmcore_session_close(session);
  return 0;
}

static int cmd_drain(char** argv) {
  llmcore_session* session = open_session(argv[1]);
  llmcore_generate_options options = greedy(atoi(argv[2]));
  options.ignore_eos = 1;
  llmcore_stream* stream = NULL;
  int status = llmcore_session_submit(session, argv[0], &options, &stream);
  if (status != LLMCORE_OK) fail(status, llmcore_session_last_error(session));
  const char* piece = NULL;
  status = llmcore_stream_next(stream, 30000, &piece, NULL);
  if (status != LLMCORE_OK) fail(status, llmcore_stream_last_error(stream));
  int pieces = 1;
  printf("STREAMING\n");
  fflush(stdout);
  while ((status = llmcore_stream_next(stream, 60000, &piece, NULL)) == LLMCORE_OK) ++pieces;
  llmcore_stats stats;
  llmcore_stats_init(&stats);
  llmcore_stream_stats(stream, &stats);
  printf("RESULT %d %d %d\n", status, (int)stats.stop_reason, pieces);
  llmcore_stream_free(stream);
  llmcore_session_close(session);
  return 0;
}

static int cmd_bad(void) {
  llmcore_generate_options options = greedy(4);
  char* text = NULL;
  int status = llmcore_generate(client, "no-such-model", "hi", &options, &text, NULL);
  printf("unknown-model %d %s\n", status, llmcore_client_last_error(client));
  options.temperature = -1;
  status = llmcore_generate(client, NULL, "hi", &options, &text, NULL);
  printf("negative-temperature %d %s\n", status, llmcore_client_last_error(client));
  llmcore_session* session = NULL;
  llmcore_session_params params;
  llmcore_session_default_params(&params);
  params.model = "no-such-model";
  status = llmcore_session_open(client, &params, &session);
  printf("unknown-session-model %d %s\n", status, llmcore_client_last_error(client));
  session = open_session(NULL);
  llmcore_stream* stream = NULL;
  status = llmcore_session_submit(session, "hi", &options, &stream);
  printf("negative-temperature-stream %d %s\n", status, llmcore_session_last_error(session));
  llmcore_message messages[1] = {{NULL, "hello"}};
  status = llmcore_session_generate_chat(session, messages, 1, NULL, NULL, NULL, &text, NULL);
  printf("null-role %d %s\n", status, llmcore_session_last_error(session));
  llmcore_session_close(session);
  /* every *_free accepts NULL */
  llmcore_string_free(NULL);
  llmcore_model_list_free(NULL);
  llmcore_model_info_free(NULL);
  llmcore_stream_free(NULL);
  llmcore_session_close(NULL);
  llmcore_client_free(NULL);
  printf("free-null ok\n");
  return 0;
}

int main(int argc, char** argv) {
  if (argc < 2) fail(LLMCORE_ERROR_INVALID_ARGUMENT, "usage: libllmcore-probe COMMAND [ARGS]");
  char* why = NULL;
  int status = llmcore_connect(NULL, &client, &why);
  if (status != LLMCORE_OK) fail(status, why);
  const char* cmd = argv[1];
  char** args = argv + 2;
  int count = argc - 2;
  int result = 1;
  if (strcmp(cmd, "status") == 0)
    result = cmd_status(count, args);
  else if (strcmp(cmd, "list") == 0)
    result = cmd_list();
  else if (strcmp(cmd, "info") == 0 && count == 1)
    result = cmd_info(args);
  else if (strcmp(cmd, "generate") == 0 && count >= 2)
    result = cmd_generate(count, args);
  else if (strcmp(cmd, "callback") == 0 && count == 2)
    result = cmd_callback(args);
  else if (strcmp(cmd, "pull") == 0 && count == 2)
    result = cmd_pull(args);
  else if (strcmp(cmd, "two") == 0 && count == 2)
    result = cmd_two(args);
  else if (strcmp(cmd, "cancel") == 0 && count == 2)
    result = cmd_cancel(args);
  else if (strcmp(cmd, "restart") == 0 && count == 3)
    result = cmd_restart(args);
  else if (strcmp(cmd, "thread-cancel") == 0 && count == 2)
    result = cmd_thread_cancel(args);
  else if (strcmp(cmd, "drain") == 0 && count == 3)
    result = cmd_drain(args);
  else if (strcmp(cmd, "bad") == 0)
    result = cmd_bad();
  else
    fail(LLMCORE_ERROR_INVALID_ARGUMENT, "unknown command or wrong arguments");
  llmcore_client_free(client);
  return result;
}
