// What the compiler knows about one op: its shape rule and how it lowers to kernel calls.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

// One kernel invocation: as text for the generated code, and as a callable that runs the very
// same kernel inside the generator for constant folding.
struct KernelCall {
  std::string header;       // kernel header the call needs, e.g. "conv.hpp"
  std::string function;     // e.g. "o2m::conv2d<float>"
  std::string params_type;  // e.g. "o2m::ConvParams"
  std::string params_init;  // aggregate initializer, e.g. "{1, 8, ...}"
  std::vector<const Value*> inputs;   // pointer arguments, in order (nullptr = omitted)
  std::vector<const Value*> outputs;  // written by the call
  // Bytes of working memory the kernel needs. The planner gives it arena space that lives for
  // this one node only.
  int64_t scratch_bytes = 0;
  // The kernel's signature has a scratch pointer after the outputs (make_call reads it off the
  // function type): it is passed even when scratch_bytes is 0 (e.g. Det of 0 x 0 matrices).
  bool takes_scratch = false;
  // Output 0 may take input 0's bytes when input 0 dies at this node (the kernel reads each
  // part of x before it writes the same part of y); the planner then runs the call in place.
  bool in_place = false;
  std::function<void(void* const* ptrs)> run;  // ptrs = inputs, outputs, then scratch
};

using NamedTables = std::vector<std::pair<std::string, Tensor>>;

struct OpDef {
  std::string name;
  std::string domain;  // "" = default ONNX domain
  // Sets the dtype and shape of every output; fails with the node's name on bad input.
  void (*infer)(Node& n) = nullptr;
  // The calls that compute the outputs from the inputs.
  std::vector<KernelCall> (*lower)(const Node& n) = nullptr;
  // Output 0 holds input 0's bytes unchanged (Reshape, Flatten, ...): it can alias its input.
  bool is_view = false;
  // Reads only its inputs' shapes (Shape, Size): folds even when the inputs are not constant.
  bool shape_only = false;
  // Elementwise: output 0 may overwrite an input of the same size that dies at this node
  // (each element is read before the same element is written).
  bool inplace = false;
  // Not folded by infer-shapes-and-fold even when its inputs are constant (DequantizeLinear:
  // lower-qdq needs the integer weights behind it, and folds what it does not absorb).
  bool defer_fold = false;
  // Constant tables the op builds from its attributes (tree nodes, coefficients, lookup keys),
  // each named for the generated code: infer-shapes-and-fold appends them to the node's inputs
  // as constant values before the shape rule runs, so they are emitted as flash arrays and the
  // lowering passes them to the kernel like weights.
  NamedTables (*tables)(const Node& n) = nullptr;
  // What a user must know beyond the ONNX definition (docs/ops.md's notes column).
  const char* notes = "";
  // Brings an older form of the op (an attribute that became an input, a renamed attribute, a
  // changed default) to its one canonical form, the newest, so infer and lower read one form.
  // Run once per node by normalize-ops before any other pass reads the node; nullptr = nothing.
  void (*normalize)(Node& n, Graph& g) = nullptr;
};

// Attribute that records how many inputs OpDef::tables appended (after the model's inputs).
constexpr const char* kTableInputsAttr = "onnx2mcu_tables";
// Attribute on If, Loop and Scan: how many inputs normalize-ops appended after the node's own,
// one per value its subgraphs read from enclosing graphs (Graph::captured, in that order).
constexpr const char* kCapturedInputsAttr = "onnx2mcu_captured";
// The node's inputs before those: the ones ONNX defines.
size_t own_inputs(const Node& n);
// Attribute set on an If whose condition, or a Loop whose trip count or condition, is known only
// at run time, and on a Scan run as a loop rather than unrolled: its graph attributes hold the
// compiled branches or body, graphs of their own (src/passes/runtime_if.cpp, runtime_loop.cpp),
// which the planner and emitter recurse into.
constexpr const char* kRuntimeAttr = "onnx2mcu_runtime";
// Attribute set by select-compact-kernels (--optimize size) on ConvPool and QConv: their
// lowering takes the compact generic kernel, and pack-conv-weights leaves the weights as they are.
constexpr const char* kCompactAttr = "onnx2mcu_compact";
inline bool wants_compact_kernel(const Node& n) { return n.attr_int(kCompactAttr, 0) != 0; }
bool is_runtime_control_flow(const Node& n);
bool is_runtime_if(const Node& n);
bool is_runtime_loop(const Node& n);  // a run-time Loop or Scan
// On a run-time Loop or Scan: the most iterations it may run (its scan outputs' capacity along axis 0),
// and 1 when it may stop earlier, so its scan outputs have a run-time length (model outputs
// only, reported through the run function; docs/api.md).
constexpr const char* kLoopMaxTripsAttr = "onnx2mcu_max_trips";
constexpr const char* kLoopEarlyExitAttr = "onnx2mcu_early_exit";
// On a run-time Loop that grows a sequence (src/passes/sequence_loop.cpp): how many of its last
// scan outputs are the appended rows, read only below the trip count, so their run-time length
// needs no model output.
constexpr const char* kLoopCountedScansAttr = "onnx2mcu_counted_scans";
// True for a model output whose length along one axis (runtime_length_axis) is known only at run time.
bool has_runtime_length(const Value& v);
// onnx2mcu.RuntimeRows: a sequence element stored at its static maximum with its run-time row count.
bool is_runtime_rows(const Node& n);
// That axis: 0 but for a sequence element split along another (RuntimeRows' "axis"). The run
// writes the value packed at the start of the buffer, as a tensor of that length would be.
size_t runtime_length_axis(const Value& v);
// Where a run-time Loop's or Scan's loop-carried values (Scan: states) are: the node's inputs
// [carried_begin, +carried) and outputs [0, carried), its body's inputs [body_in, +carried) and
// outputs [body_out, +carried); the node's other outputs are scan outputs, body outputs after those.
struct LoopForm {
  size_t carried_begin = 0, carried = 0, body_in = 0, body_out = 0;
};
LoopForm loop_form(const Node& n);
// OpDef::tables: the node reads its attribute tables as constant inputs from here on (called
// by infer-shapes-and-fold before the op's shape rule, which may read them).
void attach_tables(Graph& g, Node& n, NamedTables tables);

// nullptr when onnx2mcu does not implement (domain, op).
const OpDef* find_op(const std::string& domain, const std::string& op);
// Every registered op, sorted by domain and name (docs, tests).
std::vector<const OpDef*> all_ops();

}  // namespace onnx2mcu
