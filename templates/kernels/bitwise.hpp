// BitwiseAnd/Or/Xor (broadcasting), BitwiseNot, and BitCast (a byte copy under another type).
#pragma once
#include <string.h>

#include "elementwise.hpp"

namespace o2m { inline namespace O2M_KERNELS_VERSION {

// Integer operands only: & | ^ ~ on them are defined for every value.
O2M_BINARY(bitwise_and, T, a & b)
O2M_BINARY(bitwise_or, T, a | b)
O2M_BINARY(bitwise_xor, T, a ^ b)
O2M_UNARY(bitwise_not, ~x)

struct BitCastParams {
  int32_t bytes;  // the tensor's size in bytes (the same before and after)
  O2M_FIELDS(bytes)
};

// Used only when the output cannot alias its input (a graph output): the bytes, unchanged.
inline void bitcast(const BitCastParams& p, const void* x, void* y) {
  if (x != y) memcpy(y, x, static_cast<size_t>(p.bytes));
}

}}  // namespace o2m::O2M_KERNELS_VERSION
