// ai.onnx.ml Scaler, Normalizer, Binarizer, Imputer, ArrayFeatureExtractor, LabelEncoder
// (numeric keys and values), OneHotEncoder (int64 categories)
// -> templates/kernels/ml_preprocess.hpp. String keys, values and categories are an error:
// onnx2mcu has no string tensors.
#include "kernels/ml_preprocess.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/ml_attrs.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

using Tables = NamedTables;


// The last axis of X (1 for a scalar).
int64_t last_axis(const Value& x) { return x.shape.empty() ? 1 : x.shape.back(); }

// A per-feature table of 1 or last-axis entries.
void expect_per_feature(const Node& n, const char* what, size_t size, const Value& x) {
  if (size != 1 && static_cast<int64_t>(size) != last_axis(x))
    n.fail(std::string(what) + " has " + std::to_string(size) + " values; it needs 1 or one per feature (" +
           std::to_string(last_axis(x)) + ")");
}

o2m::FeatureParams feature_params(const Node& n, size_t table_size) {
  return {i32(n, required_input(n, 0).elems()), i32(n, static_cast<int64_t>(table_size))};
}

// ---- Scaler ----

Tables scaler_tables(const Node& n) {
  std::vector<double> offset = ml_floats(n, "offset"), scale = ml_floats(n, "scale");
  if (offset.empty()) offset.assign(scale.empty() ? 1 : scale.size(), 0.0);
  if (scale.empty()) scale.assign(offset.size(), 1.0);
  if (offset.size() != scale.size()) n.fail("offset and scale differ in length");
  return {ml_table<float>("offset", offset), ml_table<float>("scale", scale)};
}

void infer_scaler(Node& n) {
  ml_expect_inputs(n, 1);
  const Value& x = required_input(n, 0);
  ml_expect_numeric_input(n, x.dtype);
  expect_per_feature(n, "scale", static_cast<size_t>(n.inputs[1]->elems()), x);
  set_output(n, 0, DType::F32, x.shape);
}

std::vector<KernelCall> lower_scaler(const Node& n) {
  const auto p = feature_params(n, static_cast<size_t>(n.inputs[1]->elems()));
  return {visit_ml_input(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("ml_preprocess.hpp", o2m::ml_scaler, T), "o2m::FeatureParams", p, node_inputs(n), {n.outputs[0]});
  })};
}

// ---- Imputer ----

bool imputes_floats(const Node& n) { return n.has_attr("imputed_value_floats"); }

Tables imputer_tables(const Node& n) {
  if (imputes_floats(n) == n.has_attr("imputed_value_int64s"))
    n.fail("needs exactly one of imputed_value_floats and imputed_value_int64s");
  if (imputes_floats(n))
    return {ml_table<double>("replaced", std::vector<double>{n.attr_float("replaced_value_float", 0.0f)}),
            ml_table<double>("imputed", ml_floats(n, "imputed_value_floats"))};
  return {ml_table<int64_t>("replaced", std::vector<int64_t>{n.attr_int("replaced_value_int64", 0)}),
          ml_table<int64_t>("imputed", ml_ints(n, "imputed_value_int64s"))};
}

// The tables hold float64 or int64 values; the kernel reads them in X's type.
Tables imputer_tables_typed(const Node& n, DType t) {
  Tables tables = imputer_tables(n);
  for (auto& entry : tables) {
    Tensor& tensor = entry.second;  // a reference, not a structured binding: lambdas capture it (clang 14)
    Tensor typed(t, tensor.shape);
    for (int64_t i = 0; i < tensor.elems(); ++i)
      visit_dtype(t, [&](auto v) {
        using T = decltype(v);
        typed.data<T>()[i] = dtype_is_float(tensor.dtype) ? static_cast<T>(tensor.float_at(i)) : static_cast<T>(tensor.int_at(i));
      });
    tensor = std::move(typed);
  }
  return tables;
}

Tables imputer_tables_for_input(const Node& n) {
  const Value& x = required_input(n, 0);
  ml_expect_numeric_input(n, x.dtype);
  if (imputes_floats(n) != dtype_is_float(x.dtype))
    n.fail(std::string("imputes ") + (imputes_floats(n) ? "floats" : "int64s") + " into " + dtype_name(x.dtype) + " data");
  return imputer_tables_typed(n, x.dtype);
}

void infer_imputer(Node& n) {
  ml_expect_inputs(n, 1);
  const Value& x = required_input(n, 0);
  expect_per_feature(n, "the imputed value list", static_cast<size_t>(n.inputs[2]->elems()), x);
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_imputer(const Node& n) {
  const auto p = feature_params(n, static_cast<size_t>(n.inputs[2]->elems()));
  return {visit_ml_input(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("ml_preprocess.hpp", o2m::ml_imputer, T), "o2m::FeatureParams", p, node_inputs(n), {n.outputs[0]});
  })};
}

// ---- Binarizer, Normalizer ----

void infer_binarizer(Node& n) {
  ml_expect_inputs(n, 1);
  const Value& x = required_input(n, 0);
  ml_expect_numeric_input(n, x.dtype);
  set_output(n, 0, x.dtype, x.shape);
}

