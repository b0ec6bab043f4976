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

// `--auto-cast all` stores every float activation in 16 bits; the engines
// compute in fp32 whatever the storage type. Ops whose lowering reads and
// writes f32 only get Casts around them: their 16-bit inputs are widened on
// the way in and their results rounded to 16 bits on the way out, which is
// what a 16-bit op on the NeuronCore computes. Ops that still fail their
// check after that are left for FindUnsupported to report. Returns how many
// ops were wrapped.
int LegalizeSixteenBitFloats(ir::Graph& graph);

// The op types the lowering knows, sorted.
std::vector<std::string> SupportedOpTypes();

absl::StatusOr<TileProgram> Lower(const ir::Graph& graph, const target::CoreSpec& spec);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_LOWER_H_
