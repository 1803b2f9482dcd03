#include "verify/program.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "emitter/embedded.h"
#include "onnx2mcu/error.h"
#include "verify/command.h"

namespace fs = std::filesystem;

#ifndef ONNX2MCU_DEFAULT_HARNESS_FLAGS
#define ONNX2MCU_DEFAULT_HARNESS_FLAGS ""
#endif

namespace onnx2mcu {
namespace {

// The plugin, built once per work folder.
std::string build_insn_plugin(const fs::path& dir) {
  const fs::path src = dir / "insncount.c", so = dir / "insncount.so";
  write_text(src, embedded_file("targets/qemu/insncount.c"));
  must(env_or("CC", "cc") + " -shared -fPIC -O2 -o " + so.string() + " " + src.string(), "building the QEMU instruction-counting plugin");
  return so.string();
}

// The plugin's arguments that mark the rig's regions: the addresses of rig_region_begin/end (one nm).
std::string insn_region_markers(const Target& t, const std::string& elf) {
  const std::string nm = target_tool_prefix(t) + "nm " + elf;
  CommandResult r = run_command(nm);
  if (r.status != 0) throw Error(nm + " failed:\n" + r.output);
  std::string begin, end;
  std::istringstream lines(r.output);
  for (std::string addr, type, name; lines >> addr >> type >> name;) {
    if (name == "rig_region_begin") begin = "0x" + addr;
    if (name == "rig_region_end") end = "0x" + addr;
  }
  if (begin.empty() || end.empty()) throw Error("the program has no rig_region_begin/end");
  return ",begin=" + begin + ",end=" + end;
}

}  // namespace

WorkDir::WorkDir(const std::string& requested, const std::string& stem) : path(requested), temp(requested.empty()) {
  if (temp) path = make_temp_dir(stem);
}

WorkDir::~WorkDir() {
  std::error_code ec;
  if (temp) fs::remove_all(path, ec);
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

void write_program_files(const CompiledModel& m, const Target& t, const fs::path& dir) {
  for (const auto& f : m.files) write_text(dir / "gen" / f.path, f.text);
  // The RISC-V runtime shares rig.c, rig.h, rig_target.h, syscalls.c and rig_host.c with the
  // Cortex-M one and brings its own startup.c and linker scripts, written over those of the same name.
  for (const char* family : {"cortex-m", "riscv"}) {
    if (family == std::string("riscv") && !t.is_riscv()) break;
    const std::string folder = std::string("targets/") + family + "/";
    for (const auto& kv : embedded_files())
      if (kv.first.rfind(folder, 0) == 0) write_text(dir / "rig" / fs::path(kv.first).filename(), kv.second);
  }
}

std::string build_program(const Target& t, const fs::path& dir, const std::string& name, const std::string& opt,
                          const std::string& extra_flags) {
  // Generated code must be warning-free: verify holds it to -Werror.
  const std::string common = " " + target_compile_flags(t, opt) + " " + extra_flags + " -Wall -Wextra -Werror -I" + (dir / "gen").string() + " -I" +
                             (dir / "rig").string();
  // Host harnesses take the generator's own sanitizer flags in an ONNX2MCU_SANITIZE build, or
  // ONNX2MCU_HARNESS_FLAGS (e.g. "-fsanitize=address,undefined"), so the generated code runs
  // under the same checks as the tests that produced it.
  const std::string host_extra = " " + env_or("ONNX2MCU_HARNESS_FLAGS", ONNX2MCU_DEFAULT_HARNESS_FLAGS);
  const std::string sources = " " + (dir / "gen" / (name + ".cpp")).string() + " " + (dir / "harness.cpp").string();
  const fs::path exe = dir / (t.is_host() ? "model_host" : "model.elf");
  if (t.is_host()) {
    must(env_or("CC", "cc") + " -std=c11 -O2 -c " + (dir / "rig" / "rig_host.c").string() + " -o " + (dir / "rig_host.o").string(),
         "compiling the host rig");
    must(env_or("CXX", "c++") + common + host_extra + sources + " " + (dir / "rig_host.o").string() + " -o " + exe.string(),
         "compiling the generated code for the host");
    return exe.string();
  }
  const std::string arch = " " + target_arch_flags(t), tools = target_tool_prefix(t);
  std::string objs;
  for (const char* f : {"startup", "syscalls", "rig"}) {
    const fs::path o = dir / (std::string(f) + ".o");
    must(tools + "gcc" + arch + " -std=c11 -O2 -ffunction-sections -fdata-sections -c " + (dir / "rig" / f).string() +
             ".c -o " + o.string(),
         std::string("compiling the target runtime ") + f + ".c");
    objs += " " + o.string();
  }
  // RISC-V links with gcc: picolibc has no libstdc++ for g++ to add, and the code needs none.
  must(tools + (t.is_riscv() ? "gcc" : "g++") + common + sources + objs + " -L" + (dir / "rig").string() + " " + target_link_flags(t) + " -o " +
           exe.string(),
       "compiling the generated code for " + t.name);
  return "timeout -k 5 " + env_or("QEMU_TIMEOUT", "120") + " " + target_qemu_command(t) +
         " -nographic -monitor none -serial null -chardev stdio,id=semihost,signal=off"
         " -semihosting-config enable=on,target=native,chardev=semihost -kernel " +
         exe.string() + " </dev/null";
}

std::string with_insn_plugin(const Target& t, const std::string& run_cmd, const fs::path& dir, const std::string& counts) {
  return run_cmd.substr(0, run_cmd.rfind(" </dev/null")) + " -plugin file=" + build_insn_plugin(dir) + ",out=" + counts +
         insn_region_markers(t, (dir / "model.elf").string()) + " </dev/null";
}

std::vector<uint64_t> read_region_counts(const std::string& counts) {
  std::vector<uint64_t> regions;
  std::ifstream in(counts);
  for (std::string line; std::getline(in, line);) {
    unsigned long long k = 0, n = 0;
    if (std::sscanf(line.c_str(), "region %llu insns=%llu", &k, &n) == 2) regions.push_back(n);
  }
  return regions;
}

}  // namespace onnx2mcu
