// Tests only: sets an environment variable for one scope and restores it
// afterwards (the runtime reads NEURON_RT_* at nrt_init and load).
#ifndef NCC_RUNTIME_SCOPED_ENV_H_
#define NCC_RUNTIME_SCOPED_ENV_H_

#include <cstdlib>
#include <optional>
#include <string>

namespace ncc::runtime {

class ScopedEnv {
 public:
  // `value` nullptr unsets the variable.
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_.has_value()) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace ncc::runtime

#endif  // NCC_RUNTIME_SCOPED_ENV_H_
