#include "compiler/ir/graph.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "text/printable.h"

namespace ncc::ir {

int64_t Op::GetInt(absl::string_view key, int64_t default_value) const {
  auto it = attrs.find(std::string(key));
  if (it == attrs.end()) return default_value;
  if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
  return default_value;
}

float Op::GetFloat(absl::string_view key, float default_value) const {
  auto it = attrs.find(std::string(key));
  if (it == attrs.end()) return default_value;
  if (auto* v = std::get_if<float>(&it->second)) return *v;
  if (auto* v = std::get_if<int64_t>(&it->second)) return static_cast<float>(*v);
  return default_value;
}

std::string Op::GetString(absl::string_view key, absl::string_view default_value) const {
  auto it = attrs.find(std::string(key));
  if (it == attrs.end()) return std::string(default_value);
  if (auto* v = std::get_if<std::string>(&it->second)) return *v;
  return std::string(default_value);
}

std::vector<int64_t> Op::GetInts(absl::string_view key, std::vector<int64_t> default_value) const {
  auto it = attrs.find(std::string(key));
  if (it == attrs.end()) return default_value;
  if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
  return default_value;
}

std::vector<std::string> Op::GetStrings(absl::string_view key,
                                        std::vector<std::string> default_value) const {
  auto it = attrs.find(std::string(key));
  if (it == attrs.end()) return default_value;
  if (auto* v = std::get_if<std::vector<std::string>>(&it->second)) return *v;
  return default_value;
}

std::string Op::Describe() const {
  // Both come from the model: escaped, so a message cannot carry raw bytes.
  if (name.empty()) return ncc::text::PrintableName(type);
  return absl::StrCat(ncc::text::PrintableName(type), " ", ncc::text::QuotedName(name));
}

Value* Graph::AddValue(absl::string_view name, DType dtype, Shape shape) {
  auto value = std::make_unique<Value>();
  value->name = std::string(name);
  value->dtype = dtype;
  value->shape = std::move(shape);
  values_.push_back(std::move(value));
  return values_.back().get();
}

Value* Graph::AddConstant(absl::string_view name, DType dtype, Shape shape, Bytes data) {
  Value* value = AddValue(name, dtype, std::move(shape));
  value->is_constant = true;
  value->data = std::move(data);
  return value;
}

Op* Graph::AddOp(absl::string_view type, absl::string_view name, std::vector<Value*> inputs,
                 std::vector<Value*> outputs) {
  return InsertOpBefore(nullptr, type, name, std::move(inputs), std::move(outputs));
}

Op* Graph::InsertOpBefore(Op* before, absl::string_view type, absl::string_view name,
                          std::vector<Value*> inputs, std::vector<Value*> outputs) {
  auto op = std::make_unique<Op>();
  op->type = std::string(type);
  op->name = std::string(name);
  op->inputs = std::move(inputs);
  op->outputs = std::move(outputs);
  for (Value* out : op->outputs) out->producer = op.get();
  Op* raw = op.get();
  auto it =
      std::find_if(ops_.begin(), ops_.end(), [&](const auto& o) { return o.get() == before; });
  ops_.insert(it, std::move(op));
  return raw;
}

void Graph::RemoveOp(Op* op) {
  for (Value* out : op->outputs) {
    if (out->producer == op) out->producer = nullptr;
  }
  ops_.erase(std::remove_if(ops_.begin(), ops_.end(), [&](const auto& o) { return o.get() == op; }),
             ops_.end());
}

void Graph::RemoveDeadValues() {
  absl::flat_hash_set<const Value*> live(inputs_.begin(), inputs_.end());
  live.insert(outputs_.begin(), outputs_.end());
  for (const auto& op : ops_) {
    for (Value* v : op->inputs) live.insert(v);
    for (Value* v : op->outputs) live.insert(v);
  }
  values_.erase(std::remove_if(values_.begin(), values_.end(),
                               [&](const auto& v) { return !live.contains(v.get()); }),
                values_.end());
}

Value* Graph::FindValue(absl::string_view name) const {
  for (const auto& v : values_) {
    if (v->name == name) return v.get();
  }
  return nullptr;
}

std::vector<Op*> Graph::Users(const Value* value) const {
  std::vector<Op*> users;
  for (const auto& op : ops_) {
    if (std::find(op->inputs.begin(), op->inputs.end(), value) != op->inputs.end()) {
      users.push_back(op.get());
    }
  }
  return users;
}

bool Graph::IsGraphOutput(const Value* value) const {
  return std::find(outputs_.begin(), outputs_.end(), value) != outputs_.end();
}

std::string Graph::UniqueName(absl::string_view base) const {
  // Usually the first candidate is free: a scan per candidate, not a set of
  // every name per call (passes call this once per value they add).
  std::string candidate(base);
  for (int i = 1; FindValue(candidate) != nullptr; ++i) {
    candidate = absl::StrCat(base, "_", i);
  }
  return candidate;
}

absl::Status Verify(const Graph& graph) {
  absl::flat_hash_set<std::string> names;
  for (const auto& v : graph.values()) {
    if (!names.insert(v->name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("value ", ncc::text::QuotedName(v->name), " is defined more than once"));
    }
    for (int64_t d : v->shape) {
      if (d < 0) {
        return absl::InvalidArgumentError(absl::StrCat("value ", ncc::text::QuotedName(v->name),
                                                       " has negative dimension in ",
                                                       ShapeToString(v->shape)));
      }
    }
    if (v->is_constant && static_cast<int64_t>(v->data.size()) != v->size_bytes()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "constant ", ncc::text::QuotedName(v->name), " holds ", v->data.size(), " bytes but ",
          DTypeName(v->dtype), ShapeToString(v->shape), " needs ", v->size_bytes()));
    }
  }
  absl::flat_hash_set<const Value*> defined;
  for (Value* in : graph.inputs()) defined.insert(in);
  for (const auto& v : graph.values()) {
    if (v->is_constant) defined.insert(v.get());
  }
  for (const auto& op : graph.ops()) {
    for (Value* in : op->inputs) {
      if (in != nullptr && !defined.contains(in)) {
        return absl::InvalidArgumentError(absl::StrCat(
            op->Describe(), " reads ", ncc::text::QuotedName(in->name), " before it is defined"));
      }
    }
    for (Value* out : op->outputs) {
      if (defined.contains(out)) {
        return absl::InvalidArgumentError(
            absl::StrCat(op->Describe(), " redefines ", ncc::text::QuotedName(out->name)));
      }
      if (out->producer != op.get()) {
        return absl::InvalidArgumentError(absl::StrCat(
            op->Describe(), " output ", ncc::text::QuotedName(out->name), " has another producer"));
      }
      defined.insert(out);
    }
  }
  for (Value* out : graph.outputs()) {
    if (!defined.contains(out)) {
      return absl::InvalidArgumentError(
          absl::StrCat("graph output ", ncc::text::QuotedName(out->name), " is never defined"));
    }
  }
  return absl::OkStatus();
}

}  // namespace ncc::ir
