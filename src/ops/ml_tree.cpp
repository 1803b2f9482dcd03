// ai.onnx.ml TreeEnsemble (ml 5), TreeEnsembleRegressor, TreeEnsembleClassifier
// -> templates/kernels/ml_tree.hpp. Both attribute encodings (the node/target id tuples of ml 1-3
// and TreeEnsemble-5's node/leaf arrays) become one table form (ml_tree.hpp's header comment),
// checked here: ids resolve, features are in range, every tree is a tree (no cycle).
#include "kernels/ml_tree.hpp"

#include <cmath>
#include <algorithm>
#include <map>
#include <type_traits>

#include "ops/helpers.h"
#include "ops/lower.h"
#include "ops/ml_attrs.h"
#include "ops/registry.h"

namespace onnx2mcu {
namespace {

struct Forest {
  std::vector<int32_t> nodes;  // 4 per interior node
  std::vector<double> splits;
  std::vector<int32_t> roots;
  std::vector<int32_t> leaf_start{0};
  std::vector<int32_t> leaf_target;
  std::vector<double> leaf_weight;
  std::vector<double> base;
  std::vector<double> members;
  bool is_double = false;  // thresholds and weights given as float64 tensors
  int64_t targets = 0;
  int64_t max_feature = -1;
  int32_t aggregate = o2m::kAggSum;
  int32_t post_transform = o2m::kPostNone;
  std::vector<int64_t> weight_class_ids;  // classifier: class of every weight (binary rules)
};

int32_t checked_i32(const Node& n, int64_t v, const char* what) {
  if (v < 0 || v > INT32_MAX / 4) n.fail(std::string(what) + " " + std::to_string(v) + " is out of range");
  return static_cast<int32_t>(v);
}

// Fails when a tree revisits a node (a cycle would hang every evaluation).
void check_trees(const Node& n, const Forest& f) {
  const size_t count = f.nodes.size() / 4;
  std::vector<int32_t> seen(count, -1);
  for (size_t t = 0; t < f.roots.size(); ++t) {
    std::vector<int32_t> stack{f.roots[t]};
    while (!stack.empty()) {
      const int32_t at = stack.back();
      stack.pop_back();
      if (at < 0) continue;
      if (seen[static_cast<size_t>(at)] == static_cast<int32_t>(t))
        n.fail("tree " + std::to_string(t) + " reaches node " + std::to_string(at) + " twice (a cycle or a shared subtree)");
      seen[static_cast<size_t>(at)] = static_cast<int32_t>(t);
      stack.push_back(f.nodes[4 * static_cast<size_t>(at) + 2]);
      stack.push_back(f.nodes[4 * static_cast<size_t>(at) + 3]);
    }
  }
}

int32_t mode_from_string(const Node& n, const std::string& s) {
  static const std::map<std::string, int32_t> modes = {
      {"BRANCH_LEQ", o2m::kTreeLeq}, {"BRANCH_LT", o2m::kTreeLt}, {"BRANCH_GTE", o2m::kTreeGte},
      {"BRANCH_GT", o2m::kTreeGt},   {"BRANCH_EQ", o2m::kTreeEq}, {"BRANCH_NEQ", o2m::kTreeNeq}};
  auto it = modes.find(s);
  if (it == modes.end()) n.fail("node mode '" + s + "' is not BRANCH_LEQ/LT/GTE/GT/EQ/NEQ or LEAF");
  return it->second;
}

int32_t aggregate_from_string(const Node& n) {
  const std::string s = n.attr_string("aggregate_function", "SUM");
  if (s == "AVERAGE") return o2m::kAggAverage;
  if (s == "SUM") return o2m::kAggSum;
  if (s == "MIN") return o2m::kAggMin;
  if (s == "MAX") return o2m::kAggMax;
  n.fail("aggregate_function '" + s + "' is not AVERAGE, SUM, MIN or MAX");
}

// TreeEnsembleRegressor / TreeEnsembleClassifier (ml 1-3): nodes and leaf weights named by
// (tree id, node id); `prefix` is "target_" or "class_". Trees start where the tree id changes.
Forest forest_from_ids(const Node& n, const std::string& prefix) {
  Forest f;
  const auto tree_ids = ml_ints(n, "nodes_treeids"), node_ids = ml_ints(n, "nodes_nodeids");
  const auto features = ml_ints(n, "nodes_featureids"), trues = ml_ints(n, "nodes_truenodeids");
  const auto falses = ml_ints(n, "nodes_falsenodeids"), missing = ml_ints(n, "nodes_missing_value_tracks_true");
  const auto modes = ml_strings(n, "nodes_modes");
  bool values_double = false, weights_double = false;
  const auto values = ml_floats(n, "nodes_values", &values_double);
  const size_t count = tree_ids.size();
  if (count == 0) n.fail("has no tree nodes");
  if (node_ids.size() != count || features.size() != count || trues.size() != count || falses.size() != count ||
      modes.size() != count || values.size() != count || (!missing.empty() && missing.size() != count))
    n.fail("the nodes_* attributes must all have " + std::to_string(count) + " entries");
  std::map<std::pair<int64_t, int64_t>, size_t> index;
  for (size_t i = 0; i < count; ++i)
    if (!index.emplace(std::make_pair(tree_ids[i], node_ids[i]), i).second)
      n.fail("node " + std::to_string(node_ids[i]) + " of tree " + std::to_string(tree_ids[i]) + " is given twice");
  // Interior nodes and leaves are numbered apart: the kernel's child < 0 is a leaf.
  std::vector<int32_t> slot(count);
  int32_t interior = 0, leaves = 0;
  for (size_t i = 0; i < count; ++i) slot[i] = modes[i] == "LEAF" ? ~leaves++ : interior++;
  auto child = [&](size_t i, int64_t id) {
    auto it = index.find({tree_ids[i], id});
    if (it == index.end())
      n.fail("node " + std::to_string(node_ids[i]) + " of tree " + std::to_string(tree_ids[i]) + " points at node " +
             std::to_string(id) + ", which the tree does not have");
    return slot[it->second];
  };
  for (size_t i = 0; i < count; ++i) {
    if (i == 0 || tree_ids[i] != tree_ids[i - 1]) f.roots.push_back(slot[i]);
    if (modes[i] == "LEAF") continue;
    int32_t mode = mode_from_string(n, modes[i]);
    if (!missing.empty() && missing[i]) mode |= o2m::kTreeMissingTrue;
    if (features[i] < 0) n.fail("node feature id " + std::to_string(features[i]) + " is negative");
    f.max_feature = std::max(f.max_feature, features[i]);
    f.nodes.insert(f.nodes.end(), {checked_i32(n, features[i], "feature id"), mode, child(i, trues[i]), child(i, falses[i])});
    f.splits.push_back(values[i]);
  }
  // Leaf weights, grouped by leaf in attribute order; weights on interior nodes are ignored
  // (old onnxmltools wrote them; ONNX Runtime ignores them too).
  const auto w_trees = ml_ints(n, prefix + "treeids"), w_nodes = ml_ints(n, prefix + "nodeids");
  const auto w_ids = ml_ints(n, prefix + "ids");
  const auto w_values = ml_floats(n, prefix + "weights", &weights_double);
  if (w_nodes.size() != w_trees.size() || w_ids.size() != w_trees.size() || w_values.size() != w_trees.size())
    n.fail("the " + prefix + "* attributes must all have " + std::to_string(w_trees.size()) + " entries");
  std::vector<std::vector<size_t>> per_leaf(static_cast<size_t>(leaves));
  for (size_t w = 0; w < w_trees.size(); ++w) {
    auto it = index.find({w_trees[w], w_nodes[w]});
    if (it == index.end())
      n.fail(prefix + "nodeids names node " + std::to_string(w_nodes[w]) + " of tree " + std::to_string(w_trees[w]) +
             ", which does not exist");
    if (slot[it->second] >= 0) continue;
    per_leaf[static_cast<size_t>(~slot[it->second])].push_back(w);
  }
  for (size_t l = 0; l < per_leaf.size(); ++l) {
    if (per_leaf[l].empty()) n.fail("leaf " + std::to_string(l) + " has no " + prefix + "weights");
    for (size_t w : per_leaf[l]) {
      f.leaf_target.push_back(checked_i32(n, w_ids[w], (prefix + "ids").c_str()));
      f.leaf_weight.push_back(w_values[w]);
      f.weight_class_ids.push_back(w_ids[w]);
    }
    f.leaf_start.push_back(static_cast<int32_t>(f.leaf_target.size()));
  }
  bool base_double = false;
  f.base = ml_floats(n, "base_values", &base_double);
  f.is_double = values_double || weights_double || base_double;
  f.post_transform = ml_post_transform(n);
  return f;
}

// TreeEnsemble-5: nodes_* index the interior nodes, *_leafs say when a child is a leaf_* entry.
Forest forest_from_arrays(const Node& n) {
  Forest f;
  const auto features = ml_ints(n, "nodes_featureids"), modes = ml_ints(n, "nodes_modes");
  const auto trues = ml_ints(n, "nodes_truenodeids"), falses = ml_ints(n, "nodes_falsenodeids");
  const auto true_leaf = ml_ints(n, "nodes_trueleafs"), false_leaf = ml_ints(n, "nodes_falseleafs");
  const auto missing = ml_ints(n, "nodes_missing_value_tracks_true"), roots = ml_ints(n, "tree_roots");
  const auto targets = ml_ints(n, "leaf_targetids");
  bool splits_double = false, weights_double = false, members_double = false;
  const auto splits = ml_floats(n, "nodes_splits", &splits_double);
  const auto weights = ml_floats(n, "leaf_weights", &weights_double);
  const auto members = ml_floats(n, "membership_values", &members_double);
  const size_t count = features.size();
  if (count == 0 || roots.empty()) n.fail("has no tree nodes or no tree_roots");
  if (modes.size() != count || trues.size() != count || falses.size() != count || true_leaf.size() != count ||
      false_leaf.size() != count || splits.size() != count || (!missing.empty() && missing.size() != count))
    n.fail("the nodes_* attributes must all have " + std::to_string(count) + " entries");
  if (weights.size() != targets.size()) n.fail("leaf_targetids and leaf_weights differ in length");
  size_t member_at = 0;
  auto child = [&](int64_t id, int64_t is_leaf) {
    const size_t limit = is_leaf ? targets.size() : count;
    if (id < 0 || static_cast<size_t>(id) >= limit)
      n.fail(std::string(is_leaf ? "leaf" : "node") + " index " + std::to_string(id) + " is out of range");
    return is_leaf ? ~static_cast<int32_t>(id) : static_cast<int32_t>(id);
  };
  for (size_t i = 0; i < count; ++i) {
    if (modes[i] < o2m::kTreeLeq || modes[i] > o2m::kTreeMember)
      n.fail("node mode " + std::to_string(modes[i]) + " is not 0 to 6");
    int32_t mode = static_cast<int32_t>(modes[i]);
    double split = splits[i];
    if (mode == o2m::kTreeMember) {  // its set: the next run of membership_values up to a NaN
      if (member_at >= members.size()) n.fail("membership_values has fewer sets than BRANCH_MEMBER nodes");
      if (member_at >= (1u << 24)) n.fail("membership_values is too long");
      split = static_cast<double>(member_at);
      while (member_at < members.size() && !std::isnan(members[member_at])) ++member_at;
      if (member_at == members.size()) n.fail("membership_values must end every set with NaN");
      ++member_at;
    }
    if (!missing.empty() && missing[i]) mode |= o2m::kTreeMissingTrue;
    if (features[i] < 0) n.fail("node feature id " + std::to_string(features[i]) + " is negative");
    f.max_feature = std::max(f.max_feature, features[i]);
    f.nodes.insert(f.nodes.end(), {checked_i32(n, features[i], "feature id"), mode, child(trues[i], true_leaf[i]),
                                   child(falses[i], false_leaf[i])});
    f.splits.push_back(split);
  }
  for (int64_t r : roots) f.roots.push_back(child(r, 0));
  for (size_t l = 0; l < targets.size(); ++l) {
    f.leaf_target.push_back(checked_i32(n, targets[l], "leaf_targetids"));
    f.leaf_weight.push_back(weights[l]);
    f.leaf_start.push_back(static_cast<int32_t>(l + 1));
  }
  f.members = members;
  f.is_double = splits_double || weights_double || members_double;
  f.targets = n.attr_int("n_targets", 1);
  const int64_t agg = n.attr_int("aggregate_function", o2m::kAggSum);
  if (agg < o2m::kAggAverage || agg > o2m::kAggMax) n.fail("aggregate_function " + std::to_string(agg) + " is not 0 to 3");
  f.aggregate = static_cast<int32_t>(agg);
  f.post_transform = ml_post_transform(n);
  return f;
}

bool is_classifier(const Node& n) { return n.op == "TreeEnsembleClassifier"; }

// The forest of any of the three ops, with targets and base values checked.
Forest forest_of(const Node& n) {
  Forest f;
  if (n.op == "TreeEnsemble") {
    f = forest_from_arrays(n);
  } else if (is_classifier(n)) {
    f = forest_from_ids(n, "class_");
    f.targets = static_cast<int64_t>(ml_class_labels(n, "classlabels_int64s").size());
    if (f.targets < 2) n.fail("needs at least 2 class labels");
  } else {
    f = forest_from_ids(n, "target_");
    f.targets = n.attr_int("n_targets", 1);
    f.aggregate = aggregate_from_string(n);
  }
  // The base table and the scratch hold one value per target: a hostile n_targets must not
  // allocate gigabytes before any shape check runs.
  constexpr int64_t kMaxTargets = int64_t{1} << 20;
  if (f.targets < 1 || f.targets > kMaxTargets)
    n.fail("the number of targets " + std::to_string(f.targets) + " is out of range (1 to " + std::to_string(kMaxTargets) + ")");
  for (int32_t t : f.leaf_target)
    if (t >= f.targets) n.fail("a leaf weight is for target " + std::to_string(t) + " of " + std::to_string(f.targets));
  const auto base = static_cast<int64_t>(f.base.size());
  if (base != 0 && base != f.targets && !(is_classifier(n) && f.targets == 2 && base == 1))
    n.fail("has " + std::to_string(base) + " base values for " + std::to_string(f.targets) + " targets");
  check_trees(n, f);
  return f;
}

template <typename S>
NamedTables tables_as(const Forest& f, const Node& n) {
  std::vector<double> base = f.base;
  base.resize(static_cast<size_t>(f.targets), 0.0);
  NamedTables t = {
      ml_table<int32_t>("nodes", f.nodes),           ml_table<S>("splits", f.splits),
      ml_table<int32_t>("roots", f.roots),           ml_table<int32_t>("leaf_start", f.leaf_start),
      ml_table<int32_t>("leaf_target", f.leaf_target), ml_table<S>("leaf_weight", f.leaf_weight),
      ml_table<S>("base", base),                     ml_table<S>("members", f.members)};
  if (is_classifier(n)) t.push_back(ml_table<int64_t>("labels", ml_class_labels(n, "classlabels_int64s")));
  return t;
}

NamedTables tree_tables(const Node& n) {
  const Forest f = forest_of(n);
  return f.is_double ? tables_as<double>(f, n) : tables_as<float>(f, n);
}

void infer_tree(Node& n) {
  auto [rows, features] = ml_numeric_rows(n);
  const Value& x = *n.inputs[0];
  if (n.op == "TreeEnsemble" && !dtype_is_float(x.dtype))
    n.fail(std::string("expects float or double X, got ") + dtype_name(x.dtype));
  const Forest f = forest_of(n);  // cheap next to the walk, and keeps infer free of table decoding
  if (f.max_feature >= features)
    n.fail("a node reads feature " + std::to_string(f.max_feature) + " but X has " + std::to_string(features));
  if (is_classifier(n)) {
    expect_arity(n, 1, n.inputs.size(), 2);
    set_output(n, 0, DType::I64, {rows});
    set_output(n, 1, DType::F32, {rows, f.targets});
  } else {
    expect_arity(n, 1, n.inputs.size(), 1);
    set_output(n, 0, n.op == "TreeEnsemble" ? x.dtype : DType::F32, {rows, f.targets});
  }
}

template <typename T, typename S>
KernelCall tree_call(const Node& n, const Forest& f) {
  const Value& x = *n.inputs[0];
  auto [rows, features] = ml_rows_features(n, x.shape);
  o2m::TreeParams p{i32(n, rows), i32(n, features), i32(n, static_cast<int64_t>(f.roots.size())), i32(n, f.targets),
                    f.aggregate, f.post_transform, i32(n, static_cast<int64_t>(f.base.size()))};
  std::vector<const Value*> ins = {&x};
  for (size_t i = 1; i < n.inputs.size(); ++i) ins.push_back(n.inputs[i]);
  KernelCall c;
  if (is_classifier(n)) {
    bool positive = true;
    for (double w : f.leaf_weight) positive = positive && w >= 0;
    std::vector<int64_t> ids = f.weight_class_ids;
    std::sort(ids.begin(), ids.end());
    const bool one_class = !ids.empty() && ids.front() == ids.back();
    o2m::TreeClassParams cp{p, f.targets == 2 && one_class ? 1 : 0, positive ? 1 : 0};
    c = make_call(O2M_KERNEL2("ml_tree.hpp", o2m::tree_classifier, T, S), "o2m::TreeClassParams", cp, ins,
                  {n.outputs[0], n.outputs[1]});
  } else if (n.op == "TreeEnsemble") {
    if constexpr (!std::is_floating_point_v<T>) n.fail("expects float or double X");
    c = make_call("ml_tree.hpp", "o2m::tree_regressor<" + ctype<T>() + ", " + ctype<S>() + ", " + ctype<T>() + ">",
                  &o2m::tree_regressor<T, S, T>, "o2m::TreeParams", p, ins, {n.outputs[0]});
  } else {
    c = make_call("ml_tree.hpp", "o2m::tree_regressor<" + ctype<T>() + ", " + ctype<S>() + ", float>",
                  &o2m::tree_regressor<T, S, float>, "o2m::TreeParams", p, ins, {n.outputs[0]});
  }
  c.scratch_bytes = o2m::tree_scratch_bytes<S>(p.targets, p.features);
  return c;
}

std::vector<KernelCall> lower_tree(const Node& n) {
  const Forest f = forest_of(n);
  return {visit_ml_input(n, required_input(n, 0).dtype, [&](auto t) {
    using T = decltype(t);
    return f.is_double ? tree_call<T, double>(n, f) : tree_call<T, float>(n, f);
  })};
}

}  // namespace

void register_ml_tree_ops(OpTable& t) {
  const std::pair<const char*, const char*> ops[] = {
      {"TreeEnsemble", "ml 5; float/double X (float16: error); aggregation as ONNX Runtime (AVERAGE divides by the tree count)"},
      {"TreeEnsembleRegressor",
       "int/float/double X, *_as_tensor float64 tables; MIN/MAX with no leaf for a target: 0 + base; one target: only PROBIT applies"},
      {"TreeEnsembleClassifier",
       "int64 labels only (classlabels_strings: error); 2+ classes; scores and one-class binary rules as ONNX "
       "Runtime; 2 classes both with weights: label = larger score (ONNX Runtime 1.30 writes 1 when class 1's score > 0)"}};
  for (const auto& [op, notes] : ops) {
    OpDef d{op, "ai.onnx.ml", infer_tree, lower_tree};
    d.tables = tree_tables;
    d.notes = notes;
    add_op(t, d);
  }
}

}  // namespace onnx2mcu
