#include "frontends/child_probe.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"

// Sanitizer runtimes reserve terabytes of shadow address space up front, so
// an address-space limit would make every allocation in the child fail.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NCC_PROBE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define NCC_PROBE_SANITIZED 1
#endif
#endif

namespace ncc::frontends {
namespace {

enum ChildExit { kReturned = 0, kOutOfMemory = 4 };

}  // namespace

ProbeResult ProbeInChild(const std::function<void()>& fn, uint64_t address_space_bytes) {
  ProbeResult result;
  const pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    // Crashes must kill the child, not run the parent's handlers (sanitizers,
    // libFuzzer) in it.
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, SIG_DFL);
#ifndef NCC_PROBE_SANITIZED
    struct rlimit rl = {address_space_bytes, address_space_bytes};
    setrlimit(RLIMIT_AS, &rl);
#else
    (void)address_space_bytes;
#endif
    int code = kReturned;
    try {
      fn();
    } catch (const std::bad_alloc&) {
      code = kOutOfMemory;
    } catch (...) {
    }
    // Straight to the kernel: no atexit handlers and none of the exit hooks
    // sanitizers and libFuzzer install (leak checks, final statistics).
    syscall(SYS_exit_group, code);
    _exit(code);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return result;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kReturned) return result;
  result.failed = true;
  if (WIFEXITED(status) && WEXITSTATUS(status) == kOutOfMemory) {
    result.how = "out of memory";
  } else if (WIFSIGNALED(status)) {
    result.how = absl::StrCat("signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  } else {
    result.how = absl::StrCat("exit code ", WEXITSTATUS(status));
  }
  return result;
}

}  // namespace ncc::frontends
