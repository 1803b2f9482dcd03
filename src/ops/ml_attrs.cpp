#include "ops/ml_attrs.h"

#include "kernels/ml_common.hpp"
#include "ops/op.h"

namespace onnx2mcu {

std::vector<double> ml_floats(const Node& n, const std::string& name, bool* is_double) {
  if (is_double) *is_double = false;
  auto read = [&](const Attr& a) {
    std::vector<double> out;
    if (a.kind == Attr::Kind::Floats) {
      out.assign(a.floats.begin(), a.floats.end());
    } else if (a.kind == Attr::Kind::Float) {
      out.push_back(a.f);
    } else if (a.kind == Attr::Kind::Tensor && a.t && dtype_is_float(a.t->dtype)) {
      if (is_double) *is_double = a.t->dtype == DType::F64;
      for (int64_t i = 0; i < a.t->elems(); ++i) out.push_back(a.t->float_at(i));
    } else {
      n.fail("attribute '" + name + "' must be a list of floats or a float tensor");
    }
    return out;
  };
  auto t = n.attrs.find(name + "_as_tensor");
  auto l = n.attrs.find(name);
  if (t != n.attrs.end() && l != n.attrs.end()) n.fail("gives both '" + name + "' and '" + name + "_as_tensor'");
  if (t != n.attrs.end()) return read(t->second);
  if (l != n.attrs.end()) return read(l->second);
  return {};
}

std::vector<std::string> ml_strings(const Node& n, const std::string& name) {
  auto it = n.attrs.find(name);
  if (it == n.attrs.end()) return {};
  if (it->second.kind != Attr::Kind::Strings) n.fail("attribute '" + name + "' must be a list of strings");
  return it->second.strings;
}

std::vector<int64_t> ml_ints(const Node& n, const std::string& name) {
  auto it = n.attrs.find(name);
  if (it == n.attrs.end()) return {};
  const Attr& a = it->second;
  if (a.kind == Attr::Kind::Ints) return a.ints;
  if (a.kind == Attr::Kind::Tensor && a.t && !dtype_is_float(a.t->dtype)) return a.t->to_ints();
  n.fail("attribute '" + name + "' must be a list of ints");
}

int32_t ml_post_transform(const Node& n) {
  auto it = n.attrs.find("post_transform");
  if (it == n.attrs.end()) return o2m::kPostNone;
  if (it->second.kind == Attr::Kind::Int) {  // TreeEnsemble-5: NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO, PROBIT
    static const int32_t kFromInt[] = {o2m::kPostNone, o2m::kPostSoftmax, o2m::kPostLogistic, o2m::kPostSoftmaxZero,
                                       o2m::kPostProbit};
    if (it->second.i < 0 || it->second.i > 4) n.fail("post_transform " + std::to_string(it->second.i) + " is not 0 to 4");
    return kFromInt[it->second.i];
  }
  const std::string s = n.attr_string("post_transform", "NONE");
  if (s == "NONE") return o2m::kPostNone;
  if (s == "LOGISTIC") return o2m::kPostLogistic;
  if (s == "SOFTMAX") return o2m::kPostSoftmax;
  if (s == "SOFTMAX_ZERO") return o2m::kPostSoftmaxZero;
  if (s == "PROBIT") return o2m::kPostProbit;
  n.fail("post_transform '" + s + "' is not NONE, LOGISTIC, SOFTMAX, SOFTMAX_ZERO or PROBIT");
}

std::vector<int64_t> ml_class_labels(const Node& n, const std::string& int_attr) {
  if (n.has_attr("classlabels_strings"))
    n.fail("string class labels (classlabels_strings) are not supported: onnx2mcu has no string tensors (integer "
           "labels, " + int_attr + ", are)");
  std::vector<int64_t> labels = ml_ints(n, int_attr);
  if (labels.empty()) n.fail("needs class labels (" + int_attr + ")");
  return labels;
}

std::pair<int64_t, int64_t> ml_rows_features(const Node& n, const Shape& x) {
  if (x.size() == 1) return {1, x[0]};
  if (x.size() == 2) return {x[0], x[1]};
  n.fail("expects X of shape [N, F] or [F], got rank " + std::to_string(x.size()));
}

void ml_expect_numeric_input(const Node& n, DType t) {
  if (t != DType::F32 && t != DType::F64 && t != DType::I32 && t != DType::I64)
    n.fail(std::string("expects float, double, int32 or int64 input, got ") + dtype_name(t));
}

std::pair<int64_t, int64_t> ml_numeric_rows(const Node& n) {
  ml_expect_inputs(n, 1);
  const Value* x = n.input(0);
  if (!x) n.fail("input X is missing");
  ml_expect_numeric_input(n, x->dtype);
  return ml_rows_features(n, x->shape);
}

void attach_tables(Graph& g, Node& n, NamedTables tables) {
  Attr count;
  count.i = static_cast<int64_t>(tables.size());
  for (auto& t : tables) n.inputs.push_back(g.add_constant((n.name.empty() ? n.op : n.name) + "_" + t.first, std::move(t.second)));
  n.attrs[kTableInputsAttr] = count;
}

size_t ml_first_table(const Node& n) {
  const auto count = static_cast<size_t>(n.attr_int(kTableInputsAttr, 0));
  if (count > n.inputs.size()) n.fail("internal: table inputs missing");
  return n.inputs.size() - count;
}

void ml_expect_inputs(const Node& n, size_t count) {
  const size_t got = ml_first_table(n);
  if (got != count) n.fail("expects " + std::to_string(count) + " input(s), got " + std::to_string(got));
}

}  // namespace onnx2mcu
