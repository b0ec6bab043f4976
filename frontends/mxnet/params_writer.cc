#include "frontends/mxnet/params_writer.h"

#include <cstring>

namespace ncc::mxnet_frontend {
namespace {

template <typename T>
void Put(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

void PutShape(std::string& out, const ir::Shape& shape) {
  Put<int32_t>(out, static_cast<int32_t>(shape.size()));
  for (int64_t d : shape) Put<int64_t>(out, d);
}

}  // namespace

std::string WriteParams(const std::vector<ParamToWrite>& params) {
  std::string out;
  Put<uint64_t>(out, kNDArrayListMagic);
  Put<uint64_t>(out, 0);
  Put<uint64_t>(out, params.size());
  for (const ParamToWrite& p : params) {
    Put<uint32_t>(out, p.magic);
    if (p.magic != kNDArrayV1Magic) Put<int32_t>(out, p.storage_type);
    if (p.storage_type != 0) PutShape(out, {0});  // storage shape: no stored values
    PutShape(out, p.shape);
    Put<int32_t>(out, 1);  // cpu
    Put<int32_t>(out, 0);
    Put<int32_t>(out, p.type_flag);
    if (p.storage_type != 0) {
      for (int i = 0; i < (p.storage_type == 2 ? 2 : 1); ++i) {
        Put<int32_t>(out, 6);  // int64 indices
        PutShape(out, {0});
      }
    } else {
      out.append(reinterpret_cast<const char*>(p.data.data()), p.data.size());
    }
  }
  Put<uint64_t>(out, params.size());
  for (const ParamToWrite& p : params) {
    Put<uint64_t>(out, p.name.size());
    out += p.name;
  }
  return out;
}

ParamToWrite F32Param(const std::string& name, const ir::Shape& shape,
                      const std::vector<float>& values) {
  ParamToWrite p;
  p.name = name;
  p.shape = shape;
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  p.data.resize(static_cast<size_t>(n) * 4);
  for (int64_t i = 0; i < n; ++i) {
    const float v = values.empty() ? 0.0f : values[static_cast<size_t>(i) % values.size()];
    std::memcpy(p.data.data() + 4 * i, &v, 4);
  }
  return p;
}

}  // namespace ncc::mxnet_frontend
