// The tile program: what lowering produces and allocation, scheduling and
// the NEFF writer consume. Instructions are the ISA of docs/isa.md over
// symbolic buffers; allocation later gives each buffer an address, and the
// scheduler assigns queues and semaphores.
#ifndef NCC_COMPILER_LOWER_TILE_PROGRAM_H_
#define NCC_COMPILER_LOWER_TILE_PROGRAM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "compiler/ir/bytes.h"
#include "target/isa_generated.h"
#include "target/neuroncore.h"

namespace ncc::lower {

using Space = neff::MemorySpace;

// A symbolic allocation. SBUF/PSUM buffers span partitions
// [0, partitions) and `bytes` per partition; DRAM/WEIGHTS buffers are
// `bytes` long.
struct Buffer {
  std::string name;
  Space space = Space::SBUF;
  int partitions = 1;
  int64_t bytes = 0;
  // WEIGHTS only: the contents, owned here or (for model constants) read
  // from the graph, which outlives the program, instead of copied.
  std::vector<uint8_t> data;
  const ir::Bytes* external = nullptr;

  absl::Span<const uint8_t> contents() const {
    return external ? external->span() : absl::MakeConstSpan(data);
  }
  // Set by allocation: byte offset (within a partition for SBUF/PSUM).
  int64_t address = -1;
  // Set by allocation: buffers in the same space whose addresses overlap
  // this one and whose lifetimes ended before it starts (so its first use
  // must wait for their last).
  std::vector<int> reuses;
  // Pinned buffers (model inputs and outputs) live for the whole program.
  bool pinned = false;
};

struct Dim {
  int64_t stride = 1;  // elements
  int64_t size = 1;
};

// An access pattern over a buffer (docs/isa.md). `offset` is in bytes from
// the buffer's start.
struct Operand {
  int buffer = -1;
  neff::DType dtype = neff::DType::F32;
  int64_t offset = 0;
  int start_partition = 0;
  int num_partitions = 1;
  int64_t partition_stride = 0;  // DRAM/WEIGHTS only, elements
  std::vector<Dim> dims;

  bool valid() const { return buffer >= 0; }
  int64_t free_size() const {
    int64_t n = 1;
    for (const Dim& d : dims) n *= d.size;
    return n;
  }
  int64_t num_elements() const { return free_size() * num_partitions; }
};

struct TileInst {
  neff::Opcode opcode = neff::Opcode::DMA_COPY;
  target::Engine engine = target::Engine::kDma;
  Operand dst, src0, src1, bias, src2, accum;
  neff::ActivationFunction func = neff::ActivationFunction::IDENTITY;
  neff::AluOp alu = neff::AluOp::ADD;
  float scale = 1.0f;
  float imm = 0.0f;
  neff::AluOp alu2 = neff::AluOp::BYPASS;
  float imm2 = 0.0f;
  bool accumulate_start = false;
  bool accumulate_stop = false;
  int node = -1;  // index into TileProgram::nodes
};

// A model input or output tensor in DRAM.
struct IoTensor {
  std::string name;
  neff::DType dtype = neff::DType::F32;
  std::vector<int64_t> shape;
  int buffer = -1;
};

struct TileProgram {
  std::vector<Buffer> buffers;
  std::vector<TileInst> insts;
  // Run once when the model is loaded, before any execution (NEFF
  // load_queues): the loads of weights kept resident in SBUF
  // (alloc::PinWeights). Empty unless weights are pinned.
  std::vector<TileInst> load_insts;
  std::vector<std::string> nodes;  // "Conv 'conv1'"
  std::vector<IoTensor> inputs;
  std::vector<IoTensor> outputs;

  int AddBuffer(Buffer buffer) {
    buffers.push_back(std::move(buffer));
    return static_cast<int>(buffers.size()) - 1;
  }
  void Emit(TileInst inst) { insts.push_back(std::move(inst)); }
};

inline int ElemSize(neff::DType dtype) {
  switch (dtype) {
    case neff::DType::F32:
    case neff::DType::I32:
    case neff::DType::U32:
      return 4;
    case neff::DType::BF16:
    case neff::DType::F16:
    case neff::DType::I16:
    case neff::DType::U16:
      return 2;
    case neff::DType::I64:
    case neff::DType::F64:
    case neff::DType::U64:
      return 8;
    case neff::DType::BOOL:
    case neff::DType::I8:
    case neff::DType::U8:
      return 1;
  }
  return 1;
}

// Byte range [lo, hi) an access pattern touches relative to its buffer's
// start: within a partition for on-chip buffers, across the partition
// dimension too for DRAM/WEIGHTS (partition_stride).
inline std::pair<int64_t, int64_t> ByteRange(const Operand& op) {
  const int64_t elem = ElemSize(op.dtype);
  int64_t lo = 0, hi = 0;
  auto extend = [&](int64_t stride, int64_t size) {
    if (size <= 0) return;
    const int64_t span = stride * (size - 1);
    if (span < 0) {
      lo += span;
    } else {
      hi += span;
    }
  };
  if (op.partition_stride != 0) extend(op.partition_stride, op.num_partitions);
  for (const Dim& d : op.dims) extend(d.stride, d.size);
  return {op.offset + lo * elem, op.offset + (hi + 1) * elem};
}

}  // namespace ncc::lower

#endif  // NCC_COMPILER_LOWER_TILE_PROGRAM_H_
