#include "neff/deadlock_check.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "neff/verifier.h"

namespace neff {
namespace {

constexpr char kRule[] = "[rule: deadlock-free semaphore waits]";

std::string Where(const Queue& q, size_t index, const Instruction& inst) {
  const char* op = inst.opcode() <= Opcode::MAX ? EnumNameOpcode(inst.opcode()) : "UNKNOWN";
  return absl::StrCat("NEFF verify: subgraph 0 queue ", QueueName(q), " instruction ", index, " (",
                      op, ")");
}

}  // namespace

absl::Status CheckSemaphoreDeadlock(const Model& model) {
  const auto* queues = model.queues();
  if (queues == nullptr) return absl::OkStatus();
  const uint32_t num_semaphores = model.num_semaphores();
  std::vector<uint64_t> value(num_semaphores, 0);
  std::vector<size_t> pos(queues->size(), 0);

  // A wait's semaphore or a signal out of range: the verifier normally
  // rejects these first; repeated here so this function is safe alone.
  for (size_t q = 0; q < queues->size(); ++q) {
    const Queue* queue = queues->Get(q);
    if (queue->instructions() == nullptr) continue;
    for (size_t i = 0; i < queue->instructions()->size(); ++i) {
      const Instruction* inst = queue->instructions()->Get(i);
      const int signal = inst->signal();
      if (signal < -1 || (signal >= 0 && static_cast<uint32_t>(signal) >= num_semaphores)) {
        return absl::InvalidArgumentError(
            absl::StrCat(Where(*queue, i, *inst), ": signals semaphore ", signal,
                         " but the model has ", num_semaphores, " [rule: semaphore ids in range]"));
      }
      if (inst->waits() == nullptr) continue;
      for (const SemaphoreWait* w : *inst->waits()) {
        if (w->semaphore() >= num_semaphores) {
          return absl::InvalidArgumentError(absl::StrCat(
              Where(*queue, i, *inst), ": waits on semaphore ", w->semaphore(),
              " but the model has ", num_semaphores, " [rule: semaphore ids in range]"));
        }
      }
    }
  }

  auto size_of = [&](size_t q) -> size_t {
    const auto* insts = queues->Get(q)->instructions();
    return insts == nullptr ? 0 : insts->size();
  };
  auto ready = [&](const Instruction& inst) {
    if (inst.waits() == nullptr) return true;
    for (const SemaphoreWait* w : *inst.waits()) {
      if (value[w->semaphore()] < w->value()) return false;
    }
    return true;
  };

  // Advance every queue as far as it goes; repeat while anything moved.
  bool moved = true;
  while (moved) {
    moved = false;
    for (size_t q = 0; q < queues->size(); ++q) {
      const size_t n = size_of(q);
      while (pos[q] < n) {
        const Instruction* inst = queues->Get(q)->instructions()->Get(pos[q]);
        if (!ready(*inst)) break;
        if (inst->signal() >= 0) ++value[inst->signal()];
        ++pos[q];
        moved = true;
      }
    }
  }

  for (size_t q = 0; q < queues->size(); ++q) {
    if (pos[q] == size_of(q)) continue;
    const Queue* queue = queues->Get(q);
    const Instruction* inst = queue->instructions()->Get(pos[q]);
    for (const SemaphoreWait* w : *inst->waits()) {
      const uint16_t s = w->semaphore();
      if (value[s] >= w->value()) continue;
      // Who could have signalled s, and where each of them stopped.
      std::vector<std::string> signallers;
      for (size_t o = 0; o < queues->size(); ++o) {
        const auto* insts = queues->Get(o)->instructions();
        if (insts == nullptr) continue;
        bool signals = false;
        for (const Instruction* other : *insts) {
          if (other->signal() == s) {
            signals = true;
            break;
          }
        }
        if (!signals) continue;
        signallers.push_back(
            pos[o] == insts->size()
                ? absl::StrCat(QueueName(*queues->Get(o)), ", finished")
                : absl::StrCat(QueueName(*queues->Get(o)), ", blocked at instruction ", pos[o]));
      }
      return absl::InvalidArgumentError(absl::StrCat(
          Where(*queue, pos[q], *inst), ": waits for semaphore ", s, " >= ", w->value(),
          " but it can only reach ", value[s], " (signalled by ",
          signallers.empty() ? "no instruction" : absl::StrJoin(signallers, "; "), ") ", kRule));
    }
  }
  return absl::OkStatus();
}

}  // namespace neff
