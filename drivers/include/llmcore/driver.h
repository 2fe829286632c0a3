/* llmcore driver ABI: the interface between llmcored and a compute driver.
 *
 * A driver is a shared library exporting exactly one symbol,
 * LLMCORE_DRIVER_ENTRY_SYMBOL, a function returning a table of C functions
 * (llmcore_driver). Plain C data crosses this boundary: no C++ types, no
 * exceptions, no callbacks into the host other than the logging function of
 * llmcore_driver_host.
 *
 * ABI compatibility rule
 * ----------------------
 * The ABI has a MAJOR and a MINOR version.
 *  - MAJOR changes when anything existing changes: a struct field's type,
 *    order or meaning, a function's signature or meaning, a constant's value.
 *    Host and driver must have the same MAJOR; each side checks (the entry
 *    function receives the host's versions and returns NULL on a mismatch; the
 *    host refuses a table whose abi_major differs from its own).
 *  - MINOR grows when something is appended: a field at the end of a struct, a
 *    function at the end of llmcore_driver, a new constant. Either side may be
 *    newer. Every struct that crosses the boundary starts with `struct_size`,
 *    set by whoever fills it in; a reader uses a field only when struct_size
 *    covers it, and treats a missing field as zero / NULL. Optional functions
 *    may be NULL; the host then behaves as if they returned -ENOTSUP.
 *  - Nothing is ever removed within a MAJOR.
 * The sizes and offsets of every struct are pinned by a test
 * (tests/unit/drivers/abi_layout_test.cc); changing one without bumping the
 * version fails the build's tests.
 *
 * Errors
 * ------
 * Functions return 0 (or a non-negative count) on success and a negative errno
 * value on failure (-EINVAL bad argument, -ENOMEM, -ENOTSUP, -ERANGE position
 * or token out of range, -ENOSPC context or batch full, -EIO device failure,
 * -EPROTO malformed model or KV blob). When they take an llmcore_error*, it
 * receives a NUL-terminated message naming the problem; it may be NULL.
 * A driver never aborts on bad input: the host keeps serving other models.
 *
 * Threading
 * ---------
 * A driver keeps no global mutable state: every state lives in an
 * llmcore_driver_ctx or an llmcore_instance, so two contexts, or two instances
 * of the same model, coexist (this is what makes hot swap possible). Functions
 * taking an instance are called by one thread at a time per instance;
 * different instances may be used concurrently from different threads.
 *
 * Memory and lifetime
 * -------------------
 * Tensor data in llmcore_model_desc points into the host's read-only model
 * segment, valid until instance_destroy returns. Every other pointer passed in
 * is valid only for the duration of the call. Objects a driver creates are
 * freed only through the matching destroy/fini function.
 */
#ifndef LLMCORE_DRIVER_H_
#define LLMCORE_DRIVER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Minor versions of major 1:
 *   1.0  the first;
 *   1.1  llmcore_batch.embeddings / embeddings_capacity (final hidden states). */
#define LLMCORE_DRIVER_ABI_MAJOR 1
#define LLMCORE_DRIVER_ABI_MINOR 1

#define LLMCORE_DRIVER_ENTRY_SYMBOL "llmcore_driver_entry"

#define LLMCORE_ERROR_MESSAGE_MAX 256
#define LLMCORE_NAME_MAX 64

/* Tensor element types: the ggml/GGUF type ids (see the GGUF specification). */
typedef enum llmcore_tensor_type {
  LLMCORE_TYPE_F32 = 0,
  LLMCORE_TYPE_F16 = 1,
  LLMCORE_TYPE_Q4_0 = 2,
  LLMCORE_TYPE_Q4_1 = 3,
  LLMCORE_TYPE_Q5_0 = 6,
  LLMCORE_TYPE_Q5_1 = 7,
  LLMCORE_TYPE_Q8_0 = 8,
  LLMCORE_TYPE_Q4_K = 12,
  LLMCORE_TYPE_Q5_K = 13,
  LLMCORE_TYPE_Q6_K = 14,
  LLMCORE_TYPE_BF16 = 30
} llmcore_tensor_type;

typedef enum llmcore_log_level {
  LLMCORE_LOG_ERROR = 3,
  LLMCORE_LOG_WARNING = 4,
  LLMCORE_LOG_INFO = 6,
  LLMCORE_LOG_DEBUG = 7
} llmcore_log_level;

