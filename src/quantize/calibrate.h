// Calibration: runs the float model over sample inputs with the project's own kernels (the ones
// constant folding runs) and records what every float tensor holds.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "quantize/ranges.h"

namespace onnx2mcu {

// What one float tensor held over the calibration set.
struct TensorStats {
  float lo = 0, hi = 0;  // min and max over every sample
  Shape shape;
  Histogram histogram;   // of every sample, over [lo, hi]
};
using Stats = std::map<std::string, TensorStats>;

// The model loaded and prepared for host evaluation (shapes inferred, constants folded); its
// value names are the model's tensor names. lower_quantized: QDQ patterns become the integer ops
// the device runs (lower-qdq), each writing the tensor its QuantizeLinear wrote.
// shapes: fixes inputs' unknown dims (--shape).
std::unique_ptr<Graph> load_for_evaluation(const std::string& model_path, const std::string* bytes = nullptr,
                                           bool lower_quantized = false, const std::map<std::string, Shape>& shapes = {});

// The input sets of `dirs`: each is a test_data_set_* folder (input_N.pb), a folder holding
// such folders (taken in name order), or, for a model with one float32 input, a .npy or raw
// little-endian float32 file (.raw, .bin) of one or N inputs (input_files.h). Throws Error
// naming the folder or file when there are none.
std::vector<std::vector<Tensor>> load_calibration_sets(const std::vector<std::string>& dirs, const Graph& g);

// Runs g (from load_for_evaluation) on one input set: every node evaluated with its kernels;
// afterwards each value's `constant` holds what it computed. Throws naming a node it cannot run.
void evaluate(Graph& g, const std::vector<Tensor>& inputs);

// The float constants nodes of g (from load_for_evaluation, before evaluate) read, by name:
// initializers and what folding made of them (a weight reshaped by a node of the model).
std::map<std::string, Tensor> float_constants(const Graph& g);

// Ranges and histograms of every float tensor over all sets (two passes: the histogram's bins
// span the range the first found).
Stats calibrate(Graph& g, const std::vector<std::vector<Tensor>>& sets);

}  // namespace onnx2mcu
