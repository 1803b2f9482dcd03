// Tree ensembles of ai.onnx.ml (TreeEnsemble-5, TreeEnsembleRegressor, TreeEnsembleClassifier),
// evaluated from const tables the generator builds from the attributes (flash, no heap):
//   nodes   int32 [n_nodes][4]: feature, mode (| kTreeMissingTrue), true child, false child;
//           a child >= 0 is a node index, a child < 0 is leaf ~child
//   splits  S [n_nodes]: the threshold; for BRANCH_MEMBER the offset of the node's set in
//           `members` (a run of values ended by NaN)
//   roots   int32 [trees]: each tree's first node (or ~leaf for a tree that is one leaf)
//   leaf_start int32 [n_leaves + 1], leaf_target int32 [n_weights], leaf_weight S [n_weights]
//   base    S [targets]: base values (zeros when the model has none)
// Aggregation and the classifier's label and scores follow ONNX Runtime (tree_ensemble_*.h).
#pragma once
#include <math.h>

#include "common.hpp"
#include "ml_common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Node comparisons, numbered as TreeEnsemble-5's nodes_modes.
enum : int32_t { kTreeLeq = 0, kTreeLt = 1, kTreeGte = 2, kTreeGt = 3, kTreeEq = 4, kTreeNeq = 5, kTreeMember = 6 };
constexpr int32_t kTreeMissingTrue = 8;  // or-ed into the mode: a NaN feature takes the true branch
enum : int32_t { kAggAverage = 0, kAggSum = 1, kAggMin = 2, kAggMax = 3 };

struct TreeParams {
  int32_t rows, features;  // X viewed as [rows, features]
  int32_t trees, targets;  // targets = classes for the classifier
  int32_t aggregate;       // kAgg*
  int32_t post_transform;  // kPost*
  int32_t base_count;      // base values the model gives: 0, 1 or targets (the classifier's binary rules read it)
  O2M_FIELDS(rows, features, trees, targets, aggregate, post_transform, base_count)
};

// The leaf x reaches from node `at` (>= 0) or the leaf ~at.
template <typename S>
inline int32_t tree_leaf(const int32_t* nodes, const S* splits, const S* members, int32_t at, const S* x) {
  while (at >= 0) {
    const int32_t* nd = nodes + 4 * at;
    const S v = x[nd[0]];
    const int32_t mode = nd[1] & ~kTreeMissingTrue;
    bool go_true;
    if (v != v) {
      go_true = (nd[1] & kTreeMissingTrue) != 0 || mode == kTreeNeq;
    } else {
      const S t = splits[at];
      switch (mode) {
        case kTreeLeq: go_true = v <= t; break;
        case kTreeLt: go_true = v < t; break;
        case kTreeGte: go_true = v >= t; break;
        case kTreeGt: go_true = v > t; break;
        case kTreeEq: go_true = v == t; break;
        case kTreeNeq: go_true = v != t; break;
        default: {  // kTreeMember
          go_true = false;
          for (const S* m = members + static_cast<int32_t>(t); *m == *m; ++m) go_true = go_true || *m == v;
        }
      }
    }
    at = go_true ? nd[2] : nd[3];
  }
  return ~at;
}

// Working memory of one row: the row converted to S, and per target the aggregate and
// whether some leaf wrote it.
template <typename S>
struct TreeRow {
  S* acc;
  S* x;
  uint8_t* has;
  TreeRow(void* scratch, int32_t targets, int32_t features)
      : acc(static_cast<S*>(scratch)), x(acc + targets), has(reinterpret_cast<uint8_t*>(x + features)) {}
};

// Walks every tree for row x_row and aggregates its leaf weights into w.acc / w.has.
template <typename T, typename S>
inline void tree_accumulate(const TreeParams& p, const int32_t* nodes, const S* splits, const int32_t* roots,
                            const int32_t* leaf_start, const int32_t* leaf_target, const S* leaf_weight,
                            const S* members, const T* x_row, TreeRow<S>& w) {
  for (int32_t f = 0; f < p.features; ++f) w.x[f] = static_cast<S>(x_row[f]);
  for (int32_t t = 0; t < p.targets; ++t) {
    w.acc[t] = S(0);
    w.has[t] = 0;
  }
  for (int32_t tr = 0; tr < p.trees; ++tr) {
    const int32_t leaf = tree_leaf(nodes, splits, members, roots[tr], w.x);
    for (int32_t i = leaf_start[leaf]; i < leaf_start[leaf + 1]; ++i) {
      const int32_t t = leaf_target[i];
      const S v = leaf_weight[i];
      if (p.aggregate == kAggMin) w.acc[t] = !w.has[t] || v < w.acc[t] ? v : w.acc[t];
      else if (p.aggregate == kAggMax) w.acc[t] = !w.has[t] || v > w.acc[t] ? v : w.acc[t];
      else w.acc[t] += v;
      w.has[t] = 1;
    }
  }
}

// Scratch (TreeRow): targets * (sizeof(S) + 1) + features * sizeof(S) bytes.
template <typename S>
constexpr int32_t tree_scratch_bytes(int32_t targets, int32_t features) {
  return targets * static_cast<int32_t>(sizeof(S)) + features * static_cast<int32_t>(sizeof(S)) + targets;
}

