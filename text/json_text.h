// Checks on JSON text from untrusted files, before nlohmann-json parses it:
// what its parser does not check (a NUL byte, which it takes for the end of
// the input and so silently drops the rest; the nesting depth, which bounds
// the recursion of anything that walks the parsed value), and its exception
// messages made one printable line.
#ifndef NCC_TEXT_JSON_TEXT_H_
#define NCC_TEXT_JSON_TEXT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace ncc::text {

// INVALID_ARGUMENT "ORIGIN: a NUL byte at offset N; WHAT must be JSON text"
// or "ORIGIN: JSON nested deeper than MAX levels at offset N".
absl::Status CheckJsonText(absl::string_view json, absl::string_view origin,
                           absl::string_view what, int max_depth);

// "parse error at line 2, column 5: ..." from nlohmann's
// "[json.exception.parse_error.101] parse error at line 2, column 5: ...".
std::string JsonErrorMessage(absl::string_view exception_what);

}  // namespace ncc::text

#endif  // NCC_TEXT_JSON_TEXT_H_
