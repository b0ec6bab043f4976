// Text from a NEFF (tensor and node names, metadata), made safe to print.
// A NEFF may come from anywhere, and its strings are arbitrary bytes: printed
// raw, an escape sequence would drive the user's terminal and a newline would
// break the tools' one-line messages. Every tool that prints a string read
// from a NEFF passes it through PrintableName first.
#ifndef NCC_NEFF_PRINTABLE_H_
#define NCC_NEFF_PRINTABLE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace neff {

// `text` with each byte that is not printable written as \xNN (ASCII control
// characters, DEL, bytes that are not valid UTF-8), each C1 control and
// bidirectional-override character written as \uNNNN, and a backslash as
// \\ (so the result is unambiguous). Printable ASCII and valid UTF-8 pass
// through unchanged.
std::string PrintableName(absl::string_view text);

}  // namespace neff

#endif  // NCC_NEFF_PRINTABLE_H_
