// Graph passes. pipeline.cpp runs them in one fixed order; each lives in its own file.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

struct PassOptions {
  int64_t fold_max_bytes = 16 << 20;     // never fold a node whose outputs exceed this
  int64_t max_tensor_bytes = int64_t{256} << 20;  // Limits::max_tensor_bytes: any output above it is an error
  int64_t max_nodes = 100000;            // Limits::max_nodes: inlining If/Loop may not grow the graph past it
  int64_t max_loop_iterations = 0;       // --max-loop-iterations: bound of a Loop whose trip count is run-time (0 = none)
  bool native_io = false;                // --io native: the native-io pass drops the I/O's QuantizeLinear/DequantizeLinear
  bool optimize_size = false;            // --optimize size: select-compact-kernels marks the nodes
  std::set<std::string> disabled;        // optimisation passes switched off by name
  std::string dump_after;                // pass after which to print the IR ("" = none)
  std::string* dump = nullptr;           // where that print goes
};

struct Pass {
  std::string name;
  std::function<void(Graph&, const PassOptions&)> run;
  bool optional = false;  // an optimisation that can be switched off; required passes cannot
};

// Fails on the first node whose (domain, op) onnx2mcu does not implement.
void check_supported_ops(Graph& g, const PassOptions&);
// Every node (and every node of If/Loop subgraphs) in its op's canonical form: OpDef::normalize.
void normalize_ops(Graph& g, const PassOptions&);
// Bypasses Identity and inference-mode Dropout (unless their output is a graph output).
void remove_identities(Graph& g, const PassOptions&);
// Runs every node's shape rule in order, folding nodes whose inputs are all constant as it
// goes, since later shape rules (Reshape's shape, Pad's pads) may need the folded values.
void infer_shapes_and_fold(Graph& g, const PassOptions&);
// Fails, naming node n, when output `out` is too large to address or above --max-tensor-bytes
// (`hint`, if any, appended to the message).
void check_output_bytes(const Node& n, const Value& out, const PassOptions& opts, const std::string& hint = "");
// Loops with a constant trip count above this are an error rather than unrolled.
constexpr int64_t kMaxLoopIterations = 1024;
// A Loop body's condition output that must fold to true (checked once folding is done).
struct LoopCondCheck {
  Value* cond;
  std::string loop;   // the Loop node's name
  int64_t iteration;
};
// If, Loop and Scan: nodes with subgraphs, which infer-shapes-and-fold inlines.
inline bool is_inlined_control_flow(const Node& n) {
  return n.domain.empty() && (n.op == "If" || n.op == "Loop" || n.op == "Scan");
}
// The nodes that replace If/Loop/Scan node n, whose condition / trip count is constant (else an error
// naming n): the chosen branch, or the unrolled body (src/passes/inline_control_flow.cpp).
std::vector<std::unique_ptr<Node>> inline_control_flow(Graph& g, const Node& n, const PassOptions& opts,
                                                       std::vector<LoopCondCheck>& checks);
// What sequence- and optional-typed values hold while infer-shapes-and-fold compiles them
// element by element (src/passes/sequences.cpp): a sequence, its elements (nullptr: an element
// whose shape depends on run-time split sizes, usable only for the count); an optional, its
// element (a tensor or a sequence) or nullptr when empty.
struct Composites {
  std::map<const Value*, std::vector<Value*>> sequences;
  std::map<const Value*, Value*> optionals;
  std::map<const Value*, const Value*> runtime_splits;  // a sequence of nullptr elements: the split sizes
  std::map<const Value*, Value*> presence;  // an optional present or not at run time: its bool flag
  // A sequence whose element count is known only at run time: its elements are its capacity, and
  // this int64 scalar how many of them the run filled (a model output only; IoForm::runtime_count).
  std::map<const Value*, Value*> counts;
  // "... split sizes known only at run time" for a sequence of nullptr elements, with the fix.
  std::string unknown_elements(const Value* seq) const;
  bool holds(const Value* v) const { return v && (sequences.count(v) || optionals.count(v)); }
};
// For a Sequence*/Optional* node, or an Identity of a sequence or optional: records what its
// outputs hold and returns the tensor nodes that compute them (maybe none); nullopt for others.
std::optional<std::vector<std::unique_ptr<Node>>> lower_composite(Graph& g, const Node& n, Composites& c, const PassOptions& opts);
// Replaces each sequence or optional output of the graph by its elements, graph outputs NAME_0,
// NAME_1, ... (Graph::output_forms says which).
void flatten_composite_outputs(Graph& g, const Composites& c);
void check_loop_conditions(const std::vector<LoopCondCheck>& checks);
// A constant bool (condition) that is true: any non-zero byte.
bool is_constant_true(const Value& v);
// If node n, whose condition is not constant, keeps both branches: each compiled by the whole
// pipeline as a graph of its own; n's outputs get their (equal) types and shapes, else an error.
// Branch outputs that are sequences or optionals (of one structure in both branches) become
// one node output per element, the original output recorded in `c` as holding them; an optional
// empty in one branch only gets a run-time presence flag (Composites::presence, IoForm::runtime_present).
void prepare_runtime_if(Graph& g, Node& n, Composites& c, const PassOptions& opts);
// Loop node n of graph g when its trip count or condition is known only at run time, or its
// body's condition is not constant true, or it is too long to unroll: compiles its body, types
// its outputs and returns true; false (n untouched) when inline_control_flow should unroll it.
bool prepare_runtime_loop(Graph& g, Node& n, const PassOptions& opts);
// Loop node n, whose trip count or condition is known only at run time, carrying sequences
// (Composites): when each iteration appends one tensor to each, the Loop rewritten to carry
// none (the appended tensors become scan outputs) and the nodes that make each sequence's
// elements and run-time count, recorded in `c`; nullopt when n is unrolled; else an error naming n.
std::optional<std::vector<std::unique_ptr<Node>>> lower_sequence_loop(Graph& g, const Node& n, Composites& c, const PassOptions& opts);
// Scan node n (opset 9+, every scan axis 0, some input known only at run time): compiles its
// body to run as a loop over the rows, types its outputs and returns true; false (n untouched)
// when inline_control_flow should unroll it.
bool prepare_runtime_scan(Node& n, const PassOptions& opts);
// Subgraph `sub` of control-flow node n compiled by the whole pipeline as a graph of its own:
// its declared inputs take the types of args (as run-time values), its captures the types (and
// constant values) of n's captured inputs; its outputs become graph outputs (src/passes/subgraph.cpp).
std::shared_ptr<Graph> compile_subgraph(const Node& n, const Graph& sub, const std::vector<const Value*>& args,
                                        const PassOptions& opts);
