// The only module that sees ONNX protobuf types: turns a .onnx file into our Graph.
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "onnx2mcu/limits.h"

namespace onnx2mcu {

struct LoadOptions {
  // Fixes symbolic or unknown input dims: input name -> full shape.
  std::map<std::string, Shape> input_shapes;
  Limits limits;  // max_tensor_bytes (every initializer, constant and input) and max_nodes
  // Graph inputs made constants (--freeze NAME=FILE.pb): input name -> its value. A frozen
  // input is no longer a runtime input; shape rules that need a constant (Reshape's shape,
  // Resize's sizes, ...) can then read it.
  std::map<std::string, Tensor> frozen_inputs;
  // Inputs of sequence type (--sequence NAME=2x3,2x3): the shape of each element, in order; the
  // graph takes the elements as inputs NAME_0, NAME_1, ... (IoForm).
  std::map<std::string, std::vector<Shape>> sequence_inputs;
  // Inputs of optional type compiled as absent (--optional NAME=none); the others are present,
  // their element the graph input NAME_0 (or, for an optional sequence, NAME_0, NAME_1, ...).
  std::set<std::string> absent_optionals;
};

// Reads, checks (validate.h: the loader's own rules), inlines model-local functions and converts
// a model. Throws Error naming the file.
std::unique_ptr<Graph> load_model(const std::string& path, const LoadOptions& opts = {});
// The same for a model already in memory (fuzzing, tools). `path` names it in messages, and
// its folder is where external data must lie.
std::unique_ptr<Graph> load_model_bytes(const std::string& bytes, const std::string& path, const LoadOptions& opts = {});

// Reads one serialized TensorProto (test_data_set_*/input_0.pb).
Tensor load_tensor_file(const std::string& path, std::string* name = nullptr);

// One test data set's runtime inputs (DIR/input_I.pb, I counting Graph::model_inputs) in the
// order of g.inputs. The file of an input frozen into a constant is read too and must hold the
// frozen value. Throws Error naming the file on a missing file or a wrong dtype, shape or value.
// A sequence- or optional-typed input's file (SequenceProto, OptionalProto) gives its elements.
// An input made native by --io native (Graph::io_quant) takes the model's float32 data, quantized.
std::vector<Tensor> load_data_set_inputs(const std::string& dir, const Graph& g);
// The reference outputs DIR/output_K.pb (K counting Graph::output_forms) in the order of
// g.outputs: a sequence's or optional's file gives its elements, which must be as many as the
// graph outputs carrying it. An optional present or not at run time (IoForm::runtime_present)
// also gives its flag output (a bool); when the file holds none, its elements are DType::Undefined
// tensors: nothing to compare. A sequence of a run-time count (IoForm::runtime_count) may hold
// fewer elements than its capacity: the rest are DType::Undefined, and its count output follows.
std::vector<Tensor> load_data_set_outputs(const std::string& dir, const Graph& g);
// The same from the output forms alone (Graph::output_forms), without a count check.
std::vector<Tensor> load_reference_outputs(const std::string& dir, const std::vector<IoForm>& forms);
// What test data set DIR holds for model PATH's sequence- and optional-typed inputs, as the
// --sequence and --optional choices that compile the model for it (tools that run test data).
void composite_inputs_from_data(const std::string& path, const std::string& dir, std::map<std::string, std::vector<Shape>>& sequences,
                                std::set<std::string>& absent_optionals);

// The op types of the model's top-level nodes, in order ("domain:Op" outside the default
// domain). Parses only, without validation or any conversion: for reports about models that
// may not load (tests/conformance attributes each test to the ops it holds).
std::vector<std::string> model_op_types(const std::string& path);

// The model's runtime inputs (graph inputs that are not initializers) in declaration order, the
// order of test data's input_I.pb files. Parses only, like model_op_types.
std::vector<std::string> model_input_names(const std::string& path);

// What onnx::shape_inference infers for every named tensor (tests cross-check our rules).
std::map<std::string, Shape> onnx_inferred_shapes(const std::string& path);

}  // namespace onnx2mcu
