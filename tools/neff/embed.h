// `neff embed`: the three sources that build a NEFF into a C/C++ library
// (what the Bazel rule cc_neff_library compiles), for a symbol S:
//   header    declares `extern const ncc_embedded_neff_t S;` (the type is
//             bazel/embedded_neff.h's) and S_NUM_INPUTS / S_NUM_OUTPUTS in
//             upper case, and lists the I/O and the latency estimate;
//   assembly  the NEFF's bytes as the 64-byte aligned object S_data, read by
//             the assembler's .incbin from the file the rule places at
//             `incbin_path` (assembly fails if that file's size differs);
//   source    S itself: S_data, its size, the I/O tables, the metadata's
//             latency estimate and the label.
// Everything taken from the NEFF (tensor names) is written escaped, and the
// output depends only on the NEFF's bytes and the options.
#ifndef NCC_TOOLS_NEFF_EMBED_H_
#define NCC_TOOLS_NEFF_EMBED_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "neff/neff_generated.h"

namespace ncc::tools {

struct EmbedOptions {
  // The C identifier of the table, e.g. "resnet_neff".
  std::string symbol;
  // Where the assembler finds a copy of the NEFF: a path relative to the
  // directory it runs in (for Bazel, the execroot).
  std::string incbin_path;
  // The NEFF's Bazel label, for the table and the comments; may be empty.
  std::string label;
};

struct EmbedSources {
  std::string header;
  std::string assembly;
  std::string source;
};

// kInvalidArgument, one line naming the option, unless: the symbol is a C
// identifier that is not a C or C++ keyword and from which no reserved name
// is derived (no leading underscore, no "__" in S, S_data or S_NUM_INPUTS);
// incbin_path is not empty; neither path nor label holds a control character.
absl::Status CheckEmbedOptions(const EmbedOptions& options);

// The sources for the NEFF `bytes` whose root is `model`, which
// ncc::runtime::CheckNeff accepted. Options as CheckEmbedOptions; a latency
// estimate that is not a finite non-negative number is kInvalidArgument.
absl::StatusOr<EmbedSources> GenerateEmbedSources(absl::string_view bytes, const neff::Model& model,
                                                  const EmbedOptions& options);

// `text` as a C string literal, quotes included, with every byte outside
// [A-Za-z0-9_ ./-] as a three-digit octal escape: "a\042b". Octal, never \x,
// whose digits run on into the next character; and '?' is escaped so no
// trigraph can form.
std::string CStringLiteral(absl::string_view text);

}  // namespace ncc::tools

#endif  // NCC_TOOLS_NEFF_EMBED_H_
