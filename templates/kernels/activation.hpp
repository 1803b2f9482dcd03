// The activation functions of the kernels, one code each: the epilogue a Conv (or ConvPool)
// kernel applies to each accumulator before its store, so a following Relu/Clip/... costs no pass
// over memory and no buffer of its own, and the gate functions of RNN/GRU/LSTM (rnn.hpp).
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// The only definition of these codes: the generator prints them as numbers (fused conv
// activations, RnnParams::act), so two definitions would silently disagree.
enum ActKind : int32_t {
  kActNone = 0,
  kActRelu = 1,             // max(v, 0)
  kActClip = 2,             // min(max(v, lo), hi) (clip_value); Relu6 is Clip(0, 6)
  kActLeakyRelu = 3,        // v >= 0 ? v : alpha * v
  kActSigmoid = 4,          // 1 / (1 + exp(-v))
  kActHardSigmoid = 5,      // max(0, min(1, alpha * v + beta))
  kActTanh = 6,             // tanh(v)
  kActAffine = 7,           // alpha * v + beta
  kActThresholdedRelu = 8,  // v > alpha ? v : 0
  kActScaledTanh = 9,       // alpha * tanh(beta * v)
  kActElu = 10,             // v >= 0 ? v : alpha * (exp(v) - 1)
  kActSoftsign = 11,        // v / (1 + |v|)
  kActSoftplus = 12,        // log(1 + exp(v))
};

struct ActParams {
  int32_t kind;  // ActKind
  float lo, hi, alpha, beta;
  O2M_FIELDS(kind, lo, hi, alpha, beta)
};

// The kinds fuse-activation puts into the Conv, ConvPool and PwDw epilogues (1 to 5), which
// call this: the kind is a run-time field, so a switch over every kind would link tanh, expm1
// and log into every convolutional model (about 1.7 kB of flash on Cortex-M). Same formulas,
// in the same order, as the standalone Relu/Clip/LeakyRelu/Sigmoid/HardSigmoid kernels
// (elementwise.hpp), so fusing an activation does not change a result.
template <typename T>
inline T activate_epilogue(const ActParams& a, T v) {
  const T alpha = T(a.alpha), beta = T(a.beta);
  switch (a.kind) {
    case kActRelu: return v < T(0) ? T(0) : v;  // NaN passes, as in Relu
    case kActClip: return clip_value(v, T(a.lo), T(a.hi));
    case kActLeakyRelu: return v >= T(0) ? v : v * alpha;
    case kActSigmoid: return T(1) / (T(1) + exp(-v));
    case kActHardSigmoid: return clip_value(alpha * v + beta, T(0), T(1));
    default: return v;
  }
}

// Every kind: the gate functions of RNN/GRU/LSTM (rnn.hpp).
template <typename T>
inline T activate(const ActParams& a, T v) {
  const T alpha = T(a.alpha), beta = T(a.beta);
  switch (a.kind) {
    case kActTanh: return static_cast<T>(tanh(v));
    case kActAffine: return alpha * v + beta;
    case kActThresholdedRelu: return v > alpha ? v : T(0);
    case kActScaledTanh: return alpha * static_cast<T>(tanh(beta * v));
    case kActElu: return v >= T(0) ? v : alpha * static_cast<T>(exp(v) - T(1));
    case kActSoftsign: return v / (T(1) + (v < T(0) ? -v : v));
    case kActSoftplus: return static_cast<T>(log(T(1) + exp(v)));
    default: return activate_epilogue(a, v);
  }
}

// True when the activation never decreases (a <= b gives act(a) <= act(b)), so it commutes
// with a max: max(act(v)) == act(max(v)), which lets a fused max pool apply it once per window.
// Clip is, for any bounds (lo > hi makes it the constant hi).
inline bool activation_is_monotone(const ActParams& a) {
  switch (a.kind) {
    case kActLeakyRelu:
    case kActHardSigmoid:
    case kActAffine:
    case kActThresholdedRelu:
    case kActElu: return a.alpha >= 0;
    case kActScaledTanh: return a.alpha * a.beta >= 0;
    default: return true;
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
