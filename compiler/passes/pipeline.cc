#include "compiler/passes/pipeline.h"

#include "compiler/passes/auto_cast.h"
#include "compiler/passes/canonicalize_layout.h"
#include "compiler/passes/common_subexpression_elimination.h"
#include "compiler/passes/constant_fold.h"
#include "compiler/passes/dead_code_elimination.h"
#include "compiler/passes/fold_batch_norm.h"
#include "compiler/passes/fold_shapes.h"
#include "compiler/passes/fuse_activation.h"
#include "compiler/passes/fuse_gelu.h"
#include "compiler/passes/fuse_layer_norm.h"
#include "compiler/passes/fuse_residual_norm.h"
#include "compiler/passes/fuse_softmax_scale.h"
#include "compiler/passes/simplify_casts.h"

namespace ncc::passes {

void AddDefaultPipeline(PassManager& manager, const AutoCastPolicy& auto_cast) {
  manager.Add("fold-shapes", FoldShapes);
  manager.Add("constant-fold", [](ir::Graph& g) { return ConstantFold(g); });
  manager.Add("canonicalize-layout", CanonicalizeLayout);
  manager.Add("fold-batch-norm", FoldBatchNorm);
  manager.Add("fuse-layer-norm", FuseLayerNorm);
  manager.Add("fuse-gelu", FuseGelu);
  manager.Add("fuse-bias", FuseBias);
  manager.Add("cse", EliminateCommonSubexpressions);
  manager.Add("fuse-activation", FuseActivation);
  manager.Add("fuse-residual-norm", FuseResidualNorm);
  manager.Add("fuse-softmax-scale", FuseSoftmaxScale);
  manager.Add("auto-cast", [auto_cast](ir::Graph& g) { return AutoCast(g, auto_cast); });
  manager.Add("simplify-casts", SimplifyCasts);
  manager.Add("dce", EliminateDeadCode);
}

}  // namespace ncc::passes
