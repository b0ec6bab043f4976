// Hand-built tile programs for the tests of passes over them (residency,
// weight pinning): buffers, operands and instructions in a line each.
#ifndef NCC_COMPILER_LOWER_TESTING_TILE_BUILDERS_H_
#define NCC_COMPILER_LOWER_TESTING_TILE_BUILDERS_H_

#include <cstdint>

#include "compiler/lower/tile_program.h"

namespace ncc::lower::testing {

// A buffer of `bytes` (per partition on chip); WEIGHTS buffers get that
// many bytes of contents (all 1).
inline int AddBuffer(TileProgram& p, Space space, int partitions, int64_t bytes, const char* name,
                     bool pinned = false) {
  Buffer b;
  b.name = name;
  b.space = space;
  b.partitions = partitions;
  b.bytes = bytes;
  b.pinned = pinned;
  if (space == Space::WEIGHTS) b.data.assign(bytes, 1);
  return p.AddBuffer(b);
}

// [partitions, free] tile at `byte_offset` of an on-chip buffer.
inline Operand Tile(int buffer, int partitions, int64_t free, int64_t byte_offset = 0,
                    neff::DType dtype = neff::DType::F32) {
  Operand op;
  op.buffer = buffer;
  op.dtype = dtype;
  op.offset = byte_offset;
  op.num_partitions = partitions;
  op.dims = {Dim{1, free}};
  return op;
}

// Rows of a row-major f32 DRAM or WEIGHTS matrix: `partitions` rows of
// `free` elements, `row_stride` elements apart, from element `elem_offset`.
inline Operand Rows(int buffer, int partitions, int64_t free, int64_t row_stride,
                    int64_t elem_offset = 0) {
  Operand op = Tile(buffer, partitions, free, elem_offset * 4);
  op.partition_stride = row_stride;
  return op;
}

inline void Emit(TileProgram& p, neff::Opcode opcode, target::Engine engine, const Operand& dst,
                 const Operand& src) {
  TileInst inst;
  inst.opcode = opcode;
  inst.engine = engine;
  inst.dst = dst;
  inst.src0 = src;
  p.Emit(inst);
}

inline void Dma(TileProgram& p, const Operand& dst, const Operand& src) {
  Emit(p, neff::Opcode::DMA_COPY, target::Engine::kDma, dst, src);
}

inline void Compute(TileProgram& p, const Operand& dst, const Operand& src) {
  Emit(p, neff::Opcode::ACTIVATION, target::Engine::kScalar, dst, src);
}

}  // namespace ncc::lower::testing

#endif  // NCC_COMPILER_LOWER_TESTING_TILE_BUILDERS_H_
