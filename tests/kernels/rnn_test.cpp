// o2m::rnn (RNN, GRU, LSTM) against a direct double-precision transcription of the ONNX
// equations, over directions, layouts, sequence lengths, initial states, peepholes,
// linear_before_reset, input_forget, clip and non-default activations.
// Tolerance: 1e-5 relative (+1e-5 absolute).
#include "kernels/rnn.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace {

using Vec = std::vector<double>;

struct Case {
  int cell, seq, batch, input, hidden, dirs, reverse, layout;
  bool bias, seq_lens, init, peep;
  int linear_before_reset, input_forget;
  float clip;
  std::vector<int> acts;  // per direction, empty: the cell's defaults
  std::vector<float> alpha, beta;
};

double act(int kind, double a, double b, double x) {
  switch (kind) {
    case o2m::kActTanh: return std::tanh(x);
    case o2m::kActRelu: return std::max(0.0, x);
    case o2m::kActAffine: return a * x + b;
    case o2m::kActLeakyRelu: return x >= 0 ? x : a * x;
    case o2m::kActThresholdedRelu: return x > a ? x : 0;
    case o2m::kActScaledTanh: return a * std::tanh(b * x);
    case o2m::kActHardSigmoid: return std::min(1.0, std::max(0.0, a * x + b));
    case o2m::kActElu: return x >= 0 ? x : a * (std::exp(x) - 1);
    case o2m::kActSoftsign: return x / (1 + std::fabs(x));
    case o2m::kActSoftplus: return std::log(1 + std::exp(x));
    default: return 1 / (1 + std::exp(-x));
  }
}

