// ai.onnx.ml LinearClassifier, LinearRegressor, SVMClassifier, SVMRegressor
// -> templates/kernels/ml_linear.hpp. Coefficients, intercepts, support vectors and labels are
// const tables (OpDef::tables); the shape rules check their sizes against X's features.
#include "kernels/ml_linear.hpp"

#include <algorithm>
#include <type_traits>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/ml_attrs.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

using Tables = NamedTables;


// ---- LinearRegressor, LinearClassifier ----

struct Linear {
  std::vector<double> coef, intercept;
  std::vector<int64_t> labels;  // classifier
  int64_t outputs = 0;
  bool second_class = false;
};

Linear linear_of(const Node& n) {
  Linear l;
  l.coef = ml_floats(n, "coefficients");
  l.intercept = ml_floats(n, "intercepts");
  if (l.coef.empty()) n.fail("needs coefficients");
  if (n.op == "LinearRegressor") {
    l.outputs = n.attr_int("targets", 1);
  } else {
    l.labels = ml_class_labels(n, "classlabels_ints");
    // ONNX Runtime counts the scores by the intercepts; without them, one per label.
    l.outputs = l.intercept.empty() ? static_cast<int64_t>(l.labels.size()) : static_cast<int64_t>(l.intercept.size());
    l.second_class = l.outputs == 1 && l.labels.size() == 2;
    if (l.outputs == 1 && l.labels.size() != 2) l.labels = {0, 1};
    if (l.outputs > 1 && static_cast<int64_t>(l.labels.size()) < l.outputs)
      n.fail("has " + std::to_string(l.outputs) + " scores but " + std::to_string(l.labels.size()) + " class labels");
  }
  if (l.outputs < 1 || static_cast<int64_t>(l.coef.size()) % l.outputs != 0)
    n.fail(std::to_string(l.coef.size()) + " coefficients do not split into " + std::to_string(l.outputs) + " outputs");
  if (l.intercept.empty()) l.intercept.assign(static_cast<size_t>(l.outputs), 0.0);
  if (static_cast<int64_t>(l.intercept.size()) != l.outputs)
    n.fail("has " + std::to_string(l.intercept.size()) + " intercepts for " + std::to_string(l.outputs) + " outputs");
  return l;
}

Tables linear_tables(const Node& n) {
  const Linear l = linear_of(n);
  Tables t = {ml_table<float>("coef", l.coef), ml_table<float>("intercept", l.intercept)};
  if (n.op == "LinearClassifier") t.push_back(ml_table<int64_t>("labels", l.labels));
  return t;
}

o2m::LinearParams linear_params(const Node& n, const Linear& l) {
  auto [rows, features] = ml_rows_features(n, required_input(n, 0).shape);
  return {i32(n, rows), i32(n, features), i32(n, l.outputs), ml_post_transform(n), l.second_class ? 1 : 0};
}

void infer_linear(Node& n) {
  auto [rows, features] = ml_numeric_rows(n);
  const Linear l = linear_of(n);
  if (static_cast<int64_t>(l.coef.size()) != l.outputs * features)
    n.fail("has " + std::to_string(l.coef.size()) + " coefficients; X has " + std::to_string(features) + " features and there are " +
           std::to_string(l.outputs) + " outputs");
  if (n.op == "LinearRegressor") {
    set_output(n, 0, DType::F32, {rows, l.outputs});
  } else {
    expect_arity(n, 1, n.inputs.size(), 2);
    set_output(n, 0, DType::I64, {rows});
    set_output(n, 1, DType::F32, {rows, l.second_class ? 2 : l.outputs});
  }
}

std::vector<KernelCall> lower_linear(const Node& n) {
  const Linear l = linear_of(n);
  const o2m::LinearParams p = linear_params(n, l);
  return {visit_ml_input(n, required_input(n, 0).dtype, [&](auto t) {
    using T = decltype(t);
    if (n.op == "LinearRegressor")
      return make_call(O2M_KERNEL("ml_linear.hpp", o2m::linear_regressor, T), "o2m::LinearParams", p, node_inputs(n),
                       {n.outputs[0]});
    return make_call(O2M_KERNEL("ml_linear.hpp", o2m::linear_classifier, T), "o2m::LinearParams", p, node_inputs(n),
                     {n.outputs[0], n.outputs[1]});
  })};
}

