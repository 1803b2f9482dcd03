// Building blocks for the normalize hooks (OpDef::normalize): rewrite an older form of a node
// into its op's canonical (newest) form before any shape rule reads it.
#pragma once
#include <string>

#include "ir/graph.h"

namespace onnx2mcu {

// Sets input i, padding with omitted (nullptr) inputs.
void set_input(Node& n, size_t i, Value* v);
// Attribute `key` (an int, ints, float or floats) becomes constant input i and is erased:
// ints as int64 (one int as a scalar), floats as `float_type` (one float as a scalar).
// Nothing happens when the attribute is absent; fails when input i is given too.
void attr_to_input(Node& n, Graph& g, const std::string& key, size_t i, DType float_type = DType::F32);
// Input 0's float dtype when the loader already knows it (graph inputs, initializers, typed
// value_info), else float32: the type for a float attribute of an op defined on float data only.
DType known_float_type(const Node& n);
// Renames attribute `from` to `to` (when present).
void rename_attr(Node& n, const std::string& from, const std::string& to);
// Sets an int attribute unless the node has it: a default that changed between opsets.
void default_int_attr(Node& n, const std::string& key, int64_t v);
void default_string_attr(Node& n, const std::string& key, const std::string& v);
// The normalize hook of every op whose axes moved from an attribute to input 1 (Reduce*,
// Squeeze, Unsqueeze).
void axes_attr_to_input(Node& n, Graph& g);

}  // namespace onnx2mcu
