#include "quantize/quantize.h"

#include <fstream>
#include <sstream>

#include "onnx2mcu/error.h"
#include "quantize/calibrate.h"

namespace onnx2mcu {

QdqModel quantize_model(const std::string& model_path, const QuantizeOptions& opts) {
  if (opts.calibration.empty()) throw Error(model_path + ": quantization needs calibration data (--calibration DIR)");
  std::ifstream in(model_path, std::ios::binary);
  if (!in) throw Error(model_path + ": cannot open for reading");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string model = bytes.str();
  std::unique_ptr<Graph> g = load_for_evaluation(model_path, &model);
  const std::map<std::string, Tensor> constants = float_constants(*g);
  Stats stats;
  try {
    stats = calibrate(*g, load_calibration_sets(opts.calibration, *g));
  } catch (const Error& e) {
    throw Error(model_path + ": " + e.what());
  }
  return write_qdq(model_path, model, stats, constants, opts.keep_float);
}

}  // namespace onnx2mcu
