// onnx2mcu command line: compile | inspect | verify (and the maintainers' `ops`). The only user of CLI11.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <memory>
#include <cstdio>
#include <fstream>

#include "ir/graph.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "onnx2mcu/inspect.h"
#include "onnx2mcu/footprint.h"
#include "onnx2mcu/report.h"
#include "onnx2mcu/stack.h"
#include "onnx2mcu/profile.h"
#include "onnx2mcu/verify.h"
#include "onnx2mcu/version.h"
#include "ops/op.h"
#include "quantize/quantize.h"
#include "quantize/report.h"
#include "verify/targets.h"

using namespace onnx2mcu;

namespace {

// "1x3x96x96" -> {1,3,96,96}; "scalar" -> {}. `flag` and `spec` name the option in errors.
std::vector<int64_t> parse_dims(const std::string& text, const std::string& flag, const std::string& spec) {
  std::vector<int64_t> dims;
  if (text == "scalar") return dims;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t x = text.find('x', pos);
    std::string d = text.substr(pos, x == std::string::npos ? std::string::npos : x - pos);
    if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos || d.size() > 12)
      throw Error(flag + " '" + spec + "': '" + d + "' is not a dim");
    dims.push_back(std::stoll(d));
    if (x == std::string::npos) break;
    pos = x + 1;
  }
  return dims;
}

// "--shape image=1x1x8x8" -> ("image", {1,1,8,8}).
void parse_shapes(const std::vector<std::string>& specs, CompileOptions& opts) {
  for (const std::string& spec : specs) {
    auto eq = spec.rfind('=');
    if (eq == std::string::npos || eq == 0) throw Error("--shape '" + spec + "' should look like NAME=1x3x96x96");
    opts.shapes[spec.substr(0, eq)] = parse_dims(spec.substr(eq + 1), "--shape", spec);
  }
}

// "--sequence frames=2x3,2x3" -> two elements of 2x3; "--sequence frames=" -> none.
// "--optional state=none" -> compiled absent ("present", the default, is accepted too).
void parse_composites(const std::vector<std::string>& sequences, const std::vector<std::string>& optionals, CompileOptions& opts) {
  for (const std::string& spec : sequences) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--sequence '" + spec + "' should look like NAME=2x3,2x3 (one shape per element)");
    std::vector<std::vector<int64_t>>& shapes = opts.sequences[spec.substr(0, eq)];
    const std::string rest = spec.substr(eq + 1);
    for (size_t pos = 0; !rest.empty() && pos <= rest.size();) {
      const size_t comma = std::min(rest.find(',', pos), rest.size());
      shapes.push_back(parse_dims(rest.substr(pos, comma - pos), "--sequence", spec));
      pos = comma + 1;
    }
  }
  for (const std::string& spec : optionals) {
    const auto eq = spec.find('=');
    const std::string value = eq == std::string::npos ? "" : spec.substr(eq + 1);
    if (eq == 0 || (value != "none" && value != "present"))
      throw Error("--optional '" + spec + "' should look like NAME=none or NAME=present");
    if (value == "none") opts.absent_optionals.insert(spec.substr(0, eq));
  }
}

// "--freeze shape=shape.pb" -> ("shape", "shape.pb").
void parse_freezes(const std::vector<std::string>& specs, CompileOptions& opts) {
  for (const std::string& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw Error("--freeze '" + spec + "' should look like NAME=FILE.pb (a serialized TensorProto)");
    const std::string name = spec.substr(0, eq);
    if (opts.frozen_inputs.count(name)) throw Error("--freeze names '" + name + "' twice");
    opts.frozen_inputs[name] = spec.substr(eq + 1);
  }
}

// The text of the options that say how the model's inputs are compiled, before parsing.
struct InputSpecs {
  std::vector<std::string> shapes, freezes, sequences, optionals;
};

