#include "loader/new_fields.h"

#include <google/protobuf/unknown_field_set.h>

#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

constexpr int kNodeOverload = 8;
constexpr int kFunctionAttributeProto = 11;
constexpr int kFunctionOverload = 13;

// Every length-delimited unknown field `number` of m, in order.
std::vector<std::string> unknown_bytes(const google::protobuf::Message& m, int number) {
  std::vector<std::string> out;
  const auto& set = m.GetReflection()->GetUnknownFields(m);
  for (int i = 0; i < set.field_count(); ++i) {
    const auto& f = set.field(i);
    if (f.number() == number && f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED)
      out.push_back(f.length_delimited());
  }
  return out;
}

// A singular string field: protobuf's rule is that the last occurrence wins.
std::string unknown_string(const google::protobuf::Message& m, int number) {
  auto all = unknown_bytes(m, number);
  return all.empty() ? std::string() : all.back();
}

void set_unknown_string(google::protobuf::Message& m, int number, const std::string& value) {
  m.GetReflection()->MutableUnknownFields(&m)->AddLengthDelimited(number, value);
}

}  // namespace

std::string node_overload(const onnx::NodeProto& n) { return unknown_string(n, kNodeOverload); }
std::string function_overload(const onnx::FunctionProto& f) { return unknown_string(f, kFunctionOverload); }

std::vector<onnx::AttributeProto> function_default_attributes(const onnx::FunctionProto& f) {
  std::vector<onnx::AttributeProto> out;
  for (const std::string& bytes : unknown_bytes(f, kFunctionAttributeProto)) {
    out.emplace_back();
    if (!out.back().ParseFromString(bytes))
      throw Error("function '" + f.name() + "': a default attribute (attribute_proto) is not a valid AttributeProto");
  }
  return out;
}

void set_node_overload(onnx::NodeProto& n, const std::string& overload) { set_unknown_string(n, kNodeOverload, overload); }
void set_function_overload(onnx::FunctionProto& f, const std::string& overload) {
  set_unknown_string(f, kFunctionOverload, overload);
}
void add_function_default_attribute(onnx::FunctionProto& f, const onnx::AttributeProto& a) {
  set_unknown_string(f, kFunctionAttributeProto, a.SerializeAsString());
}

}  // namespace onnx2mcu
