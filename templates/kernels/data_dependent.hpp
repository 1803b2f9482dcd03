// NonMaxSuppression and Unique: their output sizes depend on the input values, so onnx2mcu runs
// them only on constant inputs (constant folding, like NonZero); the count functions let the
// shape rule size the outputs with the very code that fills them.
#pragma once
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

struct NmsParams {
  int32_t batches, classes, boxes;  // boxes [batches, boxes, 4], scores [batches, classes, boxes]
  int32_t center_point_box;         // 0: [y1, x1, y2, x2] (any two corners), 1: [x_c, y_c, w, h]
  O2M_FIELDS(batches, classes, boxes, center_point_box)
};

// Corners as ymin, xmin, ymax, xmax.
template <typename T>
inline void nms_corners(const T* b, int32_t center, double* c) {
  const double v0 = static_cast<double>(b[0]), v1 = static_cast<double>(b[1]);
  const double v2 = static_cast<double>(b[2]), v3 = static_cast<double>(b[3]);
  if (center) {
    c[0] = v1 - v3 / 2, c[1] = v0 - v2 / 2, c[2] = v1 + v3 / 2, c[3] = v0 + v2 / 2;
  } else {
    c[0] = v0 < v2 ? v0 : v2, c[1] = v1 < v3 ? v1 : v3, c[2] = v0 < v2 ? v2 : v0, c[3] = v1 < v3 ? v3 : v1;
  }
}

// Intersection over union; 0 when either box is empty.
template <typename T>
inline double nms_iou(const T* a, const T* b, int32_t center) {
  double ca[4], cb[4];
  nms_corners(a, center, ca);
  nms_corners(b, center, cb);
  const double area_a = (ca[2] - ca[0]) * (ca[3] - ca[1]), area_b = (cb[2] - cb[0]) * (cb[3] - cb[1]);
  if (!(area_a > 0) || !(area_b > 0)) return 0.0;
  const double ih = (ca[2] < cb[2] ? ca[2] : cb[2]) - (ca[0] > cb[0] ? ca[0] : cb[0]);
  const double iw = (ca[3] < cb[3] ? ca[3] : cb[3]) - (ca[1] > cb[1] ? ca[1] : cb[1]);
  if (!(ih > 0) || !(iw > 0)) return 0.0;
  return ih * iw / (area_a + area_b - ih * iw);
}

// Greedy selection per batch and class: boxes by descending score (ties: lower index first),
// scores <= score_threshold dropped, a box kept unless its IoU with a kept box is > iou_threshold,
// at most max_out per class. Writes [batch, class, box] triples to y (when not null) and returns
// their count. scratch: 2 * boxes int32.
template <typename T>
inline int32_t nms_select(const NmsParams& p, const T* boxes, const T* scores, int64_t max_out, double iou_threshold,
                          bool use_score_threshold, double score_threshold, int64_t* y, int32_t* scratch) {
  int32_t* order = scratch;
  int32_t* kept = scratch + p.boxes;
  int32_t total = 0;
  for (int32_t b = 0; b < p.batches; ++b)
    for (int32_t c = 0; c < p.classes; ++c) {
      const T* s = scores + (int64_t{b} * p.classes + c) * p.boxes;
      int32_t n = 0;
      for (int32_t i = 0; i < p.boxes; ++i) {
        if (use_score_threshold && !(static_cast<double>(s[i]) > score_threshold)) continue;
        int32_t at = n++;  // insertion sort, stable for equal scores
        while (at > 0 && s[order[at - 1]] < s[i]) {
          order[at] = order[at - 1];
          --at;
        }
        order[at] = i;
      }
      int32_t n_kept = 0;
      for (int32_t k = 0; k < n && n_kept < max_out; ++k) {
        const T* box = boxes + (int64_t{b} * p.boxes + order[k]) * 4;
        bool keep = true;
        for (int32_t j = 0; j < n_kept && keep; ++j)
          keep = !(nms_iou(box, boxes + (int64_t{b} * p.boxes + kept[j]) * 4, p.center_point_box) > iou_threshold);
        if (!keep) continue;
        kept[n_kept++] = order[k];
        if (y) {
          y[3 * total] = b;
          y[3 * total + 1] = c;
          y[3 * total + 2] = order[k];
        }
        ++total;
      }
    }
  return total;
}

// The op's signature: the optional scalar inputs may be null (defaults 0, 0, no threshold).
template <typename T>
inline void non_max_suppression(const NmsParams& p, const T* boxes, const T* scores, const int64_t* max_out,
                                const float* iou, const float* score, int64_t* y, void* scratch) {
  nms_select(p, boxes, scores, max_out ? max_out[0] : 0, iou ? static_cast<double>(iou[0]) : 0.0, score != nullptr,
             score ? static_cast<double>(score[0]) : 0.0, y, static_cast<int32_t*>(scratch));
}

struct UniqueParams {
  int32_t outer, len, inner;  // x viewed as [outer, len, inner]; slices along len are compared
  int32_t sorted;             // 1: ascending (lexicographic over a slice), 0: order of first occurrence
  O2M_FIELDS(outer, len, inner, sorted)
};

// -1, 0 or 1 comparing slices a and b (NaNs compare equal to everything, so they do not split).
template <typename T>
inline int unique_compare(const UniqueParams& p, const T* x, int32_t a, int32_t b) {
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      const T va = x[(int64_t{o} * p.len + a) * p.inner + i], vb = x[(int64_t{o} * p.len + b) * p.inner + i];
      if (va < vb) return -1;
      if (vb < va) return 1;
    }
  return 0;
}

// Fills first[] with the slice index of each distinct slice's first occurrence, in output order,
// and returns how many there are. first: len int32.
template <typename T>
inline int32_t unique_slices(const UniqueParams& p, const T* x, int32_t* first) {
  int32_t n = 0;
  for (int32_t s = 0; s < p.len; ++s) {
    bool seen = false;
    for (int32_t j = 0; j < n && !seen; ++j) seen = unique_compare(p, x, first[j], s) == 0;
    if (!seen) first[n++] = s;
  }
  if (p.sorted)  // insertion sort by value; first occurrences are distinct, so the order is total
    for (int32_t k = 1; k < n; ++k)
      for (int32_t at = k; at > 0 && unique_compare(p, x, first[at - 1], first[at]) > 0; --at) {
        const int32_t t = first[at];
        first[at] = first[at - 1];
        first[at - 1] = t;
      }
  return n;
}

// y: [outer, count, inner]; indices, inverse (len) and counts may each be null. scratch: len int32.
template <typename T>
inline void unique(const UniqueParams& p, const T* x, T* y, int64_t* indices, int64_t* inverse, int64_t* counts,
                   void* scratch) {
  int32_t* first = static_cast<int32_t*>(scratch);
  const int32_t n = unique_slices(p, x, first);
  for (int32_t k = 0; k < n; ++k) {
    for (int32_t o = 0; o < p.outer; ++o)
      for (int32_t i = 0; i < p.inner; ++i)
        y[(int64_t{o} * n + k) * p.inner + i] = x[(int64_t{o} * p.len + first[k]) * p.inner + i];
    if (indices) indices[k] = first[k];
    if (counts) counts[k] = 0;
  }
  for (int32_t s = 0; s < p.len; ++s)
    for (int32_t k = 0; k < n; ++k)
      if (unique_compare(p, x, first[k], s) == 0) {
        if (inverse) inverse[s] = k;
        if (counts) ++counts[k];
        break;
      }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
