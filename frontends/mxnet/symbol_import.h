// A parsed symbol and its parameters -> the graph IR.
//
// Variables (op "null" nodes) with an array in the params file become
// constants; the others are the model's inputs, whose shapes come from
// --input-shape / --io-config or a fully static "__shape__" attribute. A
// variable used only as a training label (SoftmaxOutput's) is neither.
// The heads become the graph outputs, named as MXNet's list_outputs()
// names them: "<node>_output" for a single-output op, "<node>_output<k>"
// for several, a variable's own name.
#ifndef NCC_FRONTENDS_MXNET_SYMBOL_IMPORT_H_
#define NCC_FRONTENDS_MXNET_SYMBOL_IMPORT_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "frontends/frontend.h"
#include "frontends/mxnet/params.h"
#include "frontends/mxnet/symbol.h"

namespace ncc::mxnet_frontend {

// `symbol_origin` and `params_origin` (the files' paths) start the messages
// about each. Errors as Frontend::Import documents; a params file that does
// not match the symbol is INVALID_ARGUMENT naming every parameter it lacks
// (or the one whose shape differs, with both shapes).
absl::StatusOr<frontends::ImportedModel> ImportSymbol(const Symbol& symbol,
                                                      std::vector<ParamArray> params,
                                                      absl::string_view symbol_origin,
                                                      absl::string_view params_origin,
                                                      const frontends::ImportOptions& options);

}  // namespace ncc::mxnet_frontend

#endif  // NCC_FRONTENDS_MXNET_SYMBOL_IMPORT_H_
