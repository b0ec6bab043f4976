// Recurrent layers: aten::lstm, aten::gru, aten::rnn_tanh and aten::rnn_relu,
// one ONNX LSTM/GRU/RNN IR op per layer.
//
// torch's flat weights (per layer, per direction: w_ih, w_hh, b_ih, b_hh) are
// constants after freezing; they are restacked at compile time into ONNX's
// W [D, G*H, I], R [D, G*H, H] and B [D, 2*G*H], with the gate blocks
// reordered (LSTM: torch i,f,g,o -> ONNX i,o,f,c; GRU: torch r,z,n -> ONNX
// z,r,h). torch's GRU applies the reset gate after the recurrent matmul,
// which is ONNX's linear_before_reset=1. The ops run sequence-major
// (layout=0): a batch_first input is transposed once before the first layer
// and the output once after the last, which the cost model rates cheaper
// than layout=1's per-step strided accesses (and is the IR torch.onnx.export
// gives, so both frontends reach the same program). The layers' final states
// are concatenated into torch's [num_layers * D, B, H].
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "frontends/pytorch/op_table.h"
#include "frontends/pytorch/ops_util.h"

namespace ncc::pytorch_frontend {
namespace {

enum class Cell { kLstm, kGru, kRnnTanh, kRnnRelu };

struct CellInfo {
  const char* onnx_type;
  // For each ONNX gate block, the torch gate block it comes from.
  std::vector<int64_t> order;
};

CellInfo InfoOf(Cell cell) {
  switch (cell) {
    case Cell::kLstm:
      return {"LSTM", {0, 3, 1, 2}};
    case Cell::kGru:
      return {"GRU", {1, 0, 2}};
    case Cell::kRnnTanh:
    case Cell::kRnnRelu:
      return {"RNN", {0}};
  }
  return {"RNN", {0}};
}

// torch gate blocks (rows of `t`, `hidden` each) in ONNX's order.
at::Tensor Reorder(const at::Tensor& t, const std::vector<int64_t>& order, int64_t hidden) {
  std::vector<at::Tensor> parts;
  for (int64_t g : order) parts.push_back(t.narrow(0, g * hidden, hidden));
  return at::cat(parts, 0);
}

// Layer `layer`'s slice [D, B, H] of a torch state [L * D, B, H]; null when
// the whole state is a constant zero (ONNX's default initial state).
absl::StatusOr<ir::Value*> InitialState(ConvertContext& ctx, const at::Tensor& state, int64_t layer,
                                        int64_t directions) {
  NCC_PT_ASSIGN(value, ctx.TensorValue(state));
  if (value->dtype != ir::DType::kF32)
    return ctx.Unsupported("an initial state that is not float32");
  if (value->shape.size() != 3) return ctx.Unsupported("an initial state that is not 3-D");
  const int64_t b = value->shape[1], h = value->shape[2];
  if (value->is_constant) {
    if (state.eq(0).all().item<bool>()) return nullptr;
    return ctx.Constant(state.narrow(0, layer * directions, directions).contiguous());
  }
  ir::Value* part = value;
  if (value->shape[0] != directions) {
    part = ctx.Emit("Slice",
                    {value, ctx.I64Constant({layer * directions}),
                     ctx.I64Constant({(layer + 1) * directions}), ctx.I64Constant({0})},
                    {directions, b, h}, value->dtype);
  }
  return part;
}

// [a, b, c] -> [b, a, c]
ir::Value* SwapLeadingAxes(ConvertContext& ctx, ir::Value* x) {
  const ir::Shape& s = x->shape;
  return ctx.Emit("Transpose", {x}, {s[1], s[0], s[2]}, x->dtype,
                  {{"perm", std::vector<int64_t>{1, 0, 2}}});
}

// lstm(input, hx[2], params[], has_biases, num_layers, dropout, train,
//      bidirectional, batch_first) -> (output, h_n, c_n)
// gru / rnn_tanh / rnn_relu(input, hx, params[], has_biases, num_layers,
//      dropout, train, bidirectional, batch_first) -> (output, h_n)
absl::Status Recurrent(ConvertContext& ctx, Cell cell) {
  const CellInfo info = InfoOf(cell);
  const bool lstm = cell == Cell::kLstm;
  // The PackedSequence overloads (data, batch_sizes, hx, params, ...) have
  // no batch_first and a tensor where the states/params list is expected.
  if (ctx.num_inputs() != 9 || !ctx.input(2).isTensorList() ||
      (lstm && !ctx.input(1).isTensorList())) {
    return ctx.Unsupported("a PackedSequence input (pack_padded_sequence); pass padded tensors");
  }
  NCC_PT_ASSIGN(x, ctx.Tensor(0));
  NCC_PT_ASSIGN(has_biases, ctx.Bool(3));
  NCC_PT_ASSIGN(layers, ctx.Int(4));
  NCC_PT_ASSIGN(dropout, ctx.Double(5));
  NCC_PT_ASSIGN(train, ctx.Bool(6));
  NCC_PT_ASSIGN(bidirectional, ctx.Bool(7));
  NCC_PT_ASSIGN(batch_first, ctx.Bool(8));
  if (train && dropout > 0 && layers > 1) {
    return ctx.Unsupported("dropout between layers in training mode (call model.eval())");
  }
  if (Rank(x) != 3) return ctx.Unsupported(absl::StrCat("an input of rank ", Rank(x)));
  if (x->dtype != ir::DType::kF32) return ctx.Unsupported("an input that is not float32");
  const int64_t directions = bidirectional ? 2 : 1;
  const int64_t per_direction = has_biases ? 4 : 2;
  std::vector<at::Tensor> params = ctx.input(2).toTensorVector();
  if (lstm && static_cast<int64_t>(params.size()) == layers * directions * (per_direction + 1)) {
    return ctx.Unsupported("proj_size > 0 (LSTM with projections)");
  }
  if (layers <= 0 || static_cast<int64_t>(params.size()) != layers * directions * per_direction) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", layers * directions * per_direction,
                                                   " weights, got ", params.size()));
  }
  for (const at::Tensor& p : params) {
    NCC_PT_ASSIGN(value, ctx.TensorValue(p));
    if (!value->is_constant) {
      return ctx.Unsupported("weights computed at run time (only constant weights are supported)");
    }
    if (p.scalar_type() != at::kFloat) return ctx.Unsupported("weights that are not float32");
  }
  std::vector<at::Tensor> states;
  if (lstm) {
    states = ctx.input(1).toTensorVector();
    if (states.size() != 2) return absl::InvalidArgumentError("hx must hold h_0 and c_0");
  } else {
    states = {ctx.input(1).toTensor()};
  }

  if (params[1].dim() != 2) return absl::InvalidArgumentError("w_hh is not a matrix");
  const int64_t hidden = params[1].size(1);
  if (batch_first) x = SwapLeadingAxes(ctx, x);
  const int64_t seq = x->shape[0];
  const int64_t batch = x->shape[1];
  std::map<std::string, ir::Attribute> attrs = {
      {"hidden_size", hidden},
      {"direction", std::string(bidirectional ? "bidirectional" : "forward")},
  };
  if (cell == Cell::kGru) attrs["linear_before_reset"] = int64_t{1};
  if (cell == Cell::kRnnRelu) {
    attrs["activations"] = std::vector<std::string>(directions, "Relu");
  }
  const ir::Shape y_shape = {seq, directions, batch, hidden};
  const ir::Shape state_shape = {directions, batch, hidden};

  std::vector<std::vector<ir::Value*>> finals(states.size());
  ir::Value* layer_in = x;
  for (int64_t l = 0; l < layers; ++l) {
    std::vector<at::Tensor> w, r, b;
    for (int64_t d = 0; d < directions; ++d) {
      const at::Tensor* p = &params[(l * directions + d) * per_direction];
      const int64_t rows = static_cast<int64_t>(info.order.size()) * hidden;
      const int64_t in = layer_in->shape[2];
      bool ok = p[0].sizes().vec() == std::vector<int64_t>{rows, in} &&
                p[1].sizes().vec() == std::vector<int64_t>{rows, hidden};
      if (has_biases) {
        ok = ok && p[2].sizes().vec() == std::vector<int64_t>{rows} &&
             p[3].sizes().vec() == std::vector<int64_t>{rows};
      }
      if (!ok) {
        return absl::InvalidArgumentError(
            absl::StrCat("layer ", l, " direction ", d, ": weights do not match ", info.onnx_type,
                         " with input size ", in, " and hidden size ", hidden));
      }
      w.push_back(Reorder(p[0], info.order, hidden));
      r.push_back(Reorder(p[1], info.order, hidden));
      if (has_biases) {
        b.push_back(
            at::cat({Reorder(p[2], info.order, hidden), Reorder(p[3], info.order, hidden)}));
      }
    }
    std::vector<ir::Value*> inputs = {layer_in, ctx.Constant(at::stack(w)),
                                      ctx.Constant(at::stack(r)),
                                      has_biases ? ctx.Constant(at::stack(b)) : nullptr, nullptr};
    for (const at::Tensor& s : states) {
      NCC_PT_ASSIGN(init, InitialState(ctx, s, l, directions));
      inputs.push_back(init);
    }
    while (inputs.back() == nullptr) inputs.pop_back();
    std::vector<ir::Shape> shapes = {y_shape};
    std::vector<ir::DType> dtypes = {ir::DType::kF32};
    for (size_t i = 0; i < states.size(); ++i) {
      shapes.push_back(state_shape);
      dtypes.push_back(ir::DType::kF32);
    }
    std::vector<ir::Value*> outs = ctx.EmitMulti(info.onnx_type, inputs, shapes, dtypes, attrs);
    // Y [T, D, B, H] -> [T, B, D * H]
    ir::Value* y = ctx.Emit("Transpose", {outs[0]}, {seq, batch, directions, hidden},
                            ir::DType::kF32, {{"perm", std::vector<int64_t>{0, 2, 1, 3}}});
    layer_in = ctx.ReshapeTo(y, {seq, batch, directions * hidden});
    for (size_t i = 0; i < states.size(); ++i) finals[i].push_back(outs[1 + i]);
  }
  NCC_PT_RETURN_IF_ERROR(ctx.Set(0, batch_first ? SwapLeadingAxes(ctx, layer_in) : layer_in));
  for (size_t i = 0; i < finals.size(); ++i) {
    ir::Value* state = finals[i][0];
    if (finals[i].size() > 1) {
      state = ctx.Emit("Concat", finals[i], {layers * directions, batch, hidden}, ir::DType::kF32,
                       {{"axis", int64_t{0}}});
    }
    NCC_PT_RETURN_IF_ERROR(ctx.Set(1 + i, state));
  }
  return absl::OkStatus();
}

absl::Status Lstm(ConvertContext& ctx) { return Recurrent(ctx, Cell::kLstm); }
absl::Status Gru(ConvertContext& ctx) { return Recurrent(ctx, Cell::kGru); }
absl::Status RnnTanh(ConvertContext& ctx) { return Recurrent(ctx, Cell::kRnnTanh); }
absl::Status RnnRelu(ConvertContext& ctx) { return Recurrent(ctx, Cell::kRnnRelu); }

constexpr const char* kLimits =
    "float32, constant weights, hidden_size <= 128, batch <= 512; eval mode; no PackedSequence";

constexpr TorchOpSupport kOps[] = {
    {"aten::gru", Gru, kLimits},
    {"aten::lstm", Lstm,
     "float32, constant weights, hidden_size <= 128, batch <= 512; eval mode; "
     "no PackedSequence, no proj_size"},
    {"aten::rnn_relu", RnnRelu, kLimits},
    {"aten::rnn_tanh", RnnTanh, kLimits},
};

}  // namespace

absl::Span<const TorchOpSupport> RecurrentOps() { return kOps; }

}  // namespace ncc::pytorch_frontend
