// Lowering: IR graph -> tile program over symbolic SBUF/PSUM/DRAM buffers.
// Every tensor between ops lives in DRAM (row-major); each op loads tiles,
// computes on the engines and stores. Op families live one per file
// (matmul.cc, conv.cc, elementwise.cc, layout.cc); this file holds the
// registry that both the support check and the lowering loop use.
#ifndef NCC_COMPILER_LOWER_LOWER_H_
#define NCC_COMPILER_LOWER_LOWER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/tile_program.h"
#include "target/neuroncore.h"

namespace ncc::lower {

struct UnsupportedOp {
  std::string op_type;
  std::string node_name;
  std::string reason;  // "op type is not supported" or what about it is not
};

// Every op the lowering cannot handle, in program order (all at once).
std::vector<UnsupportedOp> FindUnsupported(const ir::Graph& graph);

// The op types the lowering knows, sorted.
std::vector<std::string> SupportedOpTypes();

absl::StatusOr<TileProgram> Lower(const ir::Graph& graph,
                                  const target::CoreSpec& spec);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_LOWER_H_
