// verify: generate, build with a real compiler, run on reference inputs, compare outputs.
#pragma once
#include <string>
#include <vector>

#include "onnx2mcu/compiler.h"

namespace onnx2mcu {

struct VerifyOptions {
  CompileOptions compile;
  std::vector<std::string> data_dirs;  // test_data_set_* folders, or folders that hold them
  std::string target = "host";         // "host" or a board / cpu from boards.txt
  double rtol = 1e-3, atol = 1e-4;
  std::string work_dir;                // keep the build here; a temp folder (removed) when empty
  std::string opt_level = "-O2";
  // Also measure flash (Cortex-M: measure_footprint), run()'s worst-case stack (-fstack-usage)
  // and, on a Cortex-M target, each run's instructions in QEMU. Budgets imply what they need.
  bool measure = false;
  // Budgets (-1: none): a figure above its budget fails the verification.
  int64_t max_arena = -1, max_flash = -1, max_stack = -1, max_instructions = -1;
};

struct OutputCheck {
  std::string data_dir;
  size_t output = 0;
  std::string name;
  double max_abs = 0, max_rel = 0;  // max_rel over elements with |reference| > atol
  int64_t mismatches = 0, elems = 0;
  int64_t argmax = -1, ref_argmax = -1;  // of the output and of the reference: the predicted class
};

struct BudgetCheck {
  std::string figure;  // "arena", "flash", "stack", "instructions"
  std::string option;  // "--max-arena", ...
  int64_t value = 0, budget = 0;
  bool ok() const { return value <= budget; }
};

struct VerifyResult {
  bool ok = false;      // every output within tolerance and every figure within its budget
  std::vector<OutputCheck> checks;
  std::vector<BudgetCheck> budgets;
  long stack_peak = -1;  // bytes, measured on Cortex-M targets
  std::string target;    // the board, or "host"
  int64_t arena_bytes = 0;
  // With VerifyOptions::measure (-1: not measured).
  int64_t flash_bytes = -1;        // Cortex-M only: Footprint::flash()
  int64_t stack_worst_case = -1;   // -fstack-usage, as inspect --stack
  int64_t instructions = -1;       // Cortex-M only: the most any data set's run took
};

// One line per budget: "budget ok: flash 19340 B <= --max-flash 20000 B" or "over budget: ...".
std::string budget_line(const BudgetCheck& b);
// The result as JSON for scripts (verify --json).
std::string verify_json(const std::string& model_path, const VerifyOptions& opts, const VerifyResult& r);
// Throws Error when the model cannot be compiled, built or run.
VerifyResult verify_model(const std::string& model_path, const VerifyOptions& opts);
// One line per budget: "budget ok: flash 19340 B <= --max-flash 20000 B" or "over budget: ...".
std::string budget_line(const BudgetCheck& b);
// The result as JSON for scripts (verify --json).
std::string verify_json(const std::string& model_path, const VerifyOptions& opts, const VerifyResult& r);
// test_data_set_* folders under each path (or the path itself), sorted.
std::vector<std::string> find_data_sets(const std::vector<std::string>& paths);

}  // namespace onnx2mcu
