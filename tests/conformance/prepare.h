// Step 1 of a run: compile every test's model with onnx2mcu's real pipeline (compile_model)
// and write what the build needs under WORK/<folder>/<test>/: the generated sources, their
// kernel headers and a harness (src/verify's) that embeds every test_data_set_* input.
#pragma once
#include <string>
#include <vector>

#include "suite.h"

namespace conformance {

// Each compile runs in a child process, `jobs` at a time, so a crash or a hang inside the
// compiler fails that one test (after timeout_s seconds) instead of the whole run. Sets
// cname/sets/outputs of the tests that compile, and fails the others with the error's text.
void prepare_tests(const std::vector<Test*>& tests, const std::string& work, int jobs, int timeout_s);

// Writes text to path unless the file already holds exactly that: unchanged sources keep their
// time stamps, so make rebuilds only what a change to onnx2mcu really changed.
void write_if_changed(const std::string& path, const std::string& text);

}  // namespace conformance