// ---- SVMRegressor, SVMClassifier ----

o2m::SvmKernel svm_kernel_of(const Node& n) {
  const std::string type = n.attr_string("kernel_type", "LINEAR");
  o2m::SvmKernel k{};
  if (type == "LINEAR") k.type = o2m::kSvmLinear;
  else if (type == "POLY") k.type = o2m::kSvmPoly;
  else if (type == "RBF") k.type = o2m::kSvmRbf;
  else if (type == "SIGMOID") k.type = o2m::kSvmSigmoid;
  else n.fail("kernel_type '" + type + "' is not LINEAR, POLY, RBF or SIGMOID");
  const std::vector<double> kp = ml_floats(n, "kernel_params");
  if (!kp.empty() && kp.size() != 3) n.fail("kernel_params must hold gamma, coef0 and degree");
  if (kp.size() == 3) {
    k.gamma = static_cast<float>(kp[0]);
    k.coef0 = static_cast<float>(kp[1]);
    k.degree = static_cast<float>(kp[2]);
  }
  return k;
}

struct Svm {
  std::vector<double> sv, coef, rho, prob_a, prob_b;
  std::vector<int64_t> vector_start{0}, labels;
  int64_t vectors = 0, features = 0, classes = 1;
};

// Shapes follow ONNX Runtime: features = support_vectors / vectors, or in linear mode (no
// support vectors) coefficients / classes.
Svm svm_of(const Node& n) {
  Svm s;
  s.sv = ml_floats(n, "support_vectors");
  s.coef = ml_floats(n, "coefficients");
  s.rho = ml_floats(n, "rho");
  if (s.coef.empty()) n.fail("needs coefficients");
  if (s.rho.empty()) n.fail("needs rho");
  if (n.op == "SVMRegressor") {
    s.vectors = n.attr_int("n_supports", 0);
    if (s.vectors < 0) n.fail("n_supports is negative");
    if (s.vectors > 0 && static_cast<int64_t>(s.coef.size()) != s.vectors)
      n.fail("has " + std::to_string(s.coef.size()) + " coefficients for " + std::to_string(s.vectors) + " support vectors");
    s.features = s.vectors > 0 ? static_cast<int64_t>(s.sv.size()) / s.vectors : static_cast<int64_t>(s.coef.size());
  } else {
    s.labels = ml_class_labels(n, "classlabels_ints");
    s.classes = static_cast<int64_t>(s.labels.size());
    s.prob_a = ml_floats(n, "prob_a");
    s.prob_b = ml_floats(n, "prob_b");
    if (s.prob_a.size() != s.prob_b.size()) n.fail("prob_a and prob_b differ in length");
    const auto per_class = ml_ints(n, "vectors_per_class");
    for (int64_t c : per_class) {
      if (c < 0) n.fail("vectors_per_class has a negative count");
      s.vector_start.push_back(s.vector_start.back() + c);
    }
    s.vectors = s.vector_start.back();
    const int64_t pairs = s.classes * (s.classes - 1) / 2;
    if (s.vectors > 0) {
      if (static_cast<int64_t>(per_class.size()) != s.classes)
        n.fail("vectors_per_class has " + std::to_string(per_class.size()) + " entries for " + std::to_string(s.classes) + " classes");
      if (static_cast<int64_t>(s.coef.size()) != (s.classes - 1) * s.vectors)
        n.fail("needs (classes - 1) * support vectors = " + std::to_string((s.classes - 1) * s.vectors) + " coefficients, has " +
               std::to_string(s.coef.size()));
      if (static_cast<int64_t>(s.rho.size()) < pairs) n.fail("needs one rho per pair of classes");
      if (!s.prob_a.empty() && static_cast<int64_t>(s.prob_a.size()) < pairs) n.fail("needs one prob_a per pair of classes");
      s.features = static_cast<int64_t>(s.sv.size()) / s.vectors;
    } else {
      s.prob_a.clear();  // linear mode has no probabilities (ONNX Runtime ignores them)
      s.prob_b.clear();
      s.features = static_cast<int64_t>(s.coef.size()) / s.classes;
    }
    if (s.classes < 2) n.fail("needs at least 2 class labels");
  }
  if (s.vectors > 0 && static_cast<int64_t>(s.sv.size()) != s.vectors * s.features)
    n.fail(std::to_string(s.sv.size()) + " support vector values do not split into " + std::to_string(s.vectors) + " vectors");
  if (s.vectors > 0 && s.features < 1) n.fail("support vectors have no features");
  return s;
}

