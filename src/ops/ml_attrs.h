// Attribute readers shared by the ai.onnx.ml op files (ml_*.cpp): lists given as floats or as
// a tensor (`*_as_tensor`, TreeEnsemble-5's tensors), post_transform in both spellings, class
// labels, and constant tables for OpDef::tables.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

// A list attribute as doubles: `name` (floats or a tensor) or, when given, `name_as_tensor`.
// *is_double is set when the values come from a float64 tensor.
std::vector<double> ml_floats(const Node& n, const std::string& name, bool* is_double = nullptr);
// A list of strings (empty when absent).
std::vector<std::string> ml_strings(const Node& n, const std::string& name);
// An int list given as ints or as an integer tensor.
std::vector<int64_t> ml_ints(const Node& n, const std::string& name);
// post_transform as o2m::kPost* (ml_common.hpp): a string before TreeEnsemble-5, an int there.
int32_t ml_post_transform(const Node& n);
// The int64 class labels from `int_attr`; string labels (`classlabels_strings`) are an error:
// onnx2mcu has no string tensors.
std::vector<int64_t> ml_class_labels(const Node& n, const std::string& int_attr);
// X of shape [N, F] or [F] as (rows, features); any other rank fails.
std::pair<int64_t, int64_t> ml_rows_features(const Node& n, const Shape& x);
// Fails unless X is float32, float64, int32 or int64 (what the ml ops accept).
void ml_expect_numeric_input(const Node& n, DType t);
// The classifiers' and regressors' X: the only model input, numeric, [N, F] or [F] -> (N, F).
std::pair<int64_t, int64_t> ml_numeric_rows(const Node& n);

// Calls f(T{}) for the X types the ml ops accept (float, double, int32, int64); fails otherwise.
template <typename F>
auto visit_ml_input(const Node& n, DType t, F&& f) {
  ml_expect_numeric_input(n, t);
  if (t == DType::F64) return f(double{});
  if (t == DType::I32) return f(int32_t{});
  if (t == DType::I64) return f(int64_t{});
  return f(float{});
}

// A 1-D constant table of dtype T holding v (converted).
template <typename T, typename V>
std::pair<std::string, Tensor> ml_table(const std::string& name, const std::vector<V>& v);

// The first input OpDef::tables appended (the model's own inputs come before it).
size_t ml_first_table(const Node& n);
// Fails unless the model gave the node `count` inputs (before its tables).
void ml_expect_inputs(const Node& n, size_t count);

}  // namespace onnx2mcu

#include "ir/tensor.h"

namespace onnx2mcu {
template <typename T, typename V>
std::pair<std::string, Tensor> ml_table(const std::string& name, const std::vector<V>& v) {
  Tensor t(DTypeOf<T>::value, {static_cast<int64_t>(v.size())});
  for (size_t i = 0; i < v.size(); ++i) t.data<T>()[i] = static_cast<T>(v[i]);
  return {name, std::move(t)};
}
}  // namespace onnx2mcu
