#include "neff/writer.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "neff/checksum.h"
#include "neff/format.h"

namespace neff {

// Programs are a few MB at most; 64 KiB saves the first few regrowths of
// small ones. The weights never enter the builder (see AddWeights).
Writer::Writer() : fbb_(1 << 16) { fbb_.ForceDefaults(false); }

void Writer::AddWeights(size_t size, std::vector<WeightsPiece> pieces) {
  // The weights vector is the first object built, so it ends the file. In
  // the builder it is a stand-in of at most 127 bytes, as many as `size`
  // modulo 64 (and never none for weights of any size): every later
  // padding and offset depends only on the builder's size modulo an
  // alignment of at most 64 (or on differences of sizes), so the bytes in
  // front come out as they would around the full vector, and Assemble()
  // writes the weights in the stand-in's place. So the ~100 MB are neither
  // staged in the builder nor copied when it grows or when it is finished.
  // FlatBuffers' own limit, which the builder would check if it held them.
  FLATBUFFERS_ASSERT(size < FLATBUFFERS_MAX_BUFFER_SIZE);
  stand_in_size_ = size < kWeightsAlignment ? size : kWeightsAlignment + size % kWeightsAlignment;
  // What FlatBufferBuilder::ForceVectorAlignment does, without its assert
  // that the alignment is at most FLATBUFFERS_MAX_ALIGNMENT (32 in 2.0).
  if (size > 0) fbb_.PreAlign(stand_in_size_, kWeightsAlignment);
  uint8_t* stand_in = nullptr;
  weights_ = fbb_.CreateUninitializedVector(stand_in_size_, &stand_in);
  if (stand_in_size_ > 0) std::memset(stand_in, 0, stand_in_size_);
  stand_in_from_end_ =
      static_cast<size_t>(fbb_.GetCurrentBufferPointer() + fbb_.GetSize() - stand_in);
  weights_size_ = size;
  weights_pieces_ = std::move(pieces);
  has_weights_ = true;
}

uint8_t* Writer::AddWeights(size_t size) {
  owned_weights_.assign(size, 0);
  AddWeights(size, {{0, absl::MakeConstSpan(owned_weights_)}});
  return owned_weights_.data();
}

void Writer::BeginQueue(EngineType engine, uint32_t index) {
  engine_ = engine;
  queue_index_ = index;
  load_queue_ = false;
  insts_.clear();
}

void Writer::BeginLoadQueue(EngineType engine, uint32_t index) {
  BeginQueue(engine, index);
  load_queue_ = true;
}

void Writer::AddStage(absl::string_view stage_neff, const std::vector<TensorSourceSpec>& inputs) {
  if (!stage_neff.empty()) fbb_.PreAlign(stage_neff.size(), kWeightsAlignment);
  uint8_t* bytes = nullptr;
  auto neff_vec = fbb_.CreateUninitializedVector(stage_neff.size(), &bytes);
  if (!stage_neff.empty()) std::memcpy(bytes, stage_neff.data(), stage_neff.size());
  std::vector<flatbuffers::Offset<TensorSource>> sources;
  for (const TensorSourceSpec& t : inputs) sources.push_back(CreateTensorSource(fbb_, t.stage, t.index));
  stages_.push_back(CreateStage(fbb_, neff_vec, fbb_.CreateVector(sources)));
}

flatbuffers::Offset<AccessPattern> Writer::WriteAccessPattern(
    const std::optional<AccessPatternSpec>& ap) {
  if (!ap.has_value()) return 0;
  auto dims_vec = fbb_.CreateVectorOfStructs(ap->dims);
  AccessPatternBuilder b(fbb_);
  b.add_space(ap->space);
  b.add_dtype(ap->dtype);
  b.add_offset(ap->offset);
  b.add_start_partition(ap->start_partition);
  b.add_num_partitions(ap->num_partitions);
  b.add_partition_stride(ap->partition_stride);
  b.add_dims(dims_vec);
  return b.Finish();
}

void Writer::AddInstruction(const InstructionSpec& inst) {
  auto dst = WriteAccessPattern(inst.dst);
  auto src0 = WriteAccessPattern(inst.src0);
  auto src1 = WriteAccessPattern(inst.src1);
  auto bias = WriteAccessPattern(inst.bias);
  auto src2 = WriteAccessPattern(inst.src2);
  auto accum = WriteAccessPattern(inst.accum);
  auto waits_vec = fbb_.CreateVectorOfStructs(inst.waits);
  InstructionBuilder b(fbb_);
  b.add_opcode(inst.opcode);
  b.add_dst(dst);
  if (!src0.IsNull()) b.add_src0(src0);
  if (!src1.IsNull()) b.add_src1(src1);
  if (!bias.IsNull()) b.add_bias(bias);
  b.add_act_func(inst.act_func);
  b.add_alu_op(inst.alu_op);
  b.add_scale(inst.scale);
  b.add_imm(inst.imm);
  b.add_accumulate_start(inst.accumulate_start);
  b.add_accumulate_stop(inst.accumulate_stop);
  b.add_waits(waits_vec);
  b.add_signal(inst.signal);
  b.add_node(inst.node);
  if (!src2.IsNull()) b.add_src2(src2);
  if (!accum.IsNull()) b.add_accum(accum);
  b.add_alu_op2(inst.alu_op2);
  b.add_imm2(inst.imm2);
  insts_.push_back(b.Finish());
}

void Writer::EndQueue() {
  auto queue = CreateQueue(fbb_, engine_, queue_index_, fbb_.CreateVector(insts_));
  (load_queue_ ? load_queues_ : queues_).push_back(queue);
  load_queue_ = false;
  insts_.clear();
}

flatbuffers::Offset<TensorInfo> Writer::WriteTensor(const TensorSpec& tensor) {
  return CreateTensorInfo(fbb_, fbb_.CreateString(tensor.name), tensor.dtype,
                          fbb_.CreateVector(tensor.shape), tensor.dram_offset);
}

flatbuffers::Offset<Metadata> Writer::WriteMetadata(const MetadataSpec& metadata) {
  std::vector<flatbuffers::Offset<flatbuffers::String>> flags;
  for (const std::string& f : metadata.flags) flags.push_back(fbb_.CreateString(f));
  std::vector<flatbuffers::Offset<OutputAccuracy>> accuracy;
  for (const AccuracySpec& a : metadata.accuracy) {
    accuracy.push_back(CreateOutputAccuracy(fbb_, fbb_.CreateString(a.name), a.max_abs_error,
                                            a.max_rel_error, a.min_cosine, a.top1_agreement,
                                            a.top5_agreement, a.input_rounding_cosine));
  }
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<OutputAccuracy>>> accuracy_vec;
  flatbuffers::Offset<flatbuffers::String> accuracy_policy;
  if (!metadata.accuracy.empty()) {
    accuracy_vec = fbb_.CreateVector(accuracy);
    accuracy_policy = fbb_.CreateString(metadata.accuracy_auto_cast);
  }
  // One expression, as the compiler always wrote it: the order in which the
  // arguments' strings are created decides the file's bytes.
  return CreateMetadata(
      fbb_, fbb_.CreateString(metadata.framework), fbb_.CreateString(metadata.source_sha256),
      fbb_.CreateString(metadata.compiler_version), fbb_.CreateVector(flags),
      fbb_.CreateString(metadata.target), metadata.num_cores, metadata.estimated_latency_ns,
      accuracy_vec, accuracy_policy, metadata.accuracy_samples, metadata.estimated_interval_ns);
}

std::string Writer::Finish(Checksums checksums) {
  std::vector<flatbuffers::Offset<TensorInfo>> inputs, outputs;
  for (const TensorSpec& t : inputs_) inputs.push_back(WriteTensor(t));
  for (const TensorSpec& t : outputs_) outputs.push_back(WriteTensor(t));
  std::vector<flatbuffers::Offset<flatbuffers::String>> nodes;
  for (const std::string& n : nodes_) nodes.push_back(fbb_.CreateString(n));
  flatbuffers::Offset<Metadata> meta;
  if (metadata_.has_value()) meta = WriteMetadata(*metadata_);
  auto inputs_vec = fbb_.CreateVector(inputs);
  auto outputs_vec = fbb_.CreateVector(outputs);
  auto queues_vec = fbb_.CreateVector(queues_);
  auto nodes_vec = fbb_.CreateVector(nodes);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<SectionChecksum>>> checksums_vec;
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<Queue>>> load_queues_vec;
  if (!load_queues_.empty()) load_queues_vec = fbb_.CreateVector(load_queues_);
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<Stage>>> stages_vec;
  flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<TensorSource>>> output_sources_vec;
  if (!stages_.empty()) {
    stages_vec = fbb_.CreateVector(stages_);
    std::vector<flatbuffers::Offset<TensorSource>> sources;
    for (const TensorSourceSpec& t : output_sources_) sources.push_back(CreateTensorSource(fbb_, t.stage, t.index));
    output_sources_vec = fbb_.CreateVector(sources);
  }
  if (checksums == Checksums::kSeal) checksums_vec = CreateChecksumPlaceholders(fbb_);
  // Only files that use a 1.0 feature say 1.0 (see the schema's history).
  const bool v1 = !load_queues_.empty() || !stages_.empty();
  ModelBuilder mb(fbb_);
  mb.add_version_major(version_major_.value_or(v1 ? kVersionMajor : kSingleCoreVersionMajor));
  mb.add_version_minor(v1 ? kVersionMinor : kSingleCoreVersionMinor);
  if (!meta.IsNull()) mb.add_metadata(meta);
  mb.add_inputs(inputs_vec);
  mb.add_outputs(outputs_vec);
  mb.add_dram_size(dram_size_);
  mb.add_num_semaphores(num_semaphores_);
  mb.add_queues(queues_vec);
  mb.add_nodes(nodes_vec);
  if (has_weights_) mb.add_weights(weights_);
  if (!checksums_vec.IsNull()) mb.add_checksums(checksums_vec);
  if (!load_queues_vec.IsNull()) mb.add_load_queues(load_queues_vec);
  if (!stages_vec.IsNull()) mb.add_stages(stages_vec);
  if (!output_sources_vec.IsNull()) mb.add_output_sources(output_sources_vec);
  FinishSizePrefixedModelBuffer(fbb_, mb.Finish());
  uint64_t weights_xxh64 = 0;
  std::string bytes = Assemble(&weights_xxh64);
  if (checksums == Checksums::kSeal) {
    // Cannot fail on a buffer built just above (it verifies and has the
    // placeholders); a failure would leave the checksums unsealed, which the
    // loader reports as a mismatch.
    (void)SealChecksums(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size(),
                        has_weights_ ? std::optional<uint64_t>(weights_xxh64) : std::nullopt);
  }
  return bytes;
}

std::string Writer::Assemble(uint64_t* weights_xxh64) const {
  const char* built = reinterpret_cast<const char*>(fbb_.GetBufferPointer());
  const size_t built_size = fbb_.GetSize();
  if (!has_weights_) return std::string(built, built_size);
  const size_t front = built_size - stand_in_from_end_;
  const size_t grown = weights_size_ - stand_in_size_;  // a multiple of 64
  FLATBUFFERS_ASSERT(built_size + grown < FLATBUFFERS_MAX_BUFFER_SIZE);
  std::string bytes;
  bytes.reserve(built_size + grown);
  bytes.append(built, front);
  // The weights in order, zero between the pieces: each byte is written
  // once, and hashed for the seal in slices small enough to be read back from
  // the cache (instead of in a pass of its own over the whole file).
  Xxh64 hash;
  auto append = [&bytes, &hash](const char* data, size_t size) {
    constexpr size_t kSlice = size_t{1} << 18;
    for (size_t at = 0; at < size; at += kSlice) {
      const size_t n = std::min(kSlice, size - at);
      bytes.append(data + at, n);
      hash.Update(data + at, n);
    }
  };
  auto append_zeros = [&append](size_t size) {
    static constexpr char kZeros[4096] = {};
    for (; size > 0; size -= std::min(size, sizeof(kZeros))) {
      append(kZeros, std::min(size, sizeof(kZeros)));
    }
  };
  std::vector<WeightsPiece> pieces = weights_pieces_;
  std::stable_sort(pieces.begin(), pieces.end(), [](const WeightsPiece& a, const WeightsPiece& b) {
    return a.offset < b.offset;
  });
  // Pieces must not overlap (a caller's bug): a later one loses its bytes
  // that an earlier one wrote.
  size_t at = 0;
  for (const WeightsPiece& piece : pieces) {
    const size_t begin = static_cast<size_t>(std::min<uint64_t>(piece.offset, weights_size_));
    const size_t end = std::min(weights_size_, begin + piece.bytes.size());
    if (end <= at) continue;
    if (begin > at) append_zeros(begin - at);
    const size_t skip = std::max(at, begin) - begin;
    append(reinterpret_cast<const char*>(piece.bytes.data()) + skip, end - begin - skip);
    at = end;
  }
  if (weights_size_ > at) append_zeros(weights_size_ - at);
  *weights_xxh64 = hash.Digest();
  bytes.append(built + front + stand_in_size_, stand_in_from_end_ - stand_in_size_);
  // The two sizes that count the weights: the file's size prefix and the
  // vector's length, just in front of its data.
  auto patch = [&bytes](size_t at, flatbuffers::uoffset_t value) {
    flatbuffers::WriteScalar(&bytes[at], value);
  };
  patch(0, static_cast<flatbuffers::uoffset_t>(
               flatbuffers::ReadScalar<flatbuffers::uoffset_t>(built) + grown));
  patch(front - sizeof(flatbuffers::uoffset_t), static_cast<flatbuffers::uoffset_t>(weights_size_));
  return bytes;
}

}  // namespace neff
