// Renders the generated sources: <name>.h, <name>.cpp and the kernel headers they include.
#pragma once
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "onnx2mcu/compiler.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {

struct EmitOptions {
  std::string name;        // C identifier prefix: <name>_run, <NAME>_ARENA_BYTES
  std::string model_file;  // file name only (never a path: output must not depend on the machine)
  bool native_io = false;  // --io native: the header documents which inputs/outputs stayed float
};

// weight_bytes, when set, receives <NAME>_WEIGHT_BYTES: the const data the .cpp holds; weights,
// when set, the constants it holds (not those only the generator reads, such as Reshape's shape).
std::vector<GeneratedFile> emit_model(const Graph& g, const MemoryPlan& plan, const EmitOptions& opts,
                                      int64_t* weight_bytes = nullptr, std::set<const Value*>* weights = nullptr);

// Replaces every @KEY@ in text; fails on a key the map lacks (a template typo).
std::string render_template(const std::string& text, const std::vector<std::pair<std::string, std::string>>& vars);

}  // namespace onnx2mcu
