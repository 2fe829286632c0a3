// PythonStrip: str.strip() as Python defines it, which is what Jinja's
// `trim` filter and the `.strip()` calls in chat templates run.
//
// Python strips every character for which str.isspace() is true: ASCII
// \t \n \v \f \r, the separators \x1c-\x1f, space, and the Unicode spaces
// U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and
// U+3000 (not U+200B or U+FEFF). Matching it exactly keeps our rendering equal
// to the reference templates for any content.
//
// Pure; thread-safe.
#pragma once

#include <string_view>

namespace llmcore::text {

// `text` without leading and trailing whitespace. Bytes that are not valid
// UTF-8 are never whitespace.
std::string_view PythonStrip(std::string_view text);

}  // namespace llmcore::text
