// What a model costs on a Cortex-M target, measured by building it: the flash and RAM figures
// `inspect --target` reports and `verify` checks budgets against.
#pragma once
#include <cstdint>
#include <string>

#include "onnx2mcu/compiler.h"

namespace onnx2mcu {

struct Footprint {
  std::string target;     // the board
  std::string size_tool;  // what measured it, e.g. arm-none-eabi-size
  // Flash: the sections the model adds to a program (arm-none-eabi-size of a program that calls
  // <name>_run minus the same program without the call, both linked with --gc-sections).
  int64_t code = 0;       // .text and the other read-only sections that are not .rodata
  int64_t weights = 0;    // the weights as emitted (part of .rodata)
  int64_t rodata = 0;     // the rest of .rodata: kernel tables, shapes, names
  int64_t data = 0;       // initialised RAM, a copy in flash too (0 for generated code)
  // RAM: the static bytes the model adds (.data + .bss: the arena and the program's I/O
  // buffers) plus run()'s worst-case stack.
  int64_t arena = 0;      // <NAME>_ARENA_BYTES
  int64_t io = 0;         // the inputs' and outputs' bytes, held by the caller
  int64_t static_ram = 0; // measured .data + .bss: arena + io + what libc adds (errno) + alignment
  int64_t stack = 0;      // worst case from -fstack-usage (measure_stack)
  bool stack_lower_bound = false;  // recursion or an unbounded frame: stack is at least this
  int64_t flash() const { return code + weights + rodata + data; }
  int64_t ram() const { return static_ram + stack; }
};

// Builds the model for a Cortex-M `target` (a board or cpu) with verify's build helpers and
// measures it. `work_dir`: keep the two programs (model.elf, baseline.elf) there; a temp folder
// when empty. Throws Error on the host or when a build fails.
Footprint measure_footprint(const CompiledModel& m, const std::string& target, const std::string& opt_level = "-O2",
                            const std::string& work_dir = "");
std::string footprint_text(const Footprint& f);

}  // namespace onnx2mcu
