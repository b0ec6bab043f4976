// Human-readable views of a NEFF for the `neff` tool and the loader fuzzer:
// a summary (metadata, I/O signature, sections and checksums, instruction
// counts per engine) and a full listing of every queue's instructions.
#ifndef NCC_NEFF_INSPECT_H_
#define NCC_NEFF_INSPECT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "neff/neff_generated.h"

namespace neff {

// `bytes` is the whole file and `model` its root, opened by OpenModel
// (structurally valid; the program need not pass the semantic verifier).
std::string DescribeNeff(absl::string_view bytes, const Model& model);

// One line per instruction, grouped by queue: opcode, operands as access
// patterns, scalar fields that the opcode uses, waits, signal, graph node.
std::string DumpNeff(const Model& model);

// e.g. "SBUF f32 p[0,64) +256 [4x1, 8x4]": memory space, dtype, partitions
// (SBUF/PSUM) or rows and row stride (DRAM/WEIGHTS), byte offset, and the
// free dims as size x stride (elements), outer to inner.
std::string FormatAccessPattern(const AccessPattern& ap);

}  // namespace neff

#endif  // NCC_NEFF_INSPECT_H_
