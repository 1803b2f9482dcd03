// DFT, STFT and MelWeightMatrix. A direct DFT (O(N^2) per line, any length N) with a table of
// N twiddles in scratch; sums run in double because a float sum of N terms that cancels to ~0
// (the imaginary part of a real signal's spectrum, an inverse transform's zeros) misses ONNX's
// absolute tolerance by orders of magnitude.
#pragma once
#include <math.h>

#include "common.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// scratch: cos and sin of 2*pi*j/N for j < N, interleaved (2 * N doubles). Multiples of pi/2
// are exact (sin(pi) is 1.2e-16 in double): a real signal's spectrum has an exactly zero
// imaginary part at 0 and N/2, as an FFT gives (differential seed 8,027,165: ArgMin over it).
inline void dft_twiddles(int32_t n, double* tw) {
  static const double quarter[4][2] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
  const double step = 6.283185307179586476925 / n;
  for (int32_t j = 0; j < n; ++j) {
    const int64_t q = int64_t{4} * j;
    tw[2 * j] = q % n == 0 ? quarter[q / n][0] : cos(step * j);
    tw[2 * j + 1] = q % n == 0 ? quarter[q / n][1] : sin(step * j);
  }
}

// One bin k of sum_t x[t] * win[t] * e^(sign * 2*pi*i*k*t/N) over t < count; x[t] is
// x[t * stride] (+ its imaginary part at +1 when complex_in), win may be null.
template <typename T>
inline void dft_bin(const T* x, int32_t stride, int32_t count, int32_t complex_in, const T* win, int32_t k,
                    int32_t n, int32_t sign, const double* tw, double& re, double& im) {
  re = 0.0;
  im = 0.0;
  int64_t j = 0;  // k * t mod N, advanced without overflow
  for (int32_t t = 0; t < count; ++t) {
    double xr = static_cast<double>(x[t * stride]);
    double xi = complex_in ? static_cast<double>(x[t * stride + 1]) : 0.0;
    if (win) {
      xr *= static_cast<double>(win[t]);
      xi *= static_cast<double>(win[t]);
    }
    const double c = tw[2 * j], s = sign * tw[2 * j + 1];
    re += xr * c - xi * s;
    im += xr * s + xi * c;
    j += k;
    if (j >= n) j -= n;
  }
}

struct DftParams {
  int32_t outer, inner;  // input viewed as [outer, n_in, inner, complex_in ? 2 : 1]
  int32_t n_in;          // input length along the axis
  int32_t length;        // N, the DFT length (input zero-padded or cut to it)
  int32_t n_out;         // output length along the axis: N, or N/2 + 1 for a one-sided spectrum
  int32_t complex_in;
  int32_t inverse;       // e^(+...) and a 1/N scale
  int32_t real_out;      // IRFFT: Hermitian-extended one-sided input, real output of length N
  O2M_FIELDS(outer, inner, n_in, length, n_out, complex_in, inverse, real_out)
};

// y: [outer, n_out, inner, 2], or [outer, N, inner, 1] for IRFFT.
template <typename T>
inline void dft(const DftParams& p, const T* x, T* y, void* scratch) {
  double* tw = static_cast<double*>(scratch);
  dft_twiddles(p.length, tw);
  const int32_t cin = p.complex_in ? 2 : 1;
  const int32_t stride = p.inner * cin;
  const double scale = p.inverse ? 1.0 / p.length : 1.0;
  for (int32_t o = 0; o < p.outer; ++o)
    for (int32_t i = 0; i < p.inner; ++i) {
      const T* line = x + (static_cast<int64_t>(o) * p.n_in * p.inner + i) * cin;
      if (p.real_out) {
        // y[t] = (Re X0 + 2 sum_{0<k<N/2} Re(X_k w^kt) + [N even] Re(X_{N/2}) (-1)^t) / N, the real
        // part of the inverse of the Hermitian extension (numpy's irfft).
        const int32_t avail = p.n_in < p.length / 2 + 1 ? p.n_in : p.length / 2 + 1;
        for (int32_t t = 0; t < p.length; ++t) {
          double acc = 0.0;
          int64_t j = 0;
          for (int32_t k = 0; k < avail; ++k) {
            const double xr = static_cast<double>(line[k * stride]), xi = static_cast<double>(line[k * stride + 1]);
            const double v = xr * tw[2 * j] - xi * tw[2 * j + 1];
            acc += (k == 0 || 2 * k == p.length) ? v : 2.0 * v;
            j += t;
            if (j >= p.length) j -= p.length;
          }
          y[(static_cast<int64_t>(o) * p.length + t) * p.inner + i] = static_cast<T>(acc * scale);
        }
        continue;
      }
      const int32_t count = p.n_in < p.length ? p.n_in : p.length;
      for (int32_t k = 0; k < p.n_out; ++k) {
        double re, im;
        dft_bin(line, stride, count, p.complex_in, static_cast<const T*>(nullptr), k, p.length, p.inverse ? 1 : -1,
                tw, re, im);
        T* out = y + ((static_cast<int64_t>(o) * p.n_out + k) * p.inner + i) * 2;
        out[0] = static_cast<T>(re * scale);
        out[1] = static_cast<T>(im * scale);
      }
    }
}

