// RNN, GRU and LSTM (ONNX semantics): forward, reverse or bidirectional, optional biases,
// sequence lengths, initial states, LSTM peepholes and input_forget, GRU linear_before_reset,
// any of the ONNX activation functions, clip, and both layouts. The hidden and cell states and
// the gate pre-activations live in scratch memory (rnn_scratch_bytes).
#pragma once
#include <math.h>

#include "activation.hpp"  // ActKind: the gate functions
#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

enum RnnCell { kCellRnn, kCellGru, kCellLstm };

constexpr int kMaxRnnActivations = 6;  // 3 per direction (LSTM), 2 directions

struct RnnParams {
  int32_t cell;
  int32_t seq, batch, input, hidden;
  int32_t dirs;     // 1 or 2
  int32_t reverse;  // one direction, running from the last step back to the first
  int32_t layout;   // 0: X [seq, batch, input]; 1: X [batch, seq, input] (and Y, Y_h, Y_c likewise)
  int32_t linear_before_reset, input_forget;
  float clip;  // 0: no clipping of the gate pre-activations
  int32_t act[kMaxRnnActivations];  // ActKind per direction: f, g, h (LSTM), f, g (GRU), f (RNN)
  float act_alpha[kMaxRnnActivations], act_beta[kMaxRnnActivations];
  O2M_FIELDS(cell, seq, batch, input, hidden, dirs, reverse, layout, linear_before_reset, input_forget, clip, act,
             act_alpha, act_beta)
};

inline int32_t rnn_gates(const RnnParams& p) { return p.cell == kCellLstm ? 4 : p.cell == kCellGru ? 3 : 1; }

// Hidden and cell state for every batch row, the gates of one row, and one more hidden vector.
template <typename T>
inline int32_t rnn_scratch_bytes(const RnnParams& p) {
  return (2 * p.batch * p.hidden + (rnn_gates(p) + 1) * p.hidden) * static_cast<int32_t>(sizeof(T));
}

// One activation of direction d: index 0 = f, 1 = g, 2 = h.
template <typename T>
inline T rnn_act(const RnnParams& p, int32_t d, int32_t which, T x) {
  if (p.clip > 0.0f) {
    const T c = static_cast<T>(p.clip);
    x = clip_value(x, clip_low(-c, c), c);
  }
  const int32_t k = d * (p.cell == kCellLstm ? 3 : p.cell == kCellGru ? 2 : 1) + which;
  return activate(ActParams{p.act[k], 0.0f, 0.0f, p.act_alpha[k], p.act_beta[k]}, x);
}

// acc[j] += sum_k v[k] * m[j * n + k] for j < rows: one gate block of W or R.
template <typename T>
inline void rnn_matvec(const T* m, const T* v, int32_t rows, int32_t n, T* acc) {
  for (int32_t j = 0; j < rows; ++j) {
    const T* mr = m + j * n;
    T s = T(0);
    for (int32_t k = 0; k < n; ++k) s += mr[k] * v[k];
    acc[j] += s;
  }
}

