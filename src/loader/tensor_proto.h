// TensorProto -> Tensor, including external data confined to the model's folder.
#pragma once
#include <onnx/onnx_pb.h>

#include <string>

#include "ir/tensor.h"
#include "onnx2mcu/limits.h"

namespace onnx2mcu {

// Throws Error when the tensor's bytes exceed max_bytes (checked before anything is allocated).
Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& model_dir,
                         int64_t max_bytes = Limits{}.max_tensor_bytes);
// The value of a Constant node (value, value_float(s), value_int(s)).
Tensor constant_node_value(const onnx::NodeProto& n, const std::string& model_dir,
                           int64_t max_bytes = Limits{}.max_tensor_bytes);
// Throws unless t's external data, if it has any, names a regular file inside model_dir.
// Runs on the parsed model before anything reads a tensor.
void check_external_data(const onnx::TensorProto& t, const std::string& model_dir);

}  // namespace onnx2mcu
