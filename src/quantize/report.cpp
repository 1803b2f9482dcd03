#include "quantize/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "onnx2mcu/error.h"
#include "onnx2mcu/inspect.h"
#include "driver/json.h"
#include "onnx2mcu/report.h"
#include "quantize/calibrate.h"

namespace onnx2mcu {
namespace {

// Sums of squares over every set, so the ratio weighs all samples alike.
struct Noise {
  double signal = 0, noise = 0;
  void add(double ref, double got) {
    signal += ref * ref;
    noise += (ref - got) * (ref - got);
  }
  double db() const { return noise > 0 ? 10.0 * std::log10(signal / noise) : std::numeric_limits<double>::infinity(); }
};

std::string db_text(double db) { return std::isinf(db) ? "inf" : fmt::format("{:.1f}", db); }
std::string db_json(double db) { return std::isinf(db) ? "null" : fmt::format("{:.2f}", db); }

}  // namespace

namespace {

// r.tensors and r.outputs: q against the float model on `sets`.
void measure_sqnr(const std::string& model_path, const QdqModel& q, const std::vector<std::vector<Tensor>>& sets,
                  const std::map<std::string, Shape>& shapes, QuantizeReport& r) {
  std::unique_ptr<Graph> fg = load_for_evaluation(model_path, nullptr, false, shapes);
  std::unique_ptr<Graph> qg = load_for_evaluation(model_path, &q.bytes, true, shapes);
  std::vector<Noise> tensors(q.quantized.size()), outputs(fg->outputs.size());
  for (const std::vector<Tensor>& inputs : sets) {
    evaluate(*fg, inputs);
    evaluate(*qg, inputs);
    for (size_t i = 0; i < q.quantized.size(); ++i) {
      const QuantizedTensor& t = q.quantized[i];
      const Value* ref = fg->find_value(t.tensor);
      const Value* got = qg->find_value(t.q_name);  // gone where Q(DQ(x)) was x: measured at x
      if (!ref || !got || !got->is_const() || got->dtype != DType::I8 || got->elems() != ref->elems()) continue;
      for (int64_t k = 0; k < ref->elems(); ++k)
        tensors[i].add(ref->constant->data<float>()[k], (got->constant->data<int8_t>()[k] - t.zero_point) * static_cast<double>(t.scale));
    }
    for (size_t o = 0; o < outputs.size() && o < qg->outputs.size(); ++o) {
      const Value* ref = fg->outputs[o];
      const Value* got = qg->outputs[o];
      if (ref->dtype != DType::F32 || got->dtype != DType::F32 || ref->elems() != got->elems()) continue;
      for (int64_t k = 0; k < ref->elems(); ++k) outputs[o].add(ref->constant->data<float>()[k], got->constant->data<float>()[k]);
    }
  }
  r.sets = sets.size();
  for (size_t i = 0; i < q.quantized.size(); ++i)
    if (tensors[i].signal > 0 || tensors[i].noise > 0) r.tensors.push_back({q.quantized[i].tensor, tensors[i].db()});
  for (size_t o = 0; o < outputs.size(); ++o) r.outputs.push_back({fg->outputs[o]->name, outputs[o].db()});
}

}  // namespace

double worst_output_sqnr(const std::string& model_path, const QdqModel& q, const std::vector<std::vector<Tensor>>& sets,
                         const std::map<std::string, Shape>& shapes) {
  QuantizeReport r;
  measure_sqnr(model_path, q, sets, shapes, r);
  double worst = std::numeric_limits<double>::infinity();
  for (const TensorSqnr& t : r.outputs) worst = std::min(worst, t.db);
  return worst;
}

QuantizeReport measure_quantization(const std::string& model_path, const QdqModel& q, const std::vector<std::string>& data_dirs,
                                    const CompileOptions& opts) {
  QuantizeReport r;
  const std::map<std::string, Shape> shapes(opts.shapes.begin(), opts.shapes.end());
  std::unique_ptr<Graph> fg = load_for_evaluation(model_path, nullptr, false, shapes);
  try {
    measure_sqnr(model_path, q, load_calibration_sets(data_dirs, *fg), shapes, r);
  } catch (const Error& e) {
    throw Error(model_path + ": " + e.what());
  }
  r.range_method = q.range_method;
  r.float_nodes = q.float_nodes;
  const ModelStats before = model_stats(compile_model(model_path, opts));
  const ModelStats after = model_stats(compile_model_bytes(q.bytes, model_path, opts));
  r.weight_bytes_float = before.weight_bytes;
  r.weight_bytes_int8 = after.weight_bytes;
  r.arena_float = before.arena_bytes;
  r.arena_int8 = after.arena_bytes;
  return r;
}

std::string quantize_report_text(const QuantizeReport& r) {
  std::string out = fmt::format("activation ranges: {}\nSQNR against the float model over {} input sets (dB; higher is better)\n",
                                r.range_method, r.sets);
  for (const TensorSqnr& t : r.outputs) out += fmt::format("  output {:<40} {:>7}\n", t.tensor, db_text(t.db));
  for (const TensorSqnr& t : r.tensors) out += fmt::format("  tensor {:<40} {:>7}\n", t.tensor, db_text(t.db));
  out += r.float_nodes.empty() ? "nodes left in float: none\n" : "nodes left in float:\n";
  for (const std::string& n : r.float_nodes) out += "  " + n + "\n";
  out += fmt::format("weight bytes  {:>9} float -> {:>9} int8\n", r.weight_bytes_float, r.weight_bytes_int8);
  out += fmt::format("arena bytes   {:>9} float -> {:>9} int8\n", r.arena_float, r.arena_int8);
  return out;
}

std::string quantize_report_json(const QuantizeReport& r) {
  auto list = [](const std::vector<TensorSqnr>& ts) {
    std::string s;
    for (size_t i = 0; i < ts.size(); ++i)
      s += fmt::format("{}{{\"tensor\": {}, \"sqnr_db\": {}}}", i ? ", " : "", json_string(ts[i].tensor), db_json(ts[i].db));
    return s;
  };
  std::string nodes;
  for (size_t i = 0; i < r.float_nodes.size(); ++i) nodes += (i ? ", " : "") + json_string(r.float_nodes[i]);
  return fmt::format(
      "{{\"range_method\": {}, \"sets\": {}, \"outputs\": [{}], \"tensors\": [{}], \"float_nodes\": [{}], \"weight_bytes\": {{\"float\": {}, \"int8\": {}}}, "
      "\"arena_bytes\": {{\"float\": {}, \"int8\": {}}}}}\n",
      json_string(r.range_method), r.sets, list(r.outputs), list(r.tensors), nodes, r.weight_bytes_float, r.weight_bytes_int8, r.arena_float, r.arena_int8);
}

}  // namespace onnx2mcu
