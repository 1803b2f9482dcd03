// templates/kernels/signal.hpp against naive double-precision references: the DFT written as
// the textbook complex sum with std::complex and std::polar (forward, inverse, one-sided, IRFFT
// as numpy's Hermitian extension, zero-padding and truncation to dft_length), STFT as that DFT
// of each windowed frame, and MelWeightMatrix as ONNX's reference builds it.
// Tolerance: 1e-5 relative + 1e-4 absolute (float outputs of sums of up to ~30 terms of size <= 1).
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "kernels/signal.hpp"

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

std::vector<float> random_floats(std::mt19937& rng, size_t count) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(count);
  for (float& f : v) f = dist(rng);
  return v;
}

void expect_close(const std::vector<float>& got, const std::vector<double>& ref) {
  ASSERT_EQ(got.size(), ref.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], ref[i], 1e-5 * std::fabs(ref[i]) + 1e-4) << "at " << i;
}

// Full complex DFT of a line of length N (input zero-padded or cut to N).
std::vector<cd> ref_dft(const std::vector<cd>& line, int n, bool inverse) {
  std::vector<cd> out(static_cast<size_t>(n));
  for (int k = 0; k < n; ++k) {
    cd acc = 0;
    for (int t = 0; t < n && t < int(line.size()); ++t)
      acc += line[size_t(t)] * std::polar(1.0, (inverse ? 2 : -2) * kPi * k * t / n);
    out[size_t(k)] = inverse ? acc / double(n) : acc;
  }
  return out;
}

struct DftCase {
  int outer, n_in, inner, length;
  bool complex_in, inverse, onesided;
};

void check_dft(const DftCase& c, std::mt19937& rng) {
  const int cin = c.complex_in ? 2 : 1;
  const bool irfft = c.onesided && c.inverse;
  const std::vector<float> x = random_floats(rng, size_t(c.outer * c.n_in * c.inner * cin));
  const int n_out = c.onesided && !c.inverse ? c.length / 2 + 1 : c.length;
  o2m::DftParams p{c.outer, c.inner, c.n_in, c.length, n_out, c.complex_in, c.inverse, irfft};
  std::vector<float> y(size_t(c.outer * n_out * c.inner * (irfft ? 1 : 2)));
  std::vector<double> scratch(size_t(2 * c.length));
  o2m::dft(p, x.data(), y.data(), scratch.data());

  std::vector<double> ref(y.size());
  for (int o = 0; o < c.outer; ++o)
    for (int i = 0; i < c.inner; ++i) {
      std::vector<cd> line;
      for (int t = 0; t < c.n_in; ++t) {
        const size_t at = size_t(((o * c.n_in + t) * c.inner + i) * cin);
        line.push_back(cd(x[at], c.complex_in ? x[at + 1] : 0.0f));
      }
      if (irfft) {  // numpy's irfft: keep N/2 + 1 bins, extend Hermitian, inverse, real part
        std::vector<cd> full(size_t(c.length));
        for (int k = 0; k <= c.length / 2 && k < c.n_in; ++k) {
          full[size_t(k)] = line[size_t(k)];
          if (k > 0) full[size_t(c.length - k)] = std::conj(line[size_t(k)]);
        }
        if (c.length % 2 == 0 && c.length / 2 < c.n_in) full[size_t(c.length / 2)] = line[size_t(c.length / 2)].real();
        full[0] = full[0].real();
        const std::vector<cd> r = ref_dft(full, c.length, true);
        for (int t = 0; t < c.length; ++t) ref[size_t((o * c.length + t) * c.inner + i)] = r[size_t(t)].real();
        continue;
      }
      const std::vector<cd> r = ref_dft(line, c.length, c.inverse);
      for (int k = 0; k < n_out; ++k) {
        const size_t at = size_t(((o * n_out + k) * c.inner + i) * 2);
        ref[at] = r[size_t(k)].real();
        ref[at + 1] = r[size_t(k)].imag();
      }
    }
  expect_close(y, ref);
}

TEST(Dft, MatchesTextbookSum) {
  std::mt19937 rng(7);
  const DftCase cases[] = {
      {1, 10, 1, 10, false, false, false},  // real forward
      {2, 7, 3, 7, true, false, false},     // complex, odd length, inner dims
      {3, 8, 2, 8, true, true, false},      // inverse
      {2, 9, 1, 9, false, false, true},     // one-sided (RFFT), odd
      {1, 6, 4, 10, true, true, true},      // IRFFT, even length 2 * (6 - 1)
      {2, 5, 1, 9, true, true, true},       // IRFFT, odd length
      {2, 5, 2, 12, false, false, false},   // zero-padded to 12
      {1, 12, 1, 5, true, false, false},    // cut to 5
  };
  for (const DftCase& c : cases) check_dft(c, rng);
}

