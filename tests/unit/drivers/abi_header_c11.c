/* Compiled as strict C11: the driver ABI header must stand alone in C. */
#include "llmcore/driver.h"

#include <stddef.h>

_Static_assert(sizeof(llmcore_driver) == 144, "llmcore_driver layout changed");
_Static_assert(offsetof(llmcore_batch_entry, want_logits) == 12, "batch entry layout changed");
_Static_assert(offsetof(llmcore_batch, embeddings_capacity) == 40, "batch layout changed");

/* Used by the C++ test to compare what C and C++ compilers see. */
size_t llmcore_test_c_sizeof_model_desc(void) { return sizeof(llmcore_model_desc); }
size_t llmcore_test_c_sizeof_driver(void) { return sizeof(llmcore_driver); }
size_t llmcore_test_c_sizeof_batch(void) { return sizeof(llmcore_batch); }
