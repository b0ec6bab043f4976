// Runs a third-party parser or inference step on untrusted input in a forked
// child first, so that a crash inside it (libonnx's shape inference and
// libtorch's TorchScript compiler both have some on hostile models, found by
// fuzzing) becomes a one-line error instead of killing the tool. The child's
// run is the same deterministic code the caller then runs for real, so a
// child that survives means the caller's run is safe. Its address space is
// bounded, so an input that makes the library allocate without limit fails
// in the child too.
//
// Two ways to probe: ProbeInChild forks once per call (the child is an exact
// copy of the caller, so it can run any closure), and ProbeServer keeps one
// child alive and sends it each input as bytes, for callers that probe many
// small inputs: a fork of a large (e.g. ASan-instrumented) process costs
// about a millisecond, a request to a waiting child a few microseconds.
#ifndef NCC_FRONTENDS_CHILD_PROBE_H_
#define NCC_FRONTENDS_CHILD_PROBE_H_

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace ncc::frontends {

struct ProbeResult {
  // The child was killed by a signal or ran out of its address space; `how`
  // says which ("signal 11 (Segmentation fault)", "out of memory").
  bool failed = false;
  std::string how;
};

// Runs `fn` in a child limited to `address_space_bytes`. `fn` may throw; an
// exception counts as a normal return (the caller's own run reports it),
// except std::bad_alloc, which counts as a failure. When fork() is not
// possible the probe is skipped (not failed).
ProbeResult ProbeInChild(const std::function<void()>& fn, uint64_t address_space_bytes);

// A child that stays alive between probes: forked on the first Probe(), it
// reads requests (length-prefixed bytes) from a socket and runs `handler` on
// each, under the same address-space bound and with the same outcomes as
// ProbeInChild. A child that dies on a request is reaped and reported
// exactly as ProbeInChild reports it; the next Probe() forks a new one. The
// child exits when the server is destroyed or its process exits (end of
// file on the socket).
//
// The handler sees only the request's bytes, so it must rebuild from them
// the very computation the caller then runs (same input, same options): that
// is what makes "the child survived" mean "the caller's run is safe".
//
// Thread-safe: probes are serialised by a mutex (one child, one request at a
// time). Keep one server per handler per process, e.g. a function-local
// static.
class ProbeServer {
 public:
  using Handler = std::function<void(const std::string& request)>;

  ProbeServer(Handler handler, uint64_t address_space_bytes);
  ~ProbeServer();
  ProbeServer(const ProbeServer&) = delete;
  ProbeServer& operator=(const ProbeServer&) = delete;

  // Runs the handler on `request` in the child. When no child can be
  // started, falls back to ProbeInChild with the same handler.
  ProbeResult Probe(const std::string& request);

  // The current child's process id, or -1 when none is running (tests).
  pid_t child_pid();

 private:
  bool Spawn();
  bool Send(const std::string& request);
  // Closes the socket and waits for the child; what killed it, if anything.
  ProbeResult Reap();

  const Handler handler_;
  const uint64_t address_space_bytes_;
  std::mutex mu_;
  pid_t pid_ = -1;
  int fd_ = -1;
  // Requests the current child has answered; it is replaced after
  // kRequestsPerChild, so whatever a library leaks or fragments in it stays
  // bounded.
  int served_ = 0;
};

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_CHILD_PROBE_H_
