// ONNX node attributes -> IR op attributes.
#ifndef NCC_FRONTENDS_ONNX_ATTRIBUTES_H_
#define NCC_FRONTENDS_ONNX_ATTRIBUTES_H_

#include <string>
#include <vector>

#include "compiler/ir/graph.h"
#include "onnx/onnx_pb.h"

namespace ncc::onnx_frontend {

// Copies `node`'s attributes into op->attrs. A TENSOR attribute must hold
// one element (ConstantOfShape's `value`) and becomes a scalar. Problems
// (subgraphs, larger tensors, string lists) are appended to `errors`, each
// naming `label`.
void ConvertAttributes(const onnx::NodeProto& node, const std::string& label, ir::Op* op,
                       std::vector<std::string>* errors);

}  // namespace ncc::onnx_frontend

#endif  // NCC_FRONTENDS_ONNX_ATTRIBUTES_H_
