#include "compiler/lower/einsum.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/ir/einsum_equation.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/matmul.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

using Equation = ir::EinsumEquation;

absl::StatusOr<Equation> ParseEquation(const ir::Op& op) {
  std::vector<ir::Shape> shapes;
  for (const ir::Value* in : op.inputs) {
    if (in == nullptr) return Unsupported("a missing input");
    shapes.push_back(in->shape);
  }
  const std::string equation = op.GetString("equation", "");
  auto e = ir::ParseEinsum(equation, shapes);
  if (!e.ok()) return Unsupported(e.status().message());
  if (shapes.size() > 2) {
    return Unsupported(absl::StrCat("equation '", equation, "': ", shapes.size(),
                                    " operands (at most 2 are supported)"));
  }
  return e;
}

bool Contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// The element strides of `labels` in an operand with `operand_labels` and
// `shape` (row-major): repeated labels add up (the diagonal), absent or
// size-1 broadcast ones are 0.
std::vector<int64_t> LabelStrides(const std::vector<int>& labels,
                                  const std::vector<int>& operand_labels, const ir::Shape& shape,
                                  const std::map<int, int64_t>& sizes) {
  const std::vector<int64_t> row_major = RowMajorStrides(shape);
  std::vector<int64_t> strides;
  for (int label : labels) {
    int64_t stride = 0;
    for (size_t d = 0; d < operand_labels.size(); ++d) {
      if (operand_labels[d] == label && (shape[d] != 1 || sizes.at(label) == 1)) {
        stride += row_major[d];
      }
    }
    strides.push_back(stride);
  }
  return strides;
}

int64_t Product(const std::vector<int>& labels, const std::map<int, int64_t>& sizes) {
  int64_t n = 1;
  for (int l : labels) n *= sizes.at(l);
  return n;
}

std::vector<int64_t> SizesOf(const std::vector<int>& labels, const std::map<int, int64_t>& sizes) {
  std::vector<int64_t> out;
  for (int l : labels) out.push_back(sizes.at(l));
  return out;
}

// Operand `index` gathered into the order of `labels` (a fresh row-major
// DRAM tensor), or the operand itself when it is in that order already.
DramTensor GatherOperand(LowerContext& ctx, const ir::Op& op, const Equation& e, size_t index,
                         const std::vector<int>& labels, ir::Shape shape) {
  const DramTensor& in = ctx.Tensor(op.input(index));
  const std::vector<int64_t> sizes = SizesOf(labels, e.sizes);
  const std::vector<int64_t> strides = LabelStrides(labels, e.inputs[index], in.shape, e.sizes);
  if (strides == RowMajorStrides(sizes) && ir::NumElements(in.shape) == ir::NumElements(shape)) {
    DramTensor view = in;
    view.shape = std::move(shape);
    return view;
  }
  DramTensor out = ctx.ScratchDram(absl::StrCat("operand", index), neff::DType::F32, shape);
  EmitStridedCopy(ctx, in, 0, strides, out, 0, RowMajorStrides(sizes), sizes);
  return out;
}

}  // namespace

absl::Status CheckEinsum(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  auto e = ParseEquation(op);
  if (!e.ok()) return e.status();
  if (e->OutputShape() != op.outputs[0]->shape) {
    return Unsupported(absl::StrCat("equation '", op.GetString("equation", ""), "' gives shape [",
                                    absl::StrJoin(e->OutputShape(), ","), "], not the output's [",
                                    absl::StrJoin(op.outputs[0]->shape, ","), "]"));
  }
  return absl::OkStatus();
}

absl::Status LowerEinsum(const ir::Op& op, LowerContext& ctx) {
  auto parsed = ParseEquation(op);
  if (!parsed.ok()) return parsed.status();
  const Equation& e = *parsed;
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const std::vector<int>& a_labels = e.inputs[0];
  const std::vector<int> b_labels = e.inputs.size() > 1 ? e.inputs[1] : std::vector<int>{};
  // batch: output labels in both operands; free_a / free_b: output labels
  // in one; contracted: the rest.
  std::vector<int> batch, free_a, free_b, contracted;
  for (int l : e.output) {
    const bool in_a = Contains(a_labels, l), in_b = Contains(b_labels, l);
    (in_a && in_b ? batch : in_a ? free_a : free_b).push_back(l);
  }
  for (const auto* labels : {&a_labels, &b_labels}) {
    for (int l : *labels) {
      if (!Contains(e.output, l) && !Contains(contracted, l)) contracted.push_back(l);
    }
  }
  if (e.inputs.size() == 1 && contracted.empty()) {
    // A permutation and/or diagonal: one strided copy.
    const ir::Shape sizes = SizesOf(e.output, e.sizes);
    EmitStridedCopy(ctx, ctx.Tensor(op.input(0)), 0,
                    LabelStrides(e.output, a_labels, op.input(0)->shape, e.sizes), y, 0,
                    RowMajorStrides(sizes), sizes);
    return absl::OkStatus();
  }
  const int64_t nb = Product(batch, e.sizes), m = Product(free_a, e.sizes);
  const int64_t n = Product(free_b, e.sizes), k = Product(contracted, e.sizes);
  std::vector<int> a_order = batch, b_order = batch;
  a_order.insert(a_order.end(), free_a.begin(), free_a.end());
  a_order.insert(a_order.end(), contracted.begin(), contracted.end());
  b_order.insert(b_order.end(), contracted.begin(), contracted.end());
  b_order.insert(b_order.end(), free_b.begin(), free_b.end());
  const DramTensor a = GatherOperand(ctx, op, e, 0, a_order, {nb, m, k});
  const DramTensor b = e.inputs.size() > 1
                           ? GatherOperand(ctx, op, e, 1, b_order, {nb, k, n})
                           : ctx.F32Weights("ones", {1, k, 1}, std::vector<float>(k, 1.0f));
  // The product in [batch, free_a, free_b] order, then scattered into the
  // output's order unless that is the same.
  std::vector<int> product_order = batch;
  product_order.insert(product_order.end(), free_a.begin(), free_a.end());
  product_order.insert(product_order.end(), free_b.begin(), free_b.end());
  const bool direct = product_order == e.output;
  DramTensor product = direct ? y : ctx.ScratchDram("product", neff::DType::F32, {nb, m, n});
  product.shape = {nb, m, n};
  if (auto s = EmitBatchedMatMul(ctx, a, b, product, neff::ActivationFunction::IDENTITY); !s.ok()) {
    return s;
  }
  if (direct) return absl::OkStatus();
  const ir::Shape out_sizes = SizesOf(e.output, e.sizes);
  std::vector<int64_t> src_strides;
  const std::vector<int64_t> product_strides = RowMajorStrides(SizesOf(product_order, e.sizes));
  for (int l : e.output) {
    const size_t pos =
        std::find(product_order.begin(), product_order.end(), l) - product_order.begin();
    src_strides.push_back(product_strides[pos]);
  }
  EmitStridedCopy(ctx, product, 0, src_strides, y, 0, RowMajorStrides(out_sizes), out_sizes);
  return absl::OkStatus();
}

}  // namespace ncc::lower
