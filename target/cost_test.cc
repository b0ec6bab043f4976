#include "target/cost.h"

#include <gtest/gtest.h>

namespace ncc::target {
namespace {

OperandCostShape Operand(int64_t partitions, int64_t free_size, int elem_bytes,
                         int64_t contiguous_bytes = 0) {
  return {free_size, partitions, elem_bytes, contiguous_bytes};
}

InstructionCostShape Inst(neff::Opcode opcode, Engine engine, OperandCostShape dst,
                          OperandCostShape src0 = {}, OperandCostShape src1 = {}) {
  return {opcode, engine, dst, src0, src1};
}

TEST(InstructionCost, MatmulUsesStationaryAndMovingSizes) {
  const CoreSpec& spec = NeuronCoreV2();
  const auto mm = Inst(neff::Opcode::MATMUL, Engine::kTensor, Operand(128, 512, 4),
                       Operand(128, 128, 2), Operand(128, 512, 2));
  EXPECT_EQ(InstructionCostNs(spec, mm), MatmulNs(spec, 128, 512, 2));
}

TEST(InstructionCost, TensorTransposeIsAMatmulAgainstTheIdentity) {
  const CoreSpec& spec = NeuronCoreV2();
  const auto t =
      Inst(neff::Opcode::TRANSPOSE, Engine::kTensor, Operand(32, 96, 4), Operand(96, 32, 2));
  EXPECT_EQ(InstructionCostNs(spec, t), MatmulNs(spec, 32, 96, 2));
  const auto v =
      Inst(neff::Opcode::TRANSPOSE, Engine::kVector, Operand(32, 32, 4), Operand(32, 32, 4));
  EXPECT_EQ(InstructionCostNs(spec, v), VectorNs(spec, 32, 1));
}

TEST(InstructionCost, VectorCountsInputsAndReducesOverTheSource) {
  const CoreSpec& spec = NeuronCoreV2();
  const auto add = Inst(neff::Opcode::TENSOR_TENSOR, Engine::kVector, Operand(128, 300, 4));
  EXPECT_EQ(InstructionCostNs(spec, add), VectorNs(spec, 300, 2));
  const auto sel = Inst(neff::Opcode::SELECT, Engine::kVector, Operand(128, 300, 4));
  EXPECT_EQ(InstructionCostNs(spec, sel), VectorNs(spec, 300, 2));
  const auto scale = Inst(neff::Opcode::TENSOR_SCALAR, Engine::kVector, Operand(128, 300, 4));
  EXPECT_EQ(InstructionCostNs(spec, scale), VectorNs(spec, 300, 1));
  const auto sum =
      Inst(neff::Opcode::TENSOR_REDUCE, Engine::kVector, Operand(128, 1, 4), Operand(128, 700, 4));
  EXPECT_EQ(InstructionCostNs(spec, sum), VectorNs(spec, 700, 1));
}

TEST(InstructionCost, GpSimdAndScalarEngines) {
  const CoreSpec& spec = NeuronCoreV2();
  const auto iota = Inst(neff::Opcode::IOTA, Engine::kGpSimd, Operand(128, 10, 4));
  EXPECT_EQ(InstructionCostNs(spec, iota), GpSimdNs(spec, 10));
  const auto sum =
      Inst(neff::Opcode::TENSOR_REDUCE, Engine::kGpSimd, Operand(128, 1, 4), Operand(128, 900, 4));
  EXPECT_EQ(InstructionCostNs(spec, sum), GpSimdNs(spec, 900));
  const auto act = Inst(neff::Opcode::ACTIVATION, Engine::kScalar, Operand(128, 200, 4));
  EXPECT_EQ(InstructionCostNs(spec, act), ActivationNs(spec, 200));
  // A copy the Scalar engine takes costs as an activation.
  const auto copy = Inst(neff::Opcode::TENSOR_COPY, Engine::kScalar, Operand(128, 200, 2));
  EXPECT_EQ(InstructionCostNs(spec, copy), ActivationNs(spec, 200));
}

TEST(InstructionCost, DmaRunsAtTheShorterSidesContiguousRate) {
  const CoreSpec& spec = NeuronCoreV2();
  const auto copy = Inst(neff::Opcode::DMA_COPY, Engine::kDma, Operand(128, 64, 4, 256),
                         Operand(1, 8192, 4, 32768));
  EXPECT_EQ(InstructionCostNs(spec, copy), DmaNs(spec, 128 * 64 * 4, 256));
  // A gather's run is one destination row.
  const auto gather = Inst(neff::Opcode::DMA_GATHER, Engine::kDma, Operand(16, 100, 2, 3200),
                           Operand(1000, 100, 2, 200000));
  EXPECT_EQ(InstructionCostNs(spec, gather), DmaNs(spec, 16 * 100 * 2, 200));
}

}  // namespace
}  // namespace ncc::target
