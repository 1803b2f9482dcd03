// Sequences and optionals: never lowered to kernels. infer-shapes-and-fold compiles them element
// by element (src/passes/sequences.cpp): every sequence gets a number of elements, every optional a
// presence, known at compile time, and the elements are ordinary tensors. SequenceMap, which has
// a body, is registered with If/Loop/Scan (control_flow.cpp).
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

void infer_composite(Node& n) { n.fail("sequences and optionals are compiled element by element; this node was not (internal error)"); }

std::vector<KernelCall> lower_composite_op(const Node& n) { n.fail("sequences and optionals have no kernel"); }

}  // namespace

void register_sequence_ops(OpTable& t) {
  const char* at_notes = "a run-time position needs elements of one shape (stacked and gathered at run time; out of range reads zeros)";
  const struct {
    const char* name;
    const char* notes;
  } ops[] = {
      {"SequenceEmpty", "compile-time list of tensors"},
      {"SequenceConstruct", "compile-time list of tensors"},
      {"SequenceInsert", at_notes},
      {"SequenceErase", at_notes},
      {"SequenceAt", at_notes},
      {"SequenceLength", "folded: the length is known at compile time"},
      {"SplitToSequence", "constant split sizes (or a run-time 1-D split whose pieces are only counted)"},
      {"ConcatFromSequence", "Concat of the elements (new_axis: stacked)"},
      {"Optional", "presence known at compile time (an optional model input: --optional NAME=none for absent)"},
      {"OptionalHasElement", "folded: presence is known at compile time"},
      {"OptionalGetElement", "an empty optional is a compile-time error"},
  };
  for (const auto& op : ops) add_op(t, {op.name, "", infer_composite, lower_composite_op}).notes = op.notes;
}

}  // namespace onnx2mcu
