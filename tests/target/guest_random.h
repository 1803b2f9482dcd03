// A tiny deterministic random source for the guest tests (no heap, no <random> on bare metal):
// xorshift32 from a fixed seed, so a failing trial number reproduces.
#pragma once
#include <stdint.h>

namespace guest {

inline uint32_t& rng_state() {
  static uint32_t s = 0x12345678u;
  return s;
}
inline uint32_t next() {
  uint32_t& s = rng_state();
  s ^= s << 13;
  s ^= s >> 17;
  s ^= s << 5;
  return s;
}
// Uniform in [lo, hi].
inline int32_t uniform(int32_t lo, int32_t hi) { return lo + static_cast<int32_t>(next() % static_cast<uint32_t>(hi - lo + 1)); }

}  // namespace guest
