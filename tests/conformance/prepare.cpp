#include "prepare.h"

#include <sys/wait.h>
#include <unistd.h>

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

// Reads every data set and checks it against the compiled graph: inputs must fit the model,
// and the reference outputs must have the dtype and shape onnx2mcu gave the outputs (a
// different shape is a wrong result, found before anything is built).
std::vector<TestCase> load_cases(const Test& t, const Graph& g, std::vector<std::string>& sets) {
  sets = find_data_sets({t.dir});
  std::vector<TestCase> cases;
  for (const std::string& set : sets) {
    TestCase c{set, {}, {}};
    const size_t n_in = count_files(set, "input_"), n_out = count_files(set, "output_");
    if (n_in != g.inputs.size())
      throw StageError{Stage::Data, set_name(set) + " has " + std::to_string(n_in) + " input files, the model has " +
                                        std::to_string(g.inputs.size()) + " runtime inputs"};
    if (n_out != g.outputs.size())
      throw StageError{Stage::Data, set_name(set) + " has " + std::to_string(n_out) + " output files, the model has " +
                                        std::to_string(g.outputs.size()) + " outputs"};
    for (size_t i = 0; i < n_in; ++i) {
      Tensor in = load_tensor_file(set + "/input_" + std::to_string(i) + ".pb");
      const Value& v = *g.inputs[i];
      if (in.dtype != v.dtype || in.shape != v.shape)
        throw StageError{Stage::Data, set_name(set) + "/input_" + std::to_string(i) + ".pb is " + describe(in) + ", input '" +
                                          v.name + "' is " + describe(v)};
      c.inputs.push_back(std::move(in));
    }
    for (size_t o = 0; o < n_out; ++o) {
      Tensor out = load_tensor_file(set + "/output_" + std::to_string(o) + ".pb");
      const Value& v = *g.outputs[o];
      if (out.dtype != v.dtype || out.shape != v.shape)
        throw StageError{Stage::Compare, "output " + std::to_string(o) + " '" + v.name + "': onnx2mcu makes " + describe(v) +
                                             ", the reference is " + describe(out)};
      c.outputs.push_back(std::move(out));
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// The child's whole job. Result file: "ok OUTPUTS" then one data set per line, or
// "fail STAGE" then the message.
void prepare_one(const Test& t, const fs::path& dir) {
  Stage stage = Stage::Compile;
  std::string result;
  try {
    CompileOptions opts;
    opts.name = t.cname;
    CompiledModel m = compile_model(t.dir + "/model.onnx", opts);
    stage = Stage::Data;
    std::vector<std::string> sets;
    std::vector<TestCase> cases = load_cases(t, *m.graph, sets);
    stage = Stage::Build;
    for (const GeneratedFile& f : m.files) write_if_changed((dir / f.path).string(), f.text);
    write_if_changed((dir / "harness.cpp").string(), harness_source(m.name, *m.graph, cases, t.cname + "_harness"));
    result = "ok " + std::to_string(m.graph->outputs.size()) + "\n";
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
