#include "ops/normalize.h"

namespace onnx2mcu {

void set_input(Node& n, size_t i, Value* v) {
  if (n.inputs.size() <= i) n.inputs.resize(i + 1, nullptr);
  n.inputs[i] = v;
}

void attr_to_input(Node& n, Graph& g, const std::string& key, size_t i, DType float_type) {
  auto it = n.attrs.find(key);
  if (it == n.attrs.end()) return;
  if (n.input(i)) n.fail("has both the attribute '" + key + "' and the input it became in a later opset");
  const Attr& a = it->second;
  Tensor t;
  switch (a.kind) {
    case Attr::Kind::Int:
    case Attr::Kind::Ints: {
      const bool one = a.kind == Attr::Kind::Int;
      t = Tensor(DType::I64, one ? Shape{} : Shape{static_cast<int64_t>(a.ints.size())});
      for (int64_t k = 0; k < t.elems(); ++k) t.data<int64_t>()[k] = one ? a.i : a.ints[static_cast<size_t>(k)];
      break;
    }
    case Attr::Kind::Float:
    case Attr::Kind::Floats: {
      if (float_type != DType::F32 && float_type != DType::F64)
        n.fail("attribute '" + key + "' of an older opset on " + dtype_name(float_type) + " data is not supported");
      const bool one = a.kind == Attr::Kind::Float;
      t = Tensor(float_type, one ? Shape{} : Shape{static_cast<int64_t>(a.floats.size())});
      for (int64_t k = 0; k < t.elems(); ++k) {
        const float v = one ? a.f : a.floats[static_cast<size_t>(k)];
        if (float_type == DType::F64) t.data<double>()[k] = v;
        else t.data<float>()[k] = v;
      }
      break;
    }
    default:
      n.fail("attribute '" + key + "' must be a number or a list of numbers");
  }
  set_input(n, i, g.add_constant(n.name + "/" + key, std::move(t)));
  n.attrs.erase(it);
}

DType known_float_type(const Node& n) {
  const Value* x = n.input(0);
  return x && (x->dtype == DType::F32 || x->dtype == DType::F64) ? x->dtype : DType::F32;
}

void rename_attr(Node& n, const std::string& from, const std::string& to) {
  auto it = n.attrs.find(from);
  if (it == n.attrs.end()) return;
  if (n.has_attr(to)) n.fail("has both the attributes '" + from + "' and '" + to + "'");
  n.attrs[to] = it->second;
  n.attrs.erase(from);
}

void default_int_attr(Node& n, const std::string& key, int64_t v) {
  if (n.has_attr(key)) return;
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = v;
  n.attrs[key] = a;
}

void default_string_attr(Node& n, const std::string& key, const std::string& v) {
  if (n.has_attr(key)) return;
  Attr a;
  a.kind = Attr::Kind::String;
  a.s = v;
  n.attrs[key] = a;
}

void axes_attr_to_input(Node& n, Graph& g) { attr_to_input(n, g, "axes", 1); }

}  // namespace onnx2mcu
