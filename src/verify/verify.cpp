#include "onnx2mcu/verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "driver/json.h"
#include "emitter/embedded.h"
#include "emitter/emitter.h"
#include "loader/loader.h"
#include "onnx2mcu/error.h"
#include "onnx2mcu/footprint.h"
#include "onnx2mcu/stack.h"
#include "ops/op.h"
#include "verify/command.h"
#include "verify/harness.h"
#include "verify/program.h"
#include "verify/targets.h"

namespace fs = std::filesystem;

namespace onnx2mcu {
namespace {


std::vector<TestCase> load_cases(const std::vector<std::string>& dirs, const Graph& g) {
  std::vector<TestCase> cases;
  for (const std::string& d : dirs) {
    TestCase c{d, {}, {}};
    c.inputs = load_data_set_inputs(d, g);  // skips (and checks) inputs frozen with --freeze
    c.outputs = load_data_set_outputs(d, g);  // a sequence's file gives one tensor per element
    for (size_t o = 0; o < g.outputs.size(); ++o) {
      const Tensor& t = c.outputs[o];
      if (t.dtype == DType::Undefined) continue;  // an element of an absent optional: nothing to check
      if (t.elems() != g.outputs[o]->elems() && !reference_fits_output(t.shape, *g.outputs[o]))
        throw Error(d + ": reference output " + std::to_string(o) + " has shape " + shape_str(t.shape) + ", which does not match output '" +
                    g.outputs[o]->name + "' " + shape_str(g.outputs[o]->shape));
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

std::vector<uint8_t> unhex(const std::string& s) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return out;
}

// An output made native by --io native is compared after dequantizing it as the dropped
// DequantizeLinear would have: the model's float reference holds for it as for the float API.
OutputCheck compare(const Tensor& expected, const std::vector<uint8_t>& got_bytes, const Value& out, const Graph& g, double rtol,
                    double atol) {
  OutputCheck c;
  c.name = out.name;
  c.elems = expected.elems();
  Tensor got(out.dtype, has_runtime_length(out) ? expected.shape : out.shape);  // printed: the rows the run wrote
  if (got_bytes.size() != got.bytes.size())
    throw Error("output '" + out.name + "': the program printed " + std::to_string(got_bytes.size()) + " bytes, expected " +
                std::to_string(got.bytes.size()));
  got.bytes = got_bytes;
  if (auto native = g.io_quant.find(&out); native != g.io_quant.end()) got = dequantize_io(got, native->second);
  for (int64_t i = 0; i < c.elems; ++i) {
    const double e = expected.float_at(i), g = got.float_at(i);
    if (c.argmax < 0 || g > got.float_at(c.argmax)) c.argmax = i;
    if (c.ref_argmax < 0 || e > expected.float_at(c.ref_argmax)) c.ref_argmax = i;
    if (std::isnan(e) && std::isnan(g)) continue;
    const double abs_err = std::isinf(e) && e == g ? 0.0 : std::fabs(g - e);
    c.max_abs = std::max(c.max_abs, std::isnan(abs_err) ? INFINITY : abs_err);
    // Relative error only where the reference is clearly non-zero: near 0 it says nothing.
    if (std::fabs(e) > atol) c.max_rel = std::max(c.max_rel, abs_err / std::fabs(e));
    if (!(abs_err <= atol + rtol * std::fabs(e))) ++c.mismatches;
  }
  return c;
}

}  // namespace

std::vector<std::string> find_data_sets(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    if (fs::exists(fs::path(p) / "input_0.pb") || fs::exists(fs::path(p) / "output_0.pb")) {
      out.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(p, ec))
      if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0) found.push_back(e.path().string());
    if (found.empty()) throw Error(p + ": no test_data_set_* folders and no input_0.pb here");
    std::sort(found.begin(), found.end(), [](const std::string& a, const std::string& b) {
      return a.size() != b.size() ? a.size() < b.size() : a < b;  // test_data_set_2 before _10
    });
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

VerifyResult verify_model(const std::string& model_path, const VerifyOptions& opts) {
  const Target target = find_target(opts.target);
  CompiledModel m = compile_model(model_path, opts.compile);
  const std::string model_dir = fs::path(model_path).has_parent_path() ? fs::path(model_path).parent_path().string() : ".";
  std::vector<std::string> sets = find_data_sets(opts.data_dirs.empty() ? std::vector<std::string>{model_dir} : opts.data_dirs);
  std::vector<TestCase> cases = load_cases(sets, *m.graph);

  const WorkDir work(opts.work_dir, "onnx2mcu-verify");
  const fs::path& dir = work.path;

  write_program_files(m, target, dir);
  write_text(dir / "harness.cpp", harness_source(m.name, *m.graph, cases));

  const bool measure = opts.measure || opts.max_flash >= 0 || opts.max_stack >= 0 || opts.max_instructions >= 0;
  if (target.is_host() && (opts.max_flash >= 0 || opts.max_instructions >= 0))
    throw Error(std::string(opts.max_flash >= 0 ? "--max-flash" : "--max-instructions") +
                " is measured on a QEMU target: give --target cortex-m4 (or another board)");
  std::string run_cmd = build_program(target, dir, m.name, opts.opt_level);
  const std::string counts = (dir / "counts.txt").string();
  const bool count = measure && !target.is_host();
  if (count) run_cmd = with_insn_plugin(target, run_cmd, dir, counts);
  CommandResult r = run_command(run_cmd);
  if (r.status != 0) throw Error("running the model on " + target.name + " failed (exit " + std::to_string(r.status) + "):\n" + r.output);

  std::map<std::pair<size_t, size_t>, std::vector<uint8_t>> printed;
  VerifyResult res;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream ls(line);
    std::string tag, hex;
    size_t set = 0, out = 0;
    if (!(ls >> tag)) continue;
    if (tag == "o2m-stack") ls >> res.stack_peak;
    if (tag != "o2m-out" || !(ls >> set >> out)) continue;
    ls >> hex;
    auto bytes = unhex(hex);
    auto& dst = printed[{set, out}];
    dst.insert(dst.end(), bytes.begin(), bytes.end());
  }
  res.target = target.name;
  res.arena_bytes = m.plan->arena.arena_bytes;
  if (count) {
    const std::vector<uint64_t> runs = read_region_counts(counts);  // one region per data set
    if (runs.size() != cases.size())
      throw Error("QEMU counted " + std::to_string(runs.size()) + " runs, expected " + std::to_string(cases.size()));
    res.instructions = 0;
    for (uint64_t n : runs) res.instructions = std::max(res.instructions, static_cast<int64_t>(n));
  }
  if (measure) {
    if (target.is_host()) {
      res.stack_worst_case = measure_stack(m, target.name, opts.opt_level).worst_case;
    } else {
      const Footprint f = measure_footprint(m, target.name, opts.opt_level, opts.work_dir.empty() ? "" : (dir / "footprint").string());
      res.flash_bytes = f.flash();
      res.stack_worst_case = f.stack;
    }
  }
  res.ok = true;
  for (size_t c = 0; c < cases.size(); ++c)
    for (size_t o = 0; o < m.graph->outputs.size(); ++o) {
      if (cases[c].outputs[o].dtype == DType::Undefined) continue;  // an element of an absent optional
      OutputCheck chk = compare(cases[c].outputs[o], printed[{c, o}], *m.graph->outputs[o], *m.graph, opts.rtol, opts.atol);
      chk.data_dir = cases[c].dir;
      chk.output = o;
      res.ok = res.ok && chk.mismatches == 0;
      res.checks.push_back(chk);
    }
  const BudgetCheck budgets[] = {{"arena", "--max-arena", res.arena_bytes, opts.max_arena},
                                 {"flash", "--max-flash", res.flash_bytes, opts.max_flash},
                                 {"stack", "--max-stack", res.stack_worst_case, opts.max_stack},
                                 {"instructions", "--max-instructions", res.instructions, opts.max_instructions}};
  for (const BudgetCheck& b : budgets)
    if (b.budget >= 0) {
      res.budgets.push_back(b);
      res.ok = res.ok && b.ok();
    }
  return res;
}

std::string budget_line(const BudgetCheck& b) {
  const char* unit = b.figure == "instructions" ? "" : " B";
  if (b.ok()) return fmt::format("budget ok: {} {}{} <= {} {}{}", b.figure, b.value, unit, b.option, b.budget, unit);
  return fmt::format("over budget: {} {}{} > {} {}{}, over by {}{} (+{:.1f}%)", b.figure, b.value, unit, b.option, b.budget, unit,
                     b.value - b.budget, unit, b.budget ? 100.0 * static_cast<double>(b.value - b.budget) / static_cast<double>(b.budget) : 100.0);
}

std::string verify_json(const std::string& model_path, const VerifyOptions& opts, const VerifyResult& r) {
  auto measured = [](int64_t v) { return v < 0 ? std::string("null") : std::to_string(v); };
  std::string out = fmt::format("{{\n  \"model\": {},\n  \"target\": {},\n  \"pass\": {},\n  \"rtol\": {},\n  \"atol\": {},\n",
                                json_string(model_path), json_string(r.target), r.ok ? "true" : "false", json_number(opts.rtol),
                                json_number(opts.atol));
  out += fmt::format("  \"arena_bytes\": {},\n  \"flash_bytes\": {},\n  \"stack_bytes\": {},\n  \"stack_peak_bytes\": {},\n  \"instructions\": {},\n",
                     r.arena_bytes, measured(r.flash_bytes), measured(r.stack_worst_case), measured(r.stack_peak > 0 ? r.stack_peak : -1), measured(r.instructions));
  out += "  \"outputs\": [\n";
  for (size_t i = 0; i < r.checks.size(); ++i) {
    const OutputCheck& c = r.checks[i];
    out += fmt::format("    {{\"data_set\": {}, \"output\": {}, \"name\": {}, \"pass\": {}, \"max_abs\": {}, \"max_rel\": {}, "
                       "\"mismatches\": {}, \"elements\": {}, \"argmax\": {}, \"reference_argmax\": {}}}{}\n",
                       json_string(c.data_dir), c.output, json_string(c.name), c.mismatches ? "false" : "true", json_number(c.max_abs),
                       json_number(c.max_rel), c.mismatches, c.elems, c.argmax, c.ref_argmax, i + 1 < r.checks.size() ? "," : "");
  }
  out += "  ],\n  \"budgets\": [\n";
  for (size_t i = 0; i < r.budgets.size(); ++i) {
    const BudgetCheck& b = r.budgets[i];
    out += fmt::format("    {{\"figure\": {}, \"value\": {}, \"budget\": {}, \"pass\": {}}}{}\n", json_string(b.figure), b.value, b.budget,
                       b.ok() ? "true" : "false", i + 1 < r.budgets.size() ? "," : "");
  }
  return out + "  ]\n}\n";
}

}  // namespace onnx2mcu
