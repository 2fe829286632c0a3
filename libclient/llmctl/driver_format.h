// Output of `llmctl swap`, `llmctl verify` and `llmctl driver reload`, from
// the a{sv} reports of SwapDriver, VerifyModel and ReloadDriver (read as JSON
// by bus_value.h; --json prints them as they are).
//
// Part of llmctl's interface, documented in libclient/README.md. Missing
// keys are tolerated (a daemon of another version may send fewer): their
// part of the text is left out, or shows as "-" where the sentence needs it.
//
// Thread safety: pure functions.
#pragma once

#include <string>

#include "bus_value.h"

namespace llmcore::llmctl {

// `swap`, one line without a newline:
//   model 'tiny' now on reference (cpu), was cpu (cpu): 3 sequences moved by
//   re-processing 120 tokens, generation paused 12.3 ms
// The method part is "by KV export/import" for "kv-export" (with
// " (N tokens re-processed)" when some were), "by re-processing N tokens"
// for "reprocess", "no live sequences" for "none", "by <method>" for a
// method this llmctl does not know.
std::string FormatSwapReport(const Json& report);

// `verify`, one "label: value" line each:
//   model: tiny
//   driver: cpu (cpu) vs reference
//   positions: 32
//   max |diff|: 2.38e-06
//   tolerance: 0.001
//   top-1 agreement: 100.0%
//   result: PASS                 (FAIL when "passed" is false or missing)
// Differences print with 3 significant digits, the agreement (a fraction
// 0..1) as a percentage with one decimal.
std::string FormatVerifyReport(const Json& report);

// Whether the report says the comparison passed ("passed" is true); false
// when the key is missing or not a boolean.
bool VerifyPassed(const Json& report);

// `driver reload`, one line without a newline:
//   driver reference reloaded from /usr/lib/llmcore/drivers/reference.so:
//   0.3.0 -> 0.3.0; models moved: a, b
// ("; no models to move" when "models" is empty or missing).
std::string FormatReloadReport(const Json& report);

}  // namespace llmcore::llmctl
