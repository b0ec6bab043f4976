#include "frontends/child_probe.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <new>
#include <utility>

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

// A server's child is replaced after this many requests (see served_).
constexpr int kRequestsPerChild = 10000;

// Crashes must kill the child, not run the parent's handlers (sanitizers,
// libFuzzer) in it; its address space is bounded.
void PrepareChild(uint64_t address_space_bytes) {
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, SIG_DFL);
#ifndef NCC_PROBE_SANITIZED
  struct rlimit rl = {address_space_bytes, address_space_bytes};
  setrlimit(RLIMIT_AS, &rl);
#else
  (void)address_space_bytes;
#endif
}

// Straight to the kernel: no atexit handlers and none of the exit hooks
// sanitizers and libFuzzer install (leak checks, final statistics).
[[noreturn]] void ExitChild(int code) {
  syscall(SYS_exit_group, code);
  _exit(code);
}

// kReturned or kOutOfMemory; any other exception is the caller's own run's
// to report.
int RunInChild(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::bad_alloc&) {
    return kOutOfMemory;
  } catch (...) {
  }
  return kReturned;
}

// What ended a child that did not return normally.
std::string DescribeDeath(int status) {
  if (WIFEXITED(status) && WEXITSTATUS(status) == kOutOfMemory) return "out of memory";
  if (WIFSIGNALED(status)) {
    return absl::StrCat("signal ", WTERMSIG(status), " (", strsignal(WTERMSIG(status)), ")");
  }
  return absl::StrCat("exit code ", WEXITSTATUS(status));
}

bool WaitFor(pid_t pid, int* status) {
  while (waitpid(pid, status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

// MSG_NOSIGNAL: a dead peer is an EPIPE here, never a SIGPIPE that kills
// the process.
bool SendAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = send(fd, p, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// False at end of file (the peer closed or died) or on an error.
bool ReceiveAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = recv(fd, p, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// The server's child: one request at a time until the parent goes away.
[[noreturn]] void Serve(int fd, const ProbeServer::Handler& handler) {
  std::string request;
  for (;;) {
    uint64_t size = 0;
    if (!ReceiveAll(fd, &size, sizeof(size))) ExitChild(kReturned);
    request.resize(size);
    if (!ReceiveAll(fd, request.data(), size)) ExitChild(kReturned);
    const int code = RunInChild([&] { handler(request); });
    if (code != kReturned) ExitChild(code);
    const char done = 1;
    if (!SendAll(fd, &done, 1)) ExitChild(kReturned);
  }
}

}  // namespace

ProbeResult ProbeInChild(const std::function<void()>& fn, uint64_t address_space_bytes) {
  ProbeResult result;
  const pid_t pid = fork();
  if (pid < 0) return result;
  if (pid == 0) {
    PrepareChild(address_space_bytes);
    ExitChild(RunInChild(fn));
  }
  int status = 0;
  if (!WaitFor(pid, &status)) return result;
  if (WIFEXITED(status) && WEXITSTATUS(status) == kReturned) return result;
  result.failed = true;
  result.how = DescribeDeath(status);
  return result;
}

ProbeServer::ProbeServer(Handler handler, uint64_t address_space_bytes)
    : handler_(std::move(handler)), address_space_bytes_(address_space_bytes) {}

ProbeServer::~ProbeServer() {
  std::lock_guard<std::mutex> lock(mu_);
  if (pid_ > 0) Reap();
}

pid_t ProbeServer::child_pid() {
  std::lock_guard<std::mutex> lock(mu_);
  return pid_;
}

bool ProbeServer::Spawn() {
  int fds[2];
  // Close-on-exec: a program the caller executes must not hold the socket
  // open (the child waits for its end of file to exit).
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    close(fds[0]);
    PrepareChild(address_space_bytes_);
    Serve(fds[1], handler_);
  }
  close(fds[1]);
  pid_ = pid;
  fd_ = fds[0];
  served_ = 0;
  return true;
}

bool ProbeServer::Send(const std::string& request) {
  const uint64_t size = request.size();
  return SendAll(fd_, &size, sizeof(size)) && SendAll(fd_, request.data(), request.size());
}

ProbeResult ProbeServer::Reap() {
  // shutdown, not only close: a child forked since (another server's, a
  // ProbeInChild's) holds a copy of this descriptor, and the child must see
  // its end of file now.
  shutdown(fd_, SHUT_RDWR);
  close(fd_);
  fd_ = -1;
  int status = 0;
  const bool waited = WaitFor(pid_, &status);
  pid_ = -1;
  ProbeResult result;
  if (!waited) return result;
  result.failed = true;
  result.how = DescribeDeath(status);
  return result;
}

ProbeResult ProbeServer::Probe(const std::string& request) {
  std::lock_guard<std::mutex> lock(mu_);
  // A child that is gone before the request was sent (killed from outside)
  // is replaced once; a request it never saw is not its failure.
  bool sent = pid_ > 0 && Send(request);
  if (!sent) {
    if (pid_ > 0) Reap();
    sent = Spawn() && Send(request);
  }
  if (!sent) {
    if (pid_ > 0) Reap();
    return ProbeInChild([&] { handler_(request); }, address_space_bytes_);
  }
  char done = 0;
  if (!ReceiveAll(fd_, &done, 1)) return Reap();
  if (++served_ >= kRequestsPerChild) Reap();
  return ProbeResult();
}

}  // namespace ncc::frontends
