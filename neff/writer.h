// Writes NEFF files: the one place that builds the Model FlatBuffer (tensors,
// the aligned weights section, per-engine queues of instructions, semaphores,
// metadata, and the sealed section checksums). The compiler's emitter and the
// test-only builder both write through it, so every writer agrees on layout.
//
//   neff::Writer w;
//   w.AddWeights(size, {{offset, bytes}, ...});  // first, if any
//   w.BeginQueue(neff::EngineType::DMA, 0);
//   w.AddInstruction(inst);                       // streamed into the file
//   w.EndQueue();
//   w.AddInput({"x", neff::DType::F32, {1, 4}, 0});
//   std::string bytes = w.Finish();
//
// The file's bytes depend on the order of the calls (FlatBuffers builds
// back to front), so a writer that calls in the same order writes the same
// bytes.
#ifndef NCC_NEFF_WRITER_H_
#define NCC_NEFF_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "flatbuffers/flatbuffers.h"
#include "neff/neff_generated.h"

namespace neff {

// An access pattern (see AccessPattern in neff.fbs).
struct AccessPatternSpec {
  MemorySpace space = MemorySpace::SBUF;
  DType dtype = DType::F32;
  uint64_t offset = 0;
  uint32_t start_partition = 0;
  uint32_t num_partitions = 1;
  int64_t partition_stride = 0;
  std::vector<Dim> dims;
};

// One instruction (see Instruction in neff.fbs); absent operands are not
// written.
struct InstructionSpec {
  Opcode opcode = Opcode::DMA_COPY;
  std::optional<AccessPatternSpec> dst, src0, src1, bias, src2, accum;
  ActivationFunction act_func = ActivationFunction::IDENTITY;
  AluOp alu_op = AluOp::ADD;
  float scale = 1.0f;
  float imm = 0.0f;
  bool accumulate_start = false;
  bool accumulate_stop = false;
  std::vector<SemaphoreWait> waits;
  int signal = -1;
  int node = -1;
  AluOp alu_op2 = AluOp::BYPASS;
  float imm2 = 0.0f;
};

// A model input or output in the DRAM arena.
struct TensorSpec {
  std::string name;
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  uint64_t dram_offset = 0;
};

// Where a stage input or a model output comes from (see TensorSource in
// neff.fbs): stage -1 is model input `index`, else stage `stage`'s output.
struct TensorSourceSpec {
  int stage = -1;
  uint32_t index = 0;
};

// One output's auto-cast accuracy (see OutputAccuracy in neff.fbs).
struct AccuracySpec {
  std::string name;
  double max_abs_error = 0;
  double max_rel_error = 0;
  double min_cosine = 1;
  double top1_agreement = -1;
  double top5_agreement = -1;
  double input_rounding_cosine = -1;
};

struct MetadataSpec {
  std::string framework;
  std::string source_sha256;
  std::string compiler_version;
  std::vector<std::string> flags;
  std::string target;
  uint32_t num_cores = 1;
  double estimated_latency_ns = 0;
  // Pipelined models: the steady-state interval between results (ns).
  double estimated_interval_ns = 0;
  // Written only when non-empty (with the policy and the sample count).
  std::vector<AccuracySpec> accuracy;
  std::string accuracy_auto_cast;
  uint32_t accuracy_samples = 0;
};

// Bytes of the weights section: `bytes` at byte `offset` of the section.
struct WeightsPiece {
  uint64_t offset = 0;
  absl::Span<const uint8_t> bytes;
};

class Writer {
 public:
  Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // The weights section: `size` bytes, kWeightsAlignment-aligned in the
  // file, zero but for `pieces` (which do not overlap: where they would, the
  // first one's bytes stay; bytes past `size` are dropped). The pieces are read by Finish(), which
  // copies them once, straight into the file's bytes: the caller keeps them alive until then. Call
  // at most once, first.
  void AddWeights(size_t size, std::vector<WeightsPiece> pieces);
  // The same, filled in place through the pointer returned (valid until
  // Finish), for writers that have no copy of the weights of their own.
  uint8_t* AddWeights(size_t size);