std::vector<KernelCall> lower_binarizer(const Node& n) {
  const o2m::BinarizerParams p{i32(n, n.inputs[0]->elems()), n.attr_float("threshold", 0.0f)};
  return {visit_ml_input(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("ml_preprocess.hpp", o2m::ml_binarizer, T), "o2m::BinarizerParams", p, {n.inputs[0]}, {n.outputs[0]});
  })};
}

int32_t norm_of(const Node& n) {
  const std::string s = n.attr_string("norm", "MAX");
  if (s == "MAX") return o2m::kNormMax;
  if (s == "L1") return o2m::kNormL1;
  if (s == "L2") return o2m::kNormL2;
  n.fail("norm '" + s + "' is not MAX, L1 or L2");
}

void infer_normalizer(Node& n) {
  ml_expect_inputs(n, 1);
  const Value& x = required_input(n, 0);
  ml_expect_numeric_input(n, x.dtype);
  ml_rows_features(n, x.shape);
  norm_of(n);
  set_output(n, 0, DType::F32, x.shape);
}

std::vector<KernelCall> lower_normalizer(const Node& n) {
  auto [rows, cols] = ml_rows_features(n, n.inputs[0]->shape);
  const o2m::NormalizerParams p{i32(n, rows), i32(n, cols), norm_of(n)};
  return {visit_ml_input(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("ml_preprocess.hpp", o2m::ml_normalizer, T), "o2m::NormalizerParams", p, {n.inputs[0]},
                     {n.outputs[0]});
  })};
}

// ---- ArrayFeatureExtractor ----

void infer_feature_extractor(Node& n) {
  ml_expect_inputs(n, 2);
  const Value& x = required_input(n, 0);
  const Value& idx = required_input(n, 1);
  if (x.dtype == DType::Bool) n.fail("does not support bool data");
  if (idx.dtype != DType::I64) n.fail(std::string("expects int64 indices, got ") + dtype_name(idx.dtype));
  if (x.shape.empty()) n.fail("expects X of rank 1 or more");
  const int64_t axis = x.shape.back();
  if (idx.is_const())
    for (int64_t i = 0; i < idx.elems(); ++i)
      if (idx.constant->int_at(i) < 0 || idx.constant->int_at(i) >= axis)
        n.fail("index " + std::to_string(idx.constant->int_at(i)) + " is outside the last axis of " + std::to_string(axis));
  // ONNX Runtime: a 1-D X gives [1, K].
  Shape out = x.shape.size() == 1 ? Shape{1} : Shape(x.shape.begin(), x.shape.end() - 1);
  out.push_back(idx.elems());
  set_output(n, 0, x.dtype, out);
}

std::vector<KernelCall> lower_feature_extractor(const Node& n) {
  const Value& x = *n.inputs[0];
  const o2m::FeatureExtractParams p{i32(n, x.elems() / std::max<int64_t>(1, x.shape.back())), i32(n, x.shape.back()),
                                    i32(n, n.inputs[1]->elems())};
  return {visit_numeric(n, x.dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("ml_preprocess.hpp", o2m::ml_array_feature_extractor, T), "o2m::FeatureExtractParams", p,
                     {n.inputs[0], n.inputs[1]}, {n.outputs[0]});
  })};
}

// ---- LabelEncoder ----

// keys_* / values_* / default_* as one typed list each (keys_tensor etc. keep their dtype).
Tensor encoder_list(const Node& n, const std::string& kind, bool is_default) {
  const std::string ints = is_default ? "default_int64" : kind + "_int64s";
  const std::string floats = is_default ? "default_float" : kind + "_floats";
  const std::string tensor = is_default ? "default_tensor" : kind + "_tensor";
  if (n.has_attr(is_default ? "default_string" : kind + "_strings"))
    n.fail("string " + std::string(is_default ? "defaults" : kind) + " are not supported: onnx2mcu has no string tensors");
  auto it = n.attrs.find(tensor);
  if (it != n.attrs.end() && it->second.kind == Attr::Kind::Tensor && it->second.t) {
    if (it->second.t->dtype == DType::Undefined) n.fail("'" + tensor + "' has an unsupported element type");
    Tensor t = *it->second.t;
    t.shape = {t.elems()};
    return t;
  }
  if (is_default) n.fail("internal: default without a type");
  if (n.has_attr(floats)) {
    const auto v = n.attr_floats(floats);
    return ml_table<float>("", v).second;
  }
  if (n.has_attr(ints)) return ml_table<int64_t>("", ml_ints(n, ints)).second;
  n.fail("needs " + kind + "_int64s, " + kind + "_floats or " + kind + "_tensor");
}

// The default for values of dtype t: default_tensor, else default_float / default_int64.
Tensor encoder_default(const Node& n, DType t) {
  if (n.has_attr("default_tensor")) {
    Tensor d = encoder_list(n, "", true);
    if (d.dtype != t || d.elems() != 1) n.fail("default_tensor must hold one value of the values' type");
    return d;
  }
  if (n.has_attr("default_string")) encoder_list(n, "", true);
  Tensor d(t, {1});
  visit_dtype(t, [&](auto v) {
    using V = decltype(v);
    d.data<V>()[0] = dtype_is_float(t) ? static_cast<V>(n.attr_float("default_float", -0.0f))
                                       : static_cast<V>(n.attr_int("default_int64", -1));
  });
  return d;
}

