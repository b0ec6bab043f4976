// Hand-corrupted copies of a NEFF that neuron-cc compiled (the MLP in the
// fuzz seed corpus): each damage is caught at load, by the rule meant for
// it, with an error naming the queue, instruction and rule.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "neff/checksum.h"
#include "neff/format.h"
#include "runtime/neff_loader.h"

namespace ncc::runtime {
namespace {

std::string CompiledMlp() {
  auto bytes = neff::ReadFile("runtime/fuzz/corpus/mlp.neff");
  EXPECT_TRUE(bytes.ok()) << bytes.status();
  return bytes.ok() ? *bytes : std::string();
}

neff::Model* Mutable(std::string& bytes) {
  return flatbuffers::GetMutableSizePrefixedRoot<neff::Model>(bytes.data());
}

// Applies `damage` to a fresh copy, reseals the checksums (so the semantic
// checks, not the checksum, must catch it) and returns the load error.
absl::Status LoadDamaged(const std::function<bool(neff::Model*)>& damage) {
  std::string bytes = CompiledMlp();
  if (!damage(Mutable(bytes))) return absl::InternalError("damage not applied");
  EXPECT_TRUE(neff::SealChecksums(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size()).ok());
  return LoadNeffBytes(bytes.data(), bytes.size(), LoadOptions()).status();
}

// The first instruction on a queue of `engine` that satisfies `pred`.
neff::Instruction* Find(neff::Model* m, neff::EngineType engine,
                        const std::function<bool(neff::Instruction*)>& pred, std::string* where) {
  auto* queues = m->mutable_queues();
  for (flatbuffers::uoffset_t q = 0; q < queues->size(); ++q) {
    neff::Queue* queue = queues->GetMutableObject(q);
    if (queue->engine() != engine) continue;
    auto* insts = queue->mutable_instructions();
    for (flatbuffers::uoffset_t i = 0; i < insts->size(); ++i) {
      neff::Instruction* inst = insts->GetMutableObject(i);
      if (!pred(inst)) continue;
      *where = "queue " + std::string(neff::EnumNameEngineType(engine)) + "[" +
               std::to_string(queue->index()) + "] instruction " + std::to_string(i);
      return inst;
    }
  }
  return nullptr;
}

TEST(CorruptedNeff, TheCompiledModelLoads) {
  const std::string bytes = CompiledMlp();
  auto loaded = LoadNeffBytes(bytes.data(), bytes.size(), LoadOptions());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_NE(loaded->model->checksums(), nullptr);
}

TEST(CorruptedNeff, WeightByteFailsTheWeightsChecksumUnlessTrusted) {
  std::string bytes = CompiledMlp();
  auto* w = Mutable(bytes)->mutable_weights();
  ASSERT_GT(w->size(), 10u);
  w->Mutate(10, static_cast<uint8_t>(w->Get(10) ^ 0x40));
  auto loaded = LoadNeffBytes(bytes.data(), bytes.size(), LoadOptions());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(loaded.status().message().find("checksum mismatch in section 'weights'"),
            std::string::npos)
      << loaded.status();
  LoadOptions trusted;
  trusted.skip_checksums = true;
  EXPECT_TRUE(LoadNeffBytes(bytes.data(), bytes.size(), trusted).ok());
}

TEST(CorruptedNeff, ProgramEditWithoutResealingFailsTheProgramChecksum) {
  std::string bytes = CompiledMlp();
  std::string where;
  neff::Instruction* inst = Find(
      Mutable(bytes), neff::EngineType::TENSOR,
      [](neff::Instruction* i) { return i->waits() && i->waits()->size() > 0; }, &where);
  ASSERT_NE(inst, nullptr);
  auto* wait = inst->mutable_waits()->GetMutableObject(0);
  wait->mutate_value(wait->value() + 7);
  auto loaded = LoadNeffBytes(bytes.data(), bytes.size(), LoadOptions());
  EXPECT_NE(loaded.status().message().find("section 'program'"), std::string::npos)
      << loaded.status();
}

// Issue 14's first bypass of the seal: an altered instruction plus one byte
// renaming the program section, which a reader that skipped unknown names
// then left unchecked (the file ran with different outputs).
TEST(CorruptedNeff, RenamingTheProgramSectionDoesNotHideAnEdit) {
  std::string bytes = CompiledMlp();
  std::string where;
  neff::Instruction* inst = Find(
      Mutable(bytes), neff::EngineType::DMA,
      [](neff::Instruction* i) { return i->dst() && i->dst()->offset() != 0; }, &where);
  ASSERT_NE(inst, nullptr);
  ASSERT_TRUE(inst->mutable_dst()->mutate_offset(inst->dst()->offset() + 4));
  const size_t at = bytes.find(neff::kProgramSection);
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'P';
  auto loaded = LoadNeffBytes(bytes.data(), bytes.size(), LoadOptions());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_NE(loaded.status().message().find("broken seal: unknown section 'Program'"),
            std::string::npos)
      << loaded.status();
  // Allowing unsealed files does not weaken the check of a sealed one.
  LoadOptions unsealed_ok;
  unsealed_ok.allow_unsealed = true;
  EXPECT_FALSE(LoadNeffBytes(bytes.data(), bytes.size(), unsealed_ok).ok());
}

// The second: zeroing the Model's vtable slot of `checksums` drops the seal.
TEST(CorruptedNeff, AStrippedSealLoadsOnlyWhenUnsealedFilesAreAllowed) {
  std::string bytes = CompiledMlp();
  const auto* table = reinterpret_cast<const flatbuffers::Table*>(Mutable(bytes));
  const size_t slot =
      reinterpret_cast<const char*>(table->GetVTable()) - bytes.data() + neff::Model::VT_CHECKSUMS;
  bytes[slot] = bytes[slot + 1] = 0;
  auto loaded = LoadNeffBytes(bytes.data(), bytes.size(), LoadOptions());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(loaded.status().message().find("is not sealed"), std::string::npos) << loaded.status();
  LoadOptions unsealed_ok;
  unsealed_ok.allow_unsealed = true;
  auto allowed = LoadNeffBytes(bytes.data(), bytes.size(), unsealed_ok);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->model->checksums(), nullptr);
}

TEST(CorruptedNeff, WaitThatCanNeverBeMetIsADeadlock) {
  std::string where;
  absl::Status s = LoadDamaged([&](neff::Model* m) {
    neff::Instruction* inst = Find(
        m, neff::EngineType::TENSOR,
        [](neff::Instruction* i) { return i->waits() && i->waits()->size() > 0; }, &where);
    if (inst == nullptr) return false;
    inst->mutable_waits()->GetMutableObject(0)->mutate_value(1000);
    return true;
  });
  EXPECT_NE(s.message().find(where), std::string::npos) << s;
  EXPECT_NE(s.message().find(">= 1000 but it can only reach"), std::string::npos) << s;
  EXPECT_NE(s.message().find("[rule: deadlock-free semaphore waits]"), std::string::npos) << s;
}

TEST(CorruptedNeff, SemaphoreIdOutOfRange) {
  std::string where;
  absl::Status s = LoadDamaged([&](neff::Model* m) {
    neff::Instruction* inst = Find(
        m, neff::EngineType::TENSOR,
        [](neff::Instruction* i) { return i->waits() && i->waits()->size() > 0; }, &where);
    if (inst == nullptr) return false;
    inst->mutable_waits()->GetMutableObject(0)->mutate_semaphore(250);
    return true;
  });
  EXPECT_NE(s.message().find(where), std::string::npos) << s;
  EXPECT_NE(s.message().find("semaphore 250"), std::string::npos) << s;
}

TEST(CorruptedNeff, SbufRangeBeyondThePartition) {
  std::string where;
  absl::Status s = LoadDamaged([&](neff::Model* m) {
    neff::Instruction* inst = Find(
        m, neff::EngineType::TENSOR,
        [](neff::Instruction* i) {
          return i->src0() && i->src0()->space() == neff::MemorySpace::SBUF &&
                 i->src0()->offset() != 0;
        },
        &where);
    return inst != nullptr && inst->mutable_src0()->mutate_offset(196600);
  });
  EXPECT_NE(s.message().find("NEFF verify: " + where), std::string::npos) << s;
}

TEST(CorruptedNeff, PartitionsBeyond128) {
  std::string where;
  absl::Status s = LoadDamaged([&](neff::Model* m) {
    neff::Instruction* inst = Find(
        m, neff::EngineType::TENSOR,
        [](neff::Instruction* i) { return i->src0() && i->src0()->num_partitions() > 1; }, &where);
    return inst != nullptr && inst->mutable_src0()->mutate_num_partitions(200);
  });
  EXPECT_NE(s.message().find("NEFF verify: " + where), std::string::npos) << s;
}

TEST(CorruptedNeff, DramRangeOutsideTheArena) {
  std::string where;
  absl::Status s = LoadDamaged([&](neff::Model* m) {
    neff::Instruction* inst = Find(
        m, neff::EngineType::DMA,
        [](neff::Instruction* i) {
          return i->dst() && i->dst()->space() == neff::MemorySpace::DRAM &&
                 i->dst()->offset() != 0;
        },
        &where);
    return inst != nullptr && inst->mutable_dst()->mutate_offset(1u << 30);
  });
  EXPECT_NE(s.message().find("NEFF verify: " + where), std::string::npos) << s;
}

}  // namespace
}  // namespace ncc::runtime
