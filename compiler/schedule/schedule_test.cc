#include "compiler/schedule/schedule.h"

#include <gtest/gtest.h>

namespace ncc::schedule {
namespace {

using lower::Buffer;
using lower::Operand;
using lower::Space;
using lower::TileInst;
using lower::TileProgram;

int AddBuffer(TileProgram& p, Space space, int64_t address, int64_t bytes) {
  Buffer b;
  b.space = space;
  b.partitions = 128;
  b.bytes = bytes;
  b.address = address;
  return p.AddBuffer(b);
}

Operand Whole(int buffer, int64_t elems, int64_t offset = 0) {
  Operand op;
  op.buffer = buffer;
  op.num_partitions = 1;
  op.offset = offset;
  op.dims = {{1, elems}};
  return op;
}

TileInst Inst(neff::Opcode opcode, target::Engine engine, Operand dst, Operand src) {
  TileInst inst;
  inst.opcode = opcode;
  inst.engine = engine;
  inst.dst = dst;
  inst.src0 = src;
  inst.src1 = src;
  inst.accumulate_start = true;
  return inst;
}

const Queue* FindQueue(const Schedule& s, target::Engine e) {
  for (const Queue& q : s.queues) {
    if (q.engine == e) return &q;
  }
  return nullptr;
}

TEST(Schedule, WaitsOnlyAcrossQueues) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int dram = AddBuffer(p, Space::DRAM, 0, 1024);
  int sbuf = AddBuffer(p, Space::SBUF, 0, 512);
  int psum = AddBuffer(p, Space::PSUM, 0, 512);
  int out = AddBuffer(p, Space::SBUF, 512, 512);
  p.Emit(Inst(neff::Opcode::DMA_COPY, target::Engine::kDma, Whole(sbuf, 128), Whole(dram, 128)));
  p.Emit(Inst(neff::Opcode::MATMUL, target::Engine::kTensor, Whole(psum, 128), Whole(sbuf, 128)));
  p.Emit(
      Inst(neff::Opcode::ACTIVATION, target::Engine::kScalar, Whole(out, 128), Whole(psum, 128)));
  p.Emit(Inst(neff::Opcode::ACTIVATION, target::Engine::kScalar, Whole(out, 128), Whole(out, 128)));
  p.Emit(
      Inst(neff::Opcode::DMA_COPY, target::Engine::kDma, Whole(dram, 128, 512), Whole(out, 128)));
  auto s = ScheduleProgram(p, spec);
  ASSERT_TRUE(s.ok()) << s.status();
  const Queue* pe = FindQueue(*s, target::Engine::kTensor);
  const Queue* act = FindQueue(*s, target::Engine::kScalar);
  ASSERT_NE(pe, nullptr);
  ASSERT_NE(act, nullptr);
  ASSERT_EQ(pe->insts[0].waits.size(), 1u);  // on the load's DMA queue
  EXPECT_EQ(pe->insts[0].waits[0].value, 1);
  ASSERT_EQ(act->insts.size(), 2u);
  EXPECT_EQ(act->insts[0].waits.size(), 1u);  // on the matmul
  EXPECT_EQ(act->insts[0].waits[0].semaphore, pe->semaphore);
  EXPECT_TRUE(act->insts[1].waits.empty());  // same queue: program order
  // The store waits on the Scalar engine and runs after everything.
  EXPECT_EQ(s->instruction_counts[static_cast<int>(target::Engine::kDma)], 2);
  EXPECT_GT(s->estimated_ns, 2 * spec.dma_start_latency_ns);
}

TEST(Schedule, IndependentLoadsSpreadOverDmaQueues) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int dram = AddBuffer(p, Space::DRAM, 0, 1 << 20);
  for (int i = 0; i < 4; ++i) {
    int sbuf = AddBuffer(p, Space::SBUF, i * 4096, 4096);
    p.Emit(Inst(neff::Opcode::DMA_COPY, target::Engine::kDma, Whole(sbuf, 1024),
                Whole(dram, 1024, i * 4096)));
  }
  auto s = ScheduleProgram(p, spec);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->queues.size(), 4u);
  for (const Queue& q : s->queues) EXPECT_TRUE(q.insts[0].waits.empty());
  // In parallel: about one transfer's time, not four.
  EXPECT_LT(s->estimated_ns, 2 * target::DmaNs(spec, 4096, 4096));
}

TEST(Schedule, DisjointDramWritesDoNotSerialise) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int dram = AddBuffer(p, Space::DRAM, 0, 8192);
  int a = AddBuffer(p, Space::SBUF, 0, 4096);
  p.Emit(Inst(neff::Opcode::DMA_COPY, target::Engine::kDma, Whole(dram, 1024, 0), Whole(a, 1024)));
  p.Emit(
      Inst(neff::Opcode::DMA_COPY, target::Engine::kDma, Whole(dram, 1024, 4096), Whole(a, 1024)));
  p.Emit(Inst(neff::Opcode::DMA_COPY, target::Engine::kDma, Whole(a, 1024), Whole(dram, 1024, 0)));
  auto s = ScheduleProgram(p, spec);
  ASSERT_TRUE(s.ok());
  // Two stores in parallel; the load into `a` must wait for both (WAR).
  EXPECT_EQ(s->dependencies, 2);
}

// A Vector op waiting on a slow load no longer holds up an independent one
// behind it in program order: the list scheduler places the ready one first
// (window 1 keeps program order), and the result is still race-free.
TEST(Schedule, ListSchedulerRunsReadyWorkFirst) {
  const target::CoreSpec& spec = target::NeuronCoreV2();
  TileProgram p;
  int dram = AddBuffer(p, Space::DRAM, 0, 1 << 22);
  int x = AddBuffer(p, Space::SBUF, 0, 65536);
  int y = AddBuffer(p, Space::SBUF, 65536, 4096);
  int xo = AddBuffer(p, Space::SBUF, 69632, 65536);
  int yo = AddBuffer(p, Space::SBUF, 135168, 4096);
  p.Emit(Inst(neff::Opcode::DMA_COPY, target::Engine::kDma, Whole(x, 16384), Whole(dram, 16384)));
  p.Emit(
      Inst(neff::Opcode::TENSOR_COPY, target::Engine::kVector, Whole(xo, 16384), Whole(x, 16384)));
  p.Emit(Inst(neff::Opcode::MEMSET, target::Engine::kGpSimd, Whole(y, 1024), Operand{}));
  p.Emit(Inst(neff::Opcode::TENSOR_COPY, target::Engine::kVector, Whole(yo, 1024), Whole(y, 1024)));
  ScheduleOptions in_order;
  in_order.window = 1;
  auto ordered = ScheduleProgram(p, spec, in_order);
  auto listed = ScheduleProgram(p, spec);
  ASSERT_TRUE(ordered.ok() && listed.ok());
  const Queue* v_ordered = FindQueue(*ordered, target::Engine::kVector);
  const Queue* v_listed = FindQueue(*listed, target::Engine::kVector);
  EXPECT_EQ(v_ordered->insts[0].inst, 1);
  EXPECT_EQ(v_listed->insts[0].inst, 3);  // the ready copy first
  EXPECT_LT(v_listed->insts[0].start_ns, v_ordered->insts[1].start_ns);
  EXPECT_TRUE(VerifySchedule(p, *listed).ok());
  // The critical path ends with the slow chain: its load and its copy.
  EXPECT_EQ(listed->critical_count[static_cast<int>(target::Engine::kDma)], 1);
  EXPECT_EQ(listed->critical_count[static_cast<int>(target::Engine::kVector)], 1);
}

}  // namespace
}  // namespace ncc::schedule