Tables encoder_tables(const Node& n) {
  if (n.opset < 2) n.fail("LabelEncoder-1 maps strings to integers; onnx2mcu has no string tensors");
  Tensor keys = encoder_list(n, "keys", false), values = encoder_list(n, "values", false);
  if (keys.elems() != values.elems()) n.fail("keys and values differ in length");
  Tensor def = encoder_default(n, values.dtype);
  return {{"keys", std::move(keys)}, {"values", std::move(values)}, {"default", std::move(def)}};
}

// Calls f(T{}) for the key and value types LabelEncoder-4 allows (strings aside).
template <typename F>
auto visit_encoder_type(const Node& n, DType t, F&& f) {
  switch (t) {
    case DType::F32: return f(float{});
    case DType::F64: return f(double{});
    case DType::I16: return f(int16_t{});
    case DType::I32: return f(int32_t{});
    case DType::I64: return f(int64_t{});
    default: n.fail(std::string("does not support ") + dtype_name(t) + " keys or values");
  }
}

void infer_label_encoder(Node& n) {
  ml_expect_inputs(n, 1);
  const Value& x = required_input(n, 0);
  if (x.dtype != n.inputs[1]->dtype)
    n.fail(std::string("X is ") + dtype_name(x.dtype) + " but the keys are " + dtype_name(n.inputs[1]->dtype));
  visit_encoder_type(n, x.dtype, [](auto) {});
  visit_encoder_type(n, n.inputs[2]->dtype, [](auto) {});
  set_output(n, 0, n.inputs[2]->dtype, x.shape);
}

std::vector<KernelCall> lower_label_encoder(const Node& n) {
  const o2m::LookupParams p{i32(n, n.inputs[0]->elems()), i32(n, n.inputs[1]->elems())};
  return {visit_encoder_type(n, n.inputs[0]->dtype, [&](auto k) {
    return visit_encoder_type(n, n.inputs[2]->dtype, [&](auto v) {
      using K = decltype(k);
      using V = decltype(v);
      return make_call(O2M_KERNEL2("ml_preprocess.hpp", o2m::ml_label_encoder, K, V), "o2m::LookupParams", p, node_inputs(n),
                       {n.outputs[0]});
    });
  })};
}

// ---- OneHotEncoder ----

Tables one_hot_tables(const Node& n) {
  if (n.has_attr("cats_strings")) n.fail("string categories (cats_strings) are not supported: onnx2mcu has no string tensors");
  const auto cats = ml_ints(n, "cats_int64s");
  if (cats.empty()) n.fail("needs cats_int64s");
  return {ml_table<int64_t>("cats", cats)};
}

void infer_one_hot(Node& n) {
  ml_expect_inputs(n, 1);
  const Value& x = required_input(n, 0);
  ml_expect_numeric_input(n, x.dtype);
  Shape out = x.shape;
  out.push_back(n.inputs[1]->elems());
  set_output(n, 0, DType::F32, out);
}

std::vector<KernelCall> lower_one_hot(const Node& n) {
  const o2m::LookupParams p{i32(n, n.inputs[0]->elems()), i32(n, n.inputs[1]->elems())};
  return {visit_ml_input(n, n.inputs[0]->dtype, [&](auto t) {
    using T = decltype(t);
    return make_call(O2M_KERNEL("ml_preprocess.hpp", o2m::ml_one_hot_encoder, T), "o2m::LookupParams", p, node_inputs(n),
                     {n.outputs[0]});
  })};
}

}  // namespace

void register_ml_preprocess_ops(OpTable& t) {
  auto add = [&](const char* op, void (*infer)(Node&), std::vector<KernelCall> (*lower)(const Node&),
                 NamedTables (*tables)(const Node&), const char* notes) {
    OpDef d{op, "ai.onnx.ml", infer, lower};
    d.tables = tables;
    d.notes = notes;
    add_op(t, d);
  };
  add("Scaler", infer_scaler, lower_scaler, scaler_tables, "");
  add("Imputer", infer_imputer, lower_imputer, imputer_tables_for_input, "");
  add("Binarizer", infer_binarizer, lower_binarizer, nullptr, "NaN stays NaN");
  add("Normalizer", infer_normalizer, lower_normalizer, nullptr, "L1 divides by the sum of absolute values, L2 keeps signs (ONNX Runtime)");
  add("ArrayFeatureExtractor", infer_feature_extractor, lower_feature_extractor, nullptr,
      "numeric data; a run-time index outside the last axis gives 0");
  add("LabelEncoder", infer_label_encoder, lower_label_encoder, encoder_tables,
      "opset 2+, numeric keys and values (strings: error)");
  add("OneHotEncoder", infer_one_hot, lower_one_hot, one_hot_tables,
      "cats_int64s (cats_strings: error); a value in no category gives zeros, also with zeros=0");
}

}  // namespace onnx2mcu