void add_model_options(CLI::App* cmd, std::string& model, std::string& name, InputSpecs& specs, CompileOptions& copts) {
  std::vector<std::string>& shapes = specs.shapes;
  std::vector<std::string>& freezes = specs.freezes;
  cmd->add_option("MODEL", model, "ONNX model file")->required();
  cmd->add_option("--name", name, "C name prefix (default: from the file name)");
  cmd->add_option("--shape", shapes, "fix an input's shape: NAME=1x3x96x96 (repeatable)");
  cmd->add_option("--sequence", specs.sequences,
                  "a sequence-typed input's elements, one shape each: NAME=2x3,2x3 (NAME= for none; 'scalar' for rank 0); its "
                  "elements are the inputs NAME_0, NAME_1, ... (repeatable)");
  cmd->add_option("--optional", specs.optionals, "an optional-typed input compiled as absent: NAME=none (default: present) (repeatable)");
  cmd->add_option("--freeze", freezes,
                  "make a graph input a constant: NAME=FILE.pb, a serialized TensorProto such as a "
                  "test_data_set_0/input_1.pb (repeatable); for shape-like inputs (Reshape's shape, Resize's sizes, ...)");
  cmd->add_option_function<std::string>(
         "--io", [&copts](const std::string& io) { copts.native_io = io == "native"; },
         "float (default): the API takes and returns float; native: a quantized model's quantized tensors, its "
         "QuantizeLinear on entry and DequantizeLinear at the end dropped (docs/api.md)")
      ->check(CLI::IsMember({"float", "native"}));
  cmd->add_option_function<std::string>(
         "--optimize", [&copts](const std::string& o) { copts.optimize_size = o == "size"; },
         "speed (default): the unrolled and specialised kernels; size: compact generic kernels, less flash, more cycles")
      ->check(CLI::IsMember({"speed", "size"}));
  cmd->add_option("--disable-pass", copts.disabled_passes, "switch off an optimisation pass (repeatable)");
  cmd->add_option("--dump-ir-after", copts.dump_ir_after, "print the IR to stderr after this pass");
  cmd->add_flag_callback(
      "--no-fuse-tiling", [&copts] {
        copts.disabled_passes.push_back("fuse-conv-pool");
        copts.disabled_passes.push_back("fuse-pw-dw");
      },
      "keep every conv output whole (no banded Conv+Pool or Pw+Dw fusion)");
  // Checked as text: CLI11 would clamp 99999999999999999999 to the int64 maximum silently.
  const CLI::Validator positive(
      [](std::string& v) {
        const bool ok = !v.empty() && v.size() <= 18 && v.find_first_not_of("0123456789") == std::string::npos && std::stoll(v) > 0;
        return ok ? std::string() : "'" + v + "' is not a whole number from 1 to 999999999999999999";
      },
      "BYTES");
  cmd->add_option("--max-tensor-bytes", copts.limits.max_tensor_bytes, "refuse any tensor larger than this (default 256 MiB)")
      ->check(positive);
  cmd->add_option("--max-arena-bytes", copts.limits.max_arena_bytes, "refuse a model whose arena is larger (default 64 MiB)")
      ->check(positive);
  cmd->add_option("--max-nodes", copts.limits.max_nodes, "refuse a graph with more nodes (default 100000)")->check(positive);
  cmd->add_option("--max-loop-iterations", copts.max_loop_iterations,
                  "bound of a Loop whose trip count is known only at run time: the capacity of its scan outputs; "
                  "<name>_run returns 1 if the loop needs more")
      ->check(positive);
}

