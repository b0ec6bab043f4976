// Text from a file (tensor, node and op names from a model or a NEFF,
// metadata), made safe to print. Models and NEFFs may come from anywhere,
// and their strings are arbitrary bytes: printed raw, an escape sequence
// would drive the user's terminal and a newline would break the tools'
// one-line messages. Every message that quotes such a string passes it
// through PrintableName (or QuotedName) first. A leaf package (it depends on
// nothing in the project), so the frontends, the compiler, the NEFF reader,
// the runtime and the tools share it.
#ifndef NCC_TEXT_PRINTABLE_H_
#define NCC_TEXT_PRINTABLE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace ncc::text {

// `text` with each byte that is not printable written as \xNN (ASCII control
// characters, DEL, bytes that are not valid UTF-8), each C1 control and
// bidirectional-override character written as \uNNNN, and a backslash as
// \\ (so the result is unambiguous). Printable ASCII and valid UTF-8 pass
// through unchanged.
std::string PrintableName(absl::string_view text);

// PrintableName(text) in single quotes, as messages quote names.
std::string QuotedName(absl::string_view text);

}  // namespace ncc::text

#endif  // NCC_TEXT_PRINTABLE_H_
