// Small graph edits shared by the passes and the frontends: rewiring uses, bypassing an op,
// reading and creating constants.
#ifndef NCC_COMPILER_IR_EVAL_GRAPH_EDIT_H_
#define NCC_COMPILER_IR_EVAL_GRAPH_EDIT_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace ncc::ir::eval {

// Every op input and graph output that reads `from` reads `to` instead.
void ReplaceAllUses(ir::Graph& graph, ir::Value* from, ir::Value* to);

// Makes readers of `out` read `in` instead, so that the op producing `out`
// can be removed (an identity). When `out` is a graph output its name must
// survive, so `in`'s producer is made to write `out` directly; that is only
// possible when `in` has a producer, no other reader and is no graph output.
// Returns false (and changes nothing) when neither works.
bool BypassValue(ir::Graph& graph, ir::Value* out, ir::Value* in);

// A constant's elements as doubles (f32, bf16, f16, i32, i64, i8, u8, bool).
std::vector<double> ConstantAsDoubles(const ir::Value& value);
// Bytes of `values` converted to `dtype` (floats rounded to nearest even,
// integers truncated toward zero).
std::vector<uint8_t> BytesFromDoubles(const std::vector<double>& values, ir::DType dtype);
// A constant's bytes converted to `dtype`: what
// BytesFromDoubles(ConstantAsDoubles(value), dtype) gives, without the
// vector of doubles (8 bytes per element of a model's weights).
std::vector<uint8_t> ConvertConstant(const ir::Value& value, ir::DType dtype);
// Adds a constant named after `base` (made unique).
ir::Value* AddConstantFromDoubles(ir::Graph& graph, absl::string_view base, ir::DType dtype,
                                  ir::Shape shape, const std::vector<double>& values);
ir::Value* AddI64Constant(ir::Graph& graph, absl::string_view base,
                          const std::vector<int64_t>& values);

// IEEE half and bfloat16 conversions (round to nearest even).
uint16_t FloatToBf16(float f);
float Bf16ToFloat(uint16_t b);
uint16_t FloatToF16(float f);
float F16ToFloat(uint16_t h);

// Whether `value` is read by exactly one op and is no graph output.
bool HasSingleUse(const ir::Graph& graph, const ir::Value* value);

}  // namespace ncc::ir::eval

#endif  // NCC_COMPILER_IR_EVAL_GRAPH_EDIT_H_
