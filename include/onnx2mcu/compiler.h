// The public C++ API: model file in, generated sources out. The CLI and tests use it.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "onnx2mcu/limits.h"

namespace onnx2mcu {

struct Graph;
struct Value;
struct MemoryPlan;

struct GeneratedFile {
  std::string path;  // relative to the output folder
  std::string text;
};

struct CompileOptions {
  std::string name;                                       // default: from the model file name
  std::map<std::string, std::vector<int64_t>> shapes;     // --shape NAME=1x3x96x96
  // --freeze NAME=FILE.pb: graph input NAME becomes a constant holding the TensorProto in FILE
  // (a shape, axes, sizes or scales input a microcontroller build needs fixed).
  std::map<std::string, std::string> frozen_inputs;
  // --sequence NAME=2x3,2x3: a sequence-typed input gets one element per shape (its graph inputs
  // NAME_0, NAME_1, ...); --optional NAME=none: an optional-typed input compiled as absent.
  std::map<std::string, std::vector<std::vector<int64_t>>> sequences;
  std::set<std::string> absent_optionals;
  std::vector<std::string> disabled_passes;               // --disable-pass NAME
  std::string dump_ir_after;                              // --dump-ir-after PASS
  // --io native: a quantized model's API takes and returns its quantized tensors (passes/native_io.cpp).
  bool native_io = false;
  // --optimize size: compact generic kernels instead of the unrolled and specialised fast paths
  // (less flash, more cycles; passes/select_compact_kernels.cpp). false = speed, the default.
  bool optimize_size = false;
  std::string target;  // --target cpu/board/host: adds <name>_target.txt (its build flags); "" = none
  Limits limits;       // --max-tensor-bytes, --max-arena-bytes, --max-nodes
  // --max-loop-iterations: the most iterations a Loop whose trip count is known only at run time
  // may run (its scan outputs' capacity); <name>_run returns an error code beyond it. 0 = none.
  int64_t max_loop_iterations = 0;
};

struct CompiledModel {
  std::string name;
  std::unique_ptr<Graph> graph;
  std::unique_ptr<MemoryPlan> plan;
  std::vector<GeneratedFile> files;
  int64_t weight_bytes = 0;  // the const data the generated .cpp holds (<NAME>_WEIGHT_BYTES)
  std::set<const Value*> weights;  // the constants it holds: weight_bytes is the sum of their bytes
  std::string ir_dump;  // the IR printed after CompileOptions::dump_ir_after
  ~CompiledModel();
  CompiledModel();
  CompiledModel(CompiledModel&&) noexcept;
};

// Loads, optimises, plans and renders a model. Throws onnx2mcu::Error with file/node/op context.
CompiledModel compile_model(const std::string& model_path, const CompileOptions& opts = {});
// The same for model bytes already in memory (the fuzzer); model_path names the model in
// messages and its folder confines external data.
CompiledModel compile_model_bytes(const std::string& bytes, const std::string& model_path, const CompileOptions& opts = {});

// Writes files into dir all at once: a sibling temp folder renamed into place (swapped
// atomically with an existing dir where the OS can). An existing dir is replaced only if it is
// empty or holds an earlier onnx2mcu output (its manifest says so). Temp siblings left by a
// killed run ("dir.o2m-PID.new/.old" whose PID is gone) are removed first.
void write_output_dir(const std::vector<GeneratedFile>& files, const std::string& dir);

// "digits" for models/digits/model.onnx, "mnist" for mnist.onnx: a valid C identifier.
std::string default_model_name(const std::string& model_path);

}  // namespace onnx2mcu
