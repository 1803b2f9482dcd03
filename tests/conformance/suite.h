// One conformance test as it moves through the runner: found, compiled, built, run, judged.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

#include "manifest.h"

namespace conformance {

// Where a test stopped; None for a test that ran and matched its references.
enum class Stage { None, Compile, Data, Build, Link, Run, Compare };
const char* stage_name(Stage s);

struct Test {
  std::string folder, name, dir;  // dir holds model.onnx and test_data_set_*
  std::string key() const { return folder + "/" + name; }
  std::vector<std::string> ops;  // the model's node op types, in order
  Expectation expect;

  // Set by prepare_test for a test whose generated code and harness are written.
  std::string cname;              // C identifier prefix of the generated code
  std::vector<std::string> sets;  // test_data_set_* folders, in harness order
  size_t outputs = 0;
  // How the model's outputs are carried (a sequence: one graph output per element), for judging.
  std::vector<onnx2mcu::IoForm> output_forms;
  std::vector<std::string> frozen;  // inputs frozen to their test_data_set_0 values to compile it

  // Set by the build and run steps.
  bool finished = false;                                              // the harness ran to the end of this test
  int run_rc = 0;                                                     // failing <name>_run calls
  std::map<std::pair<size_t, size_t>, std::vector<uint8_t>> printed;  // (set, output) -> bytes

  // The verdict.
  Stage failed_at = Stage::None;
  std::string detail;  // the whole message (compiler output, mismatch details)
  std::string reason;  // one line for the manifest and the report

  bool prepared() const { return !cname.empty() && failed_at == Stage::None; }
  bool passed() const { return finished && failed_at == Stage::None; }
  void fail(Stage s, const std::string& message);
};

// "unsupported op Acos", "Resize: mode 'cubic' not supported", "build: error: ..." - one line, no
// paths and no node names, so equal causes read the same in the manifest and the report.
std::string short_reason(Stage s, const std::string& message);

// The op a test exercises: its single op type, or the sorted set joined by " + " when it has
// several (Constant is left out when there is anything else).
std::string op_key(const std::vector<std::string>& ops);

}  // namespace conformance
