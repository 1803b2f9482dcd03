// What quantization did to a model: signal-to-quantization-noise ratio of every quantized tensor
// and output against the float model, the nodes left in float, weights and arena before/after.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "onnx2mcu/compiler.h"
#include "quantize/qdq_writer.h"

namespace onnx2mcu {

struct TensorSqnr {
  std::string tensor;
  double db = 0;  // 10 log10(sum x^2 / sum (x - x_q)^2); infinite when they are equal
};

struct QuantizeReport {
  std::string range_method;         // how activation ranges were chosen
  size_t sets = 0;                  // input sets measured on
  std::vector<TensorSqnr> tensors;  // the quantized activations, dequantized, in model order
  std::vector<TensorSqnr> outputs;  // the model outputs
  std::vector<std::string> float_nodes;
  int64_t weight_bytes_float = 0, weight_bytes_int8 = 0, arena_float = 0, arena_int8 = 0;
};

// Runs the float model and the quantized one, lowered onto the integer kernels the device runs,
// on the input sets of data_dirs (as --calibration takes them) and compiles both with `opts`.
QuantizeReport measure_quantization(const std::string& model_path, const QdqModel& q, const std::vector<std::string>& data_dirs,
                                    const CompileOptions& opts);

// The lowest SQNR among the model's outputs on `sets` (what --range auto maximises).
double worst_output_sqnr(const std::string& model_path, const QdqModel& q, const std::vector<std::vector<Tensor>>& sets,
                         const std::map<std::string, Shape>& shapes);

std::string quantize_report_text(const QuantizeReport& r);
std::string quantize_report_json(const QuantizeReport& r);

}  // namespace onnx2mcu
