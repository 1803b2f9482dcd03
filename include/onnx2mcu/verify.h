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
};

struct OutputCheck {
  std::string data_dir;
  size_t output = 0;
  std::string name;
  double max_abs = 0, max_rel = 0;  // max_rel over elements with |reference| > atol
  int64_t mismatches = 0, elems = 0;
  int64_t argmax = -1, ref_argmax = -1;  // of the output and of the reference: the predicted class
};

struct VerifyResult {
  bool ok = false;
  std::vector<OutputCheck> checks;
  long stack_peak = -1;  // bytes, measured on Cortex-M targets
};

// Throws Error when the model cannot be compiled, built or run.
VerifyResult verify_model(const std::string& model_path, const VerifyOptions& opts);
// test_data_set_* folders under each path (or the path itself), sorted.
std::vector<std::string> find_data_sets(const std::vector<std::string>& paths);

}  // namespace onnx2mcu
