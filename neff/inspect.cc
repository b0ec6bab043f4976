#include "neff/inspect.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "neff/access_pattern.h"
#include "neff/checksum.h"
#include "neff/format.h"
#include "neff/verifier.h"
#include "target/neuroncore.h"
#include "text/printable.h"

namespace neff {

using ncc::text::PrintableName;
namespace {

template <typename E>
const char* Name(E value, const char* (*namer)(E), E max) {
  return value <= max ? namer(value) : "UNKNOWN";
}

const char* SpaceLabel(MemorySpace s) { return Name(s, EnumNameMemorySpace, MemorySpace::MAX); }
const char* OpName(Opcode o) { return Name(o, EnumNameOpcode, Opcode::MAX); }
const char* AluName(AluOp a) { return Name(a, EnumNameAluOp, AluOp::MAX); }
const char* FuncName(ActivationFunction f) {
  return Name(f, EnumNameActivationFunction, ActivationFunction::MAX);
}
const char* DTypeShort(DType d) {
  switch (d) {
    case DType::F32:
      return "f32";
    case DType::BF16:
      return "bf16";
    case DType::F16:
      return "f16";
    case DType::I32:
      return "i32";
    case DType::I64:
      return "i64";
    case DType::BOOL:
      return "bool";
    case DType::I8:
      return "i8";
    case DType::U8:
      return "u8";
    case DType::F64:
      return "f64";
    case DType::I16:
      return "i16";
    case DType::U16:
      return "u16";
    case DType::U32:
      return "u32";
    case DType::U64:
      return "u64";
  }
  return "unknown";
}

// `arena`: where the tensor is in the model's DRAM arena (a pipelined
// model has none).
std::string Signature(const TensorInfo& t, bool arena) {
  std::vector<int64_t> shape;
  int64_t elements = 1;
  if (t.shape() != nullptr) {
    for (int64_t d : *t.shape()) {
      shape.push_back(d);
      elements *= d;
    }
  }
  return absl::StrCat(t.name() ? PrintableName(t.name()->str()) : "?", ": ", DTypeName(t.dtype()),
                      "[", absl::StrJoin(shape, ", "), "]",
                      arena ? absl::StrCat(" at DRAM ", t.dram_offset()) : "", " (",
                      elements * DTypeSize(t.dtype()), " bytes)");
}

// `text` with `prefix` before each line.
std::string Indent(absl::string_view text, absl::string_view prefix) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    absl::StrAppend(&out, prefix, line, "\n");
  }
  return out;
}

// The bytes of stage `k`'s nested NEFF.
absl::string_view StageBytes(const Stage& stage) {
  if (stage.neff() == nullptr) return {};
  return absl::string_view(reinterpret_cast<const char*>(stage.neff()->data()),
                           stage.neff()->size());
}

std::string SourceName(const Model& model, const TensorSource& source) {
  if (source.stage() >= 0) {
    return absl::StrCat("stage ", source.stage(), " output ", source.index());
  }
  std::string out = absl::StrCat("model input ", source.index());
  if (model.inputs() != nullptr && source.index() < model.inputs()->size()) {
    const TensorInfo* t = model.inputs()->Get(source.index());
    if (t->name() != nullptr) absl::StrAppend(&out, " '", PrintableName(t->name()->str()), "'");
  }
  return out;
}

// The load queues' summary: what they copy and what stays resident in SBUF
// (operands that do not resolve are left out: the file need not be valid).
std::string DescribeLoadQueues(const Model& model) {
  const auto* queues = model.load_queues();
  if (queues == nullptr || queues->size() == 0) return "";
  SpaceSizes sizes;
  auto core = ncc::target::CoreSpecForTarget(TargetName(model));
  const ncc::target::CoreSpec& spec = core.ok() ? **core : ncc::target::NeuronCoreV2();
  sizes.weights = model.weights() ? model.weights()->size() : 0;
  sizes.dram = static_cast<int64_t>(std::min<uint64_t>(model.dram_size(), INT64_MAX));
  sizes.sbuf_partition = spec.sbuf_partition_bytes;
  sizes.psum_partition = spec.psum_partition_bytes;
  sizes.partitions = spec.partitions;
  ResidentSbuf resident(spec.partitions);
  int64_t total = 0, bytes = 0;
  for (const Queue* q : *queues) {
    if (q->instructions() == nullptr) continue;
    for (const Instruction* inst : *q->instructions()) {
      ++total;
      if (inst->dst() == nullptr) continue;
      auto g = ResolveAccessPattern(*inst->dst(), sizes);
      if (!g.ok() || g->space != MemorySpace::SBUF) continue;
      bytes += g->count * g->elem_size;
      resident.Add(*g, sizes.sbuf_partition);
    }
  }
  std::string out = absl::StrCat("load queues: ", total, " instructions in ", queues->size(),
                                 " queue(s), run once at load: ", bytes, " bytes copied to SBUF, ",
                                 resident.bytes(), " bytes of SBUF resident");
  int64_t first = -1, last = -1;
  for (int64_t p = 0; p < resident.partitions(); ++p) {
    if (resident.lo(p) >= resident.hi(p)) continue;
    if (first < 0) first = p;
    last = p;
  }
  if (first >= 0) {
    int64_t lo = INT64_MAX;
    for (int64_t p = first; p <= last; ++p) {
      if (resident.lo(p) < resident.hi(p)) lo = std::min(lo, resident.lo(p));
    }
    absl::StrAppend(&out, " (partitions [", first, ", ", last + 1, "), bytes [", lo, ", ",
                    resident.max_hi(), "))");
  }
  return out + "\n";
}