typedef enum llmcore_device_kind {
  LLMCORE_DEVICE_CPU = 0,
  LLMCORE_DEVICE_GPU = 1
} llmcore_device_kind;

typedef enum llmcore_rope_kind {
  LLMCORE_ROPE_NORMAL = 0, /* rotate adjacent pairs (x[2i], x[2i+1]): llama */
  LLMCORE_ROPE_NEOX = 2    /* rotate halves (x[i], x[i + d/2]): qwen2, qwen3 */
} llmcore_rope_kind;

typedef struct llmcore_error {
  int32_t code; /* the negative errno value also returned */
  char message[LLMCORE_ERROR_MESSAGE_MAX];
} llmcore_error;

/* What the host offers a driver. Owned by the host; valid until fini. */
typedef struct llmcore_driver_host {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t reserved0;
  void *host_data; /* passed back to log() */
  /* Thread-safe; may be called from any driver thread. May be NULL. */
  void (*log)(void *host_data, int32_t level, const char *message);
} llmcore_driver_host;

typedef struct llmcore_device_info {
  uint32_t struct_size;
  uint32_t kind; /* llmcore_device_kind */
  char name[LLMCORE_NAME_MAX];        /* stable id within the driver: "cpu", "cuda0" */
  char description[LLMCORE_NAME_MAX * 2]; /* for people: "NVIDIA H100 80GB HBM3" */
  uint64_t memory_total_bytes;
  uint64_t memory_free_bytes;
  int32_t numa_node; /* -1 when unknown */
  uint32_t compute_units; /* cores or multiprocessors */
} llmcore_device_info;

/* One tensor of the model, pointing into the host's model segment. */
typedef struct llmcore_tensor_desc {
  const char *name; /* GGUF name: "blk.0.attn_q.weight" */
  uint32_t type;    /* llmcore_tensor_type */
  uint32_t n_dims;  /* 1..4 */
  uint64_t ne[4];   /* ne[0] innermost; unused dimensions are 1 */
  const void *data;
  uint64_t n_bytes;
} llmcore_tensor_desc;

/* The model: architecture hyperparameters plus its tensors. */
typedef struct llmcore_model_desc {
  uint32_t struct_size;
  uint32_t reserved0;
  const char *architecture; /* "llama", "qwen2", "qwen3" */
  uint32_t n_vocab;
  uint32_t n_ctx_train;
  uint32_t n_embd;
  uint32_t n_layer;
  uint32_t n_head;
  uint32_t n_head_kv;
  uint32_t head_dim; /* per head, for q and k and v */
  uint32_t n_ff;
  float rms_norm_eps;
  float rope_freq_base;
  uint32_t rope_kind;      /* llmcore_rope_kind */
  uint32_t rope_dim;       /* dimensions rotated per head (usually head_dim) */
  /* Llama 3.x frequency scaling; rope_scaling_factor == 0 means none. */
  float rope_scaling_factor;
  float rope_low_freq_factor;
  float rope_high_freq_factor;
  uint32_t rope_original_ctx;
  const llmcore_tensor_desc *tensors;
  uint32_t n_tensors;
  uint32_t reserved1;
} llmcore_model_desc;

/* How to build one instance of a model on one device. */
typedef struct llmcore_instance_params {
  uint32_t struct_size;
  uint32_t device_index;
  uint32_t n_ctx;       /* positions per sequence (KV capacity) */
  uint32_t n_seq_max;   /* sequence ids are 0 .. n_seq_max-1 */
  uint32_t n_batch_max; /* entries per forward call */
  uint32_t n_threads;   /* CPU drivers: worker threads; 0 = driver's choice */
  const int32_t *cpus;  /* CPU drivers: logical CPUs to pin workers to, or NULL */
  uint32_t n_cpus;
  uint32_t reserved0;
} llmcore_instance_params;

/* One token of a batch. */
typedef struct llmcore_batch_entry {
  int32_t seq_id;
  int32_t pos;
  int32_t token;
  uint32_t want_logits; /* non-zero: write this entry's logits */
} llmcore_batch_entry;

