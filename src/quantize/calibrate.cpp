#include "quantize/calibrate.h"

#include <algorithm>
#include <filesystem>
#include <limits>

#include "loader/loader.h"
#include "onnx2mcu/error.h"
#include "passes/passes.h"
#include "quantize/input_files.h"

namespace fs = std::filesystem;

namespace onnx2mcu {

std::unique_ptr<Graph> load_for_evaluation(const std::string& model_path, const std::string* bytes, bool lower_quantized,
                                           const std::map<std::string, Shape>& shapes) {
  LoadOptions lo;
  lo.input_shapes = shapes;
  std::unique_ptr<Graph> g = bytes ? load_model_bytes(*bytes, model_path, lo) : load_model(model_path, lo);
  PassOptions po;
  try {
    // The front of the pipeline only: later passes fuse and rename what calibration must see.
    check_supported_ops(*g, po);
    normalize_ops(*g, po);
    remove_identities(*g, po);
    infer_shapes_and_fold(*g, po);
    if (lower_quantized) lower_qdq(*g, po);
  } catch (const Error& e) {
    throw Error(model_path + ": " + e.what());
  }
  return g;
}

std::vector<std::vector<Tensor>> load_calibration_sets(const std::vector<std::string>& dirs, const Graph& g) {
  std::vector<std::vector<Tensor>> sets;
  for (const std::string& dir : dirs) {
    const std::string ext = fs::path(dir).extension().string();
    if (fs::is_regular_file(dir) && (ext == ".npy" || ext == ".raw" || ext == ".bin")) {
      if (g.inputs.size() != 1 || g.inputs[0]->dtype != DType::F32)
        throw Error("--calibration " + dir + ": array files are for models with one float32 input; use test_data_set_* folders");
      for (Tensor& t : read_array_file(dir, g.inputs[0]->shape)) sets.push_back({std::move(t)});
      continue;
    }
    if (fs::exists(fs::path(dir) / "input_0.pb")) {
      sets.push_back(load_data_set_inputs(dir, g));
      continue;
    }
    std::vector<std::string> subdirs;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.is_directory() && fs::exists(e.path() / "input_0.pb")) subdirs.push_back(e.path().string());
    if (subdirs.empty()) throw Error("--calibration " + dir + ": no input_0.pb in it nor in any folder inside it");
    std::sort(subdirs.begin(), subdirs.end());
    for (const std::string& s : subdirs) sets.push_back(load_data_set_inputs(s, g));
  }
  return sets;
}

void evaluate(Graph& g, const std::vector<Tensor>& inputs) {
  if (inputs.size() != g.inputs.size()) throw Error("evaluate: wrong number of inputs (internal error)");
  for (size_t i = 0; i < inputs.size(); ++i) g.inputs[i]->constant = inputs[i];
  PassOptions po;
  po.fold_max_bytes = std::numeric_limits<int64_t>::max();
  for (auto& n : g.nodes)
    if (!fold_node(g, *n, po)) n->fail("cannot be evaluated on the host for calibration");
}

std::map<std::string, Tensor> float_constants(const Graph& g) {
  std::map<std::string, Tensor> out;
  for (const auto& n : g.nodes)
    for (const Value* v : n->inputs)
      if (v && v->is_const() && v->dtype == DType::F32) out.emplace(v->name, *v->constant);
  return out;
}

Stats calibrate(Graph& g, const std::vector<std::vector<Tensor>>& sets) {
  Stats stats;
  // Calls f(stats entry, values, count) for every float tensor of every set.
  auto each_tensor = [&](auto f) {
    for (const std::vector<Tensor>& inputs : sets) {
      evaluate(g, inputs);
      auto visit = [&](const Value* v) {
        if (v && v->dtype == DType::F32 && v->is_const()) f(*v, v->constant->data<float>(), v->elems());
      };
      for (const Value* v : g.inputs) visit(v);
      for (const auto& n : g.nodes)
        for (const Value* v : n->outputs) visit(v);
    }
  };
  each_tensor([&](const Value& v, const float* x, int64_t count) {
    auto [it, fresh] = stats.try_emplace(v.name);
    TensorStats& s = it->second;
    if (fresh) s.lo = std::numeric_limits<float>::infinity(), s.hi = -s.lo, s.shape = v.shape;
    for (int64_t i = 0; i < count; ++i) {
      if (x[i] != x[i]) continue;  // NaN says nothing about the range
      s.lo = std::min(s.lo, x[i]);
      s.hi = std::max(s.hi, x[i]);
    }
  });
  for (auto& kv : stats) kv.second.histogram.lo = kv.second.lo, kv.second.histogram.hi = kv.second.hi;
  if (sets.empty()) return stats;
  each_tensor([&](const Value& v, const float* x, int64_t count) {
    Histogram& h = stats.at(v.name).histogram;
    for (int64_t i = 0; i < count; ++i) h.add(x[i]);
  });
  return stats;
}

}  // namespace onnx2mcu