// Captures none of the compiled subgraphs reads any more (folded away) stop being inputs of n.
void drop_unread_captures(Node& n, const std::vector<Graph*>& subgraphs);
void set_int_attr(Node& n, const char* key, int64_t value);
// float16 / bfloat16 computed in float32 (src/passes/compute_in_float.cpp), node by node inside
// infer_shapes_and_fold: widen_float_inputs inserts Casts to float32 before node i for its
// float16/bfloat16 inputs (unless its kernels move any dtype) and returns the storage dtype
// (Undefined: nothing to do); narrow_float_outputs, once node i is inferred, inserts Casts
// after it that round its float32 outputs back to `storage`, and returns how many.
DType widen_float_inputs(Graph& g, size_t i);
size_t narrow_float_outputs(Graph& g, size_t i, DType storage);
// Evaluates one node with its kernels if all inputs are constant; true when it did.
bool fold_node(Graph& g, Node& n, const PassOptions& opts);
// Quantized graphs onto integer kernels: QOperator nodes and DQ -> op -> Q patterns become
// onnx2mcu integer ops (src/passes/lower_qdq.cpp); then folds the DQs of leftover weights.
void lower_qdq(Graph& g, const PassOptions& opts);
// --io native: graph inputs quantized by a per-tensor QuantizeLinear and outputs written by a
// per-tensor DequantizeLinear become those integer tensors (Graph::io_quant); nothing else
// changes, and nothing at all unless PassOptions::native_io (src/passes/native_io.cpp).
void native_io(Graph& g, const PassOptions& opts);
// BatchNormalization after Conv/Gemm/MatMul with constant weights: folded into them.
void fold_batchnorm(Graph& g, const PassOptions&);
// Add of a per-channel constant after Conv/Gemm/MatMul: becomes their bias.
void fold_bias_add(Graph& g, const PassOptions&);
// Transpose pairs that undo each other: removed.
void cancel_transposes(Graph& g, const PassOptions&);
// Zero constant Pad on spatial dims before Conv (or AveragePool counting pads): into its pads.
void fold_pad(Graph& g, const PassOptions&);
// Conv [+ activation] + non-overlapping pool: one banded onnx2mcu.ConvPool node.
void fuse_conv_pool(Graph& g, const PassOptions&);
// Conv 1x1 [+ act] -> depthwise Conv [+ act]: one row-streaming onnx2mcu.PwDw node, when the
// arena shrinks.
void fuse_pw_dw(Graph& g, const PassOptions&);
// Conv + a following Relu/Clip/LeakyRelu/Sigmoid/HardSigmoid: the activation folded into the Conv.
void fuse_activation(Graph& g, const PassOptions&);
// Removes nodes whose outputs nobody uses, and initializers no node reads.
void remove_dead_code(Graph& g, const PassOptions&);
// Reorders constant conv weights into conv2d_fast's packed layout (pack_conv_weights.cpp).
void pack_conv_weights(Graph& g, const PassOptions&);
// --optimize size: marks every node that has a compact generic kernel (kCompactAttr, ops/op.h)
// so its lowering picks that kernel; does nothing in the default speed mode.
void select_compact_kernels(Graph& g, const PassOptions&);
// Reorders independent nodes so fewer bytes are alive at once; kept only if the arena shrinks.
void order_for_memory(Graph& g, const PassOptions&);

const std::vector<Pass>& pipeline();
void run_pipeline(Graph& g, const PassOptions& opts = {});

}  // namespace onnx2mcu