void check(const Case& c, uint32_t seed) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  auto rnd = [&](size_t n) {
    std::vector<float> v(n);
    for (float& f : v) f = dist(rng);
    return v;
  };
  const int G = c.cell == o2m::kCellLstm ? 4 : c.cell == o2m::kCellGru ? 3 : 1, H = c.hidden, D = c.dirs;
  const int per_dir = c.cell == o2m::kCellLstm ? 3 : c.cell == o2m::kCellGru ? 2 : 1;
  o2m::RnnParams p{};
  p.cell = c.cell, p.seq = c.seq, p.batch = c.batch, p.input = c.input, p.hidden = H, p.dirs = D;
  p.reverse = c.reverse, p.layout = c.layout, p.linear_before_reset = c.linear_before_reset;
  p.input_forget = c.input_forget, p.clip = c.clip;
  const std::vector<int> defaults = c.cell == o2m::kCellLstm ? std::vector<int>{o2m::kActSigmoid, o2m::kActTanh, o2m::kActTanh}
                                    : c.cell == o2m::kCellGru ? std::vector<int>{o2m::kActSigmoid, o2m::kActTanh}
                                                              : std::vector<int>{o2m::kActTanh};
  for (int k = 0; k < D * per_dir; ++k) {
    p.act[k] = c.acts.empty() ? defaults[size_t(k % per_dir)] : c.acts[size_t(k % per_dir)];
    p.act_alpha[k] = c.alpha.empty() ? 0 : c.alpha[size_t(k % per_dir)];
    p.act_beta[k] = c.beta.empty() ? 0 : c.beta[size_t(k % per_dir)];
  }
  std::vector<float> x = rnd(size_t(c.seq * c.batch * c.input)), w = rnd(size_t(D * G * H * c.input)),
                     r = rnd(size_t(D * G * H * H)), b = rnd(size_t(D * 2 * G * H)), h0 = rnd(size_t(D * c.batch * H)),
                     c0 = rnd(size_t(D * c.batch * H)), pp = rnd(size_t(D * 3 * H));
  std::vector<int32_t> lens(size_t(c.batch));
  for (int i = 0; i < c.batch; ++i) lens[size_t(i)] = c.seq_lens ? 1 + i % c.seq : c.seq;
  std::vector<float> y(size_t(c.seq * D * c.batch * H), NAN), yh(size_t(D * c.batch * H), NAN), yc(yh.size(), NAN);
  std::vector<uint8_t> scratch(size_t(o2m::rnn_scratch_bytes<float>(p)));
  const bool lstm = c.cell == o2m::kCellLstm;
  o2m::rnn<float>(p, x.data(), w.data(), r.data(), c.bias ? b.data() : nullptr, c.seq_lens ? lens.data() : nullptr,
                  c.init ? h0.data() : nullptr, c.init && lstm ? c0.data() : nullptr, c.peep ? pp.data() : nullptr,
                  y.data(), yh.data(), lstm ? yc.data() : nullptr, scratch.data());

  // Reference, straight from the ONNX operator definitions.
  auto X = [&](int t, int bi, int k) { return double(x[size_t(c.layout ? (bi * c.seq + t) * c.input + k : (t * c.batch + bi) * c.input + k)]); };
  auto st = [&](int d, int bi) { return size_t(c.layout ? (bi * D + d) * H : (d * c.batch + bi) * H); };
  auto yi = [&](int t, int d, int bi) { return size_t(c.layout ? ((bi * c.seq + t) * D + d) * H : ((t * D + d) * c.batch + bi) * H); };
  Vec ry(y.size(), 0.0), ryh(yh.size()), ryc(yc.size());
  for (int d = 0; d < D; ++d) {
    auto f = [&](int which, double v) {
      const int k = d * per_dir + which;
      if (c.clip > 0) v = std::min<double>(c.clip, std::max<double>(-c.clip, v));
      return act(p.act[k], p.act_alpha[k], p.act_beta[k], v);
    };
    // Gate g's pre-activation from the input, or from a hidden vector, with one bias.
    auto wx = [&](int g, int j, int t, int bi) {
      double s = c.bias ? b[size_t(d * 2 * G * H + g * H + j)] : 0;
      for (int k = 0; k < c.input; ++k) s += X(t, bi, k) * w[size_t(((d * G + g) * H + j) * c.input + k)];
      return s;
    };
    auto rh = [&](int g, int j, const Vec& h) {
      double s = c.bias ? b[size_t(d * 2 * G * H + G * H + g * H + j)] : 0;
      for (int k = 0; k < H; ++k) s += h[size_t(k)] * r[size_t(((d * G + g) * H + j) * H + k)];
      return s;
    };
    for (int bi = 0; bi < c.batch; ++bi) {
      Vec h(static_cast<size_t>(H)), cc(static_cast<size_t>(H));
      for (int j = 0; j < H; ++j) {
        h[size_t(j)] = c.init ? h0[st(d, bi) + size_t(j)] : 0;
        cc[size_t(j)] = c.init && lstm ? c0[st(d, bi) + size_t(j)] : 0;
      }
      const int len = lens[size_t(bi)];
      for (int s = 0; s < len; ++s) {
        const int t = (d == 1 || c.reverse) ? len - 1 - s : s;
        Vec nh(static_cast<size_t>(H)), nc(static_cast<size_t>(H));
        for (int j = 0; j < H; ++j) {
          if (c.cell == o2m::kCellRnn) {
            nh[size_t(j)] = f(0, wx(0, j, t, bi) + rh(0, j, h));
          } else if (c.cell == o2m::kCellGru) {  // gates z, r, h
            const double z = f(0, wx(0, j, t, bi) + rh(0, j, h));
            double cand;
            if (c.linear_before_reset) {
              const double rr = f(0, wx(1, j, t, bi) + rh(1, j, h));
              cand = f(1, wx(2, j, t, bi) + rr * rh(2, j, h));
            } else {
              Vec rhv(static_cast<size_t>(H));
              for (int k = 0; k < H; ++k) rhv[size_t(k)] = f(0, wx(1, k, t, bi) + rh(1, k, h)) * h[size_t(k)];
              cand = f(1, wx(2, j, t, bi) + rh(2, j, rhv));
            }
            nh[size_t(j)] = (1 - z) * cand + z * h[size_t(j)];
          } else {  // gates i, o, f, c; peepholes i, o, f
            const double pi = c.peep ? pp[size_t(d * 3 * H + j)] : 0, po = c.peep ? pp[size_t(d * 3 * H + H + j)] : 0,
                         pf = c.peep ? pp[size_t(d * 3 * H + 2 * H + j)] : 0;
            const double i = f(0, wx(0, j, t, bi) + rh(0, j, h) + pi * cc[size_t(j)]);
            const double fg = c.input_forget ? 1 - i : f(0, wx(2, j, t, bi) + rh(2, j, h) + pf * cc[size_t(j)]);
            const double g = f(1, wx(3, j, t, bi) + rh(3, j, h));
            nc[size_t(j)] = fg * cc[size_t(j)] + i * g;
            const double o = f(0, wx(1, j, t, bi) + rh(1, j, h) + po * nc[size_t(j)]);
            nh[size_t(j)] = o * f(2, nc[size_t(j)]);
          }
        }
        h = nh;
        if (lstm) cc = nc;
        for (int j = 0; j < H; ++j) ry[yi(t, d, bi) + size_t(j)] = h[size_t(j)];
      }
      for (int j = 0; j < H; ++j) {
        ryh[st(d, bi) + size_t(j)] = h[size_t(j)];
        ryc[st(d, bi) + size_t(j)] = cc[size_t(j)];
      }
    }
  }
  for (size_t i = 0; i < y.size(); ++i) ASSERT_NEAR(y[i], ry[i], 1e-5 * std::fabs(ry[i]) + 1e-5) << "Y at " << i;
  for (size_t i = 0; i < yh.size(); ++i) ASSERT_NEAR(yh[i], ryh[i], 1e-5 * std::fabs(ryh[i]) + 1e-5) << "Y_h at " << i;
  if (lstm) {
    for (size_t i = 0; i < yc.size(); ++i) ASSERT_NEAR(yc[i], ryc[i], 1e-5 * std::fabs(ryc[i]) + 1e-5) << "Y_c at " << i;
  }
}

