#include "runtime/test_pipelines.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "neff/test_builder.h"

namespace ncc::runtime::test_pipelines {

using namespace neff::test_builder;  // NOLINT: the builder's small vocabulary
using neff::AluOp;
using neff::DType;
using neff::EngineType;

namespace {

uint64_t Bytes(int rows, int cols) { return static_cast<uint64_t>(rows) * cols * sizeof(float); }

// [rows, cols] f32 at DRAM `offset`, rows of `cols` elements.
Ap DramTile(uint64_t offset, int rows, int cols) {
  return Dram(offset, rows, cols, {{1, static_cast<uint32_t>(cols)}});
}

// [rows, cols] f32 at byte `offset` of each SBUF partition.
Ap SbufTile(uint64_t offset, int rows, int cols) {
  return Sbuf(0, rows, offset, {{1, static_cast<uint32_t>(cols)}});
}

}  // namespace

std::string ScaleBiasNeff(float scale, float bias, int rows, int cols, const std::string& x,
                          const std::string& y) {
  const uint64_t bytes = Bytes(rows, cols), row = Bytes(1, cols);
  NeffBuilder b;
  b.set_dram_size(2 * bytes);
  b.AddInput(x, DType::F32, {rows, cols}, 0);
  b.AddOutput(y, DType::F32, {rows, cols}, bytes);
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(dma, DmaCopy(SbufTile(0, rows, cols), DramTile(0, rows, cols)).Signal(0));
  b.Add(vec,
        TensorScalar(SbufTile(row, rows, cols), SbufTile(0, rows, cols), AluOp::MULTIPLY, scale)
            .Second(AluOp::ADD, bias)
            .Wait(0, 1)
            .Signal(1));
  b.Add(dma, DmaCopy(DramTile(bytes, rows, cols), SbufTile(row, rows, cols)).Wait(1, 1));
  return b.Build();
}

std::string SubtractNeff(int rows, int cols, const std::string& a, const std::string& b_name,
                         const std::string& z) {
  const uint64_t bytes = Bytes(rows, cols), row = Bytes(1, cols);
  NeffBuilder b;
  b.set_dram_size(3 * bytes);
  b.AddInput(a, DType::F32, {rows, cols}, 0);
  b.AddInput(b_name, DType::F32, {rows, cols}, bytes);
  b.AddOutput(z, DType::F32, {rows, cols}, 2 * bytes);
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(dma, DmaCopy(SbufTile(0, rows, cols), DramTile(0, rows, cols)).Signal(0));
  b.Add(dma, DmaCopy(SbufTile(row, rows, cols), DramTile(bytes, rows, cols)).Signal(0));
  b.Add(vec, TensorTensor(SbufTile(2 * row, rows, cols), SbufTile(0, rows, cols),
                          SbufTile(row, rows, cols), AluOp::SUBTRACT)
                 .Wait(0, 2)
                 .Signal(1));
  b.Add(dma, DmaCopy(DramTile(2 * bytes, rows, cols), SbufTile(2 * row, rows, cols)).Wait(1, 1));
  return b.Build();
}

std::string SlowAddNeff(int adds, const std::string& x, const std::string& y) {
  constexpr int kRows = 128, kCols = 512;
  const uint64_t bytes = Bytes(kRows, kCols);
  NeffBuilder b;
  b.set_dram_size(2 * bytes);
  b.AddInput(x, DType::F32, {kRows, kCols}, 0);
  b.AddOutput(y, DType::F32, {kRows, kCols}, bytes);
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  const Ap tile = SbufTile(0, kRows, kCols);
  b.Add(dma, DmaCopy(tile, DramTile(0, kRows, kCols)).Signal(0));
  for (int i = 0; i < adds; ++i) {
    Inst add = TensorScalar(tile, tile, AluOp::ADD, 1.0f);
    if (i == 0) add.Wait(0, 1);
    if (i == adds - 1) add.Signal(1);
    b.Add(vec, add);
  }
  b.Add(dma, DmaCopy(DramTile(bytes, kRows, kCols), tile).Wait(1, 1));
  return b.Build();
}

std::string ResidentWeightsNeff(const std::vector<float>& w) {
  auto ap = [](neff::MemorySpace space, uint64_t offset, uint32_t partitions,
               int64_t partition_stride) {
    neff::AccessPatternSpec a;
    a.space = space;
    a.offset = offset;
    a.num_partitions = partitions;
    a.partition_stride = partition_stride;
    a.dims = {neff::Dim(1, 4)};
    return a;
  };
  using neff::MemorySpace;
  neff::Writer writer;
  uint8_t* weights = writer.AddWeights(w.size() * sizeof(float));
  std::memcpy(weights, w.data(), w.size() * sizeof(float));
  writer.set_dram_size(64);
  writer.set_num_semaphores(8);
  writer.AddInput({"x", DType::F32, {2, 4}, 0});
  writer.AddOutput({"y", DType::F32, {2, 4}, 32});
  neff::InstructionSpec load;
  load.dst = ap(MemorySpace::SBUF, 64, 2, 0);
  load.src0 = ap(MemorySpace::WEIGHTS, 0, 2, 4);
  writer.BeginLoadQueue(EngineType::DMA, 0);
  writer.AddInstruction(load);
  writer.EndQueue();
  neff::InstructionSpec in, add, out;
  in.dst = ap(MemorySpace::SBUF, 0, 2, 0);
  in.src0 = ap(MemorySpace::DRAM, 0, 2, 4);
  in.signal = 0;
  add.opcode = neff::Opcode::TENSOR_TENSOR;
  add.alu_op = AluOp::ADD;
  add.dst = ap(MemorySpace::SBUF, 32, 2, 0);
  add.src0 = ap(MemorySpace::SBUF, 0, 2, 0);
  add.src1 = ap(MemorySpace::SBUF, 64, 2, 0);
  add.waits = {neff::SemaphoreWait(0, 1)};
  add.signal = 1;
  out.dst = ap(MemorySpace::DRAM, 32, 2, 4);
  out.src0 = ap(MemorySpace::SBUF, 32, 2, 0);
  out.waits = {neff::SemaphoreWait(1, 1)};
  writer.BeginQueue(EngineType::DMA, 0);
  writer.AddInstruction(in);
  writer.AddInstruction(out);
  writer.EndQueue();
  writer.BeginQueue(EngineType::VECTOR, 0);
  writer.AddInstruction(add);
  writer.EndQueue();
  return writer.Finish(neff::Writer::Checksums::kNone);
}

std::string PipelineNeff(const std::vector<std::string>& inputs,
                         const std::vector<std::string>& outputs, const std::vector<Stage>& stages,
                         const std::vector<neff::TensorSourceSpec>& output_sources, int rows,
                         int cols) {
  neff::Writer w;
  for (const std::string& name : inputs) w.AddInput({name, DType::F32, {rows, cols}, 0});
  for (const std::string& name : outputs) w.AddOutput({name, DType::F32, {rows, cols}, 0});
  for (const Stage& stage : stages) w.AddStage(stage.neff, stage.inputs);
  for (const neff::TensorSourceSpec& source : output_sources) w.AddOutputSource(source);
  neff::MetadataSpec metadata;
  metadata.target = "NeuronCore-v2";
  metadata.num_cores = static_cast<uint32_t>(stages.size());
  w.set_metadata(metadata);
  return w.Finish(neff::Writer::Checksums::kSeal);
}

std::vector<Stage> TwoStages() {
  return {
      {ScaleBiasNeff(2, 1, 2, 4, "x", "h"), {{-1, 0}}},
      {ScaleBiasNeff(3, -1, 2, 4, "h", "y"), {{0, 0}}},
  };
}

std::string TwoStagePipeline() { return PipelineNeff({"x"}, {"y"}, TwoStages(), {{1, 0}}); }

std::vector<Stage> FourStages() {
  return {
      {ScaleBiasNeff(2, 1, 2, 4, "x", "h0"), {{-1, 0}}},
      {ScaleBiasNeff(3, 0, 2, 4, "h0", "h1"), {{0, 0}}},
      {SubtractNeff(2, 4, "h1", "h0", "h2"), {{1, 0}, {0, 0}}},
      {SubtractNeff(2, 4, "h2", "x", "y"), {{2, 0}, {-1, 0}}},
  };
}

std::string FourStagePipeline() {
  return PipelineNeff({"x"}, {"y", "h0"}, FourStages(), {{3, 0}, {0, 0}});
}

}  // namespace ncc::runtime::test_pipelines