std::string Describe(absl::string_view bytes, const Model& model, bool nested);

// A pipelined file's stages: size, inputs' sources, the nested NEFF's own
// summary (one level: pipelines do not nest).
std::string DescribeStages(const Model& model, bool nested) {
  const auto* stages = model.stages();
  if (stages == nullptr) return "";
  std::string out = absl::StrCat("stages: ", stages->size(), " (one NeuronCore each)\n");
  for (flatbuffers::uoffset_t k = 0; k < stages->size(); ++k) {
    const Stage* stage = stages->Get(k);
    const absl::string_view neff = StageBytes(*stage);
    std::vector<std::string> sources;
    if (stage->inputs() != nullptr) {
      for (const TensorSource* t : *stage->inputs()) sources.push_back(SourceName(model, *t));
    }
    absl::StrAppend(&out, "  stage ", k, ": ", neff.size(), " bytes, inputs from ",
                    sources.empty() ? "nothing" : absl::StrJoin(sources, ", "), "\n");
    if (nested) {
      absl::StrAppend(&out, "    (nested stages are not described: pipelines do not nest)\n");
      continue;
    }
    auto stage_model = OpenModel(neff);
    if (!stage_model.ok()) {
      absl::StrAppend(&out, "    cannot open its NEFF: ", stage_model.status().message(), "\n");
      continue;
    }
    absl::StrAppend(&out, Indent(Describe(neff, **stage_model, true), "    | "));
  }
  if (model.output_sources() != nullptr) {
    absl::StrAppend(&out, "output sources:\n");
    for (flatbuffers::uoffset_t j = 0; j < model.output_sources()->size(); ++j) {
      std::string name;
      if (model.outputs() != nullptr && j < model.outputs()->size() &&
          model.outputs()->Get(j)->name() != nullptr) {
        name = absl::StrCat(" '", PrintableName(model.outputs()->Get(j)->name()->str()), "'");
      }
      absl::StrAppend(&out, "  output ", j, name, " from ",
                      SourceName(model, *model.output_sources()->Get(j)), "\n");
    }
  }
  return out;
}

}  // namespace

std::string FormatAccessPattern(const AccessPattern& ap) {
  std::string out = absl::StrCat(SpaceLabel(ap.space()), " ", DTypeShort(ap.dtype()), " ");
  if (ap.space() == MemorySpace::SBUF || ap.space() == MemorySpace::PSUM) {
    absl::StrAppend(&out, "p[", ap.start_partition(), ",",
                    uint64_t{ap.start_partition()} + ap.num_partitions(), ")");
  } else {
    absl::StrAppend(&out, "rows ", ap.num_partitions(), "x", ap.partition_stride());
  }
  absl::StrAppend(&out, " +", ap.offset(), " [");
  if (ap.dims() != nullptr) {
    std::vector<std::string> dims;
    for (const Dim* d : *ap.dims()) {
      dims.push_back(absl::StrCat(d->size(), "x", d->stride()));
    }
    absl::StrAppend(&out, absl::StrJoin(dims, ", "));
  }
  absl::StrAppend(&out, "]");
  return out;
}

std::string DescribeNeff(absl::string_view bytes, const Model& model) {
  return Describe(bytes, model, false);
}

