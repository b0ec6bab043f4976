#include "frontends/mxnet/symbol.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "fileio/bounded_read.h"
#include "nlohmann/json.hpp"
#include "text/json_text.h"
#include "text/printable.h"

namespace ncc::mxnet_frontend {
namespace {

using Json = nlohmann::json;
using text::PrintableName;
using text::QuotedName;

// A symbol nests 4 levels (root, nodes, node, inputs, entry); far deeper is
// hostile.
constexpr int kMaxJsonDepth = 16;
// Symbol files are kilobytes to a few megabytes; weights live in .params.
constexpr int64_t kMaxSymbolBytes = int64_t{1} << 30;

class Parser {
 public:
  explicit Parser(absl::string_view origin) : origin_(origin) {}

  absl::StatusOr<Symbol> Parse(absl::string_view json);

 private:
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": ", message));
  }
  std::string NodeLabel(size_t i, const Json& node) const;
  absl::StatusOr<NodeEntry> Entry(const Json& entry, size_t limit, absl::string_view where) const;
  absl::Status ReadAttrs(const Json& node, const char* key, const std::string& label,
                         std::map<std::string, std::string>& attrs) const;
  absl::StatusOr<SymbolNode> Node(size_t i, const Json& node) const;

  std::string origin_;
};

std::string Parser::NodeLabel(size_t i, const Json& node) const {
  std::string label = absl::StrCat("node ", i);
  auto name = node.find("name");
  if (name != node.end() && name->is_string()) {
    absl::StrAppend(&label, " (", QuotedName(name->get<std::string>()), ")");
  }
  return label;
}

// [NODE, OUTPUT, VERSION] or, before 0.12, [NODE, OUTPUT]; NODE < limit.
absl::StatusOr<NodeEntry> Parser::Entry(const Json& entry, size_t limit,
                                        absl::string_view where) const {
  if (!entry.is_array() || entry.size() < 2 || entry.size() > 3) {
    return Error(absl::StrCat(where, " is ", PrintableName(entry.dump()),
                              ", not [node, output, version]"));
  }
  for (const Json& v : entry) {
    if (!v.is_number_integer() || v.get<int64_t>() < 0) {
      return Error(absl::StrCat(where, " is ", PrintableName(entry.dump()),
                                ", not [node, output, version] of non-negative integers"));
    }
  }
  NodeEntry out{entry[0].get<int64_t>(), entry[1].get<int64_t>()};
  if (out.node >= static_cast<int64_t>(limit)) {
    return Error(absl::StrCat(where, " refers to node ", out.node, ", which is not ",
                              limit == 0 ? "there" : absl::StrCat("before it (0..", limit - 1, ")")));
  }
  if (out.output > 1024) {
    return Error(absl::StrCat(where, " refers to output ", out.output, " of node ", out.node));
  }
  return out;
}

absl::Status Parser::ReadAttrs(const Json& node, const char* key, const std::string& label,
                               std::map<std::string, std::string>& attrs) const {
  auto it = node.find(key);
  if (it == node.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) {
    return Error(absl::StrCat(label, ": \"", key, "\" is not an object of strings"));
  }
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string()) {
      return Error(absl::StrCat(label, ": attribute ", QuotedName(name), " is ",
                                PrintableName(value.dump()), ", not a string"));
    }
    // "attrs" wins over the legacy keys, which are read after it.
    attrs.emplace(name, value.get<std::string>());
  }
  return absl::OkStatus();
}

