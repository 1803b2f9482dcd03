// Where generated code is built and run: the host, or a Cortex-M or RISC-V board under QEMU. The
// flags live here once, for verify's builds and for the <name>_target.txt that `compile --target` writes.
#pragma once
#include <string>
#include <vector>

namespace onnx2mcu {

struct Target {
  std::string name;          // "host", or a board: "mps2-an386"
  std::string cpu;           // "cortex-m4"
  std::string qemu_machine;  // "-M" value
  std::string flags;         // core flags for gcc, from boards.txt
  std::string family;        // "host", "cortex-m" or "riscv": the runtime's folder in templates/targets
  bool is_host() const { return name == "host"; }
  bool is_riscv() const { return family == "riscv"; }
};

// Accepts "host", a board name or a cpu name (first board with that cpu).
Target find_target(const std::string& name);
std::vector<Target> all_targets();

// What the generated code is compiled with for t, and so what it is tuned for: C++17, `opt`, and
// on a Cortex-M the core's flags plus the bare-metal switches (no exceptions, RTTI, unwind tables).
std::string target_compile_flags(const Target& t, const std::string& opt = "-O2");
// The core's flags for every compile and link: boards.txt's, plus -mthumb (Cortex-M) or picolibc's
// specs (RISC-V); "" on the host.
std::string target_arch_flags(const Target& t);
// The cross tools' prefix: "arm-none-eabi-" or "riscv64-unknown-elf-" ("" on the host).
std::string target_tool_prefix(const Target& t);
// Link flags of a program with the runtime of templates/targets/<family>; "" on the host.
std::string target_link_flags(const Target& t);
// The QEMU command line that boots an ELF on t, up to (not including) "-kernel ELF".
std::string target_qemu_command(const Target& t);
// The text of <model_name>_target.txt: target, board, cpu, compiler and flags, one per line.
std::string target_file_text(const Target& t, const std::string& model_name);

}  // namespace onnx2mcu
