// Element types the IR and the generated code know, with their C++ spelling.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace onnx2mcu {

enum class DType : uint8_t { Undefined, F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, Bool };

size_t dtype_size(DType t);
const char* dtype_name(DType t);   // ONNX-style name, for messages: "float32"
const char* dtype_ctype(DType t);  // C++ type in generated code: "float", "int8_t"
DType dtype_from_onnx(int onnx_elem_type);  // Undefined when we do not support it
bool dtype_is_float(DType t);

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

// Calls f(T{}) with the C++ type of t, so one generic lambda serves every dtype.
template <typename F>
auto visit_dtype(DType t, F&& f) {
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
    case DType::Undefined: break;
  }
  return f(float{});  // unreachable for checked graphs; keeps every path typed
}

}  // namespace onnx2mcu