absl::StatusOr<SymbolNode> Parser::Node(size_t i, const Json& node) const {
  const std::string label = NodeLabel(i, node);
  if (!node.is_object()) return Error(absl::StrCat(label, " is not an object"));
  SymbolNode out;
  auto op = node.find("op");
  auto name = node.find("name");
  if (op == node.end() || !op->is_string() || op->get<std::string>().empty()) {
    return Error(absl::StrCat(label, " has no \"op\" string"));
  }
  if (name == node.end() || !name->is_string()) {
    return Error(absl::StrCat(label, " has no \"name\" string"));
  }
  out.op = op->get<std::string>();
  out.name = name->get<std::string>();
  for (const char* key : {"attrs", "param", "attr"}) {
    if (absl::Status s = ReadAttrs(node, key, label, out.attrs); !s.ok()) return s;
  }
  auto inputs = node.find("inputs");
  if (inputs == node.end() || !inputs->is_array()) {
    return Error(absl::StrCat(label, " has no \"inputs\" list"));
  }
  if (out.is_variable() && !inputs->empty()) {
    return Error(absl::StrCat(label, " is a variable (op \"null\") with inputs"));
  }
  for (size_t k = 0; k < inputs->size(); ++k) {
    auto entry = Entry((*inputs)[k], i, absl::StrCat(label, " input ", k));
    if (!entry.ok()) return entry.status();
    out.inputs.push_back(*entry);
  }
  return out;
}

absl::StatusOr<Symbol> Parser::Parse(absl::string_view json) {
  if (absl::Status s = text::CheckJsonText(json, origin_, "a symbol file", kMaxJsonDepth);
      !s.ok()) {
    return s;
  }
  Json root;
  try {
    root = Json::parse(json.begin(), json.end());
  } catch (const Json::exception& e) {
    return Error(absl::StrCat("not an MXNet symbol file: malformed JSON: ",
                              text::JsonErrorMessage(e.what())));
  }
  if (!root.is_object() || !root.contains("nodes") || !root["nodes"].is_array() ||
      !root.contains("heads") || !root["heads"].is_array()) {
    return Error(
        "not an MXNet symbol file: want a JSON object with \"nodes\" and \"heads\" lists (the "
        "prefix-symbol.json that Symbol.save or HybridBlock.export writes)");
  }
  Symbol symbol;
  const Json& nodes = root["nodes"];
  if (nodes.empty()) return Error("the symbol has no nodes");
  symbol.nodes.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto node = Node(i, nodes[i]);
    if (!node.ok()) return node.status();
    symbol.nodes.push_back(std::move(*node));
  }
  const Json& heads = root["heads"];
  if (heads.empty()) return Error("the symbol has no heads (outputs)");
  for (size_t k = 0; k < heads.size(); ++k) {
    auto entry = Entry(heads[k], nodes.size(), absl::StrCat("head ", k));
    if (!entry.ok()) return entry.status();
    symbol.heads.push_back(*entry);
  }
  if (root.contains("arg_nodes")) {
    const Json& args = root["arg_nodes"];
    if (!args.is_array()) return Error("\"arg_nodes\" is not a list");
    for (const Json& a : args) {
      if (!a.is_number_integer() || a.get<int64_t>() < 0 ||
          a.get<int64_t>() >= static_cast<int64_t>(nodes.size()) ||
          !symbol.nodes[a.get<size_t>()].is_variable()) {
        return Error(absl::StrCat("\"arg_nodes\" entry ", PrintableName(a.dump()),
                                  " is not the index of a variable node"));
      }
    }
  }
  auto attrs = root.find("attrs");
  if (attrs != root.end() && attrs->is_object()) {
    auto version = attrs->find("mxnet_version");
    // ["int", 10901]
    if (version != attrs->end() && version->is_array() && version->size() == 2 &&
        (*version)[1].is_number_integer()) {
      symbol.mxnet_version = (*version)[1].get<int64_t>();
    }
  }
  return symbol;
}

}  // namespace

absl::StatusOr<Symbol> ParseSymbol(absl::string_view json, absl::string_view origin) {
  return Parser(origin).Parse(json);
}

absl::StatusOr<Symbol> ReadSymbolFile(const std::string& path) {
  auto json = fileio::ReadRegularFile(path, kMaxSymbolBytes, "an MXNet symbol file");
  if (!json.ok()) return json.status();
  return ParseSymbol(*json, path);
}

std::string FormatMxnetVersion(int64_t version) {
  if (version <= 0) return "unknown";
  return absl::StrCat(version / 10000, ".", version / 100 % 100, ".", version % 100);
}

}  // namespace ncc::mxnet_frontend
