// Fields ONNX added after 1.12, read from the unknown fields Debian's 1.12 protobuf classes keep
// (field numbers from onnx.proto of ONNX 1.22; IR.md names the IR version that added each).
#pragma once
#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace onnx2mcu {

// NodeProto.overload (field 8, IR 10): with domain and op_type, names the model function called.
std::string node_overload(const onnx::NodeProto& n);
// FunctionProto.overload (field 13, IR 10).
std::string function_overload(const onnx::FunctionProto& f);
// FunctionProto.attribute_proto (field 11, IR 9): the function's attribute parameters that have
// a default value (the 1.12 field `attribute` lists those without one).
std::vector<onnx::AttributeProto> function_default_attributes(const onnx::FunctionProto& f);

// Test helpers: write those fields the way a newer ONNX would.
void set_node_overload(onnx::NodeProto& n, const std::string& overload);
void set_function_overload(onnx::FunctionProto& f, const std::string& overload);
void add_function_default_attribute(onnx::FunctionProto& f, const onnx::AttributeProto& a);

}  // namespace onnx2mcu
