#include "ir/dtype.h"

#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

struct DTypeInfo {
  DType type;
  int onnx;  // TensorProto.DataType, kept here so the IR needs no protobuf
  int bits;
  const char* name;
  const char* ctype;
  const char* api_ctype;
};

constexpr DTypeInfo kTypes[] = {
    {DType::F32, 1, 32, "float32", "float", "float"},
    {DType::U8, 2, 8, "uint8", "uint8_t", "uint8_t"},
    {DType::I8, 3, 8, "int8", "int8_t", "int8_t"},
    {DType::U16, 4, 16, "uint16", "uint16_t", "uint16_t"},
    {DType::I16, 5, 16, "int16", "int16_t", "int16_t"},
    {DType::I32, 6, 32, "int32", "int32_t", "int32_t"},
    {DType::I64, 7, 64, "int64", "int64_t", "int64_t"},
    {DType::Bool, 9, 8, "bool", "bool", "bool"},
    {DType::F16, 10, 16, "float16", "o2m::float16", "uint16_t"},
    {DType::F64, 11, 64, "float64", "double", "double"},
    {DType::U32, 12, 32, "uint32", "uint32_t", "uint32_t"},
    {DType::U64, 13, 64, "uint64", "uint64_t", "uint64_t"},
    {DType::BF16, 16, 16, "bfloat16", "o2m::bfloat16", "uint16_t"},
    {DType::F8E4M3FN, 17, 8, "float8e4m3fn", "o2m::float8e4m3fn", "uint8_t"},
    {DType::F8E4M3FNUZ, 18, 8, "float8e4m3fnuz", "o2m::float8e4m3fnuz", "uint8_t"},
    {DType::F8E5M2, 19, 8, "float8e5m2", "o2m::float8e5m2", "uint8_t"},
    {DType::F8E5M2FNUZ, 20, 8, "float8e5m2fnuz", "o2m::float8e5m2fnuz", "uint8_t"},
    {DType::U4, 21, 4, "uint4", "o2m::uint4", "uint8_t"},
    {DType::I4, 22, 4, "int4", "o2m::int4", "uint8_t"},
    {DType::F4E2M1, 23, 4, "float4e2m1", "o2m::float4e2m1", "uint8_t"},
    {DType::F8E8M0, 24, 8, "float8e8m0", "o2m::float8e8m0", "uint8_t"},
    {DType::U2, 25, 2, "uint2", "o2m::uint2", "uint8_t"},
    {DType::I2, 26, 2, "int2", "o2m::int2", "uint8_t"},
};

const DTypeInfo* info(DType t) {
  for (const auto& i : kTypes)
    if (i.type == t) return &i;
  return nullptr;
}

}  // namespace

int dtype_bits(DType t) {
  const DTypeInfo* i = info(t);
  return i ? i->bits : 0;
}

size_t dtype_size(DType t) { return static_cast<size_t>((dtype_bits(t) + 7) / 8); }

bool dtype_is_packed(DType t) { return dtype_bits(t) > 0 && dtype_bits(t) < 8; }

bool dtype_is_small_float(DType t) {
  switch (t) {
    case DType::F16: case DType::BF16: case DType::F8E4M3FN: case DType::F8E4M3FNUZ: case DType::F8E5M2:
    case DType::F8E5M2FNUZ: case DType::F8E8M0: case DType::F4E2M1:
      return true;
    default: return false;
  }
}

const char* dtype_name(DType t) {
  const DTypeInfo* i = info(t);
  return i ? i->name : "undefined";
}

const char* dtype_ctype(DType t) {
  const DTypeInfo* i = info(t);
  return i ? i->ctype : "void";
}

const char* dtype_api_ctype(DType t) {
  const DTypeInfo* i = info(t);
  return i ? i->api_ctype : "void";
}

DType dtype_from_onnx(int e) {
  for (const auto& i : kTypes)
    if (i.onnx == e) return i.type;
  return DType::Undefined;
}

const char* onnx_type_name(int e) {
  for (const auto& i : kTypes)
    if (i.onnx == e) return i.name;
  switch (e) {
    case 0: return "undefined";
    case 8: return "string";
    case 14: return "complex64";
    case 15: return "complex128";
    default: return "unknown";
  }
}

bool dtype_is_float(DType t) { return t == DType::F32 || t == DType::F64; }

void packed_dtype_unsupported(DType t) {
  throw Error(std::string(dtype_name(t)) +
              " data is packed below a byte; only Cast, CastLike, QuantizeLinear and DequantizeLinear read or write it");
}

}  // namespace onnx2mcu
