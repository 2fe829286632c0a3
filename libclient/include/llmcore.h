/* libllmcore: the C client library of llmcored, the system LLM service.
 *
 * Link with `pkg-config --cflags --libs llmcore`. The library talks to the
 * daemon's D-Bus API (org.llmcore.Core1, see org.llmcore.Core1.xml); tokens
 * stream as the daemon's unicast Token signals in this version, through a
 * shared-memory ring in a later one, with no change to this API.
 *
 * ABI rule
 * --------
 * The library's SONAME is libllmcore.so.<LLMCORE_VERSION_MAJOR>. Within a
 * major version nothing is removed or changed: functions, enum values and
 * struct fields are only appended. Every params/options struct starts with
 * `struct_size`; fill one in with its *_default_params() / *_default_options()
 * function, which sets struct_size to the size this header knows, then change
 * the fields you need. The library reads only the fields that struct_size
 * covers and treats the others as their defaults, so a program built against
 * an older header keeps working with a newer library. Structs the library
 * fills in for you (llmcore_stats) also carry struct_size, set by the caller
 * to the size it allocated; the library writes no byte past it.
 *
 * Errors
 * ------
 * Functions return an llmcore_status: LLMCORE_OK (0) or a positive outcome
 * documented with the function on success, a negative LLMCORE_ERROR_* on
 * failure. The daemon's named errors (org.llmcore.Error.*) map one to one to
 * codes; llmcore_error_message() names a code. The text of the last failure
 * on a handle (which names the problem, e.g. the unknown option or model) is
 * returned by llmcore_client_last_error(), llmcore_session_last_error() and
 * llmcore_stream_last_error(); it is "" after a success.
 *
 * Daemon restarts
 * ---------------
 * The library follows the daemon's bus name and its connection. A daemon
 * that is stopping (systemctl stop) first releases the name and drains:
 * requests in flight go on to their end (or to stop reason "shutdown" when
 * the drain times out). When the daemon's connection leaves the bus (it
 * exited, crashed or restarted) or the bus connection breaks, every
 * request in flight ends with LLMCORE_ERROR_INTERRUPTED and the message
 * "interrupted: the service restarted"; the text received so far stays
 * available. A request the daemon itself ends with stop reason "shutdown"
 * (it is stopping, or unloaded the model) ends with the same code. The next
 * call reconnects by itself: no need to free the client. (Requests are not
 * resubmitted behind the app's back: a sampled request would not give the
 * same text, and the app may prefer to say so.)
 * A session opened before the restart is re-opened on its next request with
 * the same parameters; the conversation the daemon held is lost (send the
 * history again when it matters). A call made while no daemon owns the name
 * fails with LLMCORE_ERROR_DAEMON_UNAVAILABLE (on a system bus with D-Bus
 * activation the bus starts the daemon instead).
 *
 * Ownership and lifetime
 * ----------------------
 *  - Input pointers (strings, arrays, params) are read during the call only.
 *  - Strings returned through `char**` are allocated by the library; free them
 *    with llmcore_string_free().
 *  - Objects returned through `T**` are freed with the matching *_free() (or
 *    llmcore_session_close()); every one of these accepts NULL.
 *  - `const char*` returned by a function (messages, list entries, pieces)
 *    belong to the handle they came from and stay valid until the next call
 *    on that handle, or until it is freed, whichever is first.
 *  - Sessions must be closed before their client is freed, and streams freed
 *    before their session is closed.
 *
 * Threading
 * ---------
 * Every handle is thread-safe: a client's state (its sd-bus connection, which
 * is not thread-safe itself, and that of its sessions and streams) is guarded
 * by one mutex per client, released while a call waits for the daemon. So a
 * thread may llmcore_session_cancel() a request another thread is waiting
 * on. Callbacks run on the thread that called the function taking them, with
 * the mutex released; they may call llmcore_session_cancel() or
 * llmcore_stream_cancel() but not free the handle they are called for. When
 * threads share a handle, the last-error text is that of the latest failing
 * call on it by any thread.
 */
