#include "onnx2mcu/verify.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "emitter/embedded.h"
#include "emitter/emitter.h"
#include "loader/loader.h"
#include "onnx2mcu/error.h"
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

OutputCheck compare(const Tensor& expected, const std::vector<uint8_t>& got_bytes, const Value& out, double rtol, double atol) {
  OutputCheck c;
  c.name = out.name;
  c.elems = expected.elems();
  Tensor got(out.dtype, has_runtime_length(out) ? expected.shape : out.shape);  // printed: the rows the run wrote
  if (got_bytes.size() != got.bytes.size())
    throw Error("output '" + out.name + "': the program printed " + std::to_string(got_bytes.size()) + " bytes, expected " +
                std::to_string(got.bytes.size()));
  got.bytes = got_bytes;
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
  std::vector<std::string> sets = find_data_sets(opts.data_dirs.empty() ? std::vector<std::string>{fs::path(model_path).parent_path().string()}
                                                                        : opts.data_dirs);
  std::vector<TestCase> cases = load_cases(sets, *m.graph);

  const WorkDir work(opts.work_dir, "onnx2mcu-verify");
  const fs::path& dir = work.path;

  write_program_files(m, target, dir);
  write_text(dir / "harness.cpp", harness_source(m.name, *m.graph, cases));

  const std::string run_cmd = build_program(target, dir, m.name, opts.opt_level);
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
  res.ok = true;
  for (size_t c = 0; c < cases.size(); ++c)
    for (size_t o = 0; o < m.graph->outputs.size(); ++o) {
      OutputCheck chk = compare(cases[c].outputs[o], printed[{c, o}], *m.graph->outputs[o], opts.rtol, opts.atol);
      chk.data_dir = cases[c].dir;
      chk.output = o;
      res.ok = res.ok && chk.mismatches == 0;
      res.checks.push_back(chk);
    }
  return res;
}

}  // namespace onnx2mcu