struct StftParams {
  int32_t batch, signal_len, complex_in;  // signal: [batch, signal_len, complex_in ? 2 : 1]
  int32_t frames, step, length;           // frame f starts at f * step and holds `length` samples
  int32_t bins;                           // length, or length / 2 + 1 when one-sided
  O2M_FIELDS(batch, signal_len, complex_in, frames, step, length, bins)
};

// y: [batch, frames, bins, 2]; window (length samples) may be null.
template <typename T>
inline void stft(const StftParams& p, const T* x, const T* window, T* y, void* scratch) {
  double* tw = static_cast<double*>(scratch);
  dft_twiddles(p.length, tw);
  const int32_t cin = p.complex_in ? 2 : 1;
  for (int32_t b = 0; b < p.batch; ++b)
    for (int32_t f = 0; f < p.frames; ++f) {
      const T* frame = x + (static_cast<int64_t>(b) * p.signal_len + static_cast<int64_t>(f) * p.step) * cin;
      for (int32_t k = 0; k < p.bins; ++k) {
        double re, im;
        dft_bin(frame, cin, p.length, p.complex_in, window, k, p.length, -1, tw, re, im);
        T* out = y + ((static_cast<int64_t>(b) * p.frames + f) * p.bins + k) * 2;
        out[0] = static_cast<T>(re);
        out[1] = static_cast<T>(im);
      }
    }
}

struct MelParams {
  int32_t mel_bins, dft_length, sample_rate;
  float lower_hz, upper_hz;
  O2M_FIELDS(mel_bins, dft_length, sample_rate, lower_hz, upper_hz)
};

// y: [dft_length / 2 + 1, mel_bins] triangles with peak 1, as ONNX's reference builds them:
// mel_bins + 2 edges spaced evenly in mel (by (high - low) / (mel_bins + 2)), each mapped to the
// spectrogram bin floor((dft_length + 1) * f / sample_rate).
template <typename T>
inline void mel_weight_matrix(const MelParams& p, T* y) {
  const int32_t spec_bins = p.dft_length / 2 + 1;
  for (int32_t i = 0; i < spec_bins * p.mel_bins; ++i) y[i] = T(0);
  const double low = 2595.0 * log10(1.0 + static_cast<double>(p.lower_hz) / 700.0);
  const double high = 2595.0 * log10(1.0 + static_cast<double>(p.upper_hz) / 700.0);
  const double step = (high - low) / (p.mel_bins + 2);
  auto edge = [&](int32_t e) {
    const double hz = 700.0 * (pow(10.0, (e * step + low) / 2595.0) - 1.0);
    const double bin = floor((p.dft_length + 1.0) * hz / p.sample_rate);
    return bin >= -1.0 ? (bin <= spec_bins ? static_cast<int64_t>(bin) : spec_bins) : -1;  // NaN -> -1
  };
  auto put = [&](int64_t j, int32_t i, double v) {
    if (j >= 0 && j < spec_bins) y[j * p.mel_bins + i] = convert<T>(v);
  };
  for (int32_t i = 0; i < p.mel_bins; ++i) {
    const int64_t left = edge(i), center = edge(i + 1), right = edge(i + 2);
    if (center == left) put(center, i, 1.0);
    else
      for (int64_t j = left < 0 ? 0 : left; j <= center && j < spec_bins; ++j) put(j, i, static_cast<double>(j - left) / static_cast<double>(center - left));
    if (right > center)
      for (int64_t j = center < 0 ? 0 : center; j < right && j < spec_bins; ++j) put(j, i, static_cast<double>(right - j) / static_cast<double>(right - center));
  }
}

}}  // namespace o2m::O2M_KERNELS_VERSION