  // Queues go into Model.queues in the order they are begun; instructions
  // into the queue begun last. Queues do not nest.
  void BeginQueue(EngineType engine, uint32_t index);
  void AddInstruction(const InstructionSpec& inst);
  void EndQueue();
  // As BeginQueue, for Model.load_queues (run once at load); ended by
  // EndQueue. Makes the file format 1.0.
  void BeginLoadQueue(EngineType engine, uint32_t index);

  // A pipeline stage (Model.stages, in call order): `stage_neff` is a
  // complete sealed single-core NEFF, copied 64-byte aligned; `inputs` says
  // where each of its inputs comes from. Makes the file format 1.0.
  void AddStage(absl::string_view stage_neff, const std::vector<TensorSourceSpec>& inputs);
  // With stages: where the next model output comes from.
  void AddOutputSource(TensorSourceSpec source) { output_sources_.push_back(source); }

  void AddInput(TensorSpec tensor) { inputs_.push_back(std::move(tensor)); }
  void AddOutput(TensorSpec tensor) { outputs_.push_back(std::move(tensor)); }
  void set_nodes(std::vector<std::string> nodes) { nodes_ = std::move(nodes); }
  void set_metadata(MetadataSpec metadata) { metadata_ = std::move(metadata); }
  void set_dram_size(uint64_t bytes) { dram_size_ = bytes; }
  void set_num_semaphores(uint32_t n) { num_semaphores_ = n; }
  // Tests only: files claiming another format version.
  void set_version_major(uint16_t v) { version_major_ = v; }

  enum class Checksums { kSeal, kNone };
  // The size-prefixed file bytes. kNone leaves Model.checksums out (an
  // unsealed file, which loaders accept only when explicitly allowed), for
  // tests that damage a program on purpose.
  // The writer is spent afterwards.
  std::string Finish(Checksums checksums = Checksums::kSeal);

 private:
  flatbuffers::Offset<AccessPattern> WriteAccessPattern(const std::optional<AccessPatternSpec>& ap);
  flatbuffers::Offset<TensorInfo> WriteTensor(const TensorSpec& tensor);
  flatbuffers::Offset<Metadata> WriteMetadata(const MetadataSpec& metadata);

  // The file's bytes with the weights put in place of their stand-in; sets
  // `*weights_xxh64` to their checksum, computed as they are copied.
  std::string Assemble(uint64_t* weights_xxh64) const;

  flatbuffers::FlatBufferBuilder fbb_;
  flatbuffers::Offset<flatbuffers::Vector<uint8_t>> weights_;
  bool has_weights_ = false;
  // The weights section: its size, its pieces (AddWeights' own copy when
  // filled in place), and where its stand-in lies in the builder.
  size_t weights_size_ = 0;
  std::vector<WeightsPiece> weights_pieces_;
  std::vector<uint8_t> owned_weights_;
  size_t stand_in_size_ = 0;
  size_t stand_in_from_end_ = 0;  // bytes from the stand-in's start to the end
  std::vector<flatbuffers::Offset<Queue>> queues_;
  // The queue being written.
  EngineType engine_ = EngineType::DMA;
  uint32_t queue_index_ = 0;
  std::vector<flatbuffers::Offset<Instruction>> insts_;
  std::vector<TensorSpec> inputs_, outputs_;
  std::vector<std::string> nodes_;
  std::optional<MetadataSpec> metadata_;
  uint64_t dram_size_ = 0;
  uint32_t num_semaphores_ = 0;
  std::optional<uint16_t> version_major_;
  bool load_queue_ = false;  // the queue being written is a load queue
  std::vector<flatbuffers::Offset<Queue>> load_queues_;
  std::vector<flatbuffers::Offset<Stage>> stages_;
  std::vector<TensorSourceSpec> output_sources_;
};

}  // namespace neff

#endif  // NCC_NEFF_WRITER_H_
