// A program around generated code, for verify and profile: the generated files and the test
// rig written into a folder, a harness.cpp beside them, built for the host or a Cortex-M board.
#pragma once
#include <filesystem>
#include <cstdint>
#include <string>
#include <vector>

#include "onnx2mcu/compiler.h"
#include "verify/targets.h"

namespace onnx2mcu {

// The folder a program is built in: the one asked for (kept), else a temp folder removed with this.
struct WorkDir {
  std::filesystem::path path;
  bool temp = false;
  WorkDir(const std::string& requested, const std::string& stem);
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
};

void write_text(const std::filesystem::path& p, const std::string& text);
// DIR/gen: the model's generated files; DIR/rig: the runtime and rig of t's family.
void write_program_files(const CompiledModel& m, const Target& t, const std::filesystem::path& dir);
// Builds DIR/gen/NAME.cpp and DIR/harness.cpp for `t` with the target's flags at `opt` plus
// `extra_flags` (e.g. a -D), warnings as errors; returns the command that runs the program.
std::string build_program(const Target& t, const std::filesystem::path& dir, const std::string& name, const std::string& opt,
                          const std::string& extra_flags = "");

// `run_cmd` (from build_program on a QEMU target, program DIR/model.elf) with the project's
// QEMU instruction-counting plugin, built in DIR, counting each rig_region_begin/end into `counts`.
std::string with_insn_plugin(const Target& t, const std::string& run_cmd, const std::filesystem::path& dir, const std::string& counts);
// The instructions of each region, in order, from the plugin's `counts` file.
std::vector<uint64_t> read_region_counts(const std::string& counts);

}  // namespace onnx2mcu
