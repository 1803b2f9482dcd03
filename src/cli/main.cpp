// onnx2mcu command line: compile | inspect | verify. The only user of CLI11.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>

#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "onnx2mcu/inspect.h"
#include "onnx2mcu/verify.h"
#include "onnx2mcu/version.h"

using namespace onnx2mcu;

namespace {

// "--shape image=1x1x8x8" -> ("image", {1,1,8,8}).
void parse_shapes(const std::vector<std::string>& specs, CompileOptions& opts) {
  for (const std::string& spec : specs) {
    auto eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0) throw Error("--shape '" + spec + "' should look like NAME=1x3x96x96");
    std::vector<int64_t> dims;
    std::string rest = spec.substr(eq + 1);
    size_t pos = 0;
    while (pos <= rest.size()) {
      size_t x = rest.find('x', pos);
      std::string d = rest.substr(pos, x == std::string::npos ? std::string::npos : x - pos);
      if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos || d.size() > 12)
        throw Error("--shape '" + spec + "': '" + d + "' is not a dim");
      dims.push_back(std::stoll(d));
      if (x == std::string::npos) break;
      pos = x + 1;
    }
    opts.shapes[spec.substr(0, eq)] = dims;
  }
}

void add_model_options(CLI::App* cmd, std::string& model, std::string& name, std::vector<std::string>& shapes) {
  cmd->add_option("MODEL", model, "ONNX model file")->required();
  cmd->add_option("--name", name, "C name prefix (default: from the file name)");
  cmd->add_option("--shape", shapes, "fix an input's shape: NAME=1x3x96x96 (repeatable)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"onnx2mcu: compiles an ONNX model into self-contained C++ for microcontrollers"};
  app.set_version_flag("--version", std::string("onnx2mcu ") + kVersion);
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  onnx2mcu compile models/digits/model.onnx -o build/digits\n"
      "  onnx2mcu inspect model.onnx --shape input=1x3x96x96\n"
      "  onnx2mcu verify models/digits/model.onnx --data models/digits --target cortex-m4\n"
      "Exit codes: 0 ok, 1 bad model or failed verification, 2 bad command line.");

  std::string model, name, out_dir, target = "host", work_dir, opt = "-O2";
  std::vector<std::string> shapes, data;
  double rtol = 1e-3, atol = 1e-4;
  bool quiet = false;

  CLI::App* compile = app.add_subcommand("compile", "generate <name>.h/.cpp and kernel headers into a folder");
  add_model_options(compile, model, name, shapes);
  compile->add_option("-o,--output", out_dir, "output folder (created; replaced if it holds an earlier output)")->required();

  CLI::App* inspect = app.add_subcommand("inspect", "print ops, shapes, arena offsets, MACs and weight bytes");
  add_model_options(inspect, model, name, shapes);

  CLI::App* verify = app.add_subcommand("verify", "generate, build, run on test data and compare with the references");
  add_model_options(verify, model, name, shapes);
  verify->add_option("--data", data, "test_data_set_* folder, or a folder holding them (default: the model's folder)");
  verify->add_option("--target", target, "host, or a Cortex-M board/cpu (cortex-m4, mps2-an386, ...)");
  verify->add_option("--rtol", rtol, "relative tolerance (default 1e-3)");
  verify->add_option("--atol", atol, "absolute tolerance (default 1e-4)");
  verify->add_option("--keep", work_dir, "build in this folder and keep it");
  verify->add_option("--opt", opt, "optimisation flag for the build (default -O2)");
  verify->add_flag("--quiet", quiet, "print only the verdict line");

  CLI11_PARSE(app, argc, argv);

  try {
    CompileOptions copts;
    copts.name = name;
    parse_shapes(shapes, copts);
    if (compile->parsed()) {
      CompiledModel m = compile_model(model, copts);
      write_output_dir(m.files, out_dir);
      ModelStats s = model_stats(m);
      fmt::print("{}: wrote {} files to {} (arena {} B, weights {} B, {} MACs)\n", m.name, m.files.size(), out_dir, s.arena_bytes,
                 s.weight_bytes, s.macs);
    } else if (inspect->parsed()) {
      fmt::print("{}", inspect_report(compile_model(model, copts)));
    } else if (verify->parsed()) {
      VerifyOptions vo;
      vo.compile = copts;
      vo.data_dirs = data;
      vo.target = target;
      vo.rtol = rtol;
      vo.atol = atol;
      vo.work_dir = work_dir;
      vo.opt_level = opt;
      VerifyResult r = verify_model(model, vo);
      for (const OutputCheck& c : r.checks)
        if (!quiet || c.mismatches)
        fmt::print("{} output {} '{}': max abs {:.3g}, max rel {:.3g}, {} of {} outside tolerance, argmax {} (reference {})  {}\n",
                   c.data_dir, c.output, c.name, c.max_abs, c.max_rel, c.mismatches, c.elems, c.argmax, c.ref_argmax,
                   c.mismatches ? "FAIL" : "ok");
      if (r.stack_peak > 0) fmt::print("stack peak on {}: {} B\n", target, r.stack_peak);
      fmt::print("{} on {}: {} (rtol {}, atol {})\n", model, target, r.ok ? "PASS" : "FAIL", rtol, atol);
      return r.ok ? 0 : 1;
    }
  } catch (const Error& e) {
    std::fprintf(stderr, "onnx2mcu: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx2mcu: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}