//        cell            seq batch in  hid dirs rev layout bias  lens   init   peep   lbr if  clip
TEST(Rnn, Simple) {
  check({o2m::kCellRnn, 4, 2, 3, 5, 1, 0, 0, true, false, false, false, 0, 0, 0, {}, {}, {}}, 1);
  check({o2m::kCellRnn, 5, 3, 2, 4, 2, 0, 1, true, true, true, false, 0, 0, 0, {}, {}, {}}, 2);
  check({o2m::kCellRnn, 3, 2, 3, 3, 1, 1, 0, false, false, true, false, 0, 0, 0, {o2m::kActRelu}, {}, {}}, 3);
}

TEST(Rnn, Gru) {
  check({o2m::kCellGru, 4, 2, 3, 5, 1, 0, 0, true, false, false, false, 0, 0, 0, {}, {}, {}}, 11);
  check({o2m::kCellGru, 4, 2, 3, 5, 1, 0, 0, true, false, true, false, 1, 0, 0, {}, {}, {}}, 12);
  check({o2m::kCellGru, 5, 3, 2, 4, 2, 0, 1, true, true, true, false, 1, 0, 0, {}, {}, {}}, 13);
  check({o2m::kCellGru, 3, 2, 4, 3, 1, 1, 0, true, true, false, false, 0, 0, 0.5f, {}, {}, {}}, 14);
  check({o2m::kCellGru, 3, 2, 4, 3, 1, 0, 0, true, false, false, false, 0, 0, 0,
         {o2m::kActHardSigmoid, o2m::kActScaledTanh}, {0.3f, 1.5f}, {0.4f, 0.7f}}, 15);
}

TEST(Rnn, Lstm) {
  check({o2m::kCellLstm, 4, 2, 3, 5, 1, 0, 0, true, false, false, false, 0, 0, 0, {}, {}, {}}, 21);
  check({o2m::kCellLstm, 4, 2, 3, 5, 1, 0, 0, true, false, true, true, 0, 0, 0, {}, {}, {}}, 22);
  check({o2m::kCellLstm, 5, 3, 2, 4, 2, 0, 0, true, true, true, true, 0, 0, 0, {}, {}, {}}, 23);
  check({o2m::kCellLstm, 5, 3, 2, 4, 2, 0, 1, false, true, true, false, 0, 0, 0, {}, {}, {}}, 24);
  check({o2m::kCellLstm, 3, 1, 3, 2, 1, 1, 0, true, false, false, false, 0, 1, 0.8f, {}, {}, {}}, 25);
  check({o2m::kCellLstm, 3, 2, 3, 2, 1, 0, 0, true, false, true, false, 0, 0, 0,
         {o2m::kActSigmoid, o2m::kActLeakyRelu, o2m::kActSoftsign}, {0, 0.1f, 0}, {}}, 26);
}

}  // namespace
