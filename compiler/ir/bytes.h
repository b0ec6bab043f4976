// A constant's payload: bytes held in a std::vector<uint8_t>, or in a
// std::string taken over whole (an ONNX initializer's raw_data, moved out of
// the parsed model), so that a frontend hands a model's weights to the IR
// without copying them. It reads and writes like the vector it replaces.
#ifndef NCC_COMPILER_IR_BYTES_H_
#define NCC_COMPILER_IR_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/types/span.h"

namespace ncc::ir {

class Bytes {
 public:
  using value_type = uint8_t;
  using iterator = uint8_t*;
  using const_iterator = const uint8_t*;

  Bytes() = default;
  // Implicit, as the vector it stands for: passes and frontends build
  // payloads as vectors and move them in.
  Bytes(std::vector<uint8_t> bytes) : storage_(std::move(bytes)) {}  // NOLINT
  Bytes(std::initializer_list<uint8_t> bytes) : storage_(std::vector<uint8_t>(bytes)) {}
  // Takes over `bytes`' storage (no copy).
  static Bytes FromString(std::string bytes);

  const uint8_t* data() const;
  uint8_t* data();
  size_t size() const;
  bool empty() const { return size() == 0; }
  const uint8_t* begin() const { return data(); }
  const uint8_t* end() const { return data() + size(); }
  uint8_t* begin() { return data(); }
  uint8_t* end() { return data() + size(); }
  const uint8_t& operator[](size_t i) const { return data()[i]; }
  uint8_t& operator[](size_t i) { return data()[i]; }
  absl::Span<const uint8_t> span() const { return {data(), size()}; }

  // New bytes are zero.
  void resize(size_t size);
  template <typename It>
  void assign(It first, It last) {
    storage_ = std::vector<uint8_t>(first, last);
  }
  void clear() { storage_ = std::vector<uint8_t>(); }

  friend bool operator==(const Bytes& a, const Bytes& b);
  friend bool operator!=(const Bytes& a, const Bytes& b) { return !(a == b); }

 private:
  std::variant<std::vector<uint8_t>, std::string> storage_;
};

}  // namespace ncc::ir

#endif  // NCC_COMPILER_IR_BYTES_H_
