#include "compiler/ir/bytes.h"

#include <cstring>

namespace ncc::ir {

Bytes Bytes::FromString(std::string bytes) {
  Bytes out;
  out.storage_ = std::move(bytes);
  return out;
}

const uint8_t* Bytes::data() const {
  if (const auto* v = std::get_if<std::vector<uint8_t>>(&storage_)) return v->data();
  return reinterpret_cast<const uint8_t*>(std::get<std::string>(storage_).data());
}

uint8_t* Bytes::data() {
  if (auto* v = std::get_if<std::vector<uint8_t>>(&storage_)) return v->data();
  return reinterpret_cast<uint8_t*>(std::get<std::string>(storage_).data());
}

size_t Bytes::size() const {
  if (const auto* v = std::get_if<std::vector<uint8_t>>(&storage_)) return v->size();
  return std::get<std::string>(storage_).size();
}

void Bytes::resize(size_t size) {
  if (auto* v = std::get_if<std::vector<uint8_t>>(&storage_)) {
    v->resize(size);
  } else {
    std::get<std::string>(storage_).resize(size, '\0');
  }
}

bool operator==(const Bytes& a, const Bytes& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

}  // namespace ncc::ir
