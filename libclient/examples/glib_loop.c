/* Streams a completion inside a GLib main loop: libllmcore's connection is
 * one more file descriptor the loop watches, so the UI thread never blocks.
 *
 *   cc glib_loop.c $(pkg-config --cflags --libs llmcore glib-2.0) -o glib_loop
 *   ./glib_loop "Once upon a time"
 */
#include <glib-unix.h>
#include <glib.h>
#include <llmcore.h>
#include <stdio.h>

typedef struct {
  GMainLoop* loop;
  llmcore_client* client;
  llmcore_stream* stream;
  int fd;
  int status;
} app;

/* Prints what arrived; FALSE once the request ended. */
static gboolean drain(app* a) {
  for (;;) {
    const char* piece = NULL;
    size_t length = 0;
    int status = llmcore_stream_next(a->stream, 0, &piece, &length);
    if (status == LLMCORE_OK) {
      fwrite(piece, 1, length, stdout);
      fflush(stdout);
      continue;
    }
    if (status == LLMCORE_STREAM_AGAIN) return TRUE;
    if (status != LLMCORE_STREAM_FINISHED) {
      fprintf(stderr, "\nglib_loop: %s\n", llmcore_stream_last_error(a->stream));
    }
    a->status = status == LLMCORE_STREAM_FINISHED ? 0 : 1;
    g_main_loop_quit(a->loop);
    return FALSE;
  }
}

static gboolean on_bus_ready(gint fd, GIOCondition condition, gpointer data);

static void watch_bus(app* a) {
  a->fd = llmcore_client_get_fd(a->client);
  if (a->fd >= 0) g_unix_fd_add(a->fd, G_IO_IN | G_IO_ERR | G_IO_HUP, on_bus_ready, a);
}

static gboolean on_bus_ready(gint fd, GIOCondition condition, gpointer data) {
  app* a = data;
  (void)condition;
  llmcore_client_process(a->client);
  if (!drain(a)) return G_SOURCE_REMOVE;
  if (llmcore_client_get_fd(a->client) != fd) {
    watch_bus(a); /* the library reconnected: a new descriptor */
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Pieces may have arrived with the Submit reply, before the loop watches. */
static gboolean first_look(gpointer data) {
  app* a = data;
  if (drain(a)) watch_bus(a);
  return G_SOURCE_REMOVE;
}

int main(int argc, char** argv) {
  app a = {0};
  llmcore_session* session = NULL;
  char* why = NULL;
  int status = llmcore_connect(NULL, &a.client, &why);
  if (status != LLMCORE_OK) {
    fprintf(stderr, "glib_loop: %s: %s\n", llmcore_error_message(status), why ? why : "");
    llmcore_string_free(why);
    return 1;
  }
  status = llmcore_session_open(a.client, NULL, &session);
  if (status == LLMCORE_OK) {
    llmcore_generate_options options;
    llmcore_generate_default_options(&options);
    options.temperature = 0;
    options.max_tokens = 40;
    status = llmcore_session_submit(session, argc > 1 ? argv[1] : "Once upon a time", &options,
                                    &a.stream);
  }
  if (status != LLMCORE_OK) {
    fprintf(stderr, "glib_loop: %s\n",
            session ? llmcore_session_last_error(session) : llmcore_client_last_error(a.client));
    llmcore_session_close(session);
    llmcore_client_free(a.client);
    return 1;
  }
  a.loop = g_main_loop_new(NULL, FALSE);
  a.status = 1;
  g_idle_add(first_look, &a);
  g_main_loop_run(a.loop);
  printf("\n");
  g_main_loop_unref(a.loop);
  llmcore_stream_free(a.stream);
  llmcore_session_close(session);
  llmcore_client_free(a.client);
  return a.status;
}