// TreeEnsemble-5 and TreeEnsembleRegressor: y [rows, targets].
template <typename T, typename S, typename O>
inline void tree_regressor(const TreeParams& p, const T* x, const int32_t* nodes, const S* splits, const int32_t* roots,
                           const int32_t* leaf_start, const int32_t* leaf_target, const S* leaf_weight, const S* base,
                           const S* members, O* y, void* scratch) {
  TreeRow<S> w(scratch, p.targets, p.features);
  const S* acc = w.acc;
  const uint8_t* has = w.has;
  for (int32_t r = 0; r < p.rows; ++r) {
    tree_accumulate(p, nodes, splits, roots, leaf_start, leaf_target, leaf_weight, members, x + r * p.features, w);
    O* out = y + r * p.targets;
    for (int32_t t = 0; t < p.targets; ++t) {
      S v = acc[t];
      if (p.aggregate == kAggAverage) v = v / static_cast<S>(p.trees);
      if (!has[t]) v = S(0);
      out[t] = static_cast<O>(v + (p.base_count ? base[t] : S(0)));
    }
    ml_transform_row(p.post_transform, out, p.targets);
  }
}

// TreeEnsembleClassifier: label [rows] (class index into `labels`) and scores z [rows, targets]
// (targets = classes, at least 2 columns). Sums the leaf weights; the binary rules (2 classes)
// are ONNX Runtime's: when every weight is for one class the single score s becomes two
// ([1 - s, s] when all weights are >= 0, threshold 0.5; else signed, threshold 0); when both
// classes have weights, the label is the larger score.
struct TreeClassParams {
  TreeParams tree;
  int32_t binary;            // 2 classes and every weight is for one class id
  int32_t weights_positive;  // every class weight >= 0
  O2M_FIELDS(tree, binary, weights_positive)
};

template <typename T, typename S>
inline void tree_classifier(const TreeClassParams& cp, const T* x, const int32_t* nodes, const S* splits,
                            const int32_t* roots, const int32_t* leaf_start, const int32_t* leaf_target,
                            const S* leaf_weight, const S* base, const S* members, const int64_t* labels,
                            int64_t* label, float* z, void* scratch) {
  const TreeParams& p = cp.tree;
  TreeRow<S> w(scratch, p.targets, p.features);
  S* acc = w.acc;
  uint8_t* has = w.has;
  for (int32_t r = 0; r < p.rows; ++r) {
    tree_accumulate(p, nodes, splits, roots, leaf_start, leaf_target, leaf_weight, members, x + r * p.features, w);
    float* out = z + r * p.targets;
    if (p.targets > 2) {
      for (int32_t c = 0; c < p.base_count; ++c) {
        acc[c] += base[c];
        has[c] = 1;
      }
      int32_t best = -1;
      for (int32_t c = 0; c < p.targets; ++c)
        if (has[c] && (best < 0 || acc[c] > acc[best])) best = c;
      label[r] = labels[best < 0 ? 0 : best];
      for (int32_t c = 0; c < p.targets; ++c) out[c] = static_cast<float>(acc[c]);
      ml_transform_row(p.post_transform, out, p.targets);
      continue;
    }
    // Two classes.
    int32_t scores = 2;
    int32_t second = -1;  // how one score becomes two: kSecond*, or -1 = column 0 only
    if (p.base_count == 2) {
      if (has[1]) {
        acc[1] = base[1] + acc[0];  // ONNX Runtime's rule: base[0] unused, class 0 = -class 1
        acc[0] = -acc[1];
      } else {
        acc[1] += base[1];
        acc[0] += base[0];
      }
    } else if (p.base_count == 1) {
      acc[0] += base[0];
      if (!has[1]) scores = 1;
    } else {
      second = kSecondSigned;
      if (!has[1]) scores = 1;
    }
    const S pos = scores == 2 && has[1] ? acc[1] : has[0] ? acc[0] : S(0);
    bool positive;
    if (cp.binary) {
      positive = cp.weights_positive ? pos > S(0.5) : pos > S(0);
      second = cp.weights_positive ? kSecondProbability : kSecondSigned;
    } else {
      // Both classes carry weights: the larger score wins, as in the ONNX reference. (ONNX
      // Runtime 1.30 writes the literal label 1 whenever class 1's score is > 0, even for
      // probabilities of 0.1, and that is not always a class label.)
      positive = has[1] && (!has[0] || acc[1] > acc[0]);
    }
    label[r] = labels[positive ? 1 : 0];
    if (scores == 2) {
      out[0] = static_cast<float>(acc[0]);
      out[1] = static_cast<float>(acc[1]);
      ml_transform_row(p.post_transform, out, 2);
    } else if (second >= 0) {
      ml_two_scores(p.post_transform, second, static_cast<float>(acc[0]), out);
    } else {
      out[0] = p.post_transform == kPostProbit ? ml_probit(static_cast<float>(acc[0])) : static_cast<float>(acc[0]);
      out[1] = 0;
    }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
