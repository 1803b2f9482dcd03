// Small checks and shape helpers shared by op files.
#pragma once
#include <string>
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

// Fails unless the node has between lo and hi inputs and at least `outs` outputs.
void expect_arity(const Node& n, size_t lo, size_t hi, size_t outs = 1);
// Input i, failing with a clear message when it is omitted.
const Value& required_input(const Node& n, size_t i);
// Input i's constant data; fails when the value is only known at run time.
const Tensor& constant_input(const Node& n, size_t i, const char* what);
// Input i's constant data for an op whose output shape depends on it (NonZero, Unique,
// NonMaxSuppression): fails when the value is only known at run time. Both failures name the
// graph inputs to fix with --freeze.
const Tensor& shape_deciding_input(const Node& n, size_t i);
// ": fix its value with --freeze NAME=FILE.pb ..." naming the graph inputs v is computed from
// (a microcontroller build fixes such values); "" when none.
std::string freeze_advice(const Value& v);
void set_output(Node& n, size_t i, DType t, Shape s);
// Axis in [-rank, rank) -> [0, rank).
int64_t normalize_axis(const Node& n, int64_t axis, int64_t rank);
// numpy-style broadcast of two shapes.
Shape broadcast_shapes(const Node& n, const Shape& a, const Shape& b);
// Fails unless every present input has dtype t.
void expect_same_dtype(const Node& n, DType t);

// Why Dropout node `n` is not known to run in inference mode (then it would draw a random mask,
// which generated code does not do), or "" when it is a copy of its input: is_test=0 before
// opset 7, or (opset 12+) a training_mode input that is true or known only at run time, unless
// the ratio is a constant 0 (then training mode copies too).
std::string dropout_training_reason(const Node& n);

// Row-major strides of a shape.
std::vector<int64_t> strides_of(const Shape& s);
int64_t prod(const Shape& s, size_t begin, size_t end);

std::vector<const Value*> node_inputs(const Node& n);
std::vector<const Value*> node_outputs(const Node& n);
// Output i, or nullptr when the node leaves it out.
const Value* output_or_null(const Node& n, size_t i);

}  // namespace onnx2mcu
