#include "frontends/onnx/float64.h"

#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "text/printable.h"

namespace ncc::onnx_frontend {
namespace {

constexpr int32_t kDouble = onnx::TensorProto::DOUBLE;
constexpr int32_t kFloat = onnx::TensorProto::FLOAT;

// Rounds a float64 tensor to float32 in place (raw_data or double_data).
absl::Status NarrowTensor(onnx::TensorProto* t, const std::string& name) {
  int64_t count = 1;
  for (int64_t d : t->dims()) count *= d;
  std::vector<double> values;
  if (t->has_raw_data()) {
    const std::string& raw = t->raw_data();
    if (static_cast<int64_t>(raw.size()) != count * 8) {
      return absl::InvalidArgumentError(absl::StrCat("tensor ", ncc::text::QuotedName(name),
                                                     " (float64) holds ", raw.size(),
                                                     " bytes but needs ", count * 8));
    }
    values.resize(count);
    if (count > 0) std::memcpy(values.data(), raw.data(), raw.size());
  } else {
    if (t->double_data_size() != count) {
      return absl::InvalidArgumentError(absl::StrCat("tensor ", ncc::text::QuotedName(name),
                                                     " (float64) holds ", t->double_data_size(),
                                                     " elements but needs ", count));
    }
    values.assign(t->double_data().begin(), t->double_data().end());
  }
  std::string raw(values.size() * 4, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    const float f = static_cast<float>(values[i]);
    std::memcpy(raw.data() + 4 * i, &f, 4);
  }
  t->clear_double_data();
  t->set_raw_data(std::move(raw));
  t->set_data_type(kFloat);
  return absl::OkStatus();
}

bool NarrowType(onnx::TypeProto* type) {
  if (!type->has_tensor_type() || type->tensor_type().elem_type() != kDouble) return false;
  type->mutable_tensor_type()->set_elem_type(kFloat);
  return true;
}

// A name no tensor of the graph uses yet.
std::string FreshName(const std::string& base, std::set<std::string>* used) {
  std::string name = base;
  for (int i = 1; used->count(name) > 0; ++i) name = absl::StrCat(base, "_", i);
  used->insert(name);
  return name;
}

onnx::NodeProto MakeCast(const std::string& name, const std::string& in, const std::string& out,
                         int32_t to) {
  onnx::NodeProto cast;
  cast.set_op_type("Cast");
  cast.set_name(name);
  cast.add_input(in);
  cast.add_output(out);
  onnx::AttributeProto* attr = cast.add_attribute();
  attr->set_name("to");
  attr->set_type(onnx::AttributeProto::INT);
  attr->set_i(to);
  return cast;
}

}  // namespace

absl::StatusOr<NarrowedFloat64> NarrowFloat64(onnx::ModelProto* model) {
  NarrowedFloat64 result;
  onnx::GraphProto* g = model->mutable_graph();

  for (auto& init : *g->mutable_initializer()) {
    if (init.data_type() != kDouble) continue;
    if (absl::Status s = NarrowTensor(&init, init.name()); !s.ok()) return s;
    ++result.constants;
  }
  for (auto& node : *g->mutable_node()) {
    for (auto& attr : *node.mutable_attribute()) {
      if (attr.has_t() && attr.t().data_type() == kDouble) {
        const std::string what = node.output_size() > 0 ? node.output(0) : node.name();
        if (absl::Status s = NarrowTensor(attr.mutable_t(), what); !s.ok()) return s;
        ++result.constants;
      }
      if ((attr.name() == "to" || attr.name() == "dtype") &&
          attr.type() == onnx::AttributeProto::INT && attr.i() == kDouble) {
        attr.set_i(kFloat);
        ++result.casts;
      }
    }
  }
  for (auto& vi : *g->mutable_value_info()) NarrowType(vi.mutable_type());
  for (auto& init_input : *g->mutable_input()) {
    // Initializers listed as inputs follow their (now float32) data.
    for (const auto& init : g->initializer()) {
      if (init.name() == init_input.name()) NarrowType(init_input.mutable_type());
    }
  }

  std::set<std::string> used;
  for (const auto& in : g->input()) used.insert(in.name());
  for (const auto& init : g->initializer()) used.insert(init.name());
  for (const auto& node : g->node()) {
    for (const auto& out : node.output()) used.insert(out);
  }
  auto rename_readers = [&](const std::string& from, const std::string& to) {
    for (auto& node : *g->mutable_node()) {
      for (auto& in : *node.mutable_input()) {
        if (in == from) in = to;
      }
    }
  };

  // float64 inputs: a Cast to float32 in front of every reader.
  std::vector<onnx::NodeProto> prologue;
  for (const auto& input : g->input()) {
    if (!input.type().has_tensor_type() || input.type().tensor_type().elem_type() != kDouble) {
      continue;
    }
    const std::string narrow = FreshName(input.name() + ".f32", &used);
    rename_readers(input.name(), narrow);
    prologue.push_back(MakeCast(input.name() + "/to_f32", input.name(), narrow, kFloat));
    ++result.boundary;
  }
  // float64 outputs: the producer writes a float32 tensor, a Cast widens it.
  std::vector<onnx::NodeProto> epilogue;
  for (const auto& output : g->output()) {
    if (!output.type().has_tensor_type() || output.type().tensor_type().elem_type() != kDouble) {
      continue;
    }
    bool is_input = false;
    for (const auto& input : g->input()) is_input |= input.name() == output.name();
    if (is_input) continue;  // passed through untouched, still float64
    const std::string source = FreshName(output.name() + ".f32", &used);
    for (auto& node : *g->mutable_node()) {
      for (auto& out : *node.mutable_output()) {
        if (out == output.name()) out = source;
      }
    }
    rename_readers(output.name(), source);
    epilogue.push_back(MakeCast(output.name() + "/to_f64", source, output.name(), kDouble));
    ++result.boundary;
  }
  if (!prologue.empty()) {
    google::protobuf::RepeatedPtrField<onnx::NodeProto> nodes;
    for (auto& p : prologue) *nodes.Add() = std::move(p);
    for (auto& n : *g->mutable_node()) *nodes.Add() = std::move(n);
    g->mutable_node()->Swap(&nodes);
  }
  for (auto& e : epilogue) *g->add_node() = std::move(e);
  return result;
}

}  // namespace ncc::onnx_frontend