// Control characters escaped (and newlines too when one_line), so a message prints as text.
std::string printable(const std::string& msg, bool one_line) {
  std::string out;
  for (unsigned char c : msg) {
    if ((c < 0x20 && c != '\t' && !(c == '\n' && !one_line)) || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() > tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Why no subcommand was parsed, for a better message than CLI11's "A subcommand is required":
// the first unknown option or word before any subcommand.
std::string no_subcommand_reason(CLI::App& app, int argc, char** argv) {
  const std::string known = "compile, quantize, inspect, verify, profile or ops";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.size() > 1 && arg[0] == '-') {
      const std::string opt = arg.substr(0, arg.find('='));
      bool ok = app.get_option_no_throw(opt) != nullptr;
      if (!ok && opt[1] != '-') {  // -qv: flags run together
        ok = true;
        for (size_t c = 1; c < opt.size(); ++c) ok = ok && app.get_option_no_throw(std::string("-") + opt[c]) != nullptr;
      }
      if (!ok) return "unknown option '" + opt + "'; the subcommand (" + known + ") comes first";
    } else {
      return "unknown subcommand '" + arg + "'; it is one of " + known;
    }
  }
  return "no subcommand; it is one of " + known;
}

// docs/ops.md: the op registry as a table, so the documented list cannot drift from the code.
std::string ops_markdown() {
  std::string out =
      "# Supported operators\n\n"
      "<!-- Generated by `onnx2mcu ops --markdown > docs/ops.md`; do not edit. -->\n\n"
      "| op | domain | notes |\n| --- | --- | --- |\n";
  size_t n = 0;
  for (const OpDef* op : all_ops()) {
    std::string notes = op->is_view ? "view: aliases its input, no code" : op->shape_only ? "folded: reads only shapes" : op->notes;
    out += "| " + op->name + " | " + (op->domain.empty() ? "ai.onnx" : op->domain) + " | " + notes + " |\n";
    ++n;
  }
  return out + "\n" + std::to_string(n) +
         " operators.\n\n"
         "ai.onnx.ml (opsets 1 to 5) is supported for numeric pipelines: semantics as ONNX Runtime where the "
         "specification leaves them open. onnx2mcu has no string tensors or maps, so string labels, keys and "
         "categories, and ZipMap's sequence of maps, fail with an error naming the node; use integer labels and the "
         "scores tensor that ZipMap reads.\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"onnx2mcu: compiles an ONNX model into self-contained C++ for microcontrollers"};
  app.set_version_flag("--version", std::string("onnx2mcu ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global flags work after the subcommand too: `compile m.onnx -o d --quiet`
  app.footer(
      "Examples:\n"
      "  onnx2mcu compile models/digits/model.onnx -o build/digits\n"
      "  onnx2mcu compile kws.onnx -o gen/kws --name kws --shape input=1x49x10x1 --target cortex-m4\n"
      "  onnx2mcu inspect model.onnx --shape input=1x3x96x96\n"
      "  onnx2mcu verify models/digits/model.onnx --data models/digits --target cortex-m4\n"
      "In CMake: find_package(onnx2mcu) and onnx2mcu_add_model(...) (docs/cmake.md).\n"
      "Exit codes: 0 ok; 1 bad model, failed generation or failed verification; 2 bad command line.");

  std::string model, name, out_dir, target = "host", work_dir, opt = "-O2";
  InputSpecs specs;
  std::vector<std::string> data;
  CompileOptions copts;
  double rtol = 1e-3, atol = 1e-4;
  bool quiet = false, verbose = false, markdown = false;
  app.add_flag("-q,--quiet", quiet, "print errors only (verify: only the verdict line)");
  app.add_flag("-v,--verbose", verbose, "also print timings and every file written (on stderr)");

  CLI::App* compile = app.add_subcommand("compile", "generate <name>.h/.cpp and kernel headers into a folder");
  add_model_options(compile, model, name, specs, copts);
  compile->add_option("-o,--output", out_dir, "output folder (created; replaced if it holds an earlier output)")->required();
  compile->add_option("--target", copts.target, "cpu or board the code is for (cortex-m4, mps2-an386, host): writes <name>_target.txt with its build flags");

  // Post-training quantization (docs/quantize.md): the same quantizer for `quantize` and `compile --quantize int8`.
  QuantizeOptions qopts;
  std::vector<std::string> keep_float;
  std::string quantize_mode, quantized_out;
  compile->add_option("--quantize", quantize_mode, "quantize the float model first: int8 (needs --calibration)")
      ->check(CLI::IsMember({"int8"}));
  compile->add_option("--calibration", qopts.calibration, "with --quantize: test_data_set_* folders, or folders holding them");
  compile->add_option("--keep-float", keep_float, "with --quantize: nodes to leave in float (repeatable)");
  compile->add_option("--range", qopts.range, "with --quantize: minmax, percentile, mse or auto (default)")
      ->check(CLI::IsMember({"auto", "minmax", "percentile", "mse"}));
  CLI::App* quantize = app.add_subcommand("quantize", "write an int8 QDQ model from a float model and calibration inputs");
  quantize->add_option("MODEL", model, "float ONNX model file")->required();
  quantize->add_option("--shape", specs.shapes, "fix an input's shape: NAME=1x3x96x96 (repeatable)");
  quantize->add_option("--calibration", qopts.calibration, "test_data_set_* folders, or folders holding them")->required();
  quantize->add_option("--keep-float", keep_float, "nodes to leave in float (repeatable)");
  quantize->add_option("-o,--output", quantized_out, "the QDQ model file to write")->required();
  quantize->add_option("--range", qopts.range, "how activation ranges are chosen: minmax, percentile (99.99%), mse, auto (default: "
                                               "the one with the best output SQNR on the calibration set)")
      ->check(CLI::IsMember({"auto", "minmax", "percentile", "mse"}));
  bool quantize_report = false, quantize_json = false;
  std::vector<std::string> report_data;
  quantize->add_flag("--report", quantize_report, "also print per-tensor SQNR against float, float nodes, weights and arena");
  quantize->add_flag("--json", quantize_json, "the report as JSON (implies --report)");
  quantize->add_option("--report-data", report_data, "measure the report on these input sets (default: the calibration set)");

  CLI::App* inspect = app.add_subcommand("inspect", "print ops, shapes, arena offsets, MACs and weight bytes");
  add_model_options(inspect, model, name, specs, copts);
  std::string report_file;
  bool json = false;
  // Checked as a command-line error before any work: FILE.pdf would otherwise get HTML silently.
  const CLI::Validator report_kind(
      [](std::string& v) {
        return ends_with(v, ".html") || ends_with(v, ".svg") ? std::string()
                                                             : "'" + v + "' has an unknown extension; the report is FILE.html or FILE.svg";
      },
      "FILE.html|FILE.svg");
  inspect->add_option("--report", report_file, "also draw the memory plan into FILE.html or FILE.svg")->check(report_kind);
  inspect->add_flag("--json", json, "print the numbers as JSON instead of a table");
  bool stack = false;
  std::string stack_target = "host";
  inspect->add_flag("--stack", stack, "also build the generated code with -fstack-usage and report run()'s worst-case stack");
  inspect->add_option("--keep", work_dir, "with a Cortex-M --target: build in this folder and keep it (model.elf, baseline.elf)");
  inspect->add_option("--target", stack_target,
                      "a Cortex-M board/cpu: also build the model for it and report flash (code, weights) and RAM (arena, I/O, stack); "
                      "the compiler for --stack (default host: g++)");

  CLI::App* verify = app.add_subcommand("verify", "generate, build, run on test data and compare with the references");
  add_model_options(verify, model, name, specs, copts);
  verify->add_option("--data", data, "test_data_set_* folder, or a folder holding them (default: the model's folder)");
  verify->add_option("--target", target, "host, or a Cortex-M board/cpu (cortex-m4, mps2-an386, ...)");
  verify->add_option("--rtol", rtol, "relative tolerance (default 1e-3)");
  verify->add_option("--atol", atol, "absolute tolerance (default 1e-4)");
  verify->add_option("--keep", work_dir, "build in this folder and keep it");
  verify->add_option("--opt", opt, "optimisation flag for the build (default -O2)");
  bool verify_json_out = false;
  int64_t max_arena = -1, max_flash = -1, max_stack = -1, max_instructions = -1;
  verify->add_flag("--json", verify_json_out, "print the result as JSON: every output, arena, flash, stack, instructions (Cortex-M)");
  verify->add_option("--max-arena", max_arena, "fail when the arena is larger than this many bytes")->check(CLI::NonNegativeNumber);
  verify->add_option("--max-flash", max_flash, "fail when the model's flash (measured on the Cortex-M --target) is larger (bytes)")
      ->check(CLI::NonNegativeNumber);
  verify->add_option("--max-stack", max_stack, "fail when run()'s worst-case stack (-fstack-usage) is larger (bytes)")->check(CLI::NonNegativeNumber);
  verify->add_option("--max-instructions", max_instructions, "fail when a run takes more instructions in QEMU (Cortex-M --target)")
      ->check(CLI::NonNegativeNumber);

  CLI::App* profile = app.add_subcommand("profile", "instructions per node of one inference on a Cortex-M board in QEMU");
  add_model_options(profile, model, name, specs, copts);
  std::string profile_target = "cortex-m4", profile_data;
  profile->add_option("--target", profile_target, "Cortex-M board/cpu (default cortex-m4)");
  profile->add_option("--data", profile_data, "take the inputs of this test_data_set_* (or the first one in it); default zeros");
  profile->add_option("--keep", work_dir, "build in this folder and keep it");
  profile->add_option("--opt", opt, "optimisation flag for the build (default -O2)");

  // Regenerates docs/ops.md; shown in --help so users find the list too.
  CLI::App* ops = app.add_subcommand("ops", "list the supported operators (--markdown: as docs/ops.md)");
  ops->add_flag("--markdown", markdown, "as docs/ops.md")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (app.get_subcommands().empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
      const std::string what = no_subcommand_reason(app, argc, argv);
      std::fprintf(stderr, "onnx2mcu: error: %s\nRun with --help for more information.\n", printable(what, true).c_str());
      return 2;
    }
    const int rc = app.exit(e);  // prints help, version or the error
    return rc == 0 ? 0 : 2;      // CLI11's own codes (100+) would contradict the documented 2
  }
  if (quiet && verbose) {
    std::fprintf(stderr, "onnx2mcu: error: --quiet and --verbose exclude each other\n");
    return 2;
  }

  try {
    copts.name = name;
    parse_shapes(specs.shapes, copts);
    parse_freezes(specs.freezes, copts);
    parse_composites(specs.sequences, specs.optionals, copts);
    if (!copts.target.empty()) find_target(copts.target);  // an unknown name fails here, listing the known ones
    if (ops->parsed()) {
      fmt::print("{}", ops_markdown());
    } else if (quantize->parsed()) {
      qopts.keep_float.insert(keep_float.begin(), keep_float.end());
      qopts.shapes.insert(copts.shapes.begin(), copts.shapes.end());
      const QdqModel q = quantize_model(model, qopts);
      std::ofstream out(quantized_out, std::ios::binary);
      out << q.bytes;
      if (!out.flush()) throw Error(quantized_out + ": cannot write the quantized model");
      if (quantize_report || quantize_json || !report_data.empty()) {
        const QuantizeReport r = measure_quantization(model, q, report_data.empty() ? qopts.calibration : report_data, copts);
        fmt::print("{}", quantize_json ? quantize_report_json(r) : quantize_report_text(r));
      } else if (!quiet)
        fmt::print("{}: wrote {} ({} integer nodes, {} quantized tensors, ranges {}, {} nodes in float{}{})\n", model, quantized_out,
                   q.int_nodes.size(), q.quantized.size(), q.range_method, q.float_nodes.size(), q.float_nodes.empty() ? "" : ": ",
                   fmt::join(q.float_nodes, ", "));
    } else if (compile->parsed()) {
      const auto start = std::chrono::steady_clock::now();
      if (quantize_mode.empty() && (!qopts.calibration.empty() || !keep_float.empty() || qopts.range != "auto"))
        throw Error("--calibration, --keep-float and --range go with --quantize int8");
      qopts.keep_float.insert(keep_float.begin(), keep_float.end());
      qopts.shapes.insert(copts.shapes.begin(), copts.shapes.end());
      CompiledModel m = quantize_mode.empty() ? compile_model(model, copts)
                                              : compile_model_bytes(quantize_model(model, qopts).bytes, model, copts);
      std::fputs(m.ir_dump.c_str(), stderr);
      write_output_dir(m.files, out_dir);
      ModelStats s = model_stats(m);
      if (verbose) {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
        fmt::print(stderr, "onnx2mcu: {} compiled in {} ms: {} nodes, arena {} B (lower bound {} B){}\n", model, ms, m.graph->nodes.size(),
                   s.arena_bytes, s.lower_bound, copts.target.empty() ? "" : ", target " + copts.target);
        for (const GeneratedFile& f : m.files) fmt::print(stderr, "onnx2mcu: wrote {}/{} ({} bytes)\n", out_dir, f.path, f.text.size());
      }
      if (!quiet)
        fmt::print("{}: wrote {} files to {} (arena {} B, weights {} B, {} MACs)\n", m.name, m.files.size(), out_dir, s.arena_bytes,
                   s.weight_bytes, s.macs);
    } else if (inspect->parsed()) {
      CompiledModel m = compile_model(model, copts);
      std::fputs(m.ir_dump.c_str(), stderr);
      // A Cortex-M --target: flash and RAM measured by building the model for it.
      std::unique_ptr<Footprint> fp;
      if (!find_target(stack_target).is_host()) fp = std::make_unique<Footprint>(measure_footprint(m, stack_target, "-O2", work_dir));
      fmt::print("{}", json ? report_json(m, fp.get()) : inspect_report(m));
      if (fp && !json) fmt::print("\n{}", footprint_text(*fp));
      if (stack) fmt::print(json ? stderr : stdout, "\n{}", stack_report_text(measure_stack(m, stack_target)));
      if (!report_file.empty()) {
        const bool svg = ends_with(report_file, ".svg");
        std::ofstream out(report_file, std::ios::binary);
        out << (svg ? report_svg(m) : report_html(m, fp.get()));
        if (!out.flush()) throw Error(report_file + ": cannot write the report");
      }
    } else if (verify->parsed()) {
      VerifyOptions vo;
      vo.compile = copts;
      vo.compile.target = target;
      vo.data_dirs = data;
      vo.target = target;
      vo.rtol = rtol;
      vo.atol = atol;
      vo.work_dir = work_dir;
      vo.opt_level = opt;
      vo.measure = verify_json_out;
      vo.max_arena = max_arena;
      vo.max_flash = max_flash;
      vo.max_stack = max_stack;
      vo.max_instructions = max_instructions;
      VerifyResult r = verify_model(model, vo);
      if (verify_json_out) {
        fmt::print("{}", verify_json(model, vo, r));
        return r.ok ? 0 : 1;
      }
      for (const OutputCheck& c : r.checks)
        if (!quiet || c.mismatches)
        fmt::print("{} output {} '{}': max abs {:.3g}, max rel {:.3g}, {} of {} outside tolerance, argmax {} (reference {})  {}\n",
                   c.data_dir, c.output, c.name, c.max_abs, c.max_rel, c.mismatches, c.elems, c.argmax, c.ref_argmax,
                   c.mismatches ? "FAIL" : "ok");
      if (r.stack_peak > 0) fmt::print("stack peak on {}: {} B\n", target, r.stack_peak);
      for (const BudgetCheck& b : r.budgets)
        if (!quiet || !b.ok()) fmt::print("{}\n", budget_line(b));
      fmt::print("{} on {}: {} (rtol {}, atol {})\n", model, target, r.ok ? "PASS" : "FAIL", rtol, atol);
      return r.ok ? 0 : 1;
    } else if (profile->parsed()) {
      ProfileOptions po;
      po.compile = copts;
      po.compile.target = profile_target;
      po.target = profile_target;
      po.data_dir = profile_data;
      po.work_dir = work_dir;
      po.opt_level = opt;
      fmt::print("{}", profile_report(profile_model(model, po)));
    }
  } catch (const Error& e) {
    // A model's names may hold newlines: a model error stays one line. verify keeps the lines
    // of the compiler output it quotes.
    std::fprintf(stderr, "onnx2mcu: error: %s\n", printable(e.what(), !verify->parsed()).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "onnx2mcu: internal error: %s\n", printable(e.what(), true).c_str());
    return 1;
  }
  return 0;
}
