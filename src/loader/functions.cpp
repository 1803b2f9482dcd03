#include "loader/functions.h"

#include "loader/new_fields.h"
#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

// Renames every value of a function body consistently: formal inputs and outputs to the call's
// names, every other name (also those local to a subgraph) to a fresh one.
class Renamer {
 public:
  Renamer(UniqueNames& names, std::string prefix) : names_(names), prefix_(std::move(prefix)) {}
  void bind(const std::string& from, const std::string& to) { map_[from] = to; }
  std::string operator()(const std::string& name) {
    if (name.empty()) return name;
    auto it = map_.find(name);
    if (it != map_.end()) return it->second;
    return map_[name] = names_.fresh(prefix_ + name);
  }

 private:
  UniqueNames& names_;
  std::string prefix_;
  std::map<std::string, std::string> map_;
};

struct Expansion {
  const onnx::NodeProto& call;
  const ModelFunction& f;
  Renamer& rename;

  void graph(onnx::GraphProto& g) {
    for (auto& t : *g.mutable_initializer()) t.set_name(rename(t.name()));
    for (auto& st : *g.mutable_sparse_initializer()) {
      st.mutable_values()->set_name(rename(st.values().name()));
      st.mutable_indices()->set_name(rename(st.indices().name()));
    }
    for (auto* list : {g.mutable_input(), g.mutable_output(), g.mutable_value_info()})
      for (auto& vi : *list) vi.set_name(rename(vi.name()));
    for (auto& n : *g.mutable_node()) node(n);
  }

  void node(onnx::NodeProto& n) {
    for (auto& in : *n.mutable_input()) in = rename(in);
    for (auto& out : *n.mutable_output()) out = rename(out);
    google::protobuf::RepeatedPtrField<onnx::AttributeProto> attrs;
    for (const auto& a : n.attribute()) {
      if (a.ref_attr_name().empty()) {
        *attrs.Add() = a;
        continue;
      }
      const onnx::AttributeProto* value = nullptr;
      for (const auto& given : call.attribute())
        if (given.name() == a.ref_attr_name()) value = &given;
      auto def = f.defaults.find(a.ref_attr_name());
      if (!value && def != f.defaults.end()) value = &def->second;
      if (!value) continue;  // neither given nor defaulted: the attribute is omitted
      onnx::AttributeProto* copy = attrs.Add();
      *copy = *value;
      copy->set_name(a.name());
    }
    n.mutable_attribute()->Swap(&attrs);
    for (auto& a : *n.mutable_attribute()) {
      if (a.has_g()) graph(*a.mutable_g());
      for (auto& g : *a.mutable_graphs()) graph(g);
    }
  }
};

}  // namespace

UniqueNames::UniqueNames(const onnx::GraphProto& g) { reserve(g); }

void UniqueNames::reserve(const onnx::GraphProto& g) {
  for (const auto& t : g.initializer()) used_.insert(t.name());
  for (const auto& st : g.sparse_initializer()) used_.insert(st.values().name());
  for (const auto& vi : g.input()) used_.insert(vi.name());
  for (const auto& vi : g.output()) used_.insert(vi.name());
  for (const auto& n : g.node()) {
    used_.insert(n.input().begin(), n.input().end());
    used_.insert(n.output().begin(), n.output().end());
    for (const auto& a : n.attribute()) {
      if (a.has_g()) reserve(a.g());
      for (const auto& sub : a.graphs()) reserve(sub);
    }
  }
}

std::string UniqueNames::fresh(const std::string& hint) {
  std::string name = hint;
  for (int k = 2; used_.count(name); ++k) name = hint + "_" + std::to_string(k);
  used_.insert(name);
  return name;
}

ModelFunctions::ModelFunctions(const onnx::ModelProto& m, const Opsets& model_opsets) {
  for (const auto& fp : m.functions()) {
    ModelFunction f;
    f.proto = &fp;
    f.opsets = read_opsets(fp.opset_import());
    f.opsets.insert(model_opsets.begin(), model_opsets.end());
    f.params.insert(fp.attribute().begin(), fp.attribute().end());
    for (auto& a : function_default_attributes(fp)) {
      f.params.insert(a.name());
      f.defaults.emplace(a.name(), std::move(a));
    }
    functions_.emplace(std::make_tuple(canonical_domain(fp.domain()), fp.name(), function_overload(fp)), std::move(f));
  }
}

const ModelFunction* ModelFunctions::find(const onnx::NodeProto& call) const {
  if (functions_.empty()) return nullptr;
  auto it = functions_.find(std::make_tuple(canonical_domain(call.domain()), call.op_type(), node_overload(call)));
  return it == functions_.end() ? nullptr : &it->second;
}

google::protobuf::RepeatedPtrField<onnx::NodeProto> ModelFunctions::expand(const onnx::NodeProto& call,
                                                                           const std::string& label,
                                                                           const ModelFunction& f, UniqueNames& names) const {
  const onnx::FunctionProto& fp = *f.proto;
  auto fail = [&](const std::string& what) {
    fail_node(label, call.op_type(), "calls model function '" + fp.name() + "', " + what);
  };
  if (call.input_size() > fp.input_size())
    fail("which takes " + std::to_string(fp.input_size()) + " inputs, with " + std::to_string(call.input_size()));
  if (call.output_size() > fp.output_size())
    fail("which has " + std::to_string(fp.output_size()) + " outputs, for " + std::to_string(call.output_size()));
  for (const auto& a : call.attribute())
    if (!f.params.count(a.name())) fail("which has no attribute '" + a.name() + "'");

  Renamer rename(names, label + "/");
  std::set<std::string> inputs;
  for (int i = 0; i < fp.input_size(); ++i) {
    rename.bind(fp.input(i), i < call.input_size() ? call.input(i) : "");
    inputs.insert(fp.input(i));
  }
  google::protobuf::RepeatedPtrField<onnx::NodeProto> body;
  for (int i = 0; i < fp.output_size() && i < call.output_size(); ++i) {
    if (call.output(i).empty()) continue;
    if (!inputs.count(fp.output(i))) {
      rename.bind(fp.output(i), call.output(i));
      continue;
    }
    onnx::NodeProto* copy = body.Add();  // the output passes an input through
    copy->set_name(label + "/" + fp.output(i));
    copy->set_op_type("Identity");
    copy->add_input(rename(fp.output(i)));
    copy->add_output(call.output(i));
  }
  Expansion expansion{call, f, rename};
  for (int i = 0; i < fp.node_size(); ++i) {
    onnx::NodeProto* n = body.Add();
    *n = fp.node(i);
    n->set_name(label + "/" + node_label(fp.node(i), i));
    expansion.node(*n);
  }
  return body;
}

}  // namespace onnx2mcu
