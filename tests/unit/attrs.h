// Attribute values for graphs the unit tests build directly in the IR.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace onnx2mcu {

inline Attr int_attr(int64_t v) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = v;
  return a;
}
inline Attr ints_attr(std::vector<int64_t> v) {
  Attr a;
  a.kind = Attr::Kind::Ints;
  a.ints = std::move(v);
  return a;
}
inline Attr string_attr(std::string v) {
  Attr a;
  a.kind = Attr::Kind::String;
  a.s = std::move(v);
  return a;
}
inline Attr floats_attr(std::vector<float> v) {
  Attr a;
  a.kind = Attr::Kind::Floats;
  a.floats = std::move(v);
  return a;
}
inline Attr float_attr(float v) {
  Attr a;
  a.kind = Attr::Kind::Float;
  a.f = v;
  return a;
}
inline Attr strings_attr(std::vector<std::string> v) {
  Attr a;
  a.kind = Attr::Kind::Strings;
  a.strings = std::move(v);
  return a;
}

}  // namespace onnx2mcu