#ifndef LLMCORE_H_
#define LLMCORE_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LLMCORE_VERSION_MAJOR 0
#define LLMCORE_VERSION_MINOR 1
#define LLMCORE_VERSION_PATCH 0
#define LLMCORE_VERSION_STRING "0.1.0"

#if defined(__GNUC__)
#define LLMCORE_API __attribute__((visibility("default")))
#else
#define LLMCORE_API
#endif

/* "MAJOR.MINOR.PATCH" of the library loaded at run time (a static string). */
LLMCORE_API const char* llmcore_version(void);

typedef enum llmcore_status {
  LLMCORE_OK = 0,
  /* llmcore_stream_next: the request finished; see llmcore_stream_stats(). */
  LLMCORE_STREAM_FINISHED = 1,
  /* llmcore_stream_next: nothing arrived within the timeout. */
  LLMCORE_STREAM_AGAIN = 2,

  /* org.llmcore.Error.* of the daemon, and the same checks made locally. */
  LLMCORE_ERROR_INVALID_ARGUMENT = -1,
  LLMCORE_ERROR_MODEL_NOT_FOUND = -2,
  LLMCORE_ERROR_MODEL_NOT_LOADED = -3,
  LLMCORE_ERROR_NO_SUCH_SESSION = -4,
  LLMCORE_ERROR_BUSY = -5,
  LLMCORE_ERROR_ACCESS_DENIED = -6,
  LLMCORE_ERROR_LOAD_FAILED = -7,
  LLMCORE_ERROR_UNSUPPORTED = -8,
  LLMCORE_ERROR_SHUTTING_DOWN = -9,
  LLMCORE_ERROR_FAILED = -10,
  /* The daemon went away while the request ran (see "Daemon restarts"). */
  LLMCORE_ERROR_INTERRUPTED = -11,
  /* No bus, or nobody owns org.llmcore.Core1. */
  LLMCORE_ERROR_DAEMON_UNAVAILABLE = -12,
  /* The daemon did not answer within the call timeout. */
  LLMCORE_ERROR_TIMEOUT = -13,
  LLMCORE_ERROR_NO_MEMORY = -14,
  /* The daemon answered something this library does not understand. */
  LLMCORE_ERROR_PROTOCOL = -15
} llmcore_status;

/* A static English name for a status ("invalid argument", ...); never NULL. */
LLMCORE_API const char* llmcore_error_message(int status);

/* Frees a string the library returned. NULL is accepted. */
LLMCORE_API void llmcore_string_free(char* text);

/* ---- Connection ---------------------------------------------------------- */

typedef struct llmcore_client llmcore_client;

typedef struct llmcore_connect_params {
  size_t struct_size;
  /* D-Bus address of the bus ("unix:path=/run/x/bus"). NULL (default): the
   * environment variable LLMCORE_BUS_ADDRESS when set and not empty, else
   * the system bus. Copied by llmcore_connect. */
  const char* address;
  /* Timeout of a method call in milliseconds; 0 (default): 60 s. */
  uint32_t call_timeout_ms;
} llmcore_connect_params;

LLMCORE_API void llmcore_connect_default_params(llmcore_connect_params* params);

/* Connects to the bus. `params` NULL means the defaults. It succeeds while
 * the daemon is absent (ask llmcore_get_availability); it fails with
 * LLMCORE_ERROR_DAEMON_UNAVAILABLE when the bus cannot be reached. On
 * failure *out is NULL and, when `error_text` is not NULL, it receives the
 * reason (free with llmcore_string_free). */
LLMCORE_API int llmcore_connect(const llmcore_connect_params* params, llmcore_client** out,
                                char** error_text);

/* Closes the connection. NULL is accepted. */
LLMCORE_API void llmcore_client_free(llmcore_client* client);

/* The text of the last failure of a call on `client` ("" after a success). */
LLMCORE_API const char* llmcore_client_last_error(llmcore_client* client);

