#include "neff/deadlock_check.h"

#include <gtest/gtest.h>

#include <string>

#include "neff/format.h"
#include "neff/test_builder.h"

namespace neff {
namespace {

using namespace neff::test_builder;  // NOLINT: the builder's vocabulary

absl::Status Check(const std::string& bytes) {
  auto model = OpenModel(bytes);
  if (!model.ok()) return model.status();
  return CheckSemaphoreDeadlock(**model);
}

Inst Fill() { return Memset(Sbuf(0, 1, 0, {{1, 4}}), 0.0f); }

TEST(DeadlockCheck, AcceptsACrossQueueChain) {
  NeffBuilder b;
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  // Declared out of order: the vector queue waits for the DMA queue, which
  // in turn waits for the vector queue's first instruction.
  b.Add(vec, Fill().Signal(1));
  b.Add(vec, Fill().Wait(0, 2).Signal(1));
  b.Add(dma, Fill().Wait(1, 1).Signal(0));
  b.Add(dma, Fill().Signal(0));
  EXPECT_TRUE(Check(b.Build()).ok());
}

TEST(DeadlockCheck, RejectsAWaitNobodySignals) {
  NeffBuilder b;
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(vec, Fill().Signal(0));
  b.Add(vec, Fill().Wait(3, 1));
  absl::Status s = Check(b.Build());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "NEFF verify: subgraph 0 queue VECTOR[0] instruction 1 (MEMSET): "
            "waits for semaphore 3 >= 1 but it can only reach 0 (signalled by "
            "no instruction) [rule: deadlock-free semaphore waits]");
}

TEST(DeadlockCheck, RejectsACycleBetweenQueues) {
  NeffBuilder b;
  int act = b.AddQueue(EngineType::SCALAR);
  int dma = b.AddQueue(EngineType::DMA, 5);
  b.Add(act, Fill().Wait(1, 1).Signal(0));
  b.Add(dma, Fill().Wait(0, 1).Signal(1));
  absl::Status s = Check(b.Build());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("queue SCALAR[0] instruction 0"), std::string::npos) << s;
  EXPECT_NE(s.message().find("semaphore 1 >= 1"), std::string::npos) << s;
  EXPECT_NE(s.message().find("DMA[5], blocked at instruction 0"), std::string::npos) << s;
}

TEST(DeadlockCheck, RejectsAValueBeyondTheSignalCount) {
  NeffBuilder b;
  int dma = b.AddQueue(EngineType::DMA);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(dma, Fill().Signal(2));
  b.Add(dma, Fill().Signal(2));
  b.Add(vec, Fill().Wait(2, 3));
  absl::Status s = Check(b.Build());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("waits for semaphore 2 >= 3 but it can only reach 2 "
                             "(signalled by DMA[0], finished)"),
            std::string::npos)
      << s;
}

TEST(DeadlockCheck, RejectsAWaitOnItsOwnLaterSignal) {
  NeffBuilder b;
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(vec, Fill().Wait(0, 1));
  b.Add(vec, Fill().Signal(0));
  absl::Status s = Check(b.Build());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("VECTOR[0], blocked at instruction 0"), std::string::npos) << s;
}

TEST(DeadlockCheck, RejectsOutOfRangeSemaphoresWithoutTheVerifier) {
  NeffBuilder b;
  b.set_num_semaphores(2);
  int vec = b.AddQueue(EngineType::VECTOR);
  b.Add(vec, Fill().Wait(7, 1));
  absl::Status s = Check(b.Build());
  EXPECT_NE(s.message().find("waits on semaphore 7 but the model has 2"), std::string::npos) << s;
  NeffBuilder c;
  c.set_num_semaphores(2);
  vec = c.AddQueue(EngineType::VECTOR);
  c.Add(vec, Fill().Signal(9));
  s = Check(c.Build());
  EXPECT_NE(s.message().find("signals semaphore 9"), std::string::npos) << s;
}

}  // namespace
}  // namespace neff
