#include "compiler/lower/elementwise.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "compiler/lower/support.h"

namespace ncc::lower {
namespace {

// Free elements per partition in one tile (8 KiB of f32).
constexpr int64_t kMaxFree = 2048;

enum class Broadcast { kSame, kScalar, kSuffix, kOther };

// How `operand` maps onto `out` under NumPy broadcasting: identical layout,
// one element, or a suffix of the output's dims (leading 1s dropped).
Broadcast Classify(const ir::Shape& operand, const ir::Shape& out) {
  if (ir::NumElements(operand) == ir::NumElements(out)) return Broadcast::kSame;
  if (ir::NumElements(operand) == 1) return Broadcast::kScalar;
  ir::Shape stripped(operand);
  while (!stripped.empty() && stripped.front() == 1) stripped.erase(stripped.begin());
  if (stripped.size() <= out.size() &&
      std::equal(stripped.begin(), stripped.end(), out.end() - stripped.size())) {
    return Broadcast::kSuffix;
  }
  return Broadcast::kOther;
}

bool ParseAlu(absl::string_view type, neff::AluOp* alu) {
  if (type == "Add") *alu = neff::AluOp::ADD;
  else if (type == "Sub") *alu = neff::AluOp::SUBTRACT;
  else if (type == "Mul") *alu = neff::AluOp::MULTIPLY;
  else if (type == "Div") *alu = neff::AluOp::DIVIDE;
  else if (type == "Max") *alu = neff::AluOp::MAXIMUM;
  else if (type == "Min") *alu = neff::AluOp::MINIMUM;
  else return false;
  return true;
}

// Expands a constant to the full output shape at compile time (for
// broadcasts no access pattern can express, e.g. a [C,1,1] bias in NCHW).
DramTensor MaterializeBroadcast(LowerContext& ctx, const ir::Value& value,
                                const ir::Shape& out) {
  const int64_t n = ir::NumElements(out);
  const size_t rank = out.size();
  ir::Shape in(rank, 1);
  std::copy(value.shape.begin(), value.shape.end(), in.end() - value.shape.size());
  std::vector<uint8_t> data(n * 4);
  const float* src = value.data_as<float>();
  float* dst = reinterpret_cast<float*>(data.data());
  for (int64_t i = 0; i < n; ++i) {
    int64_t rem = i, src_index = 0, scale = 1;
    for (size_t d = rank; d-- > 0;) {
      int64_t idx = rem % out[d];
      rem /= out[d];
      if (in[d] != 1) src_index += idx * scale;
      scale *= in[d];
    }
    dst[i] = src[src_index];
  }
  Buffer buffer;
  buffer.name = absl::StrCat(value.name, "/broadcast");
  buffer.space = Space::WEIGHTS;
  buffer.bytes = n * 4;
  buffer.data = std::move(data);
  DramTensor tensor;
  tensor.buffer = ctx.program().AddBuffer(std::move(buffer));
  tensor.space = Space::WEIGHTS;
  tensor.shape = out;
  return tensor;
}

struct Chunk {
  int64_t start;  // first element
  int rows;       // partitions
  int64_t free;   // elements per partition
};

std::vector<Chunk> Chunks(int64_t total, int64_t free_per_row, int partitions) {
  std::vector<Chunk> chunks;
  for (int64_t c = 0; c < total;) {
    if (total - c >= free_per_row) {
      int rows = static_cast<int>(std::min<int64_t>(partitions, (total - c) / free_per_row));
      chunks.push_back({c, rows, free_per_row});
      c += rows * free_per_row;
    } else {
      chunks.push_back({c, 1, total - c});
      c = total;
    }
  }
  return chunks;
}

Operand OperandView(LowerContext& ctx, const DramTensor& t, Broadcast kind,
                    const Chunk& chunk, int64_t row_stride) {
  switch (kind) {
    case Broadcast::kScalar:
      return ctx.View(t, 0, chunk.rows, 0, {Dim{0, chunk.free}});
    case Broadcast::kSuffix: {
      const int64_t s = ir::NumElements(t.shape);
      return ctx.View(t, 0, chunk.rows, 0, {Dim{0, chunk.free / s}, Dim{1, s}});
    }
    default:
      return ctx.View(t, chunk.start, chunk.rows, row_stride, {Dim{1, chunk.free}});
  }
}

}  // namespace

absl::Status CheckBinary(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.inputs.size() != 2 || !op.input(0) || !op.input(1)) {
    return Unsupported("exactly two inputs");
  }
  const ir::Shape& out = op.outputs[0]->shape;
  int64_t period = 1;
  for (const ir::Value* in : op.inputs) {
    Broadcast kind = Classify(in->shape, out);
    if (kind == Broadcast::kOther && !in->is_constant) {
      return Unsupported(absl::StrCat("broadcast of non-constant ", ir::ShapeToString(in->shape),
                                          " to ", ir::ShapeToString(out)));
    }
    if (kind == Broadcast::kSuffix) period = std::lcm(period, in->num_elements());
  }
  if (period > kMaxFree) {
    for (const ir::Value* in : op.inputs) {
      if (Classify(in->shape, out) == Broadcast::kSuffix && !in->is_constant) {
        return Unsupported(absl::StrCat("broadcast period ", period, " above ", kMaxFree));
      }
    }
  }
  return CheckFusedActivation(op);
}

