// profile: instructions per node of one inference on a Cortex-M board in QEMU, counted exactly by
// the project's QEMU plugin through the generated code's profiling hooks (<NAME>_PROFILE).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "onnx2mcu/compiler.h"

namespace onnx2mcu {

struct ProfileOptions {
  CompileOptions compile;
  std::string target = "cortex-m4";  // a Cortex-M board or cpu from boards.txt
  std::string data_dir;              // inputs from its first test_data_set_* (or itself); zeros when empty
  std::string work_dir;              // keep the build here; a temp folder (removed) when empty
  std::string opt_level = "-O2";
};

struct ProfileRow {
  int step = 0;  // as in `inspect` and the generated comments
  std::string node, op;
  int64_t macs = 0;
  uint64_t instructions = 0;
};

struct ProfileResult {
  std::string target;
  std::vector<ProfileRow> rows;  // the nodes with code, in execution order
  uint64_t whole_run = 0;        // instructions of one <name>_run call, hooks compiled in but idle
  uint64_t between_nodes = 0;    // whole_run minus the nodes: the call, output copies, idle hooks
};

// Throws Error when the model cannot be compiled, built or run, or the target is not a Cortex-M.
ProfileResult profile_model(const std::string& model_path, const ProfileOptions& opts);
// The table `onnx2mcu profile` prints.
std::string profile_report(const ProfileResult& r);

}  // namespace onnx2mcu
