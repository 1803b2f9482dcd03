// Worst-case stack of a generated model's run function, measured by the compiler.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "onnx2mcu/compiler.h"

namespace onnx2mcu {

struct StackReport {
  std::string target;        // "host" or a board
  std::string command;       // how the generated .cpp was compiled
  int64_t run_frame = 0;     // bytes of <name>_run's own frame
  int64_t worst_case = 0;    // deepest path from <name>_run: the sum of the frames along it
  std::vector<std::pair<std::string, int64_t>> worst_path;  // (function, frame bytes) from run down
  std::vector<std::string> unknown_callees;  // called, but compiled elsewhere (libm, memcpy): counted as 0
  bool dynamic = false;      // a frame on some path has unbounded dynamic size: worst_case is a lower bound
  bool recursive = false;    // the call graph has a cycle: worst_case is a lower bound
};

// Compiles the model's .cpp with -fstack-usage -fcallgraph-info=su (host c++ or
// arm-none-eabi-g++ for a Cortex-M target) and walks the call graph GCC writes from
// <name>_run: each function's frame as GCC reports it (a "dynamic,bounded" frame counts at its
// bound), summed along the deepest call path. Functions inlined into run() are in its frame.
StackReport measure_stack(const CompiledModel& m, const std::string& target, const std::string& opt_level = "-O2");
std::string stack_report_text(const StackReport& r);

}  // namespace onnx2mcu