/* For an application's own event loop (GLib, Qt, sd-event): the file
 * descriptor to watch and the poll() events to watch it for (POLLIN). It is
 * one descriptor for everything the client waits for (the bus connection and
 * every session's shared-memory ring) and stays the same for the client's
 * whole life, reconnections included. Watch it, and call
 * llmcore_client_process() when it is ready; then llmcore_stream_next() with
 * a timeout of 0 returns what arrived. The library owns it: do not close it.
 * Negative status when the daemon cannot be reached. */
LLMCORE_API int llmcore_client_get_fd(llmcore_client* client);
LLMCORE_API int llmcore_client_get_events(llmcore_client* client);

/* Reads and dispatches everything pending on the connection without blocking.
 * LLMCORE_OK, or the error of a broken connection (streams in flight then
 * end with LLMCORE_ERROR_INTERRUPTED). */
LLMCORE_API int llmcore_client_process(llmcore_client* client);

/* ---- Availability and models --------------------------------------------- */

typedef enum llmcore_availability {
  LLMCORE_AVAILABILITY_READY = 0,
  LLMCORE_AVAILABILITY_DAEMON_ABSENT = 1,
  LLMCORE_AVAILABILITY_NO_MODEL = 2,
  LLMCORE_AVAILABILITY_MODEL_LOADING = 3,
  LLMCORE_AVAILABILITY_OVERLOADED = 4,
  LLMCORE_AVAILABILITY_SHUTTING_DOWN = 5
} llmcore_availability;

/* Whether generation with `model` (NULL or "": the default model) can be
 * served now, and why not: *reason receives a sentence for people (free with
 * llmcore_string_free; `reason` may be NULL). An absent daemon is an answer
 * (LLMCORE_AVAILABILITY_DAEMON_ABSENT, LLMCORE_OK), not an error. */
LLMCORE_API int llmcore_get_availability(llmcore_client* client, const char* model,
                                         llmcore_availability* availability, char** reason);

typedef struct llmcore_model_entry {
  const char* name;
  const char* architecture;
  const char* quantization;
  uint64_t size_bytes;
  const char* state; /* "available", "loading" or "loaded" */
} llmcore_model_entry;

typedef struct llmcore_model_list llmcore_model_list;

/* The models in the daemon's model directories. */
LLMCORE_API int llmcore_list_models(llmcore_client* client, llmcore_model_list** out);
LLMCORE_API size_t llmcore_model_list_count(const llmcore_model_list* list);
/* Entry `index` (NULL when out of range), valid until the list is freed. */
LLMCORE_API const llmcore_model_entry* llmcore_model_list_get(const llmcore_model_list* list,
                                                              size_t index);
LLMCORE_API void llmcore_model_list_free(llmcore_model_list* list);

/* What the daemon says about one model (GetModelInfo). Strings are "" when
 * unknown, valid until llmcore_model_info_free. */
typedef struct llmcore_model_info {
  size_t struct_size; /* set by the library */
  const char* name;
  const char* path;
  const char* architecture;
  const char* quantization;
  const char* chat_template;
  const char* state;
  const char* driver;
  const char* device;
  uint64_t parameters;
  uint64_t size_bytes;
  uint32_t context_length;
  uint32_t serving_context_length;
  uint32_t embedding_length;
  uint32_t layers;
  uint32_t vocab_size;
  int pinned;
} llmcore_model_info;

LLMCORE_API int llmcore_get_model_info(llmcore_client* client, const char* model,
                                       llmcore_model_info** out);
LLMCORE_API void llmcore_model_info_free(llmcore_model_info* info);

/* ---- Requests ------------------------------------------------------------- */

/* Left at these values, a field is not sent and the daemon's default applies. */
#define LLMCORE_OPTION_UNSET_INT INT32_MIN
/* For double fields: NaN (llmcore_generate_default_options sets it). */

