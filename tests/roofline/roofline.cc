#include "tests/roofline/roofline.h"

#include <algorithm>

namespace ncc::roofline {

Bound Count(const ir::Graph& graph) {
  Bound b;
  for (const auto& op : graph.ops()) {
    const ir::Shape& y = op->outputs[0]->shape;
    if (op->type == "Conv") {
      const ir::Shape& w = op->input(1)->shape;  // [Co, Ci/g, k...]
      double per_output = 2.0;
      for (size_t i = 1; i < w.size(); ++i) per_output *= static_cast<double>(w[i]);
      b.flops += per_output * static_cast<double>(ir::NumElements(y));
    } else if (op->type == "Gemm" || op->type == "MatMul") {
      const ir::Shape& a = op->input(0)->shape;
      const bool trans_a = op->GetInt("transA", 0) != 0;
      const double k = static_cast<double>(trans_a ? a[a.size() - 2] : a.back());
      b.flops += 2.0 * k * static_cast<double>(ir::NumElements(y));
    }
  }
  for (const auto& v : graph.values()) {
    if (v->is_constant) b.bytes += static_cast<double>(v->size_bytes());
  }
  for (const ir::Value* v : graph.inputs()) b.bytes += static_cast<double>(v->size_bytes());
  for (const ir::Value* v : graph.outputs()) b.bytes += static_cast<double>(v->size_bytes());
  return b;
}

double BoundNs(const Bound& bound, const target::CoreSpec& spec) {
  const double peak_flops_per_ns =
      2.0 * spec.partitions * spec.matmul_max_stationary_free * spec.tensor_ghz / 4.0;
  const double hbm_bytes_per_ns = 410.0;  // GB/s per core = bytes/ns
  return std::max(bound.flops / peak_flops_per_ns, bound.bytes / hbm_bytes_per_ns);
}

}  // namespace ncc::roofline