// Differential seed 8,027,165: sin(pi) in double is 1.2e-16, so a real signal's bin N/2 had a
// tiny imaginary part where an FFT (ORT, numpy) gives exactly 0, and an ArgMin over it differed.
TEST(Dft, ARealSignalsSpectrumIsExactlyRealAtZeroAndHalf) {
  for (int32_t n : {2, 4, 8, 6}) {
    std::vector<float> x(static_cast<size_t>(n)), y(static_cast<size_t>(2 * n));
    for (int32_t t = 0; t < n; ++t) x[static_cast<size_t>(t)] = 1.25f * static_cast<float>(t) - 1.1f;
    std::vector<double> scratch(static_cast<size_t>(2 * n));
    o2m::dft<float>({1, 1, n, n, n, 0, 0, 0}, x.data(), y.data(), scratch.data());
    EXPECT_EQ(y[1], 0.0f) << "N = " << n;
    EXPECT_EQ(y[static_cast<size_t>(n)], x[0] - x[1] + (n > 2 ? x[2] - x[3] + (n > 4 ? x[4] - x[5] + (n > 6 ? x[6] - x[7] : 0) : 0) : 0))
        << "N = " << n;
    EXPECT_EQ(y[static_cast<size_t>(n) + 1], 0.0f) << "N = " << n;
  }
}

TEST(Stft, MatchesDftOfEachWindowedFrame) {
  std::mt19937 rng(11);
  for (int complex_in = 0; complex_in < 2; ++complex_in)
    for (int use_window = 0; use_window < 2; ++use_window) {
      const int batch = 2, len = 37, length = 8, step = 5, frames = (len - length) / step + 1;
      const int bins = complex_in ? length : length / 2 + 1, cin = complex_in ? 2 : 1;
      const std::vector<float> x = random_floats(rng, size_t(batch * len * cin));
      const std::vector<float> win = random_floats(rng, size_t(length));
      o2m::StftParams p{batch, len, complex_in, frames, step, length, bins};
      std::vector<float> y(size_t(batch * frames * bins * 2));
      std::vector<double> scratch(size_t(2 * length));
      o2m::stft(p, x.data(), use_window ? win.data() : nullptr, y.data(), scratch.data());
      std::vector<double> ref;
      for (int b = 0; b < batch; ++b)
        for (int f = 0; f < frames; ++f) {
          std::vector<cd> frame;
          for (int t = 0; t < length; ++t) {
            const size_t at = size_t((b * len + f * step + t) * cin);
            frame.push_back(cd(x[at], complex_in ? x[at + 1] : 0.0f) * (use_window ? double(win[size_t(t)]) : 1.0));
          }
          const std::vector<cd> r = ref_dft(frame, length, false);
          for (int k = 0; k < bins; ++k) {
            ref.push_back(r[size_t(k)].real());
            ref.push_back(r[size_t(k)].imag());
          }
        }
      expect_close(y, ref);
    }
}

// ONNX's reference MelWeightMatrix, in double.
std::vector<double> ref_mel(int bins, int dft_length, int rate, double lo, double hi) {
  const int spec = dft_length / 2 + 1;
  const double lo_mel = 2595 * std::log10(1 + lo / 700), hi_mel = 2595 * std::log10(1 + hi / 700);
  const double step = (hi_mel - lo_mel) / (bins + 2);
  std::vector<int> edges;
  for (int i = 0; i < bins + 2; ++i) {
    const double hz = 700 * (std::pow(10.0, (i * step + lo_mel) / 2595) - 1);
    edges.push_back(int(std::floor((dft_length + 1) * hz / rate)));
  }
  std::vector<double> out(size_t(spec * bins), 0.0);
  for (int i = 0; i < bins; ++i) {
    const int l = edges[size_t(i)], c = edges[size_t(i + 1)], r = edges[size_t(i + 2)];
    if (c == l) out[size_t(c * bins + i)] = 1;
    else
      for (int j = l; j <= c; ++j) out[size_t(j * bins + i)] = double(j - l) / (c - l);
    for (int j = c; j < r; ++j) out[size_t(j * bins + i)] = double(r - j) / (r - c);
  }
  return out;
}

TEST(MelWeightMatrix, MatchesOnnxReference) {
  const o2m::MelParams cases[] = {{8, 16, 8192, 0.0f, 4096.0f}, {10, 64, 16000, 20.0f, 7600.0f}, {3, 31, 1000, 100.0f, 450.0f}};
  for (const o2m::MelParams& p : cases) {
    std::vector<float> y(size_t((p.dft_length / 2 + 1) * p.mel_bins));
    o2m::mel_weight_matrix(p, y.data());
    expect_close(y, ref_mel(p.mel_bins, p.dft_length, p.sample_rate, p.lower_hz, p.upper_hz));
  }
}

}  // namespace
