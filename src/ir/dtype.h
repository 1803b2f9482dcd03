// Element types the IR and the generated code know, with their C++ spelling.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "kernels/numeric.hpp"

namespace onnx2mcu {

// F16 .. F8E8M0 are stored as their bits (templates/kernels/numeric.hpp); F4E2M1, I4, U4, I2
// and U2 are packed, two or four elements to a byte, the first in the low bits.
enum class DType : uint8_t {
  Undefined, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, Bool,
  F16, BF16, F8E4M3FN, F8E4M3FNUZ, F8E5M2, F8E5M2FNUZ, F8E8M0,
  F4E2M1, I4, U4, I2, U2,
};

size_t dtype_size(DType t);  // bytes of one storage unit (the C++ type): 1 for the packed types
int dtype_bits(DType t);     // bits of one element: 4 or 2 for the packed types
bool dtype_is_packed(DType t);
bool dtype_is_small_float(DType t);  // F16 .. F8E8M0 and F4E2M1: stored as bits, computed as float
const char* dtype_name(DType t);      // ONNX-style name, for messages: "float32"
const char* dtype_ctype(DType t);     // C++ type in generated code: "float", "o2m::float16"
const char* dtype_api_ctype(DType t); // C type in the generated API: float16 is "uint16_t" bits
DType dtype_from_onnx(int onnx_elem_type);  // Undefined when we do not support it
const char* onnx_type_name(int onnx_elem_type);  // "string", "complex64", ...: for errors
bool dtype_is_float(DType t);  // float32 or float64

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::I8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::I16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::I32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct DTypeOf<uint16_t> { static constexpr DType value = DType::U16; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::U32; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::U64; };
template <> struct DTypeOf<bool> { static constexpr DType value = DType::Bool; };
template <> struct DTypeOf<o2m::float16> { static constexpr DType value = DType::F16; };
template <> struct DTypeOf<o2m::bfloat16> { static constexpr DType value = DType::BF16; };
template <> struct DTypeOf<o2m::float8e4m3fn> { static constexpr DType value = DType::F8E4M3FN; };
template <> struct DTypeOf<o2m::float8e4m3fnuz> { static constexpr DType value = DType::F8E4M3FNUZ; };
template <> struct DTypeOf<o2m::float8e5m2> { static constexpr DType value = DType::F8E5M2; };
template <> struct DTypeOf<o2m::float8e5m2fnuz> { static constexpr DType value = DType::F8E5M2FNUZ; };
template <> struct DTypeOf<o2m::float8e8m0> { static constexpr DType value = DType::F8E8M0; };
template <> struct DTypeOf<o2m::float4e2m1> { static constexpr DType value = DType::F4E2M1; };
template <> struct DTypeOf<o2m::int4> { static constexpr DType value = DType::I4; };
template <> struct DTypeOf<o2m::uint4> { static constexpr DType value = DType::U4; };
template <> struct DTypeOf<o2m::int2> { static constexpr DType value = DType::I2; };
template <> struct DTypeOf<o2m::uint2> { static constexpr DType value = DType::U2; };

// Calls f(T{}) with the C++ type of t for the types C++ computes on (float .. bool), so one
// generic lambda serves every arithmetic dtype.
template <typename F>
auto visit_plain_dtype(DType t, F&& f) {
  switch (t) {
    case DType::F32: return f(float{});
    case DType::F64: return f(double{});
    case DType::I8: return f(int8_t{});
    case DType::I16: return f(int16_t{});
    case DType::I32: return f(int32_t{});
    case DType::I64: return f(int64_t{});
    case DType::U8: return f(uint8_t{});
    case DType::U16: return f(uint16_t{});
    case DType::U32: return f(uint32_t{});
    case DType::U64: return f(uint64_t{});
    case DType::Bool: return f(bool{});
    default: break;
  }
  return f(float{});  // unreachable for checked graphs; keeps every path typed
}

// Also the byte-addressable storage types (float16 .. float8e8m0): for kernels that move or
// convert elements without computing on them.
[[noreturn]] void packed_dtype_unsupported(DType t);
template <typename F>
auto visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::F16: return f(o2m::float16{});
    case DType::BF16: return f(o2m::bfloat16{});
    case DType::F8E4M3FN: return f(o2m::float8e4m3fn{});
    case DType::F8E4M3FNUZ: return f(o2m::float8e4m3fnuz{});
    case DType::F8E5M2: return f(o2m::float8e5m2{});
    case DType::F8E5M2FNUZ: return f(o2m::float8e5m2fnuz{});
    case DType::F8E8M0: return f(o2m::float8e8m0{});
    case DType::F4E2M1: case DType::I4: case DType::U4: case DType::I2: case DType::U2:
      packed_dtype_unsupported(t);
    default: break;
  }
  return visit_plain_dtype(t, std::forward<F>(f));
}

// Every dtype, the packed ones too: for kernels that read elements through o2m::load/store.
template <typename F>
auto visit_any_dtype(DType t, F&& f) {
  switch (t) {
    case DType::F4E2M1: return f(o2m::float4e2m1{});
    case DType::I4: return f(o2m::int4{});
    case DType::U4: return f(o2m::uint4{});
    case DType::I2: return f(o2m::int2{});
    case DType::U2: return f(o2m::uint2{});
    default: break;
  }
  return visit_dtype(t, std::forward<F>(f));
}

}  // namespace onnx2mcu