typedef struct llmcore_generate_options {
  size_t struct_size;
  uint32_t max_tokens;      /* 0: the daemon's default */
  double temperature;       /* 0 greedy, > 0 sampled */
  int32_t top_k;            /* >= 0, 0 off */
  double top_p;             /* (0, 1] */
  double min_p;             /* [0, 1] */
  double repeat_penalty;    /* > 0, 1 off */
  int32_t repeat_last_n;    /* >= -1, -1 everything */
  double frequency_penalty; /* [-2, 2] */
  double presence_penalty;  /* [-2, 2] */
  int has_seed;             /* nonzero: send `seed` */
  uint64_t seed;
  const char* const* stop; /* stop strings, `stop_count` of them */
  size_t stop_count;
  int ignore_eos; /* nonzero: keep generating past end-of-generation tokens */
} llmcore_generate_options;

/* Everything unset (daemon defaults): integers LLMCORE_OPTION_UNSET_INT or
 * 0 as documented, doubles NaN, no seed, no stop strings. */
LLMCORE_API void llmcore_generate_default_options(llmcore_generate_options* options);

/* Checks options without a daemon: LLMCORE_OK or
 * LLMCORE_ERROR_INVALID_ARGUMENT. `message` (may be NULL) receives the
 * reason, a static string. NULL options are valid (the defaults). */
LLMCORE_API int llmcore_generate_options_validate(const llmcore_generate_options* options,
                                                  const char** message);

typedef enum llmcore_stop_reason {
  LLMCORE_STOP_UNKNOWN = 0,
  LLMCORE_STOP_EOS = 1,       /* end-of-generation token */
  LLMCORE_STOP_LENGTH = 2,    /* max_tokens */
  LLMCORE_STOP_STRING = 3,    /* a stop string */
  LLMCORE_STOP_CONTEXT = 4,   /* the session's context is full */
  LLMCORE_STOP_CANCELLED = 5, /* cancelled */
  LLMCORE_STOP_ERROR = 6,     /* the daemon failed (the call returns an error) */
  LLMCORE_STOP_SHUTDOWN = 7   /* the daemon is stopping or unloaded the model */
} llmcore_stop_reason;

/* Statistics of one request. Set struct_size (llmcore_stats_init) first. */
typedef struct llmcore_stats {
  size_t struct_size;
  uint32_t prompt_tokens;
  uint32_t cached_tokens; /* prompt tokens whose KV state was reused */
  uint32_t generated_tokens;
  double queue_ms;
  double prefill_ms;
  double decode_ms;
  double tokens_per_second;
  llmcore_stop_reason stop_reason;
} llmcore_stats;

LLMCORE_API void llmcore_stats_init(llmcore_stats* stats);

typedef struct llmcore_message {
  const char* role; /* "system", "user" or "assistant" */
  const char* content;
} llmcore_message;

/* One-shot completion of `prompt` with `model` (NULL or "": the default
 * model), blocking until it ends. *text receives the text (free with
 * llmcore_string_free; NULL on failure); `stats` may be NULL; `options`
 * NULL: defaults. */
LLMCORE_API int llmcore_generate(llmcore_client* client, const char* model, const char* prompt,
                                 const llmcore_generate_options* options, char** text,
                                 llmcore_stats* stats);

/* The same for chat messages, rendered by the model's chat template. */
LLMCORE_API int llmcore_generate_chat(llmcore_client* client, const char* model,
                                      const llmcore_message* messages, size_t message_count,
                                      const llmcore_generate_options* options, char** text,
                                      llmcore_stats* stats);

/* ---- Sessions and streaming ---------------------------------------------- */

typedef struct llmcore_session llmcore_session;
typedef struct llmcore_stream llmcore_stream;

typedef struct llmcore_session_params {
  size_t struct_size;
  const char* model;       /* NULL or "": the default model */
  uint32_t context_length; /* positions; 0: the daemon's default */
} llmcore_session_params;

LLMCORE_API void llmcore_session_default_params(llmcore_session_params* params);

