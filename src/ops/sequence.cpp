// Sequences and optionals: never lowered to kernels. infer-shapes-and-fold compiles them element
// by element (src/passes/sequences.cpp): every sequence gets a number of elements, every optional a
// presence, known at compile time, and the elements are ordinary tensors. SequenceMap, which has
// a body, is registered with If/Loop/Scan (control_flow.cpp). An element whose length along axis 0
// is decided at run time is an onnx2mcu RuntimeRows node, registered here.
#include "ops/helpers.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_composite(Node& n) { n.fail("sequences and optionals are compiled element by element; this node was not (internal error)"); }

std::vector<KernelCall> lower_composite_op(const Node& n) { n.fail("sequences and optionals have no kernel"); }

// RuntimeRows(x, rows), attribute axis (default 0): x, of which only the first `rows` rows along
// `axis` are the value, a count known at run time; x's shape is the capacity. An element of a
// sequence whose shape is decided at run time (a run-time split size or position); the emitter
// checks the count, writes the value packed (along axis 0 a copy of x's first rows) and reports
// the count through the run function (docs/api.md "Outputs of a run-time length").
void infer_runtime_rows(Node& n) {
  expect_arity(n, 2, 2);
  const Value& x = required_input(n, 0);
  const Value& rows = required_input(n, 1);
  const int64_t axis = n.attr_int("axis", 0);
  if (axis < 0 || axis >= static_cast<int64_t>(x.shape.size())) n.fail("needs a tensor with an axis " + std::to_string(axis));
  if (rows.elems() != 1 || rows.dtype != DType::I64) n.fail("needs one int64 row count");
  n.outputs[0]->dtype = x.dtype;
  n.outputs[0]->shape = x.shape;
}

std::vector<KernelCall> lower_runtime_rows(const Node& n) { return find_op("", "Identity")->lower(n); }  // a copy of x

}  // namespace

void register_sequence_ops(OpTable& t) {
  const char* at_notes = "a run-time position needs elements of one shape (stacked and gathered at run time; out of range reads zeros)";
  const char* edit_notes =
      "a run-time position needs elements of one shape (stacked and gathered at run time; out of range reads zeros), or of shapes "
      "differing along axis 0 only (padded; elements of a run-time length, model outputs only)";
  const struct {
    const char* name;
    const char* notes;
  } ops[] = {
      {"SequenceEmpty", "compile-time list of tensors"},
      {"SequenceConstruct", "compile-time list of tensors"},
      {"SequenceInsert", edit_notes},
      {"SequenceErase", edit_notes},
      {"SequenceAt", at_notes},
      {"SequenceLength", "folded: the length is known at compile time"},
      {"SplitToSequence",
       "constant split sizes, run-time 1-D sizes along axis 0 (elements of a run-time length), or one run-time size along any axis "
       "(a run-time element count: capacity the axis' length, output NAME_count); model outputs only"},
      {"ConcatFromSequence", "Concat of the elements (new_axis: stacked)"},
      {"Optional", "presence known at compile time (an optional model input: --optional NAME=none for absent), or at run time when a run-time If returns it from one branch (output NAME_present)"},
      {"OptionalHasElement", "folded where presence is known at compile time, else the run-time presence flag"},
      {"OptionalGetElement", "an empty optional is a compile-time error (present at run time or not: its elements, zeros when absent)"},
  };
  for (const auto& op : ops) add_op(t, {op.name, "", infer_composite, lower_composite_op}).notes = op.notes;
  add_op(t, {"RuntimeRows", "onnx2mcu", infer_runtime_rows, lower_runtime_rows}).notes =
      "internal: a sequence element of a run-time length along one axis (a model output only)";
}

bool is_runtime_rows(const Node& n) { return n.domain == "onnx2mcu" && n.op == "RuntimeRows"; }

}  // namespace onnx2mcu