// x [seq, batch, input] (layout 0); w [dirs, gates*hidden, input]; r [dirs, gates*hidden, hidden];
// b [dirs, 2*gates*hidden] or nullptr; seq_lens [batch] or nullptr; initial_h / initial_c
// [dirs, batch, hidden] or nullptr; peep [dirs, 3*hidden] (LSTM) or nullptr. Outputs may be
// nullptr: y [seq, dirs, batch, hidden], y_h / y_c [dirs, batch, hidden].
template <typename T>
inline void rnn(const RnnParams& p, const T* x, const T* w, const T* r, const T* b, const int32_t* seq_lens,
                const T* initial_h, const T* initial_c, const T* peep, T* y, T* y_h, T* y_c, void* scratch) {
  const int32_t H = p.hidden, G = rnn_gates(p), BH = p.batch * H;
  T* hs = static_cast<T*>(scratch);
  T* cs = hs + BH;
  T* gate = cs + BH;
  T* tmp = gate + G * H;
  // Offsets of [dirs, batch, hidden] states and of the time-major / batch-major tensors.
  auto state_at = [&](int32_t d, int32_t bi) { return p.layout ? (bi * p.dirs + d) * H : (d * p.batch + bi) * H; };
  auto x_at = [&](int32_t t, int32_t bi) { return p.layout ? (bi * p.seq + t) * p.input : (t * p.batch + bi) * p.input; };
  auto y_at = [&](int32_t t, int32_t d, int32_t bi) {
    return p.layout ? ((bi * p.seq + t) * p.dirs + d) * H : ((t * p.dirs + d) * p.batch + bi) * H;
  };
  for (int32_t d = 0; d < p.dirs; ++d) {
    const bool backward = d == 1 || p.reverse;
    const T* wd = w + d * G * H * p.input;
    const T* rd = r + d * G * H * H;
    const T* wb = b ? b + d * 2 * G * H : nullptr;
    const T* rb = b ? wb + G * H : nullptr;
    const T* pd = peep ? peep + d * 3 * H : nullptr;
    for (int32_t bi = 0; bi < p.batch; ++bi)
      for (int32_t j = 0; j < H; ++j) {
        hs[bi * H + j] = initial_h ? initial_h[state_at(d, bi) + j] : T(0);
        cs[bi * H + j] = initial_c ? initial_c[state_at(d, bi) + j] : T(0);
      }
    for (int32_t s = 0; s < p.seq; ++s) {
      for (int32_t bi = 0; bi < p.batch; ++bi) {
        const int32_t len = seq_lens ? seq_lens[bi] : p.seq;
        if (s >= len) {  // past this row's sequence: zero output, state kept
          if (y)
            for (int32_t j = 0; j < H; ++j) y[y_at(s, d, bi) + j] = T(0);
          continue;
        }
        const int32_t t = backward ? len - 1 - s : s;
        const T* xt = x + x_at(t, bi);
        T* h = hs + bi * H;
        T* c = cs + bi * H;
        // Both biases, except GRU's recurrent candidate bias Rbh, which goes with R * h below.
        const int32_t both = p.cell == kCellGru ? 2 * H : G * H;
        for (int32_t j = 0; j < G * H; ++j) gate[j] = wb ? wb[j] + (j < both ? rb[j] : T(0)) : T(0);
        rnn_matvec(wd, xt, G * H, p.input, gate);
        if (p.cell == kCellGru) {
          // z and r see R * h; the candidate's recurrent term depends on linear_before_reset.
          rnn_matvec(rd, h, 2 * H, H, gate);
          for (int32_t j = 0; j < 2 * H; ++j) gate[j] = rnn_act(p, d, 0, gate[j]);
          const T* zt = gate;
          const T* rt = gate + H;
          T* ht = gate + 2 * H;
          if (p.linear_before_reset) {  // ht += rt * (Rh h + Rbh)
            for (int32_t j = 0; j < H; ++j) tmp[j] = rb ? rb[2 * H + j] : T(0);
            rnn_matvec(rd + 2 * H * H, h, H, H, tmp);
            for (int32_t j = 0; j < H; ++j) ht[j] += rt[j] * tmp[j];
          } else {  // ht += Rh (rt * h) + Rbh
            for (int32_t j = 0; j < H; ++j) tmp[j] = rt[j] * h[j], ht[j] += rb ? rb[2 * H + j] : T(0);
            rnn_matvec(rd + 2 * H * H, tmp, H, H, ht);
          }
          for (int32_t j = 0; j < H; ++j) {
            const T cand = rnn_act(p, d, 1, ht[j]);
            h[j] = (T(1) - zt[j]) * cand + zt[j] * h[j];
          }
        } else if (p.cell == kCellLstm) {
          rnn_matvec(rd, h, G * H, H, gate);  // gate blocks: i, o, f, c
          T* it = gate;
          T* ot = gate + H;
          T* ft = gate + 2 * H;
          T* ct = gate + 3 * H;
          for (int32_t j = 0; j < H; ++j) {
            const T i_ = rnn_act(p, d, 0, it[j] + (pd ? pd[j] * c[j] : T(0)));
            const T f_ = p.input_forget ? T(1) - i_ : rnn_act(p, d, 0, ft[j] + (pd ? pd[2 * H + j] * c[j] : T(0)));
            const T c_ = rnn_act(p, d, 1, ct[j]);
            c[j] = f_ * c[j] + i_ * c_;
            const T o_ = rnn_act(p, d, 0, ot[j] + (pd ? pd[H + j] * c[j] : T(0)));
            h[j] = o_ * rnn_act(p, d, 2, c[j]);
          }
        } else {
          rnn_matvec(rd, h, H, H, gate);
          for (int32_t j = 0; j < H; ++j) h[j] = rnn_act(p, d, 0, gate[j]);
        }
        if (y)
          for (int32_t j = 0; j < H; ++j) y[y_at(t, d, bi) + j] = h[j];
      }
    }
    for (int32_t bi = 0; bi < p.batch; ++bi)
      for (int32_t j = 0; j < H; ++j) {
        if (y_h) y_h[state_at(d, bi) + j] = hs[bi * H + j];
        if (y_c) y_c[state_at(d, bi) + j] = cs[bi * H + j];
      }
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
