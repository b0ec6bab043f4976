#include "compiler/emit/emit_neff.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/types/span.h"
#include "neff/writer.h"

namespace ncc::emit {
namespace {

std::optional<neff::AccessPatternSpec> Operand(const lower::TileProgram& program,
                                               const lower::Operand& op) {
  if (!op.valid()) return std::nullopt;
  const lower::Buffer& buf = program.buffers[op.buffer];
  neff::AccessPatternSpec ap;
  ap.space = buf.space;
  ap.dtype = op.dtype;
  ap.offset = static_cast<uint64_t>(buf.address + op.offset);
  ap.start_partition = static_cast<uint32_t>(op.start_partition);
  ap.num_partitions = static_cast<uint32_t>(op.num_partitions);
  ap.partition_stride = op.partition_stride;
  for (const lower::Dim& d : op.dims) {
    ap.dims.emplace_back(d.stride, static_cast<uint32_t>(d.size));
  }
  return ap;
}

neff::EngineType ToEngineType(target::Engine e) {
  switch (e) {
    case target::Engine::kTensor:
      return neff::EngineType::TENSOR;
    case target::Engine::kVector:
      return neff::EngineType::VECTOR;
    case target::Engine::kScalar:
      return neff::EngineType::SCALAR;
    case target::Engine::kGpSimd:
      return neff::EngineType::GPSIMD;
    case target::Engine::kDma:
      return neff::EngineType::DMA;
  }
  return neff::EngineType::DMA;
}

neff::TensorSpec Io(const lower::TileProgram& program, const lower::IoTensor& io) {
  return {io.name, io.dtype, io.shape, static_cast<uint64_t>(program.buffers[io.buffer].address)};
}

neff::InstructionSpec Instruction(const lower::TileProgram& program, const lower::TileInst& inst) {
  neff::InstructionSpec out;
  out.opcode = inst.opcode;
  out.dst = Operand(program, inst.dst);
  out.src0 = Operand(program, inst.src0);
  out.src1 = Operand(program, inst.src1);
  out.bias = Operand(program, inst.bias);
  out.src2 = Operand(program, inst.src2);
  out.accum = Operand(program, inst.accum);
  out.act_func = inst.func;
  out.alu_op = inst.alu;
  out.scale = inst.scale;
  out.imm = inst.imm;
  out.accumulate_start = inst.accumulate_start;
  out.accumulate_stop = inst.accumulate_stop;
  out.node = inst.node;
  out.alu_op2 = inst.alu2;
  out.imm2 = inst.imm2;
  return out;
}

}  // namespace

std::string EmitNeff(const lower::TileProgram& program, const schedule::Schedule& schedule,
                     const alloc::AllocationStats& stats, neff::MetadataSpec metadata) {
  neff::Writer writer;

  // Weights: each buffer at its address, copied once, straight from the
  // program (or the graph's constants) into the file's bytes.
  std::vector<neff::WeightsPiece> weights;
  for (const lower::Buffer& buf : program.buffers) {
    if (buf.space != lower::Space::WEIGHTS || buf.address < 0) continue;
    weights.push_back({static_cast<uint64_t>(buf.address), buf.contents()});
  }
  writer.AddWeights(static_cast<size_t>(stats.weights_bytes), std::move(weights));

  for (const schedule::Queue& q : schedule.queues) {
    writer.BeginQueue(ToEngineType(q.engine), static_cast<uint32_t>(q.index));
    for (const schedule::ScheduledInst& si : q.insts) {
      neff::InstructionSpec out = Instruction(program, program.insts[si.inst]);
      for (const schedule::SemaphoreWait& w : si.waits) {
        out.waits.emplace_back(static_cast<uint16_t>(w.semaphore), static_cast<uint32_t>(w.value));
      }
      out.signal = si.signal;
      writer.AddInstruction(out);
    }
    writer.EndQueue();
  }
  // Weights kept resident in SBUF: loaded once, in program order, by one
  // DMA queue without semaphores (nothing in the queues writes that SBUF).
  if (!program.load_insts.empty()) {
    writer.BeginLoadQueue(neff::EngineType::DMA, 0);
    for (const lower::TileInst& inst : program.load_insts) {
      writer.AddInstruction(Instruction(program, inst));
    }
    writer.EndQueue();
  }

  for (const lower::IoTensor& io : program.inputs) writer.AddInput(Io(program, io));
  for (const lower::IoTensor& io : program.outputs) writer.AddOutput(Io(program, io));
  writer.set_nodes(program.nodes);

  writer.set_metadata(std::move(metadata));
  writer.set_dram_size(static_cast<uint64_t>(stats.dram_bytes));
  writer.set_num_semaphores(static_cast<uint32_t>(schedule.num_semaphores));
  return writer.Finish();
}

}  // namespace ncc::emit
