#include "loader/tensor_proto.h"

#include <filesystem>
#include <fstream>
#include <limits>

#include "onnx2mcu/error.h"

namespace fs = std::filesystem;

namespace onnx2mcu {
namespace {

// Copies a typed field into the tensor's storage units: elements, or for the packed types
// (int4, ...) the packed bytes, which int32_data holds one to an entry.
template <typename Src, typename Dst>
void copy_field(const google::protobuf::RepeatedField<Src>& f, const char* field, Tensor& out, const std::string& name) {
  const int64_t units = static_cast<int64_t>(out.bytes.size() / sizeof(Dst));
  if (f.size() != units)
    throw Error("tensor '" + name + "' holds " + std::to_string(f.size()) + " values in " + field + " but its shape " +
                shape_str(out.shape) + " needs " + std::to_string(units));
  Dst* d = out.data<Dst>();
  for (int i = 0; i < f.size(); ++i) d[i] = static_cast<Dst>(f.Get(i));
}

// Resolves an external-data location and refuses anything outside the model's folder, and
// anything that is not a plain file (a FIFO would block the reader, a device never ends).
fs::path confined_path(const std::string& location, const std::string& model_dir, const std::string& name) {
  fs::path loc(location);
  if (location.find('\0') != std::string::npos)
    throw Error("tensor '" + name + "': external data path holds a NUL character");
  if (loc.is_absolute()) throw Error("tensor '" + name + "': external data path '" + location + "' is absolute");
  for (const auto& part : loc)
    if (part == "..") throw Error("tensor '" + name + "': external data path '" + location + "' leaves the model folder");
  std::error_code ec;
  fs::path base = fs::weakly_canonical(model_dir.empty() ? fs::path(".") : fs::path(model_dir), ec);
  fs::path full = fs::weakly_canonical(base / loc, ec);
  auto rel = full.lexically_relative(base);
  if (ec || rel.empty() || *rel.begin() == "..")
    throw Error("tensor '" + name + "': external data path '" + location + "' resolves outside the model folder");
  if (!fs::is_regular_file(full, ec))
    throw Error("tensor '" + name + "': external data '" + location + "' is not a regular file in the model folder");
  return full;
}

// "offset" and "length" values: decimal, non-negative, at most 18 digits (no overflow).
int64_t parse_extent(const std::string& key, const std::string& value, const std::string& name) {
  if (value.empty() || value.size() > 18 || value.find_first_not_of("0123456789") != std::string::npos)
    throw Error("tensor '" + name + "': external data " + key + " '" + value + "' is not a non-negative number");
  return std::stoll(value);
}

struct ExternalRef {
  fs::path path;
  std::string location;
  int64_t offset = 0, length = -1;
};

ExternalRef external_ref(const onnx::TensorProto& t, const std::string& model_dir) {
  ExternalRef r;
  for (const auto& kv : t.external_data()) {
    if (kv.key() == "location") r.location = kv.value();
    else if (kv.key() == "offset") r.offset = parse_extent("offset", kv.value(), t.name());
    else if (kv.key() == "length") r.length = parse_extent("length", kv.value(), t.name());
  }
  if (r.location.empty()) throw Error("tensor '" + t.name() + "': external data without a location");
  r.path = confined_path(r.location, model_dir, t.name());
  return r;
}

void read_external(const onnx::TensorProto& t, Tensor& out, const std::string& model_dir) {
  const ExternalRef r = external_ref(t, model_dir);
  const int64_t want = static_cast<int64_t>(out.bytes.size());
  if (r.length >= 0 && r.length != want)
    throw Error("tensor '" + t.name() + "': external data length " + std::to_string(r.length) + " != " + std::to_string(want));
  std::error_code ec;
  const auto size = fs::file_size(r.path, ec);
  if (ec || r.offset > static_cast<int64_t>(size) || want > static_cast<int64_t>(size) - r.offset)
    throw Error("tensor '" + t.name() + "': external data '" + r.location + "' is too short for " + std::to_string(want) +
                " bytes at offset " + std::to_string(r.offset));
  std::ifstream in(r.path, std::ios::binary);
  if (!in) throw Error("tensor '" + t.name() + "': cannot open external data '" + r.location + "'");
  in.seekg(r.offset);
  in.read(reinterpret_cast<char*>(out.bytes.data()), want);
  if (in.gcount() != want) throw Error("tensor '" + t.name() + "': external data '" + r.location + "' is too short");
}

}  // namespace

Tensor tensor_from_proto(const onnx::TensorProto& t, const std::string& model_dir, int64_t max_bytes) {
  DType dt = dtype_from_onnx(t.data_type());
  if (dt == DType::Undefined)
    throw Error("tensor '" + t.name() + "' has element type " + onnx_type_name(t.data_type()) + " (" +
                std::to_string(t.data_type()) + "), which onnx2mcu does not support");
  if (t.dims_size() > kMaxRank)
    throw Error("tensor '" + t.name() + "' has rank " + std::to_string(t.dims_size()) + "; onnx2mcu handles up to " +
                std::to_string(kMaxRank));
  Shape shape(t.dims().begin(), t.dims().end());
  for (int64_t d : shape)
    if (d < 0) throw Error("tensor '" + t.name() + "' has a negative dim");
  int64_t bytes = 0;
  try {
    bytes = shape_bits_bytes(shape, dtype_bits(dt));
  } catch (const Error& e) {
    throw Error("tensor '" + t.name() + "': " + e.what());
  }
  if (bytes > max_bytes)
    throw Error("tensor '" + t.name() + "' of shape " + shape_str(shape) + " holds " + std::to_string(bytes) +
                " bytes, more than the limit of " + std::to_string(max_bytes) + " (--max-tensor-bytes)");
  Tensor out(dt, shape);
  const std::string& name = t.name();
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    read_external(t, out, model_dir);
    if (dt == DType::Bool)
      for (uint8_t& b : out.bytes) b = b != 0;
  } else if (t.has_raw_data()) {
    if (t.raw_data().size() != out.bytes.size())
      throw Error("tensor '" + name + "' has " + std::to_string(t.raw_data().size()) + " raw bytes but shape " +
                  shape_str(shape) + " needs " + std::to_string(out.bytes.size()));
    std::copy(t.raw_data().begin(), t.raw_data().end(), out.bytes.begin());
    if (dt == DType::Bool)  // a bool byte other than 0 or 1 is undefined behaviour when read
      for (uint8_t& b : out.bytes) b = b != 0;
  } else {
    switch (dt) {
      case DType::F32: copy_field<float, float>(t.float_data(), "float_data", out, name); break;
      case DType::F64: copy_field<double, double>(t.double_data(), "double_data", out, name); break;
      case DType::I64: copy_field<int64_t, int64_t>(t.int64_data(), "int64_data", out, name); break;
      case DType::U32: copy_field<uint64_t, uint32_t>(t.uint64_data(), "uint64_data", out, name); break;
      case DType::U64: copy_field<uint64_t, uint64_t>(t.uint64_data(), "uint64_data", out, name); break;
      case DType::I32: copy_field<int32_t, int32_t>(t.int32_data(), "int32_data", out, name); break;
      case DType::I16: copy_field<int32_t, int16_t>(t.int32_data(), "int32_data", out, name); break;
      case DType::I8: copy_field<int32_t, int8_t>(t.int32_data(), "int32_data", out, name); break;
      case DType::U16: copy_field<int32_t, uint16_t>(t.int32_data(), "int32_data", out, name); break;
      case DType::U8: copy_field<int32_t, uint8_t>(t.int32_data(), "int32_data", out, name); break;
      case DType::Bool: copy_field<int32_t, bool>(t.int32_data(), "int32_data", out, name); break;
      case DType::F16: case DType::BF16: copy_field<int32_t, uint16_t>(t.int32_data(), "int32_data", out, name); break;
      case DType::Undefined: break;
      default: copy_field<int32_t, uint8_t>(t.int32_data(), "int32_data", out, name); break;  // float8 bits, packed bytes
    }
  }
  return out;
}

Tensor constant_node_value(const onnx::NodeProto& n, const std::string& model_dir, int64_t max_bytes) {
  for (const auto& a : n.attribute()) {
    if (a.name() == "value") return tensor_from_proto(a.t(), model_dir, max_bytes);
    if (a.name() == "value_float") {
      Tensor t(DType::F32, {});
      *t.data<float>() = a.f();
      return t;
    }
    if (a.name() == "value_int") {
      Tensor t(DType::I64, {});
      *t.data<int64_t>() = a.i();
      return t;
    }
    if (a.name() == "value_floats") {
      Tensor t(DType::F32, {a.floats_size()});
      std::copy(a.floats().begin(), a.floats().end(), t.data<float>());
      return t;
    }
    if (a.name() == "value_ints") {
      Tensor t(DType::I64, {a.ints_size()});
      std::copy(a.ints().begin(), a.ints().end(), t.data<int64_t>());
      return t;
    }
  }
  throw Error("Constant has no supported value attribute (sparse_value and strings are not supported)");
}

void check_external_data(const onnx::TensorProto& t, const std::string& model_dir) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) external_ref(t, model_dir);
}

}  // namespace onnx2mcu