namespace {

std::string Describe(absl::string_view bytes, const Model& model, bool nested) {
  const bool pipelined = model.stages() != nullptr;
  std::string out = absl::StrFormat("NEFF format %d.%d, %d bytes\n", model.version_major(),
                                    model.version_minor(), bytes.size());
  if (const Metadata* m = model.metadata()) {
    // Every string is the file's, so printed escaped.
    auto str = [](const flatbuffers::String* s) {
      return s ? PrintableName(s->str()) : std::string("-");
    };
    std::vector<std::string> flags;
    if (m->compile_flags() != nullptr) {
      for (const flatbuffers::String* f : *m->compile_flags()) flags.push_back(str(f));
    }
    absl::StrAppend(&out, "metadata:\n", "  source framework: ", str(m->source_framework()), "\n",
                    "  source sha256:    ", str(m->source_sha256()), "\n",
                    "  compiler version: ", str(m->compiler_version()), "\n",
                    "  compile flags:    ", absl::StrJoin(flags, " "), "\n",
                    "  target:           ", str(m->target()), ", ", m->num_cores(), " core(s)\n");
    absl::StrAppendFormat(&out,
                          "  estimated latency: %.1f us (compiler cost-model "
                          "estimate, not a measurement)\n",
                          m->estimated_latency_ns() / 1000.0);
    if (m->estimated_interval_ns() > 0) {
      absl::StrAppendFormat(&out,
                            "  estimated interval: %.1f us between results, streamed (compiler "
                            "cost-model estimate, not a measurement)\n",
                            m->estimated_interval_ns() / 1000.0);
    }
  }
  absl::StrAppend(&out, "inputs:\n");
  if (model.inputs() != nullptr) {
    for (const TensorInfo* t : *model.inputs()) {
      absl::StrAppend(&out, "  ", Signature(*t, !pipelined), "\n");
    }
  }
  absl::StrAppend(&out, "outputs:\n");
  if (model.outputs() != nullptr) {
    for (const TensorInfo* t : *model.outputs()) {
      absl::StrAppend(&out, "  ", Signature(*t, !pipelined), "\n");
    }
  }
  if (pipelined) {
    absl::StrAppend(&out, "device: pipelined over ", model.stages()->size(),
                    " NeuronCores (no program of its own)\n");
  } else {
    absl::StrAppend(&out, "device: DRAM arena ", model.dram_size(), " bytes, ",
                    model.num_semaphores(), " semaphores\n");
  }

  // Sections: what the file says, and what the bytes hash to now.
  absl::StrAppend(&out, "sections:\n");
  const auto digests = ComputeSectionDigests(bytes, model);
  for (const SectionDigest& d : digests) {
    std::string where;
    if (d.name == kWeightsSection && model.weights() != nullptr) {
      where = absl::StrCat(" at offset ",
                           reinterpret_cast<const char*>(model.weights()->data()) - bytes.data());
    }
    std::string state = IsSealed(model) ? "MISSING from the section table" : "not sealed";
    if (IsSealed(model)) {
      for (const SectionChecksum* c : *model.checksums()) {
        if (c->name() == nullptr || c->name()->str() != d.name) continue;
        const bool offset_ok =
            (model.version_major() == 0 && model.version_minor() < 3) || c->offset() == d.offset;
        state = c->xxh64() == d.xxh64 && c->size() == d.size && offset_ok
                    ? "ok"
                    : absl::StrFormat("MISMATCH (file says %d bytes at offset %d, xxh64 %#018x)",
                                      c->size(), c->offset(), c->xxh64());
      }
    }
    absl::StrAppendFormat(&out, "  %-8s %10d bytes%s  xxh64 %#018x  %s\n", d.name, d.size, where,
                          d.xxh64, state);
  }
  // Entries that name no section break the seal (see neff/checksum.h).
  if (IsSealed(model)) {
    for (const SectionChecksum* c : *model.checksums()) {
      const std::string name = c->name() ? c->name()->str() : "";
      bool known = false;
      for (const SectionDigest& d : digests) known |= name == d.name;
      if (!known) {
        absl::StrAppend(&out, "  unknown section '", PrintableName(name),
                        "' in the section table: the seal is broken\n");
      }
    }
  }

  // Instruction counts per engine.
  std::map<std::string, std::array<int64_t, 2>> per_engine;  // queues, insts
  int64_t total = 0;
  if (model.queues() != nullptr) {
    for (const Queue* q : *model.queues()) {
      const char* engine = Name(q->engine(), EnumNameEngineType, EngineType::MAX);
      const int64_t n = q->instructions() ? q->instructions()->size() : 0;
      per_engine[engine][0] += 1;
      per_engine[engine][1] += n;
      total += n;
    }
  }
  absl::StrAppend(&out, "instructions: ", total, " in ",
                  model.queues() ? model.queues()->size() : 0, " queues\n");
  for (const auto& [engine, counts] : per_engine) {
    absl::StrAppendFormat(&out, "  %-7s %8d in %d queue(s)\n", engine, counts[1], counts[0]);
  }
  absl::StrAppend(&out, DescribeLoadQueues(model));
  absl::StrAppend(&out, "nodes: ", model.nodes() ? model.nodes()->size() : 0,
                  ", weights: ", model.weights() ? model.weights()->size() : 0, " bytes\n");
  absl::StrAppend(&out, DescribeStages(model, nested));
  return out;
}

// One queue's listing, headed "<kind> <q>: ENGINE[i], n instructions".
void DumpQueue(const Model& model, const char* kind, size_t q, const Queue& queue,
               std::string* out_text) {
  std::string& out = *out_text;
  const auto* insts = queue.instructions();
  const size_t n = insts ? insts->size() : 0;
  absl::StrAppend(&out, kind, " ", q, ": ", QueueName(queue), ", ", n, " instructions\n");
  for (size_t i = 0; i < n; ++i) {
    const Instruction* inst = insts->Get(i);
    const Opcode op = inst->opcode();
    absl::StrAppendFormat(&out, "  [%d] %s", i, OpName(op));
    switch (op) {
      case Opcode::ACTIVATION:
        absl::StrAppendFormat(&out, " %s scale=%g", FuncName(inst->act_func()), inst->scale());
        break;
      case Opcode::TENSOR_TENSOR:
      case Opcode::TENSOR_REDUCE:
        absl::StrAppend(&out, " ", AluName(inst->alu_op()));
        break;
      case Opcode::TENSOR_SCALAR:
        absl::StrAppendFormat(&out, " %s %g, %s %g", AluName(inst->alu_op()), inst->imm(),
                              AluName(inst->alu_op2()), inst->imm2());
        break;
      case Opcode::MEMSET:
        absl::StrAppendFormat(&out, " %g", inst->imm());
        break;
      case Opcode::IOTA:
        absl::StrAppendFormat(&out, " %g + %g*p + %g*j", inst->imm(), inst->scale(), inst->imm2());
        break;
      case Opcode::MATMUL:
        if (inst->accumulate_start()) absl::StrAppend(&out, " start");
        if (inst->accumulate_stop()) absl::StrAppend(&out, " stop");
        break;
      default:
        break;
    }
    absl::StrAppend(&out, "\n");
    const std::pair<const char*, const AccessPattern*> operands[] = {
        {"dst", inst->dst()},   {"src0", inst->src0()}, {"src1", inst->src1()},
        {"src2", inst->src2()}, {"bias", inst->bias()}, {"accum", inst->accum()},
    };
    for (const auto& [name, ap] : operands) {
      if (ap == nullptr) continue;
      absl::StrAppendFormat(&out, "      %-5s %s\n", name, FormatAccessPattern(*ap));
    }
    std::vector<std::string> sync;
    if (inst->waits() != nullptr) {
      for (const SemaphoreWait* w : *inst->waits()) {
        sync.push_back(absl::StrCat("wait s", w->semaphore(), ">=", w->value()));
      }
    }
    if (inst->signal() >= 0) sync.push_back(absl::StrCat("signal s", inst->signal()));
    if (inst->node() >= 0) {
      const auto* nodes = model.nodes();
      const bool named = nodes != nullptr && static_cast<uint32_t>(inst->node()) < nodes->size();
      sync.push_back(absl::StrCat(
          "node ", inst->node(),
          named ? absl::StrCat(" '", PrintableName(nodes->Get(inst->node())->str()), "'") : ""));
    }
    if (!sync.empty()) absl::StrAppend(&out, "      ", absl::StrJoin(sync, ", "), "\n");
  }
}

std::string Dump(const Model& model, bool nested) {
  std::string out;
  const auto* load_queues = model.load_queues();
  if (load_queues != nullptr) {
    for (size_t q = 0; q < load_queues->size(); ++q) {
      DumpQueue(model, "load queue", q, *load_queues->Get(q), &out);
    }
  }
  if (model.queues() != nullptr) {
    for (size_t q = 0; q < model.queues()->size(); ++q) {
      DumpQueue(model, "queue", q, *model.queues()->Get(q), &out);
    }
  }
  if (const auto* stages = model.stages()) {
    for (flatbuffers::uoffset_t k = 0; k < stages->size(); ++k) {
      const absl::string_view neff = StageBytes(*stages->Get(k));
      absl::StrAppend(&out, "stage ", k, ": ", neff.size(), " bytes\n");
      if (nested) continue;
      auto stage_model = OpenModel(neff);
      if (!stage_model.ok()) {
        absl::StrAppend(&out, "  cannot open its NEFF: ", stage_model.status().message(), "\n");
        continue;
      }
      absl::StrAppend(&out, Indent(Dump(**stage_model, true), "  "));
    }
  }
  return out.empty() ? "no queues\n" : out;
}

}  // namespace

std::string DumpNeff(const Model& model) { return Dump(model, false); }

}  // namespace neff
