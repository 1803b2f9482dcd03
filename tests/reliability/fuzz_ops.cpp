// libFuzzer target, structure-aware: the input bytes choose one registered op, an opset, its
// inputs (graph inputs, or constants with fuzzed contents), their dtypes and shapes, and its
// attributes (from ONNX's own schema for that op, with boundary values), build a ModelProto and
// compile it like fuzz_compile does. Byte-level mutation of whole models rarely gets a model
// past the protobuf parser and the checker into a shape rule; this target starts there, and
// constant inputs make the kernels run at fold time on hostile parameters.
#include <fuzzer/FuzzedDataProvider.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "ops/op.h"

namespace {

using onnx::AttributeProto;
using onnx::TensorProto;

const std::string& model_path() {
  static const std::string path = [] {
    const auto dir = std::filesystem::temp_directory_path() / ("onnx2mcu-fuzz-ops-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return (dir / "model.onnx").string();
  }();
  return path;
}

const std::vector<std::string>& op_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const onnx2mcu::OpDef* op : onnx2mcu::all_ops())
      if (op->domain.empty()) out.push_back(op->name);
    return out;
  }();
  return names;
}

// ONNX element type of "tensor(float)" etc.; 0 for types the generator does not handle.
int elem_of(const std::string& type) {
  static const std::map<std::string, int> types = {
      {"tensor(float)", TensorProto::FLOAT},   {"tensor(double)", TensorProto::DOUBLE}, {"tensor(int8)", TensorProto::INT8},
      {"tensor(int16)", TensorProto::INT16},   {"tensor(int32)", TensorProto::INT32},   {"tensor(int64)", TensorProto::INT64},
      {"tensor(uint8)", TensorProto::UINT8},   {"tensor(uint16)", TensorProto::UINT16}, {"tensor(uint32)", TensorProto::UINT32},
      {"tensor(uint64)", TensorProto::UINT64}, {"tensor(bool)", TensorProto::BOOL}};
  auto it = types.find(type);
  return it == types.end() ? 0 : it->second;
}

size_t elem_size(int t) {
  switch (t) {
    case TensorProto::DOUBLE: case TensorProto::INT64: case TensorProto::UINT64: return 8;
    case TensorProto::FLOAT: case TensorProto::INT32: case TensorProto::UINT32: return 4;
    case TensorProto::INT16: case TensorProto::UINT16: return 2;
    default: return 1;
  }
}

int64_t pick_int(FuzzedDataProvider& f) {
  static const int64_t edge[] = {std::numeric_limits<int64_t>::min(), -(int64_t{1} << 31), -65536, int64_t{1} << 31,
                                 int64_t{1} << 40, std::numeric_limits<int64_t>::max(), 64, 65535, 1000000};
  if (f.ConsumeIntegralInRange<int>(0, 9) < 8) return f.ConsumeIntegralInRange<int64_t>(-3, 8);
  return edge[f.ConsumeIntegralInRange<size_t>(0, sizeof edge / sizeof edge[0] - 1)];
}

float pick_float(FuzzedDataProvider& f) {
  static const float edge[] = {0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 2.0f, 1e30f, -1e30f, 1e-40f,
                               std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()};
  return edge[f.ConsumeIntegralInRange<size_t>(0, sizeof edge / sizeof edge[0] - 1)];
}

std::string pick_string(FuzzedDataProvider& f) {
  static const char* words[] = {"",          "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID",        "DCR",     "CRD",
                                "constant",  "reflect", "edge",      "wrap",       "LEFT",         "RIGHT",   "linear",
                                "nearest",   "cubic",  "half_pixel", "asymmetric", "align_corners", "floor", "round_prefer_floor",
                                "sum",       "mean",   "max",        "min",        "none",         "add",     "mul",
                                "Tanh",      "Sigmoid", "Relu",      "forward",    "reverse",      "bidirectional", "ij,jk->ik",
                                "tf_crop_and_resize", "pytorch_half_pixel", "x"};
  return words[f.ConsumeIntegralInRange<size_t>(0, sizeof words / sizeof words[0] - 1)];
}

void fill_tensor(FuzzedDataProvider& f, TensorProto* t, int elem, const std::vector<int64_t>& dims) {
  t->set_data_type(elem);
  int64_t n = 1;
  for (int64_t d : dims) t->add_dims(d), n *= d;
  std::string raw;
  if (elem == TensorProto::INT64) {  // shapes, axes, indices: boundary values matter
    for (int64_t i = 0; i < n; ++i) {
      const int64_t v = pick_int(f);
      raw.append(reinterpret_cast<const char*>(&v), 8);
    }
  } else if (elem == TensorProto::FLOAT && f.ConsumeBool()) {
    for (int64_t i = 0; i < n; ++i) {
      const float v = pick_float(f);
      raw.append(reinterpret_cast<const char*>(&v), 4);
    }
  } else {
    raw = f.ConsumeBytesAsString(static_cast<size_t>(n) * elem_size(elem));
    raw.resize(static_cast<size_t>(n) * elem_size(elem), '\0');
    if (elem == TensorProto::BOOL)
      for (char& c : raw) c = static_cast<char>(c & 1);
  }
  t->set_raw_data(raw);
}

