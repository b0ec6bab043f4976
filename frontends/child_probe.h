// Runs a third-party parser or inference step on untrusted input in a forked
// child first, so that a crash inside it (libonnx's shape inference and
// libtorch's TorchScript compiler both have some on hostile models, found by
// fuzzing) becomes a one-line error instead of killing the tool. The child's
// run is the same deterministic code the caller then runs for real, so a
// child that survives means the caller's run is safe. Its address space is
// bounded, so an input that makes the library allocate without limit fails
// in the child too.
#ifndef NCC_FRONTENDS_CHILD_PROBE_H_
#define NCC_FRONTENDS_CHILD_PROBE_H_

#include <cstdint>
#include <functional>
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

}  // namespace ncc::frontends

#endif  // NCC_FRONTENDS_CHILD_PROBE_H_