typedef struct llmcore_batch {
  uint32_t struct_size;
  uint32_t n_entries;
  const llmcore_batch_entry *entries;
  /* Output: one row of n_vocab floats per entry with want_logits, in entry
   * order. logits_capacity counts floats; too small gives -ENOSPC. */
  float *logits;
  uint64_t logits_capacity;
  /* Since ABI 1.1. When struct_size covers these fields and embeddings is
   * not NULL, the driver also writes, for each entry with want_logits, the
   * n_embd floats of that entry's final hidden state after the output norm
   * (the vector the output matrix turns into logits), in entry order.
   * embeddings_capacity counts floats; too small gives -ENOSPC. logits may
   * then be NULL: only the hidden states are computed. A driver of minor 1
   * or later that cannot produce them fails with -ENOTSUP; a driver of
   * minor 0 ignores these fields, so a host checks the table's abi_minor
   * before asking. Like logits, they must be finite (-EIO otherwise). */
  float *embeddings;
  uint64_t embeddings_capacity;
} llmcore_batch;

typedef struct llmcore_driver_ctx llmcore_driver_ctx; /* opaque, per host */
typedef struct llmcore_instance llmcore_instance;     /* opaque, per model instance */

/* The function table. init, fini, device_count, device_info,
 * instance_create, instance_destroy and forward are required (a host refuses a
 * table without them); score and the sequence and KV functions are optional
 * (NULL: the host treats the call as -ENOTSUP). */
typedef struct llmcore_driver {
  uint32_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  uint32_t reserved0;
  const char *name;    /* "cpu", "reference", "cuda" */
  const char *version; /* the driver build's own version string */

  /* Creates a driver context. host stays valid until fini. */
  int32_t (*init)(const llmcore_driver_host *host, llmcore_driver_ctx **out,
                  llmcore_error *error);
  void (*fini)(llmcore_driver_ctx *ctx); /* NULL accepted */

  /* Optional probe: how well this driver can run on this machine, 0..100;
   * 0 declines quietly (no usable device). NULL means 50. */
  int32_t (*score)(llmcore_driver_ctx *ctx);

  int32_t (*device_count)(llmcore_driver_ctx *ctx);
  int32_t (*device_info)(llmcore_driver_ctx *ctx, uint32_t index, llmcore_device_info *out,
                         llmcore_error *error);

  /* Builds an instance; validates the architecture, hyperparameters and every
   * tensor's presence, type and shape (-EPROTO naming the tensor, -ENOTSUP
   * naming an unsupported architecture or type). */
  int32_t (*instance_create)(llmcore_driver_ctx *ctx, const llmcore_model_desc *model,
                             const llmcore_instance_params *params, llmcore_instance **out,
                             llmcore_error *error);
  void (*instance_destroy)(llmcore_instance *instance); /* NULL accepted */

  /* Runs one forward pass over the batch. Entries of one sequence must have
   * consecutive positions continuing that sequence's KV state. Fails without
   * changing any KV state on a bad entry (token or position out of range,
   * sequence id too large, more entries than n_batch_max), and with -EIO when
   * a logit is NaN or infinite. */
  int32_t (*forward)(llmcore_instance *instance, const llmcore_batch *batch,
                     llmcore_error *error);

  /* KV state of one sequence. Positions [p0, p1); p1 < 0 means "to the end". */
  int32_t (*seq_remove)(llmcore_instance *instance, int32_t seq_id, int32_t p0, int32_t p1,
                        llmcore_error *error);
  int32_t (*seq_copy)(llmcore_instance *instance, int32_t src_seq, int32_t dst_seq,
                      int32_t p0, int32_t p1, llmcore_error *error);
  /* Number of positions the sequence holds (the next position to feed). */
  int32_t (*seq_length)(llmcore_instance *instance, int32_t seq_id);

  /* Optional: KV export/import for hot swap. kv_format names the byte layout
   * ("cpu-f32-v1"); two instances whose formats are equal can exchange blobs.
   * seq_export with buffer NULL stores the needed size in *size. */
  const char *(*kv_format)(llmcore_instance *instance);
  int32_t (*seq_export)(llmcore_instance *instance, int32_t seq_id, void *buffer,
                        uint64_t capacity, uint64_t *size, llmcore_error *error);
  int32_t (*seq_import)(llmcore_instance *instance, int32_t seq_id, const void *buffer,
                        uint64_t size, llmcore_error *error);
} llmcore_driver;

/* The one symbol a driver exports. Returns NULL when the driver cannot work
 * with a host of this ABI major. The table is static and never freed. */
typedef const llmcore_driver *(*llmcore_driver_entry_fn)(uint32_t host_abi_major,
                                                          uint32_t host_abi_minor);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* LLMCORE_DRIVER_H_ */