void set_attribute(FuzzedDataProvider& f, onnx::NodeProto* n, const std::string& name, AttributeProto::AttributeType type) {
  AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(type);
  const int count = f.ConsumeIntegralInRange<int>(0, 6);
  switch (type) {
    case AttributeProto::INT: a->set_i(name == "to" || name == "dtype" || name == "output_dtype" ? f.ConsumeIntegralInRange<int>(0, 16) : pick_int(f)); break;
    case AttributeProto::FLOAT: a->set_f(pick_float(f)); break;
    case AttributeProto::STRING: a->set_s(pick_string(f)); break;
    case AttributeProto::INTS: for (int i = 0; i < count; ++i) a->add_ints(pick_int(f)); break;
    case AttributeProto::FLOATS: for (int i = 0; i < count; ++i) a->add_floats(pick_float(f)); break;
    case AttributeProto::STRINGS: for (int i = 0; i < count; ++i) a->add_strings(pick_string(f)); break;
    case AttributeProto::TENSOR: {
      const int elem = f.ConsumeBool() ? TensorProto::FLOAT : TensorProto::INT64;
      fill_tensor(f, a->mutable_t(), elem, count ? std::vector<int64_t>{count} : std::vector<int64_t>{});
      break;
    }
    default: n->mutable_attribute()->RemoveLast(); break;  // graphs, sparse tensors, type protos
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider f(data, size);
  const std::string& op = op_names()[f.ConsumeIntegralInRange<size_t>(0, op_names().size() - 1)];
  const int opset = f.ConsumeIntegralInRange<int>(7, 17);
  const onnx::OpSchema* schema = onnx::OpSchemaRegistry::Schema(op, opset, "");
  if (!schema) return 0;

  onnx::ModelProto m;
  m.set_ir_version(8);
  auto* imp = m.add_opset_import();
  imp->set_domain("");
  imp->set_version(opset);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("fuzz");
  onnx::NodeProto* n = g->add_node();
  n->set_op_type(op);
  n->set_name("n");

  // One element type per type constraint ("T", "T1", ...), from the types it allows.
  std::map<std::string, int> chosen;
  auto elem_for = [&](const onnx::OpSchema::FormalParameter& p) {
    auto it = chosen.find(p.GetTypeStr());
    if (it != chosen.end()) return it->second;
    std::vector<std::string> allowed;
    for (const auto* t : p.GetTypes())
      if (elem_of(*t)) allowed.push_back(*t);
    std::sort(allowed.begin(), allowed.end());  // the set's order varies from run to run
    const int e = allowed.empty() ? 0 : elem_of(allowed[f.ConsumeIntegralInRange<size_t>(0, allowed.size() - 1)]);
    return chosen[p.GetTypeStr()] = e;
  };

  int index = 0;
  for (const auto& p : schema->inputs()) {
    int copies = 1;
    if (p.GetOption() == onnx::OpSchema::Optional) copies = f.ConsumeIntegralInRange<int>(0, 1);
    if (p.GetOption() == onnx::OpSchema::Variadic) copies = f.ConsumeIntegralInRange<int>(1, 3);
    for (int c = 0; c < copies; ++c) {
      const int elem = elem_for(p);
      if (!elem) return 0;
      const std::string name = "x" + std::to_string(index++);
      std::vector<int64_t> dims(f.ConsumeIntegralInRange<size_t>(0, 4));
      int64_t elems = 1;
      for (int64_t& d : dims) elems *= (d = f.ConsumeIntegralInRange<int64_t>(f.ConsumeIntegralInRange<int>(0, 15) ? 1 : 0, 6));
      if (f.ConsumeBool() && elems <= 256) {
        TensorProto* t = g->add_initializer();
        t->set_name(name);
        fill_tensor(f, t, elem, dims);
      } else {
        auto* vi = g->add_input();
        vi->set_name(name);
        vi->mutable_type()->mutable_tensor_type()->set_elem_type(elem);
        auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
        for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
      }
      n->add_input(name);
    }
  }
  for (const auto& [name, a] : schema->attributes())
    if (a.required || f.ConsumeBool()) set_attribute(f, n, name, a.type);
  index = 0;
  for (const auto& p : schema->outputs()) {
    int copies = 1;
    if (p.GetOption() == onnx::OpSchema::Optional) copies = f.ConsumeIntegralInRange<int>(0, 1);
    if (p.GetOption() == onnx::OpSchema::Variadic) copies = f.ConsumeIntegralInRange<int>(1, 3);
    for (int c = 0; c < copies; ++c) {
      const std::string name = "y" + std::to_string(index++);
      n->add_output(name);
      auto* vi = g->add_output();
      vi->set_name(name);
      const int elem = elem_for(p);
      vi->mutable_type()->mutable_tensor_type()->set_elem_type(elem ? elem : TensorProto::FLOAT);
      vi->mutable_type()->mutable_tensor_type()->mutable_shape();
    }
  }

  // Triage: ONNX2MCU_FUZZ_DUMP=model.onnx fuzz_ops CRASH writes the model the input builds, for
  // onnx2mcu inspect or netron.
  if (const char* dump = std::getenv("ONNX2MCU_FUZZ_DUMP")) {
    std::ofstream out(dump, std::ios::binary);
    out << m.SerializeAsString();
  }

  onnx2mcu::CompileOptions opts;
  opts.name = "fuzz";
  opts.limits.max_tensor_bytes = int64_t{4} << 20;
  opts.limits.max_arena_bytes = int64_t{16} << 20;
  opts.limits.max_nodes = 100;
  try {
    onnx2mcu::compile_model_bytes(m.SerializeAsString(), model_path(), opts);
  } catch (const onnx2mcu::Error&) {
  }
  return 0;
}
