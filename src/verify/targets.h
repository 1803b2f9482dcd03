// Where verify builds and runs generated code: the host, or a Cortex-M board under QEMU.
#pragma once
#include <string>
#include <vector>

namespace onnx2mcu {

struct Target {
  std::string name;          // "host", or a board: "mps2-an386"
  std::string cpu;           // "cortex-m4"
  std::string qemu_machine;  // "-M" value
  std::string flags;         // core flags for gcc, from boards.txt
  bool is_host() const { return name == "host"; }
};

// Accepts "host", a board name or a cpu name (first board with that cpu).
Target find_target(const std::string& name);
std::vector<Target> all_targets();

}  // namespace onnx2mcu
