// The activation a Conv (or ConvPool) kernel applies to each accumulator before its store, so a
// following Relu/Clip/... costs no pass over memory and no buffer of its own.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m {

enum ActKind : int32_t {
  kActNone = 0,
  kActRelu = 1,         // max(v, 0)
  kActClip = 2,         // min(max(v, lo), hi); Relu6 is Clip(0, 6)
  kActLeakyRelu = 3,    // v >= 0 ? v : alpha * v
  kActSigmoid = 4,      // 1 / (1 + exp(-v))
  kActHardSigmoid = 5,  // max(0, min(1, alpha * v + beta))
};

struct ActParams {
  int32_t kind;  // ActKind
  float lo, hi, alpha, beta;
  O2M_FIELDS(kind, lo, hi, alpha, beta)
};

// Same formulas, in the same order, as the standalone Relu/Clip/LeakyRelu/Sigmoid/HardSigmoid
// kernels (elementwise.hpp), so fusing an activation does not change a result.
template <typename T>
inline T activate(const ActParams& a, T v) {
  switch (a.kind) {
    case kActRelu: return v > T(0) ? v : T(0);
    case kActClip: return v < T(a.lo) ? T(a.lo) : (v > T(a.hi) ? T(a.hi) : v);
    case kActLeakyRelu: return v >= T(0) ? v : v * T(a.alpha);
    case kActSigmoid: return T(1) / (T(1) + exp(-v));
    case kActHardSigmoid: return fmax(T(0), fmin(T(1), T(a.alpha) * v + T(a.beta)));
    default: return v;
  }
}

// True when the activation never decreases (a <= b gives act(a) <= act(b)), so it commutes
// with a max: max(act(v)) == act(max(v)), which lets a fused max pool apply it once per window.
inline bool activation_is_monotone(const ActParams& a) {
  switch (a.kind) {
    case kActClip: return a.lo <= a.hi;
    case kActLeakyRelu:
    case kActHardSigmoid: return a.alpha >= 0;
    default: return true;
  }
}

}  // namespace o2m
