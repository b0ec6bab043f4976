// Shared state and instruction builders for the per-op-family lowerings.
#ifndef NCC_COMPILER_LOWER_LOWER_CONTEXT_H_
#define NCC_COMPILER_LOWER_LOWER_CONTEXT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"
#include "compiler/lower/tile_program.h"
#include "target/neuroncore.h"

namespace ncc::lower {

// Where an IR value lives in device memory: row-major in its IR shape.
struct DramTensor {
  int buffer = -1;
  Space space = Space::DRAM;
  neff::DType dtype = neff::DType::F32;
  ir::Shape shape;
  // Set when a Cast was folded into this tensor's loads: on-chip tiles hold
  // this type and the load DMAs convert (cast-on-load).
  std::optional<neff::DType> load_dtype;

  // The element type of on-chip tiles loaded from this tensor.
  neff::DType tile_dtype() const { return load_dtype.value_or(dtype); }
};

class LowerContext {
 public:
  LowerContext(TileProgram* program, const target::CoreSpec* spec)
      : program_(program), spec_(spec) {}

  TileProgram& program() { return *program_; }
  const target::CoreSpec& spec() const { return *spec_; }
  void set_node(int node, const ir::Op* op) {
    node_ = node;
    op_ = op;
  }
  const ir::Op& op() const { return *op_; }
  // The model's default-domain opset (0: latest semantics).
  int64_t opset() const { return opset_; }
  void set_opset(int64_t opset) { opset_ = opset; }

  // The DRAM tensor holding `value` (created by the driver loop).
  const DramTensor& Tensor(const ir::Value* value) const { return tensors_.at(value); }
  bool HasTensor(const ir::Value* value) const { return tensors_.contains(value); }
  void BindTensor(const ir::Value* value, DramTensor tensor) {
    tensors_[value] = std::move(tensor);
  }
  // A fresh DRAM buffer for `value`.
  DramTensor& NewDramTensor(const ir::Value* value);
  // A DRAM buffer for an intermediate result of the current op, named
  // after it.
  DramTensor ScratchDram(absl::string_view what, neff::DType dtype, ir::Shape shape);

  // On-chip buffers; fails when the tile can never fit.
  absl::StatusOr<int> Sbuf(absl::string_view what, int partitions, int64_t bytes_per_partition);
  absl::StatusOr<int> Psum(absl::string_view what, int partitions, int64_t bytes_per_partition);

  // A compile-time f32 tensor (row-major `values`) in the NEFF's weights
  // section, named after the current op.
  DramTensor F32Weights(absl::string_view what, ir::Shape shape, const std::vector<float>& values);

  // A contiguous [partitions, free] f32 view of an on-chip buffer.
  Operand Tile(int buffer, int partitions, int64_t free, int64_t byte_offset = 0,
               int start_partition = 0) const;
  // The same, with an element type other than f32.
  Operand TypedTile(int buffer, neff::DType dtype, int partitions, int64_t free,
                    int64_t byte_offset = 0) const {
    Operand op = Tile(buffer, partitions, free, byte_offset);
    op.dtype = dtype;
    return op;
  }
  // A view of a DRAM/WEIGHTS tensor starting at element `elem_offset`.
  Operand View(const DramTensor& tensor, int64_t elem_offset, int partitions,
               int64_t partition_stride, std::vector<Dim> dims) const;

  void Dma(const Operand& dst, const Operand& src);
  void Memset(const Operand& dst, float value);
  void Matmul(const Operand& psum, const Operand& stationary, const Operand& moving, bool start,
              bool stop);
  void Activation(const Operand& dst, const Operand& src, neff::ActivationFunction func,
                  float scale, const Operand* bias);
  void TensorTensor(const Operand& dst, const Operand& a, const Operand& b, neff::AluOp alu,
                    target::Engine engine = target::Engine::kVector);
  void TensorScalar(const Operand& dst, const Operand& a, neff::AluOp alu, float imm);
  // dst = (a <alu> s1) <alu2> s2 with per-partition scalars s1/s2 (one
  // element per partition) where given, immediates otherwise.
  void TensorScalarPerPartition(const Operand& dst, const Operand& a, neff::AluOp alu,
                                const Operand* s1, float imm, neff::AluOp alu2, const Operand* s2,
                                float imm2);
  void TensorCopy(const Operand& dst, const Operand& src);
  // dst[p][g] = reduce of src[p][g*R .. (g+1)*R).
  void TensorReduce(const Operand& dst, const Operand& src, neff::AluOp alu);
  // Activation that also sums its outputs per partition into `accum`.
  void ActivationAccumulate(const Operand& dst, const Operand& src, neff::ActivationFunction func,
                            float scale, const Operand* bias, const Operand& accum);
  // TensorE transpose into PSUM: dst[f][p] = src[p][f].
  void Transpose(const Operand& psum, const Operand& src);
  void Iota(const Operand& dst, float base, float partition_step, float free_step);
  void Select(const Operand& dst, const Operand& predicate, const Operand& on_true,
              const Operand& on_false);
  // dst[p] = row index[p] of `table`.
  // DMA_GATHER of the rows `index` of `table`. `given`, when the index was
  // computed from one the model supplied (wrapped, scaled, or -1 when out of
  // range), holds that index as given (i32/i64 in SBUF, one row per
  // partition), so that an out-of-range error reports it.
  void Gather(const Operand& dst, const Operand& table, const Operand& index,
              const Operand* given = nullptr);

  // Loads `rows` rows of `width` elements per partition (partition p reads
  // from src_offset + p * partition_stride, rows contiguous in DRAM) into
  // `dst`, whose free dims are {pitch, rows}, {1, width}. When pitch >
  // width (a padded tile) a direct DMA would move width-element runs at a
  // fraction of the DMA rate; the rows land in a contiguous staging tile
  // instead and an on-chip copy spreads them.
  absl::Status LoadRows(const Operand& dst, const DramTensor& src, int64_t src_offset,
                        int64_t partition_stride, int64_t rows, int64_t width);

  // The current op's `fused_clip_max` (from a fused Clip(x, 0, c)), applied
  // in place after its fused Relu; nothing when absent.
  void ApplyFusedClip(const Operand& tile);

  // Name prefix for buffers of the current op.
  std::string Name(absl::string_view what) const;

 private:
  void Emit(TileInst inst);
  absl::StatusOr<int> OnChip(Space space, absl::string_view what, int partitions,
                             int64_t bytes_per_partition);

  TileProgram* program_;
  const target::CoreSpec* spec_;
  int node_ = -1;
  const ir::Op* op_ = nullptr;
  int64_t opset_ = 0;
  absl::flat_hash_map<const ir::Value*, DramTensor> tensors_;
};

// Maps a fused-activation attribute ("Relu", "Sigmoid", ...) or an op type
// to the Scalar engine's function.
bool ActivationFor(absl::string_view name, neff::ActivationFunction* func);

absl::StatusOr<neff::DType> ToNeffDType(ir::DType dtype);

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_LOWER_CONTEXT_H_
