// libFuzzer target: bytes -> loader -> passes -> planner -> emitter, as `onnx2mcu compile` runs
// them (without writing the output folder). Built with -DONNX2MCU_FUZZ=ON and CXX=clang++;
// run_fuzz.sh runs it, docs/reliability.md says how to run it longer.
//
// onnx2mcu::Error is the expected way for a bad model to fail. Anything else that escapes
// (std::out_of_range, std::bad_alloc, ...) is a finding: the CLI would print an "internal
// error" instead of naming what is wrong with the model. So is every sanitizer report.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"

namespace {

// The model "lives" in an empty folder of its own, so external data has nothing to find.
const std::string& model_path() {
  static const std::string path = [] {
    const auto dir = std::filesystem::temp_directory_path() / ("onnx2mcu-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / "model.onnx").string();
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  onnx2mcu::CompileOptions opts;
  opts.name = "fuzz";
  // Smaller caps than the CLI's keep each input fast; the logic they guard is the same.
  opts.limits.max_tensor_bytes = int64_t{16} << 20;
  opts.limits.max_arena_bytes = int64_t{16} << 20;
  opts.limits.max_nodes = 5000;
  try {
    onnx2mcu::compile_model_bytes(std::string(reinterpret_cast<const char*>(data), size), model_path(), opts);
  } catch (const onnx2mcu::Error&) {
  }
  return 0;
}
