// A test program around generated code: it runs the model on embedded test inputs and prints
// every output's raw bytes, so the host can compare them with the references.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

struct TestCase {
  std::string dir;
  std::vector<Tensor> inputs;   // in graph-input order
  std::vector<Tensor> outputs;  // expected, in graph-output order
};

// Source of harness.cpp for model `name`. Output lines: "o2m-out SET OUTPUT HEXBYTES".
// `entry` names the function that runs the cases: "main" for a program of its own, another
// name (`int entry()`) when one program runs many models (tests/conformance batches them).
std::string harness_source(const std::string& name, const Graph& g, const std::vector<TestCase>& cases,
                           const std::string& entry = "main");
// A reference output of this shape is what model output `out` can give: the same shape, or
// for an output with a run-time length (a Loop that may stop early, a sequence element) the same
// shape but along runtime_length_axis, where it may be shorter; the harness prints what the run wrote.
bool reference_fits_output(const Shape& reference, const Value& out);
// The graph outputs (indices) with a run-time length, each Value once: the order in which the
// run function takes their `uint32_t*` lengths.
std::vector<size_t> runtime_length_outputs(const Graph& g);

}  // namespace onnx2mcu
