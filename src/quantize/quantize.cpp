#include "quantize/quantize.h"

#include <fstream>
#include <sstream>
#include <tuple>

#include "onnx2mcu/error.h"
#include "quantize/calibrate.h"
#include "quantize/report.h"

namespace onnx2mcu {

namespace {

// Percentile keeps 99.99% of the values: one in ten thousand may clip.
constexpr double kPercentile = 99.99;

Stats with_ranges(Stats stats, RangeMethod m) {
  for (auto& kv : stats) {
    TensorStats& s = kv.second;
    if (m == RangeMethod::MinMax) continue;
    std::tie(s.lo, s.hi) = m == RangeMethod::Percentile ? percentile_range(s.histogram, kPercentile) : mse_range(s.histogram);
  }
  return stats;
}

}  // namespace

QdqModel quantize_model(const std::string& model_path, const QuantizeOptions& opts) {
  if (opts.calibration.empty()) throw Error(model_path + ": quantization needs calibration data (--calibration DIR)");
  std::ifstream in(model_path, std::ios::binary);
  if (!in) throw Error(model_path + ": cannot open for reading");
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string model = bytes.str();
  std::unique_ptr<Graph> g = load_for_evaluation(model_path, &model, false, opts.shapes);
  const std::map<std::string, Tensor> constants = float_constants(*g);
  std::vector<std::vector<Tensor>> sets;
  Stats stats;
  try {
    sets = load_calibration_sets(opts.calibration, *g);
    stats = calibrate(*g, sets);
  } catch (const Error& e) {
    throw Error(model_path + ": " + e.what());
  }
  std::vector<RangeMethod> methods;
  for (RangeMethod m : {RangeMethod::MinMax, RangeMethod::Percentile, RangeMethod::Mse})
    if (opts.range == "auto" || opts.range == range_method_name(m)) methods.push_back(m);
  if (methods.empty()) throw Error("--range " + opts.range + ": not one of auto, minmax, percentile, mse");
  QdqModel best;
  double best_db = 0;
  for (RangeMethod m : methods) {
    QdqModel q = write_qdq(model_path, model, with_ranges(stats, m), constants, opts.keep_float);
    q.range_method = range_method_name(m);
    if (methods.size() == 1) return q;
    const double db = worst_output_sqnr(model_path, q, sets, opts.shapes);
    if (best.bytes.empty() || db > best_db) best = std::move(q), best_db = db;
  }
  best.range_method = "auto: " + best.range_method;
  return best;
}

}  // namespace onnx2mcu