/* Opens a session: its KV state persists between requests, so a chat goes
 * on without processing its history again. `params` NULL: defaults. */
LLMCORE_API int llmcore_session_open(llmcore_client* client, const llmcore_session_params* params,
                                     llmcore_session** out);

/* Closes the session in the daemon (a running request ends cancelled) and
 * frees the handle. NULL is accepted. */
LLMCORE_API void llmcore_session_close(llmcore_session* session);

LLMCORE_API const char* llmcore_session_last_error(llmcore_session* session);

/* Called with each piece of text as it arrives: `piece` is `length` bytes of
 * UTF-8 (never a split code point), NUL-terminated, valid during the call.
 * Return 0 to go on, nonzero to cancel the request. */
typedef int (*llmcore_piece_callback)(const char* piece, size_t length, uint32_t token,
                                      void* user_data);

/* Generates in the session, calling `on_piece` for each piece until the
 * request ends. `text` (may be NULL) receives the whole text, `stats` (may be
 * NULL) the statistics. A cancelled request returns LLMCORE_OK with stop
 * reason LLMCORE_STOP_CANCELLED. One request at a time per session
 * (LLMCORE_ERROR_BUSY otherwise). When the request fails after it started
 * (LLMCORE_ERROR_INTERRUPTED, LLMCORE_ERROR_FAILED), *text still receives the
 * text generated so far. */
LLMCORE_API int llmcore_session_generate(llmcore_session* session, const char* prompt,
                                         const llmcore_generate_options* options,
                                         llmcore_piece_callback on_piece, void* user_data,
                                         char** text, llmcore_stats* stats);
LLMCORE_API int llmcore_session_generate_chat(llmcore_session* session,
                                              const llmcore_message* messages, size_t message_count,
                                              const llmcore_generate_options* options,
                                              llmcore_piece_callback on_piece, void* user_data,
                                              char** text, llmcore_stats* stats);

/* Cancels the running request of the session between two tokens; LLMCORE_OK
 * when none runs. Callable from any thread. */
LLMCORE_API int llmcore_session_cancel(llmcore_session* session);

/* Pull-style streaming: starts a request and returns at once. */
LLMCORE_API int llmcore_session_submit(llmcore_session* session, const char* prompt,
                                       const llmcore_generate_options* options,
                                       llmcore_stream** out);
LLMCORE_API int llmcore_session_submit_chat(llmcore_session* session,
                                            const llmcore_message* messages, size_t message_count,
                                            const llmcore_generate_options* options,
                                            llmcore_stream** out);

/* The next piece of the stream, waiting at most `timeout_ms` (0: do not
 * wait, negative: no limit). Returns LLMCORE_OK with *piece (NUL-terminated,
 * valid until the next call on the stream) and *length (may be NULL),
 * LLMCORE_STREAM_FINISHED when the request ended (every later call returns it
 * again), LLMCORE_STREAM_AGAIN when the timeout passed, or an error
 * (LLMCORE_ERROR_INTERRUPTED when the daemon went away). */
LLMCORE_API int llmcore_stream_next(llmcore_stream* stream, int timeout_ms, const char** piece,
                                    size_t* length);

/* The statistics once llmcore_stream_next returned LLMCORE_STREAM_FINISHED;
 * LLMCORE_ERROR_INVALID_ARGUMENT before. */
LLMCORE_API int llmcore_stream_stats(llmcore_stream* stream, llmcore_stats* stats);

/* Cancels the request (pieces already sent still arrive, then FINISHED with
 * LLMCORE_STOP_CANCELLED). */
LLMCORE_API int llmcore_stream_cancel(llmcore_stream* stream);

LLMCORE_API const char* llmcore_stream_last_error(llmcore_stream* stream);

/* Frees the stream, cancelling its request if it still runs. NULL is accepted. */
LLMCORE_API void llmcore_stream_free(llmcore_stream* stream);

#ifdef __cplusplus
}
#endif

#endif /* LLMCORE_H_ */
