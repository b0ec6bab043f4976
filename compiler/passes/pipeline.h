// The default graph-pass pipeline that compiler/driver runs between import
// and lowering, in order:
//   fold-shapes, constant-fold, canonicalize-layout, fold-batch-norm,
//   fuse-bias, cse, fuse-activation, auto-cast, simplify-casts, dce
#ifndef NCC_COMPILER_PASSES_PIPELINE_H_
#define NCC_COMPILER_PASSES_PIPELINE_H_

#include "compiler/passes/auto_cast_policy.h"
#include "compiler/passes/pass_manager.h"

namespace ncc::passes {

void AddDefaultPipeline(PassManager& manager, const AutoCastPolicy& auto_cast);

}  // namespace ncc::passes

#endif  // NCC_COMPILER_PASSES_PIPELINE_H_
