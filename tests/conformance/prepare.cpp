#include "prepare.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "ir/graph.h"
#include "loader/loader.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "onnx2mcu/verify.h"
#include "verify/harness.h"

namespace fs = std::filesystem;
using namespace onnx2mcu;

namespace conformance {
namespace {

// A failure inside the child, with the stage it belongs to.
struct StageError {
  Stage stage;
  std::string message;
};

size_t count_files(const std::string& dir, const std::string& prefix) {
  size_t n = 0;
  while (fs::exists(dir + "/" + prefix + std::to_string(n) + ".pb")) ++n;
  return n;
}

std::string describe(const Value& v) { return std::string(dtype_name(v.dtype)) + " " + shape_str(v.shape); }
std::string describe(const Tensor& t) { return std::string(dtype_name(t.dtype)) + " " + shape_str(t.shape); }

std::string set_name(const std::string& set) { return fs::path(set).filename().string(); }

// Reads every data set and checks it against the compiled graph: inputs must fit the model
// (and inputs frozen into constants must hold the frozen value), and the reference outputs
// must have the dtype and shape onnx2mcu gave the outputs (a different shape is a wrong
// result, found before anything is built).
std::vector<TestCase> load_cases(const Test& t, const Graph& g, std::vector<std::string>& sets) {
  sets = find_data_sets({t.dir});
  std::vector<TestCase> cases;
  for (const std::string& set : sets) {
    TestCase c{set, {}, {}};
    const size_t n_in = count_files(set, "input_"), n_out = count_files(set, "output_");
    if (n_in != g.model_inputs.size())
      throw StageError{Stage::Data, set_name(set) + " has " + std::to_string(n_in) + " input files, the model has " +
                                        std::to_string(g.model_inputs.size()) + " runtime inputs"};
    if (n_out != g.output_forms.size())
      throw StageError{Stage::Data, set_name(set) + " has " + std::to_string(n_out) + " output files, the model has " +
                                        std::to_string(g.output_forms.size()) + " outputs"};
    try {
      c.inputs = load_data_set_inputs(set, g);
      c.outputs = load_data_set_outputs(set, g);  // a sequence's file gives one tensor per element
    } catch (const Error& e) {
      std::string msg = e.what();
      const size_t at = msg.find(set_name(set) + "/");
      throw StageError{Stage::Data, at == std::string::npos ? msg : msg.substr(at)};
    }
    for (size_t o = 0; o < g.outputs.size(); ++o) {
      const Tensor& out = c.outputs[o];
      const Value& v = *g.outputs[o];
      if (out.dtype == DType::Undefined) continue;  // an element of an absent optional: nothing to compare
      if (out.dtype != v.dtype || !reference_fits_output(out.shape, v))
        throw StageError{Stage::Compare, "output " + std::to_string(o) + " '" + v.name + "': onnx2mcu makes " + describe(v) +
                                             ", the reference is " + describe(out)};
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// The graph inputs an onnx2mcu error asks to freeze ("... --freeze NAME=FILE.pb ...") or to give
// a shape ("... fix it with --shape NAME=1x3 (unknown dims written as 1)").
std::vector<std::string> inputs_named(const std::string& message, const std::string& flag, const std::string& tail) {
  std::vector<std::string> names;
  for (size_t at = message.find(flag); at != std::string::npos; at = message.find(flag, at + 1)) {
    const size_t end = message.find(tail, at);
    if (end != std::string::npos) names.push_back(message.substr(at + flag.size(), end - at - flag.size()));
  }
  return names;
}

// Compiles the test's model. A microcontroller build needs shape-like inputs (Reshape's
// shape, Resize's sizes, TopK's K, ...) constant; the backend tests feed many of them as
// graph inputs. When onnx2mcu asks for such an input to be frozen, it is frozen to its value
// in test_data_set_0 (as `--freeze NAME=test_data_set_0/input_I.pb` would) and the model
// compiled again; load_cases then checks every other data set holds the same value.
CompiledModel compile_freezing(const Test& t, std::vector<std::string>& frozen) {
  CompileOptions opts;
  opts.name = t.cname;
  opts.max_loop_iterations = t.expect.max_loop_iterations;  // the manifest's options line
  const std::string model = t.dir + "/model.onnx";
  std::vector<std::string> declared;  // the runtime inputs, in the order of the input_I.pb files
  // Sequence and optional inputs get the element count and presence test_data_set_0 holds (as
  // --sequence and --optional would give them); load_cases checks every other data set agrees.
  const std::vector<std::string> first_set = find_data_sets({t.dir});
  if (!first_set.empty()) {
    std::map<std::string, std::vector<Shape>> sequences;
    composite_inputs_from_data(model, first_set[0], sequences, opts.absent_optionals);
    for (const auto& kv : sequences) opts.sequences[kv.first].assign(kv.second.begin(), kv.second.end());
  }
  for (;;) {
    try {
      return compile_model(model, opts);
    } catch (const Error& e) {
      const std::vector<std::string> want = inputs_named(e.what(), "--freeze ", "=FILE.pb");
      const std::vector<std::string> unshaped = inputs_named(e.what(), "fix it with --shape ", "=");
      if (want.empty() && unshaped.empty()) throw;
      const std::vector<std::string> sets = find_data_sets({t.dir});
      if (declared.empty()) declared = model_input_names(model);
      bool added = false;
      for (const std::string& name : unshaped) {  // a symbolic dim: the shape test_data_set_0 holds
        const auto it = std::find(declared.begin(), declared.end(), name);
        if (it == declared.end() || opts.shapes.count(name) || sets.empty()) continue;
        opts.shapes[name] = load_tensor_file(sets[0] + "/input_" + std::to_string(it - declared.begin()) + ".pb").shape;
        added = true;
      }
      for (const std::string& name : want) {
        const auto it = std::find(declared.begin(), declared.end(), name);
        if (it == declared.end() || opts.frozen_inputs.count(name) || sets.empty()) continue;
        opts.frozen_inputs[name] = sets[0] + "/input_" + std::to_string(it - declared.begin()) + ".pb";
        frozen.push_back(name);
        added = true;
      }
      if (!added) throw;
    }
  }
}

// The child's whole job. Result file: "ok OUTPUTS FORMS...", "frozen NAMES...", then one data set per line, or
// "fail STAGE" then the message.
void prepare_one(const Test& t, const fs::path& dir) {
  Stage stage = Stage::Compile;
  std::string result;
  try {
    std::vector<std::string> frozen;
    CompiledModel m = compile_freezing(t, frozen);
    stage = Stage::Data;
    std::vector<std::string> sets;
    std::vector<TestCase> cases = load_cases(t, *m.graph, sets);
    stage = Stage::Build;
    for (const GeneratedFile& f : m.files) write_if_changed((dir / f.path).string(), f.text);
    write_if_changed((dir / "harness.cpp").string(), harness_source(m.name, *m.graph, cases, t.cname + "_harness"));
    result = "ok " + std::to_string(m.graph->outputs.size());
    // Kind, presence (2: at run time), element count (the capacity when known at run time) and 1 when
    // it is, of each model output.
    for (const IoForm& f : m.graph->output_forms)
      result += " " + std::to_string(static_cast<int>(f.kind)) + ":" + std::to_string(f.runtime_present ? 2 : f.present ? 1 : 0) + ":" +
                std::to_string(f.count) + ":" + std::to_string(f.runtime_count ? 1 : 0);
    result += "\nfrozen";
    for (const std::string& name : frozen) result += " " + name;
    result += "\n";
    for (const std::string& s : sets) result += s + "\n";
  } catch (const StageError& e) {
    result = "fail " + std::to_string(static_cast<int>(e.stage)) + "\n" + e.message;
  } catch (const std::exception& e) {
    result = "fail " + std::to_string(static_cast<int>(stage)) + "\n" + e.what();
  }
  std::ofstream(dir / "prepare.result", std::ios::binary) << result;
}

// Reads the child's result into t, or explains how the child died.
void collect(Test& t, const fs::path& dir, int status, int timeout_s) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    t.fail(Stage::Compile, sig == SIGALRM
                               ? "onnx2mcu did not finish compiling within " + std::to_string(timeout_s) + " s"
                               : "onnx2mcu crashed while compiling (signal " + std::to_string(sig) + ", " + strsignal(sig) + ")");
    return;
  }
  std::ifstream in(dir / "prepare.result", std::ios::binary);
  std::string head;
  if (!std::getline(in, head)) {
    t.fail(Stage::Compile, "onnx2mcu exited (status " + std::to_string(WEXITSTATUS(status)) + ") without a result");
    return;
  }
  std::istringstream hs(head);
  std::string word;
  int value = 0;
  hs >> word >> value;
  if (word == "ok") {
    t.outputs = static_cast<size_t>(value);
    int kind = 0, present = 0, runtime_count = 0;
    char colon = 0;
    size_t count = 0;
    while (hs >> kind >> colon >> present >> colon >> count >> colon >> runtime_count) {
      IoForm f;
      f.kind = static_cast<IoForm::Kind>(kind);
      f.present = present != 0;
      f.runtime_present = present == 2;
      f.runtime_count = runtime_count != 0;
      f.count = count;
      t.output_forms.push_back(f);
    }
    std::string line, name;
    std::getline(in, line);
    std::istringstream fs_line(line);
    fs_line >> word;  // "frozen"
    while (fs_line >> name) t.frozen.push_back(name);
    for (std::string s; std::getline(in, s);) t.sets.push_back(s);
    return;
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  t.cname.clear();
  t.fail(static_cast<Stage>(value), rest.str());
}

}  // namespace

void write_if_changed(const std::string& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    if (in) {
      std::ostringstream old;
      old << in.rdbuf();
      if (old.str() == text) return;
    }
  }
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error(path + ": cannot write");
}

void prepare_tests(const std::vector<Test*>& tests, const std::string& work, int jobs, int timeout_s) {
  std::map<pid_t, Test*> running;
  auto dir_of = [&](const Test& t) { return fs::path(work) / t.folder / t.name; };
  auto reap_one = [&] {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    auto it = running.find(pid);
    if (it == running.end()) return;
    collect(*it->second, dir_of(*it->second), status, timeout_s);
    running.erase(it);
  };
  for (Test* t : tests) {
    const fs::path dir = dir_of(*t);
    fs::create_directories(dir);
    fs::remove(dir / "prepare.result");
    while (static_cast<int>(running.size()) >= jobs) reap_one();
    std::fflush(nullptr);  // the child must not flush the parent's buffered output again
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
      ::alarm(static_cast<unsigned>(timeout_s));
      prepare_one(*t, dir);
      ::_exit(0);
    }
    running[pid] = t;
  }
  while (!running.empty()) reap_one();
}

}  // namespace conformance
