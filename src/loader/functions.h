// Model-local functions (ModelProto.functions), inlined at load: a node whose (domain, op_type,
// overload) names one is replaced by the function's body, its values renamed so they are unique
// in the model and its attribute references resolved from the call or the function's defaults.
#pragma once
#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>
#include <tuple>

#include "loader/validate.h"

namespace onnx2mcu {

// Deepest nesting of function calls inlined (a function that calls itself never ends).
constexpr int kMaxFunctionDepth = 32;

struct ModelFunction {
  const onnx::FunctionProto* proto = nullptr;
  Opsets opsets;                                         // the function's imports, else the model's
  std::set<std::string> params;                          // every attribute parameter
  std::map<std::string, onnx::AttributeProto> defaults;  // attribute_proto, by name
};

// Names of values no other value of the model has.
class UniqueNames {
 public:
  // Reserves every value name the graph (with its subgraphs) uses.
  explicit UniqueNames(const onnx::GraphProto& g);
  // hint if free, else hint_2, hint_3, ...; reserved from then on.
  std::string fresh(const std::string& hint);

 private:
  void reserve(const onnx::GraphProto& g);
  std::set<std::string> used_;
};

class ModelFunctions {
 public:
  // The model's functions; validate_model has checked them.
  ModelFunctions(const onnx::ModelProto& m, const Opsets& model_opsets);

  // The function `call` invokes, or nullptr when it calls an op.
  const ModelFunction* find(const onnx::NodeProto& call) const;

  // The nodes that replace `call` (labelled `label` in messages): f's body with its inputs and
  // outputs renamed to the call's, every other value to a fresh name, node names prefixed with
  // the call's, and attribute references replaced by the call's attribute, else the default,
  // else dropped. A function output that is one of its inputs becomes an Identity node. Throws Error naming the call when it does not fit f's signature.
  google::protobuf::RepeatedPtrField<onnx::NodeProto> expand(const onnx::NodeProto& call, const std::string& label,
                                                              const ModelFunction& f, UniqueNames& names) const;

 private:
  std::map<std::tuple<std::string, std::string, std::string>, ModelFunction> functions_;
};

}  // namespace onnx2mcu
