#include "compiler/driver/emit_neff.h"

#include <cstring>

#include "compiler/driver/compile.h"
#include "neff/checksum.h"
#include "neff/format.h"

namespace ncc::driver {
namespace {

using FbAp = flatbuffers::Offset<neff::AccessPattern>;

FbAp EmitOperand(flatbuffers::FlatBufferBuilder& fbb, const lower::TileProgram& program,
                 const lower::Operand& op) {
  if (!op.valid()) return 0;
  const lower::Buffer& buf = program.buffers[op.buffer];
  std::vector<neff::Dim> dims;
  for (const lower::Dim& d : op.dims) {
    dims.emplace_back(d.stride, static_cast<uint32_t>(d.size));
  }
  auto dims_vec = fbb.CreateVectorOfStructs(dims);
  neff::AccessPatternBuilder b(fbb);
  b.add_space(buf.space);
  b.add_dtype(op.dtype);
  b.add_offset(static_cast<uint64_t>(buf.address + op.offset));
  b.add_start_partition(static_cast<uint32_t>(op.start_partition));
  b.add_num_partitions(static_cast<uint32_t>(op.num_partitions));
  b.add_partition_stride(op.partition_stride);
  b.add_dims(dims_vec);
  return b.Finish();
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

flatbuffers::Offset<neff::TensorInfo> EmitIo(flatbuffers::FlatBufferBuilder& fbb,
                                             const lower::TileProgram& program,
                                             const lower::IoTensor& io) {
  return neff::CreateTensorInfo(fbb, fbb.CreateString(io.name), io.dtype,
                                fbb.CreateVector(io.shape),
                                static_cast<uint64_t>(program.buffers[io.buffer].address));
}

}  // namespace

std::string EmitNeff(const lower::TileProgram& program, const schedule::Schedule& schedule,
                     const alloc::AllocationStats& stats, const NeffMetadata& metadata) {
  flatbuffers::FlatBufferBuilder fbb(1 << 16);
  fbb.ForceDefaults(false);

  // Weights: one 64-byte aligned section, each buffer at its address,
  // written straight into the builder (no staging copy of ~100 MB).
  const size_t weights_size = static_cast<size_t>(stats.weights_bytes);
  fbb.ForceVectorAlignment(weights_size, sizeof(uint8_t), neff::kWeightsAlignment);
  uint8_t* weights = nullptr;
  auto weights_vec = fbb.CreateUninitializedVector(weights_size, &weights);
  if (weights_size > 0) std::memset(weights, 0, weights_size);
  for (const lower::Buffer& buf : program.buffers) {
    if (buf.space != lower::Space::WEIGHTS || buf.address < 0) continue;
    const std::vector<uint8_t>& contents = buf.contents();
    std::memcpy(weights + buf.address, contents.data(), contents.size());
  }

  std::vector<flatbuffers::Offset<neff::Queue>> queues;
  for (const schedule::Queue& q : schedule.queues) {
    std::vector<flatbuffers::Offset<neff::Instruction>> insts;
    for (const schedule::ScheduledInst& si : q.insts) {
      const lower::TileInst& inst = program.insts[si.inst];
      auto dst = EmitOperand(fbb, program, inst.dst);
      auto src0 = EmitOperand(fbb, program, inst.src0);
      auto src1 = EmitOperand(fbb, program, inst.src1);
      auto bias = EmitOperand(fbb, program, inst.bias);
      auto src2 = EmitOperand(fbb, program, inst.src2);
      auto accum = EmitOperand(fbb, program, inst.accum);
      std::vector<neff::SemaphoreWait> waits;
      for (const schedule::SemaphoreWait& w : si.waits) {
        waits.emplace_back(static_cast<uint16_t>(w.semaphore), static_cast<uint32_t>(w.value));
      }
      auto waits_vec = fbb.CreateVectorOfStructs(waits);
      neff::InstructionBuilder b(fbb);
      b.add_opcode(inst.opcode);
      b.add_dst(dst);
      if (!src0.IsNull()) b.add_src0(src0);
      if (!src1.IsNull()) b.add_src1(src1);
      if (!bias.IsNull()) b.add_bias(bias);
      b.add_act_func(inst.func);
      b.add_alu_op(inst.alu);
      b.add_scale(inst.scale);
      b.add_imm(inst.imm);
      b.add_accumulate_start(inst.accumulate_start);
      b.add_accumulate_stop(inst.accumulate_stop);
      b.add_waits(waits_vec);
      b.add_signal(si.signal);
      b.add_node(inst.node);
      if (!src2.IsNull()) b.add_src2(src2);
      if (!accum.IsNull()) b.add_accum(accum);
      b.add_alu_op2(inst.alu2);
      b.add_imm2(inst.imm2);
      insts.push_back(b.Finish());
    }
    queues.push_back(neff::CreateQueue(fbb, ToEngineType(q.engine), static_cast<uint32_t>(q.index),
                                       fbb.CreateVector(insts)));
  }

  std::vector<flatbuffers::Offset<neff::TensorInfo>> inputs, outputs;
  for (const lower::IoTensor& io : program.inputs) inputs.push_back(EmitIo(fbb, program, io));
  for (const lower::IoTensor& io : program.outputs) outputs.push_back(EmitIo(fbb, program, io));
  std::vector<flatbuffers::Offset<flatbuffers::String>> nodes;
  for (const std::string& n : program.nodes) nodes.push_back(fbb.CreateString(n));
  std::vector<flatbuffers::Offset<flatbuffers::String>> flags;
  for (const std::string& f : metadata.flags) flags.push_back(fbb.CreateString(f));

  std::vector<flatbuffers::Offset<neff::OutputAccuracy>> accuracy;
  for (const OutputAccuracy& a : metadata.accuracy) {
    accuracy.push_back(neff::CreateOutputAccuracy(fbb, fbb.CreateString(a.name), a.max_abs_error,
                                                  a.max_rel_error, a.min_cosine, a.top1_agreement,
                                                  a.top5_agreement, a.input_rounding_cosine));
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<neff::OutputAccuracy>>> accuracy_vec;
  flatbuffers::Offset<flatbuffers::String> accuracy_policy;
  if (!metadata.accuracy.empty()) {
    accuracy_vec = fbb.CreateVector(accuracy);
    accuracy_policy = fbb.CreateString(metadata.accuracy_auto_cast);
  }
  auto meta = neff::CreateMetadata(
      fbb, fbb.CreateString(metadata.framework), fbb.CreateString(metadata.source_sha256),
      fbb.CreateString(kCompilerVersion), fbb.CreateVector(flags),
      fbb.CreateString(metadata.target), 1, metadata.estimated_latency_ns, accuracy_vec,
      accuracy_policy, static_cast<uint32_t>(metadata.accuracy_samples));
  auto inputs_vec = fbb.CreateVector(inputs);
  auto outputs_vec = fbb.CreateVector(outputs);
  auto queues_vec = fbb.CreateVector(queues);
  auto nodes_vec = fbb.CreateVector(nodes);
  auto checksums_vec = neff::CreateChecksumPlaceholders(fbb);
  neff::ModelBuilder mb(fbb);
  mb.add_version_major(neff::kVersionMajor);
  mb.add_version_minor(neff::kVersionMinor);
  mb.add_metadata(meta);
  mb.add_inputs(inputs_vec);
  mb.add_outputs(outputs_vec);
  mb.add_dram_size(static_cast<uint64_t>(stats.dram_bytes));
  mb.add_num_semaphores(static_cast<uint32_t>(schedule.num_semaphores));
  mb.add_queues(queues_vec);
  mb.add_nodes(nodes_vec);
  mb.add_weights(weights_vec);
  mb.add_checksums(checksums_vec);
  neff::FinishSizePrefixedModelBuffer(fbb, mb.Finish());
  // Cannot fail on a buffer built just above (it verifies and has the
  // placeholders); a failure would leave the checksums unsealed, which the
  // loader reports as a mismatch.
  (void)neff::SealChecksums(fbb.GetBufferPointer(), fbb.GetSize());
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

}  // namespace ncc::driver