Tables svm_tables(const Node& n) {
  const Svm s = svm_of(n);
  Tables t = {ml_table<float>("support_vectors", s.sv), ml_table<float>("coef", s.coef)};
  if (n.op == "SVMClassifier") {
    t.push_back(ml_table<float>("rho", s.rho));
    t.push_back(ml_table<int32_t>("vector_start", s.vector_start));
    t.push_back(ml_table<float>("prob_a", s.prob_a));
    t.push_back(ml_table<float>("prob_b", s.prob_b));
    t.push_back(ml_table<int64_t>("labels", s.labels));
  }
  return t;
}

o2m::SvmClassParams svm_class_params(const Node& n, const Svm& s) {
  auto [rows, features] = ml_rows_features(n, required_input(n, 0).shape);
  const bool positive = std::all_of(s.coef.begin(), s.coef.end(), [](double c) { return c >= 0; });
  return {i32(n, rows),        i32(n, features), i32(n, s.classes), i32(n, s.vectors), s.prob_a.empty() ? 0 : 1,
          positive ? 1 : 0, ml_post_transform(n), svm_kernel_of(n)};
}

void infer_svm(Node& n) {
  auto [rows, features] = ml_numeric_rows(n);
  const Svm s = svm_of(n);
  if (features != s.features)
    n.fail("X has " + std::to_string(features) + " features, the model's vectors " + std::to_string(s.features));
  svm_kernel_of(n);
  if (n.op == "SVMRegressor") {
    set_output(n, 0, DType::F32, {rows, 1});
  } else {
    expect_arity(n, 1, n.inputs.size(), 2);
    set_output(n, 0, DType::I64, {rows});
    set_output(n, 1, DType::F32, {rows, o2m::svm_score_columns(svm_class_params(n, s))});
  }
}

std::vector<KernelCall> lower_svm(const Node& n) {
  const Svm s = svm_of(n);
  return {visit_ml_input(n, required_input(n, 0).dtype, [&](auto t) {
    using T = decltype(t);
    if (n.op == "SVMRegressor") {
      auto [rows, features] = ml_rows_features(n, required_input(n, 0).shape);
      o2m::SvmRegParams p{i32(n, rows), i32(n, features), i32(n, s.vectors), n.attr_int("one_class", 0) ? 1 : 0,
                          ml_post_transform(n), svm_kernel_of(n), static_cast<float>(s.rho[0])};
      return make_call(O2M_KERNEL("ml_linear.hpp", o2m::svm_regressor, T), "o2m::SvmRegParams", p, node_inputs(n),
                       {n.outputs[0]});
    }
    const o2m::SvmClassParams p = svm_class_params(n, s);
    KernelCall c = make_call(O2M_KERNEL("ml_linear.hpp", o2m::svm_classifier, T), "o2m::SvmClassParams", p, node_inputs(n),
                             {n.outputs[0], n.outputs[1]});
    c.scratch_bytes = o2m::svm_classifier_scratch_bytes(p);
    return c;
  })};
}

}  // namespace

void register_ml_linear_ops(OpTable& t) {
  auto add = [&](const char* op, bool svm, const char* notes) {
    OpDef d{op, "ai.onnx.ml", svm ? infer_svm : infer_linear, svm ? lower_svm : lower_linear};
    d.tables = svm ? svm_tables : linear_tables;
    d.notes = notes;
    add_op(t, d);
  };
  add("LinearRegressor", false, "computed in float; one target: only PROBIT applies");
  add("LinearClassifier", false,
      "int64 labels only (classlabels_strings: error); one score with 2 labels: scores [1 - s, s], label s > 0");
  add("SVMRegressor", true, "LINEAR/POLY/RBF/SIGMOID kernels, one_class; computed in float");
  add("SVMClassifier", true,
      "int64 labels only; label by one-vs-one votes; prob_a/prob_b: Platt scaling + libsvm's pairwise coupling");
}

}  // namespace onnx2mcu