absl::Status LowerBinary(const ir::Op& op, LowerContext& ctx) {
  neff::AluOp alu = neff::AluOp::ADD;
  ParseAlu(op.type, &alu);
  const ir::Shape& out_shape = op.outputs[0]->shape;
  const int64_t total = ir::NumElements(out_shape);
  const int partitions = ctx.spec().partitions;

  DramTensor operands[2];
  Broadcast kinds[2];
  int64_t period = 1;
  for (int i = 0; i < 2; ++i) {
    const ir::Value* in = op.input(i);
    kinds[i] = Classify(in->shape, out_shape);
    operands[i] = ctx.Tensor(in);
    if (kinds[i] == Broadcast::kSuffix) period = std::lcm(period, in->num_elements());
    if (kinds[i] == Broadcast::kOther ||
        (kinds[i] == Broadcast::kSuffix && period > kMaxFree)) {
      operands[i] = MaterializeBroadcast(ctx, *in, out_shape);
      kinds[i] = Broadcast::kSame;
    }
  }
  if (period > kMaxFree) period = 1;
  // F: a multiple of every suffix operand's period, near total / 128.
  const int64_t target = std::min<int64_t>(kMaxFree, (total + partitions - 1) / partitions);
  const int64_t free_per_row = std::max<int64_t>(period, target / period * period);

  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  ActivationFor(op.GetString("fused_activation", ""), &func);
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  for (const Chunk& chunk : Chunks(total, free_per_row, partitions)) {
    auto abuf = ctx.Sbuf("lhs", chunk.rows, chunk.free * 4);
    if (!abuf.ok()) return abuf.status();
    auto bbuf = ctx.Sbuf("rhs", chunk.rows, chunk.free * 4);
    if (!bbuf.ok()) return bbuf.status();
    Operand a = ctx.Tile(*abuf, chunk.rows, chunk.free);
    Operand b = ctx.Tile(*bbuf, chunk.rows, chunk.free);
    ctx.Dma(a, OperandView(ctx, operands[0], kinds[0], chunk, free_per_row));
    ctx.Dma(b, OperandView(ctx, operands[1], kinds[1], chunk, free_per_row));
    ctx.TensorTensor(a, a, b, alu);
    if (func != neff::ActivationFunction::IDENTITY) {
      ctx.Activation(a, a, func, 1.0f, nullptr);
    }
    ctx.Dma(OperandView(ctx, y, Broadcast::kSame, chunk, free_per_row), a);
  }
  return absl::OkStatus();
}

absl::Status CheckUnary(const ir::Op& op) {
  if (auto s = RequireF32(op); !s.ok()) return s;
  if (op.input(0) == nullptr) return Unsupported("missing input");
  return absl::OkStatus();
}

absl::Status LowerUnary(const ir::Op& op, LowerContext& ctx) {
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  ActivationFor(op.type, &func);
  const DramTensor& x = ctx.Tensor(op.input(0));
  const DramTensor& y = ctx.Tensor(op.outputs[0]);
  const int64_t total = ir::NumElements(y.shape);
  const int partitions = ctx.spec().partitions;
  const int64_t free_per_row =
      std::max<int64_t>(1, std::min<int64_t>(kMaxFree, (total + partitions - 1) / partitions));
  for (const Chunk& chunk : Chunks(total, free_per_row, partitions)) {
    auto buf = ctx.Sbuf("x", chunk.rows, chunk.free * 4);
    if (!buf.ok()) return buf.status();
    Operand t = ctx.Tile(*buf, chunk.rows, chunk.free);
    ctx.Dma(t, OperandView(ctx, x, Broadcast::kSame, chunk, free_per_row));
    ctx.Activation(t, t, func, 1.0f, nullptr);
    ctx.Dma(OperandView(ctx, y, Broadcast::kSame, chunk, free_per_row), t);
  }
  return absl::OkStatus();
}

}  // namespace ncc::lower
