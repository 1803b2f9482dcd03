// TensorProto -> Tensor, including external data confined to the model's folder.
#pragma once
#include <onnx/onnx_pb.h>

#include <string>

#include "ir/tensor.h"

namespace onnx2mcu {

Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& model_dir);
// The value of a Constant node (value, value_float(s), value_int(s)).
Tensor constant_node_value(const onnx::NodeProto& n, const std::string& model_dir);

}  // namespace onnx2mcu
