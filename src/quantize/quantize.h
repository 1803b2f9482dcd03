// Post-training quantization: a float model and calibration inputs in, a QDQ model out
// (docs/quantize.md). calibrate -> ranges -> qdq_writer.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

#include "quantize/qdq_writer.h"

namespace onnx2mcu {

struct QuantizeOptions {
  std::vector<std::string> calibration;  // --calibration DIR...: test_data_set_* folders or folders of them
  std::set<std::string> keep_float;      // --keep-float NODE...
  // --range: minmax, percentile, mse, or auto (each tried; the best worst-output SQNR on the
  // calibration set wins, ties to the earlier).
  std::string range = "auto";
  std::map<std::string, Shape> shapes;  // --shape NAME=1x3x96x96: inputs' unknown dims
};

// Throws Error naming the model (or the calibration folder) on bad input.
QdqModel quantize_model(const std::string& model_path, const QuantizeOptions& opts);

}  // namespace onnx2mcu
