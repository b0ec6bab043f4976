#include "frontends/child_probe.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NCC_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define NCC_TEST_SANITIZED 1
#endif
#endif

namespace ncc::frontends {
namespace {

constexpr uint64_t kLimit = uint64_t{4} << 30;

// Crashes on "crash" (a signal, not undefined behaviour, so UBSan builds see
// the same), throws on "throw", returns otherwise.
void CrashOnRequest(const std::string& request) {
  if (request == "crash") raise(SIGSEGV);
  if (request == "throw") throw std::runtime_error("the caller's run reports this");
}

// Allocates address space until the bound stops it.
void AllocateWithoutBound(const std::string&) {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (;;) blocks.emplace_back(new char[64 << 20]);
}

bool IsZombie(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string fields[3];
  stat >> fields[0] >> fields[1] >> fields[2];
  return fields[2] == "Z";
}

TEST(ProbeServerTest, OneChildServesManyRequests) {
  ProbeServer server(CrashOnRequest, kLimit);
  EXPECT_EQ(server.child_pid(), -1);  // forked on first use
  EXPECT_FALSE(server.Probe("a").failed);
  const pid_t child = server.child_pid();
  ASSERT_GT(child, 0);
  EXPECT_NE(child, getpid());
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(server.Probe("b").failed);
  EXPECT_EQ(server.child_pid(), child);
}

TEST(ProbeServerTest, CrashFailsThatRequestAndTheNextRespawns) {
  ProbeServer server(CrashOnRequest, kLimit);
  ASSERT_FALSE(server.Probe("fine").failed);
  const pid_t first = server.child_pid();
  ProbeResult crashed = server.Probe("crash");
  EXPECT_TRUE(crashed.failed);
  EXPECT_EQ(crashed.how, "signal 11 (Segmentation fault)");
  EXPECT_EQ(server.child_pid(), -1);  // reaped
  EXPECT_FALSE(server.Probe("fine").failed);
  EXPECT_GT(server.child_pid(), 0);
  EXPECT_NE(server.child_pid(), first);
}

TEST(ProbeServerTest, SameOutcomesAsProbeInChild) {
  ProbeServer server(CrashOnRequest, kLimit);
  for (const std::string request : {"fine", "throw", "crash"}) {
    ProbeResult served = server.Probe(request);
    ProbeResult forked = ProbeInChild([&] { CrashOnRequest(request); }, kLimit);
    EXPECT_EQ(served.failed, forked.failed) << request;
    EXPECT_EQ(served.how, forked.how) << request;
  }
}

TEST(ProbeServerTest, HandlerSeesTheRequestBytesExactly) {
  // Bigger than a socket buffer, with NUL bytes.
  std::string expected(3 << 20, '\0');
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<char>(i * 7);
  ProbeServer server(
      [&expected](const std::string& request) {
        if (request != expected) std::abort();
      },
      kLimit);
  EXPECT_FALSE(server.Probe(expected).failed);
  EXPECT_FALSE(server.Probe(expected).failed);
  EXPECT_EQ(server.Probe("other").how, "signal 6 (Aborted)");
}

TEST(ProbeServerTest, UnboundedAllocationIsOutOfMemory) {
#ifdef NCC_TEST_SANITIZED
  GTEST_SKIP() << "sanitizer builds run the probe without an address-space bound";
#endif
  ProbeServer server(AllocateWithoutBound, kLimit);
  ProbeResult result = server.Probe("anything");
  EXPECT_TRUE(result.failed);
  EXPECT_EQ(result.how, "out of memory");
}

TEST(ProbeServerTest, ChildKilledBetweenRequestsIsReplacedNotBlamed) {
  ProbeServer server(CrashOnRequest, kLimit);
  ASSERT_FALSE(server.Probe("fine").failed);
  const pid_t child = server.child_pid();
  ASSERT_EQ(kill(child, SIGKILL), 0);
  while (!IsZombie(child)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  // No SIGPIPE either: it would kill this test.
  EXPECT_FALSE(server.Probe("fine").failed);
  EXPECT_NE(server.child_pid(), child);
}

TEST(ProbeServerTest, DestroyingTheServerEndsItsChild) {
  pid_t child = -1;
  {
    // Destroyed after `server`, whose socket its child holds a copy of.
    ProbeServer other(CrashOnRequest, kLimit);
    ProbeServer server(CrashOnRequest, kLimit);
    ASSERT_FALSE(server.Probe("fine").failed);
    ASSERT_FALSE(other.Probe("fine").failed);
    child = server.child_pid();
  }
  // Reaped by the destructor: the process is gone, not a zombie.
  EXPECT_EQ(kill(child, 0), -1);
}

}  // namespace
}  // namespace ncc::frontends
