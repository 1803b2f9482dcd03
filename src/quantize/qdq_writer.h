// Writes the QDQ ONNX model: the float model with QuantizeLinear/DequantizeLinear pairs on the
// activations the integer ops read and write, and int8/int32 weights and biases behind
// DequantizeLinear. The only quantize file that sees ONNX protobuf types.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "quantize/calibrate.h"

namespace onnx2mcu {

// A tensor given a Q/DQ pair: the int8 tensor the QuantizeLinear writes and its parameters.
struct QuantizedTensor {
  std::string tensor, q_name;
  float scale = 1;
  int32_t zero_point = 0;
};

struct QdqModel {
  std::string bytes;                     // the serialized ModelProto
  std::vector<std::string> int_nodes;    // nodes whose inputs, weights and output are quantized
  std::vector<std::string> float_nodes;  // nodes left computing in float (op in brackets)
  std::string range_method;              // how activation ranges were chosen (set by quantize_model)
  std::vector<QuantizedTensor> quantized;  // activation tensors given a Q/DQ pair, in model order
};

// model_bytes: the float model read from model_path (which names it in errors). stats: the
// ranges calibration observed; constants: the model's float constants (float_constants). keep_float: node names that stay float (--keep-float).
QdqModel write_qdq(const std::string& model_path, const std::string& model_bytes, const Stats& stats,
                   const std::map<std::string, Tensor>& constants, const std::set<std::string>& keep_float);

}  // namespace onnx2mcu
