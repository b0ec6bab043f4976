#include "compiler/lower/scatter.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/lower/data_movement.h"
#include "compiler/lower/op_requirements.h"

namespace ncc::lower {
namespace {

// The output as `positions` rows of `width` elements; update k targets row
// base[k] + sum_j index[k][j] * stride[j], each index component j counted
// within an axis of sizes[j] elements (negative ones from its end).
// ScatterND: one row per data slice, m components, no base. ScatterElements
// (and the older Scatter): one row per element, one component along `axis`,
// base[k] the update's own offset with that axis coordinate zeroed.
struct ScatterLayout {
  int64_t positions = 1, width = 1, updates = 1, components = 1;
  std::vector<float> sizes, strides, base;
};

// Matmul limits: a PSUM bank holds 512 fp32 per partition (the updates plus
// their count); the match matrices are bounded to keep the program small.
constexpr int64_t kMaxWidth = 511;
constexpr int64_t kMaxMatmuls = 4096;
constexpr int64_t kMaxStagedFloats = 8192;  // per partition
// reductions 'mul', 'max' and 'min' combine on the Vector engine instead:
// every position row stages data and all the updates, width x (updates + 1)
// floats.
constexpr int64_t kMaxProductFloats = 16384;  // per partition

absl::StatusOr<ScatterLayout> Layout(const ir::Op& op) {
  const ir::Shape& data = op.input(0)->shape;
  const ir::Shape& indices = op.input(1)->shape;
  const int64_t rank = static_cast<int64_t>(data.size());
  ScatterLayout l;
  if (op.type == "ScatterND") {
    if (indices.empty()) return Unsupported("scalar indices");
    const int64_t m = indices.back();
    if (m < 1 || m > rank) {
      return Unsupported(absl::StrCat("indices.shape[-1] = ", m, " (1 to ", rank, ")"));
    }
    l.components = m;
    for (int64_t d = 0; d < m; ++d) l.positions *= data[d];
    for (int64_t d = m; d < rank; ++d) l.width *= data[d];
    l.updates = ir::NumElements(indices) / m;
    float stride = 1;
    l.sizes.resize(m), l.strides.resize(m);
    for (int64_t j = m - 1; j >= 0; --j) {
      l.sizes[j] = static_cast<float>(data[j]);
      l.strides[j] = stride;
      stride *= static_cast<float>(data[j]);
    }
    l.base.assign(l.updates, 0.0f);
  } else {
    if (rank == 0 || static_cast<int64_t>(indices.size()) != rank) {
      return Unsupported("data and indices must have the same rank (at least 1)");
    }
    int64_t axis = op.GetInt("axis", 0);
    if (axis < -rank || axis >= rank) {
      return Unsupported(absl::StrCat("axis ", axis, " out of range"));
    }
    if (axis < 0) axis += rank;
    const std::vector<int64_t> strides = RowMajorStrides(data);
    l.positions = ir::NumElements(data);
    l.updates = ir::NumElements(indices);
    l.sizes = {static_cast<float>(data[axis])};
    l.strides = {static_cast<float>(strides[axis])};
    l.base.resize(l.updates);
    for (int64_t k = 0; k < l.updates; ++k) {
      int64_t rem = k, offset = 0;
      for (int64_t d = rank - 1; d >= 0; --d) {
        const int64_t coordinate = rem % indices[d];
        rem /= indices[d];
        if (d != axis) offset += coordinate * strides[d];
      }
      l.base[k] = static_cast<float>(offset);
    }
  }
  if (op.input(2)->num_elements() != l.updates * l.width) {
    return Unsupported("updates do not match indices");
  }
  if (l.width > kMaxWidth) {
    return Unsupported(absl::StrCat("slices of ", l.width, " elements (limit ", kMaxWidth, ")"));
  }
  // Row numbers are computed in fp32: exact below 2^24.
  if (l.positions >= (int64_t{1} << 24)) return Unsupported("more than 2^24 target rows");
  const int64_t blocks = (l.positions + 127) / 128, chunks = (l.updates + 127) / 128;
  if (blocks * chunks > kMaxMatmuls) {
    return Unsupported(absl::StrCat(l.updates, " updates into ", l.positions,
                                    " positions (at most ", kMaxMatmuls, " 128x128 match blocks)"));
  }
  if (chunks * (l.width + 2) > kMaxStagedFloats) {
    return Unsupported("too many updates to stage on chip");
  }
  return l;
}

}  // namespace

absl::Status CheckScatter(const ir::Op& op) {
  for (int i = 0; i < 3; ++i) {
    if (op.input(i) == nullptr) return Unsupported("needs data, indices and updates");
  }
  if (op.input(1)->dtype != ir::DType::kI64 && op.input(1)->dtype != ir::DType::kI32) {
    return Unsupported("indices must be i32 or i64");
  }
  if (op.input(0)->dtype != ir::DType::kF32 || op.input(2)->dtype != ir::DType::kF32 ||
      op.outputs[0]->dtype != ir::DType::kF32) {
    return Unsupported("data and updates must be f32 (the updates are summed by a matmul)");
  }
  const std::string reduction = op.GetString("reduction", "none");
  if (reduction != "none" && reduction != "add" && reduction != "mul" && reduction != "max" &&
      reduction != "min") {
    return Unsupported(absl::StrCat("reduction '", reduction, "' (none, add, mul, max or min)"));
  }
  auto layout = Layout(op);
  if (!layout.ok()) return layout.status();
  const bool vector_reduction = reduction == "mul" || reduction == "max" || reduction == "min";
  if (vector_reduction && layout->width * (layout->updates + 1) > kMaxProductFloats) {
    return Unsupported(absl::StrCat("reduction '", reduction, "' over ", layout->updates,
                                    " updates of ",
                                    layout->width, " elements (at most ", kMaxProductFloats,
                                    " floats with data)"));
  }
  return absl::OkStatus();
}

namespace {

// How the updates that target one position combine with it.
enum class Combine {
  kReplace,   // their sum replaces data (one update per position)
  kAdd,       // data plus their sum
  kMean,      // their mean replaces data (equal duplicates give the value)
  kMultiply,  // data times each of them, in update order
  kMax,       // the largest of data and them
  kMin,       // the smallest of data and them
};

// Fills each [k, 1] target-row tile in place (k partitions, one update each);
// the identity when null.
using RemapTargets = absl::Status (*)(LowerContext& ctx, const ir::Op& op, const Operand& target,
                                      int k);

// reduction 'mul': position row p, column j is data[p][j] followed by one
// factor per update, u[k][j] where update k targets p and 1 elsewhere; a
// product reduction left to right multiplies them in update order, as
// ONNX's sequential `output[idx] *= update` does (multiplying by 1 is exact).
// 'max' and 'min' the same with -/+FLT_MAX where an update does not target
// p, reduced by maximum or minimum.
absl::Status EmitProducts(LowerContext& ctx, const ScatterLayout& l, const DramTensor& data,
                          const DramTensor& updates, const DramTensor& target_rows,
                          const DramTensor& y, neff::AluOp reduce, float neutral) {
  const int64_t w = l.width, n = l.updates, part = ctx.spec().partitions;
  const int max_rows = static_cast<int>(std::min(part, l.positions));
  auto rb = ctx.Sbuf("target_row", max_rows, n * 4);
  auto ub = ctx.Sbuf("all_updates", max_rows, w * n * 4);
  auto ib = ctx.Sbuf("row", max_rows, 4), fb = ctx.Sbuf("factors", max_rows, w * (n + 1) * 4);
  auto ob = ctx.Sbuf("ones", max_rows, w * n * 4);
  for (auto* b : {&rb, &ub, &ib, &fb, &ob}) {
    if (!b->ok()) return b->status();
  }
  // Every block reads the same targets and updates, with u[k][j] at
  // column j, slot k (k innermost).
  const Operand targets = ctx.Tile(*rb, max_rows, n);
  Operand all_updates = ctx.Tile(*ub, max_rows, w * n);
  ctx.Dma(targets, ctx.View(target_rows, 0, max_rows, 0, {Dim{1, n}}));
  ctx.Dma(all_updates, ctx.View(updates, 0, max_rows, 0, {Dim{1, w}, Dim{w, n}}));
  all_updates.dims = {Dim{n, w}, Dim{1, n}};
  Operand ones = ctx.Tile(*ob, max_rows, w * n);
  ctx.Memset(ones, neutral);
  ones.dims = {Dim{n, w}, Dim{1, n}};
  for (int64_t p0 = 0; p0 < l.positions; p0 += part) {
    const int rows = static_cast<int>(std::min(part, l.positions - p0));
    auto mb = ctx.Sbuf("match", rows, n * 4), pb = ctx.Sbuf("product", rows, w * 4);
    if (!mb.ok()) return mb.status();
    if (!pb.ok()) return pb.status();
    const Operand row = ctx.Tile(*ib, rows, 1), match = ctx.Tile(*mb, rows, n);
    ctx.Iota(row, static_cast<float>(p0), 1.0f, 0.0f);
    ctx.TensorScalarPerPartition(match, ctx.Tile(*rb, rows, n), neff::AluOp::IS_EQUAL, &row, 0.0f,
                                 neff::AluOp::BYPASS, nullptr, 0.0f);
    Operand factors = ctx.Tile(*fb, rows, w * (n + 1));
    Operand first = factors, rest = factors;
    first.dims = {Dim{n + 1, w}};
    rest.offset = 4;
    rest.dims = {Dim{n + 1, w}, Dim{1, n}};
    ctx.Dma(first, ctx.View(data, p0 * w, rows, w, {Dim{1, w}}));
    Operand match_each_column = match, updates_rows = all_updates, ones_rows = ones;
    match_each_column.dims = {Dim{0, w}, Dim{1, n}};
    updates_rows.num_partitions = rows;
    ones_rows.num_partitions = rows;
    ctx.Select(rest, match_each_column, updates_rows, ones_rows);
    const Operand product = ctx.Tile(*pb, rows, w);
    ctx.TensorReduce(product, factors, reduce);
    ctx.Dma(ctx.View(y, p0 * w, rows, w, {Dim{1, w}}), product);
  }
  return absl::OkStatus();
}

// y = data with the updates scattered into it, as described by `l`.
absl::Status EmitScatter(LowerContext& ctx, const ir::Op& op, const ScatterLayout& l,
                         const DramTensor& data, const DramTensor& indices,
                         const DramTensor& updates, const DramTensor& y, Combine combine,
                         RemapTargets remap) {
  const int64_t m = l.components, w = l.width, part = ctx.spec().partitions;
  const int64_t chunks = (l.updates + part - 1) / part;
  const int max_k = static_cast<int>(std::min(part, l.updates));
  const DramTensor size_table = ctx.F32Weights("sizes", {m}, l.sizes);
  const DramTensor stride_table = ctx.F32Weights("strides", {m}, l.strides);
  const DramTensor base_table = ctx.F32Weights("base", {l.updates}, l.base);
  // Phase 1, per chunk of 128 updates: its target rows (one column of
  // `targets`) and its moving operand [updates | 1] (a slot of `moving`).
  const bool multiply =
      combine == Combine::kMultiply || combine == Combine::kMax || combine == Combine::kMin;
  auto tb = ctx.Sbuf("targets", max_k, chunks * 4);
  auto mb = ctx.Sbuf("moving", max_k, multiply ? 4 : chunks * (w + 1) * 4);
  if (!tb.ok()) return tb.status();
  if (!mb.ok()) return mb.status();
  // The products gather every update's target on every position row: the
  // targets go through DRAM to be read back broadcast.
  DramTensor target_rows;
  if (multiply) target_rows = ctx.ScratchDram("target_rows", neff::DType::F32, {l.updates});
  for (int64_t c = 0; c < chunks; ++c) {
    const int k = static_cast<int>(std::min(part, l.updates - c * part));
    auto xb = ctx.Sbuf("index", k, m * 4), zb = ctx.Sbuf("sizes", k, m * 4);
    auto sb = ctx.Sbuf("strides", k, m * 4), wb = ctx.Sbuf("scratch", k, m * 4);
    auto vb = ctx.Sbuf("valid", k, 4), nb = ctx.Sbuf("nonnegative", k, 4);
    auto ob = ctx.Sbuf("check", k, 4), gb = ctx.Sbuf("checked", k, 4);
    for (auto* b : {&xb, &zb, &sb, &wb, &vb, &nb, &ob, &gb}) {
      if (!b->ok()) return b->status();
    }
    Operand index = ctx.Tile(*xb, k, m), size = ctx.Tile(*zb, k, m), stride = ctx.Tile(*sb, k, m);
    Operand scratch = ctx.Tile(*wb, k, m), valid = ctx.Tile(*vb, k, 1);
    Operand nonnegative = ctx.Tile(*nb, k, 1);
    Operand target = ctx.Tile(*tb, k, 1, c * 4);
    ctx.Dma(index, ctx.View(indices, c * part * m, k, m, {Dim{1, m}}));
    ctx.Dma(size, ctx.View(size_table, 0, k, 0, {Dim{1, m}}));
    ctx.Dma(stride, ctx.View(stride_table, 0, k, 0, {Dim{1, m}}));
    ctx.Dma(target, ctx.View(base_table, c * part, k, 1, {Dim{1, 1}}));
    if (!multiply) {
      ctx.Dma(ctx.Tile(*mb, k, w, c * (w + 1) * 4),
              ctx.View(updates, c * part * w, k, w, {Dim{1, w}}));
      ctx.Memset(ctx.Tile(*mb, k, 1, (c * (w + 1) + w) * 4), 1.0f);
    }
    // Negative components count from the end of their axis.
    ctx.TensorScalar(scratch, index, neff::AluOp::IS_LT, 0.0f);
    ctx.TensorTensor(scratch, scratch, size, neff::AluOp::MULTIPLY);
    ctx.TensorTensor(index, index, scratch, neff::AluOp::ADD);
    // Every component in [0, size), else the update is an error: a one-row
    // gather at row valid - 1 stops the execution with its bounds error.
    ctx.TensorTensor(scratch, index, size, neff::AluOp::IS_LT);
    ctx.TensorReduce(valid, scratch, neff::AluOp::MINIMUM);
    ctx.TensorScalar(scratch, index, neff::AluOp::IS_GE, 0.0f);
    ctx.TensorReduce(nonnegative, scratch, neff::AluOp::MINIMUM);
    ctx.TensorTensor(valid, valid, nonnegative, neff::AluOp::MULTIPLY);
    Operand check = ctx.TypedTile(*ob, neff::DType::I32, k, 1);
    ctx.TensorScalar(valid, valid, neff::AluOp::SUBTRACT, 1.0f);
    ctx.TensorCopy(check, valid);
    ctx.Gather(ctx.Tile(*gb, k, 1), ctx.View(data, 0, 1, 1, {Dim{1, 1}}), check);
    // target = base + sum_j index_j * stride_j
    ctx.TensorTensor(scratch, index, stride, neff::AluOp::MULTIPLY);
    ctx.TensorReduce(valid, scratch, neff::AluOp::ADD);
    ctx.TensorTensor(target, target, valid, neff::AluOp::ADD);
    if (remap != nullptr) {
      if (auto st = remap(ctx, op, target, k); !st.ok()) return st;
    }
    if (multiply) ctx.Dma(ctx.View(target_rows, c * part, k, 1, {Dim{1, 1}}), target);
  }
  if (combine == Combine::kMultiply) {
    return EmitProducts(ctx, l, data, updates, target_rows, y, neff::AluOp::MULTIPLY, 1.0f);
  }
  if (combine == Combine::kMax) {
    return EmitProducts(ctx, l, data, updates, target_rows, y, neff::AluOp::MAXIMUM,
                        -3.4028234663852886e38f);
  }
  if (combine == Combine::kMin) {
    return EmitProducts(ctx, l, data, updates, target_rows, y, neff::AluOp::MINIMUM,
                        3.4028234663852886e38f);
  }
  // Phase 2, per block of 128 positions: sum and count of its updates in
  // PSUM, then data where the count is 0, else the sum (plus data for add).
  for (int64_t p0 = 0; p0 < l.positions; p0 += part) {
    const int rows = static_cast<int>(std::min(part, l.positions - p0));
    auto pb = ctx.Psum("collected", rows, (w + 1) * 4);
    auto eb = ctx.Sbuf("match", max_k, rows * 4);
    auto db = ctx.Sbuf("data", rows, w * 4), rb = ctx.Sbuf("result", rows, w * 4);
    auto hb = ctx.Sbuf("has_update", rows, 4), kb = ctx.Sbuf("keep", rows, w * 4);
    for (auto* b : {&pb, &eb, &db, &rb, &hb, &kb}) {
      if (!b->ok()) return b->status();
    }
    Operand collected = ctx.Tile(*pb, rows, w + 1);
    for (int64_t c = 0; c < chunks; ++c) {
      const int k = static_cast<int>(std::min(part, l.updates - c * part));
      Operand match = ctx.Tile(*eb, k, rows), target = ctx.Tile(*tb, k, 1, c * 4);
      ctx.Iota(match, static_cast<float>(p0), 0.0f, 1.0f);
      ctx.TensorScalarPerPartition(match, match, neff::AluOp::IS_EQUAL, &target, 0.0f,
                                   neff::AluOp::BYPASS, nullptr, 0.0f);
      ctx.Matmul(collected, match, ctx.Tile(*mb, k, w + 1, c * (w + 1) * 4), c == 0,
                 c == chunks - 1);
    }
    Operand data_rows = ctx.Tile(*db, rows, w), result = ctx.Tile(*rb, rows, w);
    Operand has = ctx.Tile(*hb, rows, 1), keep = ctx.Tile(*kb, rows, w);
    ctx.Dma(data_rows, ctx.View(data, p0 * w, rows, w, {Dim{1, w}}));
    ctx.TensorScalar(has, ctx.Tile(*pb, rows, 1, w * 4), neff::AluOp::IS_GT, 0.0f);
    const Operand sums = ctx.Tile(*pb, rows, w);
    if (combine == Combine::kAdd) {
      ctx.TensorTensor(result, data_rows, sums, neff::AluOp::ADD);
    } else if (combine == Combine::kMean) {
      // max(count, 1) keeps positions without updates finite (they keep
      // data); `keep`'s first column holds it until the select below.
      Operand divisor = ctx.Tile(*kb, rows, 1);
      ctx.TensorScalar(divisor, ctx.Tile(*pb, rows, 1, w * 4), neff::AluOp::MAXIMUM, 1.0f);
      ctx.TensorScalarPerPartition(result, sums, neff::AluOp::DIVIDE, &divisor, 0.0f,
                                   neff::AluOp::BYPASS, nullptr, 0.0f);
    } else {
      ctx.TensorCopy(result, sums);
    }
    ctx.Memset(keep, 0.0f);
    ctx.TensorScalarPerPartition(keep, keep, neff::AluOp::ADD, &has, 0.0f, neff::AluOp::BYPASS,
                                 nullptr, 0.0f);
    ctx.Select(result, keep, result, data_rows);
    ctx.Dma(ctx.View(y, p0 * w, rows, w, {Dim{1, w}}), result);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status LowerScatter(const ir::Op& op, LowerContext& ctx) {
  auto layout = Layout(op);
  if (!layout.ok()) return layout.status();
  const std::string reduction = op.GetString("reduction", "none");
  const Combine combine = reduction == "add"   ? Combine::kAdd
                          : reduction == "mul" ? Combine::kMultiply
                          : reduction == "max" ? Combine::kMax
                          : reduction == "min" ? Combine::kMin
                                               : Combine::kReplace;
  return EmitScatter(ctx, op, *layout, ctx.Tensor(op.input(0)), ctx.Tensor(op.input(1)),
                     ctx.Tensor(op.input(2)), ctx.Tensor(op.outputs[0]), combine, nullptr);
}

namespace {

// MaxUnpool's output without output_shape: per spatial dim,
// (in - 1) * stride + kernel - pad_begin - pad_end.
absl::StatusOr<ir::Shape> DefaultUnpoolShape(const ir::Op& op) {
  const ir::Shape& x = op.input(0)->shape;
  const size_t spatial = x.size() - 2;
  const std::vector<int64_t> kernel = op.GetInts("kernel_shape", {});
  const std::vector<int64_t> strides = op.GetInts("strides", std::vector<int64_t>(spatial, 1));
  const std::vector<int64_t> pads = op.GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
  if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial) {
    return Unsupported(
        absl::StrCat("kernel_shape/strides/pads must describe ", spatial, " spatial dims"));
  }
  ir::Shape shape = {x[0], x[1]};
  for (size_t d = 0; d < spatial; ++d) {
    shape.push_back((x[d + 2] - 1) * strides[d] + kernel[d] - pads[d] - pads[d + spatial]);
  }
  return shape;
}

// Each update targets I's flat index into the default output: a single
// component checked against that size, the output one value per row.
absl::StatusOr<ScatterLayout> UnpoolLayout(const ir::Op& op) {
  auto shape = DefaultUnpoolShape(op);
  if (!shape.ok()) return shape.status();
  ScatterLayout l;
  l.positions = op.outputs[0]->num_elements();
  l.updates = op.input(0)->num_elements();
  l.sizes = {static_cast<float>(ir::NumElements(*shape))};
  l.strides = {1.0f};
  l.base.assign(l.updates, 0.0f);
  if (l.positions >= (int64_t{1} << 24)) return Unsupported("an output of 2^24 elements or more");
  const int64_t blocks = (l.positions + 127) / 128, chunks = (l.updates + 127) / 128;
  if (blocks * chunks > kMaxMatmuls || chunks * 3 > kMaxStagedFloats) {
    return Unsupported(absl::StrCat(l.updates, " values into ", l.positions, " positions (at most ",
                                    kMaxMatmuls, " 128x128 match blocks)"));
  }
  return l;
}

// With an output_shape larger than the default, an index keeps its (n, c,
// spatial) coordinates in the default shape (the ONNX test data's reading):
// decoded innermost first with exact fp32 mod and division, re-encoded in
// the output's strides.
absl::Status RemapUnpoolTargets(LowerContext& ctx, const ir::Op& op, const Operand& target, int k) {
  auto shape = DefaultUnpoolShape(op);
  if (!shape.ok()) return shape.status();
  const ir::Shape& out = op.outputs[0]->shape;
  if (*shape == out) return absl::OkStatus();
  auto cb = ctx.Sbuf("coordinate", k, 4), ab = ctx.Sbuf("remapped", k, 4);
  if (!cb.ok()) return cb.status();
  if (!ab.ok()) return ab.status();
  const Operand coordinate = ctx.Tile(*cb, k, 1), remapped = ctx.Tile(*ab, k, 1);
  ctx.Memset(remapped, 0.0f);
  float out_stride = 1.0f;
  for (size_t d = out.size(); d-- > 2;) {
    const float size = static_cast<float>((*shape)[d]);
    ctx.TensorScalar(coordinate, target, neff::AluOp::MOD, size);
    ctx.TensorScalarPerPartition(target, target, neff::AluOp::SUBTRACT, &coordinate, 0.0f,
                                 neff::AluOp::DIVIDE, nullptr, size);
    ctx.TensorScalarPerPartition(remapped, coordinate, neff::AluOp::MULTIPLY, nullptr, out_stride,
                                 neff::AluOp::ADD, &remapped, 0.0f);
    out_stride *= static_cast<float>(out[d]);
  }
  // What is left of the index is n * C + c.
  ctx.TensorScalarPerPartition(target, target, neff::AluOp::MULTIPLY, nullptr, out_stride,
                               neff::AluOp::ADD, &remapped, 0.0f);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckMaxUnpool(const ir::Op& op) {
  if (op.input(0) == nullptr || op.input(1) == nullptr) return Unsupported("needs X and I");
  if (op.input(0)->dtype != ir::DType::kF32 || op.outputs[0]->dtype != ir::DType::kF32) {
    return Unsupported("only f32 X");
  }
  if (op.input(1)->dtype != ir::DType::kI64 && op.input(1)->dtype != ir::DType::kI32) {
    return Unsupported("I must be i32 or i64");
  }
  const ir::Shape& x = op.input(0)->shape;
  const ir::Shape& out = op.outputs[0]->shape;
  if (x.size() < 3 || op.input(1)->shape != x) {
    return Unsupported("X must be [N, C, D1, ...] and I of X's shape");
  }
  auto shape = DefaultUnpoolShape(op);
  if (!shape.ok()) return shape.status();
  if (out.size() != x.size() || out[0] != x[0] || out[1] != x[1]) {
    return Unsupported("the output must keep X's N and C");
  }
  for (size_t d = 2; d < out.size(); ++d) {
    if (out[d] < (*shape)[d]) {
      return Unsupported("an output_shape smaller than the default output shape");
    }
  }
  auto layout = UnpoolLayout(op);
  return layout.ok() ? absl::OkStatus() : layout.status();
}

absl::Status LowerMaxUnpool(const ir::Op& op, LowerContext& ctx) {
  auto layout = UnpoolLayout(op);
  if (!layout.ok()) return layout.status();
  const ir::Shape& out = op.outputs[0]->shape;
  const DramTensor zeros =
      ctx.F32Weights("zeros", out, std::vector<float>(ir::NumElements(out), 0.0f));
  // Overlapping windows can give one index twice (the same input element,
  // so the same value): the mean keeps it.
  return EmitScatter(ctx, op, *layout, zeros, ctx.Tensor(op.input(1)), ctx.Tensor(op.input(0)),
                     ctx.Tensor(op.outputs[0]), Combine::kMean, RemapUnpoolTargets);
}

}  // namespace ncc::lower
