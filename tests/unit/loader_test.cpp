// The loader: models/digits, Constant nodes, --shape overrides, broken files, external data
// confined to the model's folder, its own validation, model-local functions, and our shape rules
// cross-checked against ONNX's own.
// Small test models are built here with the ONNX protobuf classes and written to a temp folder.
#include <gtest/gtest.h>
#include <onnx/onnx-data_pb.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "ir/graph.h"
#include "loader/loader.h"
#include "loader/new_fields.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "passes/passes.h"

namespace fs = std::filesystem;

namespace onnx2mcu {
namespace {

const std::string kDigits = ONNX2MCU_SOURCE_DIR "/models/digits/model.onnx";

// A fresh folder for one test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "_" + info->name();
    std::replace(name.begin(), name.end(), '/', '_');  // parameterized tests: "Suite/Test/param"
    path_ = fs::temp_directory_path() / ("onnx2mcu_loader_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_bytes(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string float_bytes(std::vector<float> v) { return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)); }

// ---- Building small models --------------------------------------------------------------------

onnx::ModelProto new_model(int opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("onnx2mcu loader_test");
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  m.mutable_graph()->set_name("test");
  return m;
}

// dims: a number for a fixed dim, anything else for a symbolic one ("N").
void set_type(onnx::ValueInfoProto* vi, const std::string& name, const std::vector<std::string>& dims) {
  vi->set_name(name);
  auto* tt = vi->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  for (const std::string& d : dims) {
    auto* dim = shape->add_dim();
    if (!d.empty() && std::isdigit(static_cast<unsigned char>(d[0]))) dim->set_dim_value(std::stoll(d));
    else dim->set_dim_param(d);
  }
}
void add_input(onnx::ModelProto& m, const std::string& name, const std::vector<std::string>& dims) {
  set_type(m.mutable_graph()->add_input(), name, dims);
}
void add_output(onnx::ModelProto& m, const std::string& name, const std::vector<std::string>& dims) {
  set_type(m.mutable_graph()->add_output(), name, dims);
}
onnx::NodeProto* add_node(onnx::ModelProto& m, const std::string& op, std::vector<std::string> ins, std::vector<std::string> outs) {
  auto* n = m.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(op + "_" + outs[0]);
  for (const auto& i : ins) n->add_input(i);
  for (const auto& o : outs) n->add_output(o);
  return n;
}
onnx::TensorProto float_tensor(const std::string& name, std::vector<int64_t> dims, std::vector<float> values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t.add_dims(d);
  for (float v : values) t.add_float_data(v);
  return t;
}

fs::path save(const onnx::ModelProto& m, const fs::path& p) {
  std::string bytes;
  EXPECT_TRUE(m.SerializeToString(&bytes));
  write_bytes(p, bytes);
  return p;
}

// x[2] + w[2] -> y[2], where w's data lives in an external file at `location`.
onnx::ModelProto external_data_model(const std::string& location, int64_t offset = 0) {
  onnx::ModelProto m = new_model();
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  add_node(m, "Add", {"x", "w"}, {"y"});
  onnx::TensorProto* w = m.mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(2);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* loc = w->add_external_data();
  loc->set_key("location");
  loc->set_value(location);
  if (offset) {
    auto* off = w->add_external_data();
    off->set_key("offset");
    off->set_value(std::to_string(offset));
  }
  return m;
}

// The message of the Error `f` throws, or a note that it threw none.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

#define EXPECT_CONTAINS(text, part) EXPECT_NE(std::string(text).find(part), std::string::npos) << "in: " << (text)

// ---- models/digits --------------------------------------------------------------------------------

TEST(LoadDigits, InputsOutputsNodesAndInitializers) {
  auto g = load_model(kDigits);
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_EQ(g->inputs[0]->name, "image");
  EXPECT_EQ(g->inputs[0]->dtype, DType::F32);
  EXPECT_EQ(g->inputs[0]->shape, (Shape{1, 1, 8, 8}));
  EXPECT_TRUE(g->inputs[0]->is_graph_input);
  ASSERT_EQ(g->outputs.size(), 1u);
  EXPECT_EQ(g->outputs[0]->name, "probs");
  EXPECT_TRUE(g->outputs[0]->is_graph_output);

  std::vector<std::string> ops;
  for (const auto& n : g->nodes) ops.push_back(n->op);
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "Relu", "MaxPool", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Softmax"}));
  EXPECT_EQ(g->nodes[0]->name, "conv1");
  EXPECT_EQ(g->nodes[0]->opset, 13);
  EXPECT_EQ(g->nodes[0]->attr_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(g->nodes[7]->attr_int("transB", 0), 1);

  std::map<std::string, Shape> weights;
  for (const auto& v : g->values)
    if (v->is_const()) weights[v->name] = v->shape;
  EXPECT_EQ(weights, (std::map<std::string, Shape>{{"conv1.weight", {8, 1, 3, 3}}, {"conv1.bias", {8}},
                                                   {"conv2.weight", {16, 8, 3, 3}}, {"conv2.bias", {16}},
                                                   {"fc.weight", {10, 64}}, {"fc.bias", {10}}}));
  EXPECT_EQ(g->find_value("conv1.weight")->dtype, DType::F32);
  EXPECT_EQ(g->model_path, kDigits);
}

TEST(LoadDigits, PipelineGivesEveryValueAShape) {
  auto g = load_model(kDigits);
  run_pipeline(*g);
  EXPECT_EQ(g->find_value("logits")->shape, (Shape{1, 10}));
  EXPECT_EQ(g->outputs[0]->shape, (Shape{1, 10}));
  for (const auto& v : g->values) EXPECT_TRUE(shape_known(v->shape) && v->dtype != DType::Undefined) << v->name;
}

TEST(LoadTensorFile, ReadsAReferenceInput) {
  std::string name;
  Tensor t = load_tensor_file(ONNX2MCU_SOURCE_DIR "/models/digits/test_data_set_0/input_0.pb", &name);
  EXPECT_EQ(name, "image");
  EXPECT_EQ(t.dtype, DType::F32);
  EXPECT_EQ(t.shape, (Shape{1, 1, 8, 8}));
  for (int64_t i = 0; i < t.elems(); ++i) {
    EXPECT_GE(t.data<float>()[i], 0.0f);
    EXPECT_LE(t.data<float>()[i], 1.0f);
  }
}

// ---- Whole pipeline on small multi-node models ----------------------------------------------------

TEST(CompileModel, IdentityBetweenTwoRelusCompiles) {
  // x -> Relu -> Identity -> Relu -> y (opset 13): remove-identities crashed with SIGSEGV.
  onnx::ModelProto m = new_model(13);
  add_input(m, "x", {"1", "4"});
  add_output(m, "y", {"1", "4"});
  add_node(m, "Relu", {"x"}, {"a"});
  add_node(m, "Identity", {"a"}, {"b"});
  add_node(m, "Relu", {"b"}, {"y"});
  std::string bytes;
  ASSERT_TRUE(m.SerializeToString(&bytes));
  const CompiledModel c = compile_model_bytes(bytes, "relu_identity_relu.onnx");
  ASSERT_TRUE(c.graph);
  std::vector<std::string> ops;
  for (const auto& n : c.graph->nodes) ops.push_back(n->op);
  EXPECT_EQ(ops, (std::vector<std::string>{"Relu", "Relu"}));
  EXPECT_EQ(c.graph->nodes[1]->inputs[0]->name, "a");
  EXPECT_FALSE(c.files.empty());
}

// ---- Constant nodes ---------------------------------------------------------------------------

TEST(Load, ConstantNodesBecomeConstantValues) {
  TempDir dir;
  onnx::ModelProto m = new_model();
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  auto* c = add_node(m, "Constant", {}, {"c"});
  auto* value = c->add_attribute();
  value->set_name("value");
  value->set_type(onnx::AttributeProto::TENSOR);
  *value->mutable_t() = float_tensor("", {2}, {1.5f, -2.0f});
  auto* k = add_node(m, "Constant", {}, {"k"});
  auto* ints = k->add_attribute();
  ints->set_name("value_ints");
  ints->set_type(onnx::AttributeProto::INTS);
  ints->add_ints(7);
  ints->add_ints(-1);
  auto* s = add_node(m, "Constant", {}, {"s"});
  auto* f = s->add_attribute();
  f->set_name("value_float");
  f->set_type(onnx::AttributeProto::FLOAT);
  f->set_f(0.25f);
  add_node(m, "Add", {"x", "c"}, {"y"});

  auto g = load_model(save(m, dir.path() / "m.onnx").string());
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0]->op, "Add");
  const Value* cv = g->find_value("c");
  ASSERT_TRUE(cv && cv->is_const());
  EXPECT_EQ(cv->dtype, DType::F32);
  EXPECT_EQ(cv->shape, (Shape{2}));
  EXPECT_EQ(cv->constant->data<float>()[0], 1.5f);
  EXPECT_EQ(cv->constant->data<float>()[1], -2.0f);
  const Value* kv = g->find_value("k");
  ASSERT_TRUE(kv && kv->is_const());
  EXPECT_EQ(kv->dtype, DType::I64);
  EXPECT_EQ(kv->constant->to_ints(), (std::vector<int64_t>{7, -1}));
  const Value* sv = g->find_value("s");
  ASSERT_TRUE(sv && sv->is_const());
  EXPECT_EQ(sv->shape, (Shape{}));
  EXPECT_EQ(sv->constant->data<float>()[0], 0.25f);
}

// ---- --shape overrides ---------------------------------------------------------------------------

class ShapeOverride : public ::testing::Test {
 protected:
  void SetUp() override {
    onnx::ModelProto m = new_model();
    add_input(m, "x", {"N", "4"});
    add_output(m, "y", {"N", "4"});
    add_node(m, "Relu", {"x"}, {"y"});
    path_ = save(m, dir_.path() / "dyn.onnx").string();
  }
  std::string load_error(std::map<std::string, Shape> shapes) {
    LoadOptions opts;
    opts.input_shapes = std::move(shapes);
    return error_of([&] { load_model(path_, opts); });
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(ShapeOverride, FixesASymbolicDim) {
  LoadOptions opts;
  opts.input_shapes["x"] = {3, 4};
  auto g = load_model(path_, opts);
  EXPECT_EQ(g->inputs[0]->shape, (Shape{3, 4}));
  run_pipeline(*g);
  EXPECT_EQ(g->outputs[0]->shape, (Shape{3, 4}));
}

TEST_F(ShapeOverride, UnknownDimWithoutOverrideNamesTheInput) {
  const std::string msg = load_error({});
  EXPECT_CONTAINS(msg, path_);
  EXPECT_CONTAINS(msg, "input 'x' has unknown dim 0 'N'");
  EXPECT_CONTAINS(msg, "; fix it with --shape x=1x4 (unknown dims written as 1)");
}

TEST_F(ShapeOverride, WrongRank) {
  const std::string msg = load_error({{"x", {1, 3, 4}}});
  EXPECT_CONTAINS(msg, "--shape x=1x3x4 has rank 3 but the model declares [?,4]");
}

TEST_F(ShapeOverride, ContradictsAFixedDim) {
  const std::string msg = load_error({{"x", {2, 5}}});
  EXPECT_CONTAINS(msg, "--shape x=2x5 contradicts the model's fixed dim 1 = 4");
}

TEST_F(ShapeOverride, UnknownName) {
  const std::string msg = load_error({{"x", {2, 4}}, {"nope", {1}}});
  EXPECT_CONTAINS(msg, "--shape names 'nope', which is not a graph input");
}

// ---- Broken files -----------------------------------------------------------------------------

TEST(LoadErrors, MissingFileNamesIt) {
  const std::string path = "/nonexistent/onnx2mcu/model.onnx";
  const std::string msg = error_of([&] { load_model(path); });
  EXPECT_CONTAINS(msg, path + ": cannot open: no such file");
}

TEST(LoadErrors, FolderIsNotAModel) {
  TempDir dir;
  const std::string msg = error_of([&] { load_model(dir.path().string()); });
  EXPECT_CONTAINS(msg, dir.path().string() + ": cannot open: is a directory, not a model file");
}

TEST(LoadErrors, CorruptBytesNameTheFile) {
  TempDir dir;
  std::mt19937 rng(3);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng());
  for (const std::string& bytes : {std::string("this is not an onnx model"), noise}) {
    const fs::path p = dir.path() / "corrupt.onnx";
    write_bytes(p, bytes);
    const std::string msg = error_of([&] { load_model(p.string()); });
    EXPECT_EQ(msg.rfind(p.string() + ": ", 0), 0u) << msg;
  }
}

TEST(LoadErrors, TruncatedModelNamesTheFile) {
  TempDir dir;
  const std::string full = read_all(kDigits);
  ASSERT_GT(full.size(), 1000u);
  for (size_t keep : {full.size() / 2, full.size() - 3, size_t(17)}) {
    const fs::path p = dir.path() / "truncated.onnx";
    write_bytes(p, full.substr(0, keep));
    const std::string msg = error_of([&] { load_model(p.string()); });
    EXPECT_EQ(msg.rfind(p.string() + ": ", 0), 0u) << "kept " << keep << " bytes: " << msg;
  }
}

TEST(LoadErrors, UnsupportedOpset) {
  TempDir dir;
  onnx::ModelProto m = new_model(28);
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  add_node(m, "Relu", {"x"}, {"y"});
  const std::string path = save(m, dir.path() / "old.onnx").string();
  const std::string msg = error_of([&] { load_model(path); });
  EXPECT_CONTAINS(msg, path + ": ");
  EXPECT_CONTAINS(msg, "opset 28 is not supported (onnx2mcu handles 1 to 27)");
}

// ---- Old opsets --------------------------------------------------------------------------------

onnx::AttributeProto* add_int_attr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
  return a;
}

// Opset 6's Add with broadcast=1 and axis=0 aligns B [2] with A's dim 0, not its last dim.
TEST(OldOpsets, LegacyBroadcastAlignsAtAxis) {
  TempDir dir;
  onnx::ModelProto m = new_model(6);
  *m.mutable_graph()->add_initializer() = float_tensor("a", {2, 3}, {1, 2, 3, 4, 5, 6});
  *m.mutable_graph()->add_initializer() = float_tensor("b", {2}, {10, 20});
  add_output(m, "y", {"2", "3"});
  onnx::NodeProto* add = add_node(m, "Add", {"a", "b"}, {"y"});
  add_int_attr(add, "broadcast", 1);
  add_int_attr(add, "axis", 0);
  auto g = load_model(save(m, dir.path() / "old.onnx").string());
  EXPECT_EQ(g->nodes[0]->opset, 6);
  run_pipeline(*g);
  ASSERT_TRUE(g->outputs[0]->is_const());
  const float* y = g->outputs[0]->constant->data<float>();
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{11, 12, 13, 24, 25, 26}));
}

TEST(OldOpsets, NoBroadcastNeedsEqualShapes) {
  TempDir dir;
  onnx::ModelProto m = new_model(6);
  add_input(m, "a", {"2", "3"});
  *m.mutable_graph()->add_initializer() = float_tensor("b", {3}, {1, 2, 3});
  add_output(m, "y", {"2", "3"});
  add_node(m, "Mul", {"a", "b"}, {"y"});
  auto g = load_model(save(m, dir.path() / "old.onnx").string());
  EXPECT_CONTAINS(error_of([&] { run_pipeline(*g); }), "differ and broadcast=0");
}

TEST(OldOpsets, TrainingModeBatchNormIsRefused) {
  TempDir dir;
  onnx::ModelProto m = new_model(6);
  add_input(m, "x", {"1", "2", "2"});
  for (const char* p : {"s", "b", "mean", "var"}) *m.mutable_graph()->add_initializer() = float_tensor(p, {2}, {1, 1});
  add_output(m, "y", {"1", "2", "2"});
  add_node(m, "BatchNormalization", {"x", "s", "b", "mean", "var"}, {"y"});  // is_test defaults to 0
  auto g = load_model(save(m, dir.path() / "old.onnx").string());
  EXPECT_CONTAINS(error_of([&] { run_pipeline(*g); }), "is_test=0 (opset 6) means training mode");
}

// ---- Frozen inputs (--freeze) ------------------------------------------------------------------

// x [6] reshaped by the graph input `shape` (int64 [2]).
onnx::ModelProto reshape_by_input_model() {
  onnx::ModelProto m = new_model();
  add_input(m, "x", {"6"});
  auto* s = m.mutable_graph()->add_input();
  s->set_name("shape");
  s->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::INT64);
  s->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  add_output(m, "y", {"3", "2"});
  add_node(m, "Reshape", {"x", "shape"}, {"y"});
  return m;
}

Tensor int64_tensor(std::vector<int64_t> v) {
  Tensor t(DType::I64, {static_cast<int64_t>(v.size())});
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return t;
}

TEST(FrozenInputs, ARuntimeShapeInputSuggestsFreeze) {
  TempDir dir;
  auto g = load_model(save(reshape_by_input_model(), dir.path() / "m.onnx").string());
  EXPECT_CONTAINS(error_of([&] { run_pipeline(*g); }), "must be a constant; it is only known at run time: fix its value with --freeze shape=FILE.pb");
}

// An op whose output shape depends on values (NonZero, Unique, NonMaxSuppression) says which
// graph inputs to freeze, also through the float32 Cast a float16 input is computed in.
TEST(FrozenInputs, AValueDependentShapeSuggestsFreezeThroughFloat16Casts) {
  TempDir dir;
  onnx::ModelProto m = new_model();
  add_input(m, "x", {"6"});
  add_output(m, "y", {"1", "6"});
  add_node(m, "NonZero", {"x"}, {"y"});
  auto g = load_model(save(m, dir.path() / "m.onnx").string());
  EXPECT_CONTAINS(error_of([&] { run_pipeline(*g); }),
                  "its output shape depends on the values of input 'x', which are only known at run time: fix its value with --freeze x=FILE.pb");
  onnx::ModelProto r = new_model();
  for (const char* name : {"start", "limit", "delta"}) {
    auto* in = r.mutable_graph()->add_input();
    in->set_name(name);
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT16);
    in->mutable_type()->mutable_tensor_type()->mutable_shape();
  }
  add_output(r, "y", {"4"});
  add_node(r, "Range", {"start", "limit", "delta"}, {"y"});
  auto gr = load_model(save(r, dir.path() / "r.onnx").string());
  EXPECT_CONTAINS(error_of([&] { run_pipeline(*gr); }), "it comes from graph input(s); fix them with --freeze start=FILE.pb");
}

TEST(FrozenInputs, AFrozenInputIsAConstant) {
  TempDir dir;
  LoadOptions opts;
  opts.frozen_inputs["shape"] = int64_tensor({3, 2});
  auto g = load_model(save(reshape_by_input_model(), dir.path() / "m.onnx").string(), opts);
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_EQ(g->inputs[0]->name, "x");
  EXPECT_EQ(g->model_inputs, (std::vector<std::string>{"x", "shape"}));
  run_pipeline(*g);
  EXPECT_EQ(g->outputs[0]->shape, (Shape{3, 2}));
}

TEST(FrozenInputs, BadFreezesAreErrors) {
  TempDir dir;
  const std::string path = save(reshape_by_input_model(), dir.path() / "m.onnx").string();
  auto error_with = [&](const std::string& name, Tensor t) {
    LoadOptions opts;
    opts.frozen_inputs[name] = std::move(t);
    return error_of([&] { load_model(path, opts); });
  };
  EXPECT_CONTAINS(error_with("nope", int64_tensor({3, 2})), "--freeze names 'nope', which is not a graph input");
  EXPECT_CONTAINS(error_with("shape", int64_tensor({6})), "--freeze shape: the value has shape [1], the input is declared [2]");
  EXPECT_CONTAINS(error_with("shape", Tensor(DType::F32, {2})), "--freeze shape: the value is float32, the input is declared int64");
}

// Data sets name every declared input: a frozen one must hold the frozen value.
TEST(FrozenInputs, DataSetsAreCheckedAgainstTheFrozenValue) {
  TempDir dir;
  LoadOptions opts;
  opts.frozen_inputs["shape"] = int64_tensor({3, 2});
  auto g = load_model(save(reshape_by_input_model(), dir.path() / "m.onnx").string(), opts);
  auto write_set = [&](const std::string& set, std::vector<int64_t> shape) {
    onnx::TensorProto x = float_tensor("x", {6}, {1, 2, 3, 4, 5, 6}), s;
    s.set_name("shape");
    s.set_data_type(onnx::TensorProto::INT64);
    s.add_dims(2);
    for (int64_t v : shape) s.add_int64_data(v);
    write_bytes(dir.path() / set / "input_0.pb", x.SerializeAsString());
    write_bytes(dir.path() / set / "input_1.pb", s.SerializeAsString());
    return (dir.path() / set).string();
  };
  const std::vector<Tensor> ins = load_data_set_inputs(write_set("same", {3, 2}), *g);
  ASSERT_EQ(ins.size(), 1u);
  EXPECT_EQ(ins[0].shape, (Shape{6}));
  EXPECT_CONTAINS(error_of([&] { load_data_set_inputs(write_set("other", {2, 3}), *g); }),
                  "holds another value than the one input 'shape' was frozen to");

  // With every input frozen the graph folds away, values and all; the data set is still checked.
  Tensor x(DType::F32, {6});
  for (int i = 0; i < 6; ++i) x.data<float>()[i] = static_cast<float>(i + 1);
  opts.frozen_inputs["x"] = x;
  auto folded = load_model((dir.path() / "m.onnx").string(), opts);
  run_pipeline(*folded);
  EXPECT_TRUE(folded->inputs.empty());
  EXPECT_TRUE(load_data_set_inputs(write_set("same", {3, 2}), *folded).empty());
  EXPECT_CONTAINS(error_of([&] { load_data_set_inputs(write_set("other", {2, 3}), *folded); }),
                  "holds another value than the one input 'shape' was frozen to");
}

// ---- Sequence- and optional-typed inputs and outputs ---------------------------------------------
// A sequence input of float [N, 3] elements and an optional float [2] input; the model returns the
// sequence's elements concatenated, the sequence itself, and whether the optional holds a value.
onnx::ModelProto composite_io_model() {
  onnx::ModelProto m = new_model(18);
  auto* seq = m.mutable_graph()->add_input();
  seq->set_name("frames");
  auto* et = seq->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type();
  et->set_elem_type(onnx::TensorProto::FLOAT);
  et->mutable_shape()->add_dim()->set_dim_param("N");
  et->mutable_shape()->add_dim()->set_dim_value(3);
  auto* opt = m.mutable_graph()->add_input();
  opt->set_name("bias");
  auto* ot = opt->mutable_type()->mutable_optional_type()->mutable_elem_type()->mutable_tensor_type();
  ot->set_elem_type(onnx::TensorProto::FLOAT);
  ot->mutable_shape()->add_dim()->set_dim_value(2);
  add_node(m, "ConcatFromSequence", {"frames"}, {"joined"})->add_attribute()->CopyFrom([] {
    onnx::AttributeProto a;
    a.set_name("axis");
    a.set_type(onnx::AttributeProto::INT);
    a.set_i(0);
    return a;
  }());
  add_node(m, "Identity", {"frames"}, {"frames_out"});
  add_node(m, "OptionalHasElement", {"bias"}, {"has_bias"});
  add_output(m, "joined", {"?", "3"});
  m.mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param("M");
  auto* so = m.mutable_graph()->add_output();
  so->set_name("frames_out");
  so->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  auto* ho = m.mutable_graph()->add_output();
  ho->set_name("has_bias");
  ho->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::BOOL);
  return m;
}

TEST(CompositeInputs, ASequenceInputNeedsItsElementShapes) {
  TempDir dir;
  const std::string path = save(composite_io_model(), dir.path() / "m.onnx").string();
  EXPECT_CONTAINS(error_of([&] { load_model(path); }),
                  "input 'frames' is a sequence; give the shape of each of its elements: --sequence frames=2x3,2x3");
  LoadOptions bad;
  bad.sequence_inputs["frames"] = {{2, 4}};
  EXPECT_CONTAINS(error_of([&] { load_model(path, bad); }), "--sequence frames: element 0 [2,4] does not fit the declared [?,3]");
  bad.sequence_inputs = {{"frames", {{1, 3}}}, {"bias", {{2}}}};
  EXPECT_CONTAINS(error_of([&] { load_model(path, bad); }), "--sequence names 'bias', which is not a sequence");
}

// The elements are graph inputs NAME_0, NAME_1, ...; the sequence output one graph output per
// element; data files (SequenceProto, OptionalProto) are read element by element.
TEST(CompositeInputs, ElementsAreGraphInputsAndOutputsAndDataFilesAreReadElementByElement) {
  TempDir dir;
  const std::string path = save(composite_io_model(), dir.path() / "m.onnx").string();
  LoadOptions opts;
  opts.sequence_inputs["frames"] = {{1, 3}, {2, 3}};
  auto g = load_model(path, opts);
  ASSERT_EQ(g->inputs.size(), 3u);
  EXPECT_EQ(g->inputs[0]->name, "frames_0");
  EXPECT_EQ(g->inputs[1]->shape, (Shape{2, 3}));
  EXPECT_EQ(g->inputs[2]->name, "bias_0");
  EXPECT_EQ(g->model_inputs, (std::vector<std::string>{"frames", "bias"}));
  run_pipeline(*g);
  ASSERT_EQ(g->outputs.size(), 4u);  // joined, frames_out_0, frames_out_1, has_bias
  EXPECT_EQ(g->outputs[0]->shape, (Shape{3, 3}));
  EXPECT_EQ(g->outputs[2]->name, "frames_out_1");
  ASSERT_TRUE(g->outputs[3]->is_const());
  EXPECT_EQ(g->outputs[3]->constant->bytes[0], 1);
  ASSERT_EQ(g->output_forms.size(), 3u);
  EXPECT_EQ(g->output_forms[1].kind, IoForm::Kind::Sequence);
  EXPECT_EQ(g->output_forms[1].count, 2u);

  auto write_set = [&](const std::string& set, size_t frames) {
    onnx::SequenceProto s;
    s.set_elem_type(onnx::SequenceProto::TENSOR);
    for (size_t k = 0; k < frames; ++k) *s.add_tensor_values() = float_tensor("f", {static_cast<int64_t>(k + 1), 3}, std::vector<float>(3 * (k + 1), 1.f));
    onnx::OptionalProto o;
    o.set_elem_type(onnx::OptionalProto::TENSOR);
    *o.mutable_tensor_value() = float_tensor("bias", {2}, {1, 2});
    write_bytes(dir.path() / set / "input_0.pb", s.SerializeAsString());
    write_bytes(dir.path() / set / "input_1.pb", o.SerializeAsString());
    write_bytes(dir.path() / set / "output_0.pb", float_tensor("joined", {3, 3}, std::vector<float>(9, 1.f)).SerializeAsString());
    write_bytes(dir.path() / set / "output_1.pb", s.SerializeAsString());
    onnx::TensorProto has;
    has.set_data_type(onnx::TensorProto::BOOL);
    has.add_int32_data(1);
    write_bytes(dir.path() / set / "output_2.pb", has.SerializeAsString());
    return (dir.path() / set).string();
  };
  const std::vector<Tensor> ins = load_data_set_inputs(write_set("good", 2), *g);
  ASSERT_EQ(ins.size(), 3u);
  EXPECT_EQ(ins[1].shape, (Shape{2, 3}));
  EXPECT_EQ(ins[2].data<float>()[1], 2.f);
  const std::vector<Tensor> outs = load_data_set_outputs(dir.path() / "good", *g);
  ASSERT_EQ(outs.size(), 4u);
  EXPECT_EQ(outs[2].shape, (Shape{2, 3}));
  EXPECT_CONTAINS(error_of([&] { load_data_set_inputs(write_set("three", 3), *g); }),
                  "input_0.pb holds 3 elements, input 'frames' was compiled with 2 (--sequence)");

  // What a data set holds is what the runner compiles for: two elements, the optional present.
  std::map<std::string, std::vector<Shape>> sequences;
  std::set<std::string> absent;
  composite_inputs_from_data(path, (dir.path() / "good").string(), sequences, absent);
  EXPECT_EQ(sequences["frames"], (std::vector<Shape>{{1, 3}, {2, 3}}));
  EXPECT_TRUE(absent.empty());
}

TEST(CompositeInputs, AnAbsentOptionalInputHasNoElementAndFoldsItsPresence) {
  TempDir dir;
  LoadOptions opts;
  opts.sequence_inputs["frames"] = {{1, 3}};
  opts.absent_optionals = {"bias"};
  auto g = load_model(save(composite_io_model(), dir.path() / "m.onnx").string(), opts);
  ASSERT_EQ(g->inputs.size(), 1u);
  run_pipeline(*g);
  ASSERT_TRUE(g->outputs.back()->is_const());
  EXPECT_EQ(g->outputs.back()->constant->bytes[0], 0);
  opts.absent_optionals = {"frames"};
  EXPECT_CONTAINS(error_of([&] { load_model((dir.path() / "m.onnx").string(), opts); }), "--optional frames=none: the input is not optional");
}

// An optional present or not at run time (IoForm::runtime_present): its file gives the elements
// and a true flag, or, empty, elements of no value (nothing to compare) and a false flag.
TEST(CompositeInputs, AReferenceOfRunTimePresenceGivesItsFlag) {
  TempDir dir;
  IoForm form;
  form.kind = IoForm::Kind::OptionalSequence;
  form.runtime_present = true;
  form.count = 1;
  onnx::OptionalProto some;
  some.set_elem_type(onnx::OptionalProto::SEQUENCE);
  onnx::SequenceProto* s = some.mutable_sequence_value();
  s->set_elem_type(onnx::SequenceProto::TENSOR);
  *s->add_tensor_values() = float_tensor("e", {5}, {1, 2, 3, 4, 5});
  write_bytes(dir.path() / "some" / "output_0.pb", some.SerializeAsString());
  onnx::OptionalProto none;
  none.set_elem_type(onnx::OptionalProto::SEQUENCE);
  write_bytes(dir.path() / "none" / "output_0.pb", none.SerializeAsString());
  const std::vector<Tensor> present = load_reference_outputs((dir.path() / "some").string(), {form});
  ASSERT_EQ(present.size(), 2u);
  EXPECT_EQ(present[0].shape, (Shape{5}));
  EXPECT_EQ(present[1].dtype, DType::Bool);
  EXPECT_EQ(present[1].bytes, std::vector<uint8_t>{1});
  const std::vector<Tensor> absent = load_reference_outputs((dir.path() / "none").string(), {form});
  ASSERT_EQ(absent.size(), 2u);
  EXPECT_EQ(absent[0].dtype, DType::Undefined);
  EXPECT_EQ(absent[1].bytes, std::vector<uint8_t>{0});
  form.count = 2;
  EXPECT_CONTAINS(error_of([&] { load_reference_outputs((dir.path() / "some").string(), {form}); }), "holds 1 elements");
}

// ---- External data ---------------------------------------------------------------------------------
// External data is read from the model's folder, never the working folder.

TEST(ExternalData, InsideTheModelFolderLoads) {
  TempDir dir;
  write_bytes(dir.path() / "weights.bin", float_bytes({0.5f, -4.0f}));
  auto g = load_model(save(external_data_model("weights.bin"), dir.path() / "m.onnx").string());
  const Value* w = g->find_value("w");
  ASSERT_TRUE(w && w->is_const());
  EXPECT_EQ(w->constant->data<float>()[0], 0.5f);
  EXPECT_EQ(w->constant->data<float>()[1], -4.0f);
}

TEST(ExternalData, SubfolderAndOffset) {
  TempDir dir;
  write_bytes(dir.path() / "data" / "all.bin", float_bytes({9.0f, 1.0f, 2.0f}));
  auto g = load_model(save(external_data_model("data/all.bin", 4), dir.path() / "m.onnx").string());
  const Value* w = g->find_value("w");
  ASSERT_TRUE(w && w->is_const());
  EXPECT_EQ(w->constant->data<float>()[0], 1.0f);
  EXPECT_EQ(w->constant->data<float>()[1], 2.0f);
}

TEST(ExternalData, FileTooShortIsAnError) {
  TempDir dir;
  write_bytes(dir.path() / "weights.bin", float_bytes({0.5f}));
  const std::string path = save(external_data_model("weights.bin"), dir.path() / "m.onnx").string();
  const std::string msg = error_of([&] { load_model(path); });
  EXPECT_CONTAINS(msg, path + ": ");
  EXPECT_CONTAINS(msg, "tensor 'w'");
}

// Each way out of the model folder: the file exists and is readable, so only the loader's
// confinement can stop it.
class ExternalDataEscape : public ::testing::Test {
 protected:
  void SetUp() override {
    write_bytes(dir_.path() / "outside" / "secret.bin", float_bytes({1.0f, 2.0f}));
    model_dir_ = dir_.path() / "model";
    fs::create_directories(model_dir_);
  }
  std::string load_error(const std::string& location) {
    const std::string path = save(external_data_model(location), model_dir_ / "m.onnx").string();
    const std::string msg = error_of([&] { load_model(path); });
    EXPECT_CONTAINS(msg, path + ": ");
    return msg;
  }
  TempDir dir_;
  fs::path model_dir_;
};

TEST_F(ExternalDataEscape, DotDotIsRejected) {
  const std::string msg = load_error("../outside/secret.bin");
  EXPECT_CONTAINS(msg, "tensor 'w': external data path '../outside/secret.bin' leaves the model folder");
}

TEST_F(ExternalDataEscape, DotDotInTheMiddleIsRejected) {
  fs::create_directories(model_dir_ / "sub");
  const std::string msg = load_error("sub/../../outside/secret.bin");
  EXPECT_CONTAINS(msg, "leaves the model folder");
}

TEST_F(ExternalDataEscape, AbsolutePathIsRejected) {
  const std::string abs = (dir_.path() / "outside" / "secret.bin").string();
  const std::string msg = load_error(abs);
  EXPECT_CONTAINS(msg, "tensor 'w': external data path '" + abs + "' is absolute");
}

TEST_F(ExternalDataEscape, SymlinkPointingOutsideIsRejected) {
  fs::create_symlink(dir_.path() / "outside" / "secret.bin", model_dir_ / "link.bin");
  const std::string msg = load_error("link.bin");
  EXPECT_CONTAINS(msg, "tensor 'w': external data path 'link.bin' resolves outside the model folder");
}

TEST_F(ExternalDataEscape, SymlinkedFolderPointingOutsideIsRejected) {
  fs::create_directory_symlink(dir_.path() / "outside", model_dir_ / "data");
  const std::string msg = load_error("data/secret.bin");
  EXPECT_CONTAINS(msg, "resolves outside the model folder");
}

// ---- The loader's own validation (no ONNX checker) -------------------------------------------

// x [2] -> Relu -> y at a given IR version and opset.
onnx::ModelProto relu_model(int64_t ir, int opset) {
  onnx::ModelProto m = new_model(opset);
  m.set_ir_version(ir);
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  add_node(m, "Relu", {"x"}, {"y"});
  return m;
}

// The error loading m gives, after checking it is one line that starts with the file.
std::string load_error(const onnx::ModelProto& m) {
  TempDir dir;
  const std::string path = save(m, dir.path() / "m.onnx").string();
  const std::string msg = error_of([&] { load_model(path); });
  EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

TEST(Validation, ModernIrAndOpsetsLoad) {
  TempDir dir;
  for (auto [ir, opset] : {std::pair<int64_t, int>{10, 21}, {11, 23}, {13, 27}, {3, 1}}) {
    auto g = load_model(save(relu_model(ir, opset), dir.path() / "m.onnx").string());
    ASSERT_EQ(g->nodes.size(), 1u);
    EXPECT_EQ(g->nodes[0]->opset, opset);
  }
}

TEST(Validation, IrVersionAndOpsetImports) {
  EXPECT_CONTAINS(load_error(relu_model(14, 21)), "IR version 14 is not supported (onnx2mcu reads 3 to 13)");
  EXPECT_CONTAINS(load_error(relu_model(2, 1)), "IR version 2 is not supported");
  onnx::ModelProto twice = relu_model(10, 21);
  *twice.add_opset_import() = twice.opset_import(0);
  EXPECT_CONTAINS(load_error(twice), "opset_import lists domain '' twice");
  onnx::ModelProto ml = relu_model(10, 21);
  auto* o = ml.add_opset_import();
  o->set_domain("ai.onnx.ml");
  o->set_version(6);
  EXPECT_CONTAINS(load_error(ml), "ai.onnx.ml opset 6 is not supported (onnx2mcu handles 1 to 5)");
  onnx::ModelProto foreign = relu_model(10, 21);
  foreign.mutable_graph()->mutable_node(0)->set_domain("com.example");
  EXPECT_CONTAINS(load_error(foreign), "node 'Relu_y' (Relu): domain 'com.example' is not imported by the model");
}

TEST(Validation, NodesOutOfOrderNameTheNodeAndTheLaterProducer) {
  onnx::ModelProto m = new_model(21);
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  add_node(m, "Neg", {"t"}, {"y"});
  add_node(m, "Relu", {"x"}, {"t"});
  EXPECT_CONTAINS(load_error(m), "node 'Neg_y' (Neg): input 't' is the output of node 'Relu_t', which comes later: "
                                 "the nodes are not in topological order");
  m.mutable_graph()->mutable_node(0)->set_input(0, "nowhere");
  m.mutable_graph()->mutable_node(0)->clear_name();
  EXPECT_CONTAINS(load_error(m), "node '#0' (Neg): input 'nowhere' is not defined before use");
}

TEST(Validation, EveryValueIsAssignedOnce) {
  onnx::ModelProto m = new_model(21);
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  add_node(m, "Relu", {"x"}, {"y"});
  add_node(m, "Neg", {"x"}, {"y"});
  EXPECT_CONTAINS(load_error(m), "node 'Neg_y' (Neg): output 'y' is already defined (the output of node 'Relu_y')");
  m.mutable_graph()->mutable_node(1)->set_output(0, "x");
  EXPECT_CONTAINS(load_error(m), "output 'x' is already defined (a graph input)");
  *m.mutable_graph()->add_initializer() = float_tensor("w", {2}, {1, 2});
  *m.mutable_graph()->add_initializer() = float_tensor("w", {2}, {1, 2});
  EXPECT_CONTAINS(load_error(m), "initializer 'w' is defined twice");
}

// An If whose then-branch assigns `inner` and reads `outer` from the main graph.
onnx::ModelProto if_model(const std::string& inner, const std::string& outer) {
  onnx::ModelProto m = new_model(21);
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  auto* c = add_node(m, "Constant", {}, {"cond"});
  auto* v = c->add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::TENSOR);
  v->mutable_t()->set_data_type(onnx::TensorProto::BOOL);
  v->mutable_t()->add_int32_data(1);
  auto* n = add_node(m, "If", {"cond"}, {"y"});
  for (const char* branch : {"then_branch", "else_branch"}) {
    auto* a = n->add_attribute();
    a->set_name(branch);
    a->set_type(onnx::AttributeProto::GRAPH);
    onnx::GraphProto* g = a->mutable_g();
    g->set_name(branch);
    auto* body = g->add_node();
    body->set_op_type("Neg");
    body->set_name(std::string(branch) + "_neg");
    body->add_input(outer);
    body->add_output(inner);
    g->add_output()->set_name(inner);
  }
  return m;
}

TEST(Validation, SubgraphsReadOuterValuesButNeverShadowThem) {
  TempDir dir;
  auto g = load_model(save(if_model("t", "x"), dir.path() / "m.onnx").string());
  run_pipeline(*g);  // the constant condition picks the then-branch
  EXPECT_EQ(g->outputs[0]->shape, (Shape{2}));
  EXPECT_CONTAINS(load_error(if_model("x", "x")),
                  "node 'then_branch_neg' (Neg): output 'x' is already defined (a graph input) in an enclosing graph");
  EXPECT_CONTAINS(load_error(if_model("t", "ghost")), "node 'then_branch_neg' (Neg): input 'ghost' is not defined before use");
}

TEST(Validation, AttributesAreWellFormed) {
  onnx::ModelProto m = relu_model(10, 21);
  onnx::AttributeProto* a = add_int_attr(m.mutable_graph()->mutable_node(0), "alpha", 1);
  a->add_floats(2.0f);
  EXPECT_CONTAINS(load_error(m), "node 'Relu_y' (Relu): attribute 'alpha' is declared INT but holds another kind of value");
  a->clear_floats();
  a->clear_type();
  EXPECT_CONTAINS(load_error(m), "attribute 'alpha' has no type");
  a->set_type(onnx::AttributeProto::INT);
  *m.mutable_graph()->mutable_node(0)->add_attribute() = *a;
  EXPECT_CONTAINS(load_error(m), "node 'Relu_y' (Relu): attribute 'alpha' is given twice");
  m.mutable_graph()->mutable_node(0)->clear_attribute();
  add_int_attr(m.mutable_graph()->mutable_node(0), "alpha", 1)->set_ref_attr_name("a");
  EXPECT_CONTAINS(load_error(m), "attribute 'alpha' refers to a function attribute ('a') outside a function");
}

TEST(Validation, AnAttributeOfTheWrongKindNamesFileNodeOpAndAttribute) {
  TempDir dir;
  onnx::ModelProto m = new_model(21);
  add_input(m, "x", {"2", "3"});
  add_output(m, "y", {"2", "3"});
  auto* a = add_node(m, "Flatten", {"x"}, {"y"})->add_attribute();
  a->set_name("axis");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(1.0f);
  const std::string path = save(m, dir.path() / "m.onnx").string();
  EXPECT_EQ(error_of([&] { compile_model(path); }),
            path + ": node 'Flatten_y' (Flatten): attribute 'axis' is a float, but Flatten expects an int");
}

TEST(Validation, ElementTypesOnnxDoesNotDefine) {
  onnx::ModelProto m = relu_model(10, 21);
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(99);
  EXPECT_CONTAINS(load_error(m), "tensor 'x' has element type 99, which ONNX does not define");
  m.mutable_graph()->mutable_input(0)->clear_type();
  EXPECT_CONTAINS(load_error(m), "graph input 'x' declares no 'type'");
}

// ---- Model-local functions -----------------------------------------------------------------

// A function of domain "local" with the given inputs, outputs and body.
onnx::FunctionProto* add_function(onnx::ModelProto& m, const std::string& name, std::vector<std::string> ins,
                                  std::vector<std::string> outs) {
  onnx::FunctionProto* f = m.add_functions();
  f->set_name(name);
  f->set_domain("local");
  for (const auto& i : ins) f->add_input(i);
  for (const auto& o : outs) f->add_output(o);
  auto* o = f->add_opset_import();
  o->set_domain("");
  o->set_version(21);
  return f;
}
onnx::NodeProto* add_body_node(onnx::FunctionProto* f, const std::string& op, std::vector<std::string> ins,
                               std::vector<std::string> outs, const std::string& domain = "") {
  onnx::NodeProto* n = f->add_node();
  n->set_op_type(op);
  n->set_domain(domain);
  for (const auto& i : ins) n->add_input(i);
  for (const auto& o : outs) n->add_output(o);
  return n;
}
onnx::NodeProto* add_call(onnx::ModelProto& m, const std::string& fn, std::vector<std::string> ins, std::vector<std::string> outs) {
  onnx::NodeProto* n = add_node(m, fn, ins, outs);
  n->set_domain("local");
  return n;
}
// A model importing the default domain at 21 and "local" at 1, IR 10.
onnx::ModelProto function_model() {
  onnx::ModelProto m = new_model(21);
  m.set_ir_version(10);
  auto* o = m.add_opset_import();
  o->set_domain("local");
  o->set_version(1);
  return m;
}
std::vector<float> folded_output(const onnx::ModelProto& m, size_t i = 0) {
  TempDir dir;
  auto g = load_model(save(m, dir.path() / "m.onnx").string());
  run_pipeline(*g);
  EXPECT_TRUE(g->outputs.at(i)->is_const());
  const float* p = g->outputs[i]->constant->data<float>();
  return std::vector<float>(p, p + g->outputs[i]->elems());
}

// Zoo models name Dropout's mask even when nothing reads it; the Dropout is then bypassed (the
// bypass once walked nodes remove_nodes_if had already moved: a crash after any kept node).
TEST(Load, DropoutWithAnUnreadMaskAfterOtherNodes) {
  onnx::ModelProto m = new_model(13);
  *m.mutable_graph()->add_initializer() = float_tensor("x", {2}, {-1, 2});
  add_output(m, "y", {"2"});
  add_node(m, "Relu", {"x"}, {"a"});
  add_node(m, "Dropout", {"a"}, {"b", "mask"});
  add_node(m, "Neg", {"b"}, {"y"});
  EXPECT_EQ(folded_output(m), (std::vector<float>{0, -2}));
}

TEST(ModelFunctions, CallsAreInlinedWithFreshNames) {
  onnx::ModelProto m = function_model();
  onnx::FunctionProto* f = add_function(m, "AddRelu", {"a", "b"}, {"out"});
  add_body_node(f, "Add", {"a", "b"}, {"t"});
  add_body_node(f, "Relu", {"t"}, {"out"});
  *m.mutable_graph()->add_initializer() = float_tensor("p", {3}, {1, -5, 2});
  *m.mutable_graph()->add_initializer() = float_tensor("q", {3}, {1, 1, -4});
  add_output(m, "y", {"3"});
  add_output(m, "t", {"3"});  // the caller's own "t": the function's must not clash with it
  add_call(m, "AddRelu", {"p", "q"}, {"h"});
  add_node(m, "Neg", {"q"}, {"t"});
  add_call(m, "AddRelu", {"h", "t"}, {"y"});

  TempDir dir;
  auto g = load_model(save(m, dir.path() / "m.onnx").string());
  std::vector<std::string> ops, names;
  for (const auto& n : g->nodes) ops.push_back(n->op), names.push_back(n->name);
  EXPECT_EQ(ops, (std::vector<std::string>{"Add", "Relu", "Neg", "Add", "Relu"}));
  EXPECT_EQ(names[0], "AddRelu_h/#0");
  EXPECT_EQ(g->nodes[0]->outputs[0]->name, "AddRelu_h/t");
  EXPECT_EQ(g->nodes[3]->inputs[1]->name, "t");
  EXPECT_EQ(folded_output(m), (std::vector<float>{1, 0, 4}));  // relu(relu(p + q) - q)
}

TEST(ModelFunctions, AttributeReferencesTakeTheCallsValueElseTheDefault) {
  onnx::ModelProto m = function_model();
  onnx::FunctionProto* f = add_function(m, "Leaky", {"x"}, {"y"});
  add_int_attr(add_body_node(f, "LeakyRelu", {"x"}, {"y"}), "alpha", 0)->set_ref_attr_name("slope");
  onnx::AttributeProto slope;
  slope.set_name("slope");
  slope.set_type(onnx::AttributeProto::FLOAT);
  slope.set_f(0.5f);
  add_function_default_attribute(*f, slope);  // an IR 9 field, unknown to ONNX 1.12's classes
  *m.mutable_graph()->add_initializer() = float_tensor("x", {2}, {-2, 4});
  add_output(m, "given", {"2"});
  add_output(m, "defaulted", {"2"});
  auto* a = add_call(m, "Leaky", {"x"}, {"given"})->add_attribute();
  a->set_name("slope");
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(0.25f);
  add_call(m, "Leaky", {"x"}, {"defaulted"});
  EXPECT_EQ(folded_output(m, 0), (std::vector<float>{-0.5f, 4}));
  EXPECT_EQ(folded_output(m, 1), (std::vector<float>{-1, 4}));

  // Without a default, the reference leaves the attribute out: LeakyRelu's own default 0.01.
  m.mutable_functions(0)->mutable_unknown_fields()->Clear();
  m.mutable_functions(0)->add_attribute("slope");
  EXPECT_EQ(folded_output(m, 1), (std::vector<float>{-0.02f, 4}));
}

TEST(ModelFunctions, NestedCallsOverloadsAndTheFunctionsOwnOpsets) {
  onnx::ModelProto m = function_model();
  onnx::FunctionProto* neg = add_function(m, "Flip", {"x"}, {"y"});
  add_body_node(neg, "Neg", {"x"}, {"y"});
  onnx::FunctionProto* twice = add_function(m, "Flip", {"x"}, {"y"});
  set_function_overload(*twice, "twice");
  add_body_node(twice, "Flip", {"x"}, {"t"}, "local");
  add_body_node(twice, "Flip", {"t"}, {"u"}, "local");
  add_body_node(twice, "Abs", {"u"}, {"y"});
  twice->mutable_opset_import(0)->set_version(13);
  auto* local = twice->add_opset_import();
  local->set_domain("local");
  local->set_version(1);
  *m.mutable_graph()->add_initializer() = float_tensor("x", {2}, {-3, 4});
  add_output(m, "once", {"2"});
  add_output(m, "abs", {"2"});
  add_call(m, "Flip", {"x"}, {"once"});
  set_node_overload(*add_call(m, "Flip", {"x"}, {"abs"}), "twice");

  TempDir dir;
  auto g = load_model(save(m, dir.path() / "m.onnx").string());
  std::vector<std::string> ops;
  for (const auto& n : g->nodes) ops.push_back(n->op + "@" + std::to_string(n->opset));
  EXPECT_EQ(ops, (std::vector<std::string>{"Neg@21", "Neg@21", "Neg@21", "Abs@13"}));
  EXPECT_EQ(folded_output(m, 0), (std::vector<float>{3, -4}));
  EXPECT_EQ(folded_output(m, 1), (std::vector<float>{3, 4}));
}

TEST(ModelFunctions, ValuesLocalToASubgraphOfTheBodyAreRenamedToo) {
  onnx::ModelProto m = function_model();
  onnx::FunctionProto* f = add_function(m, "Pick", {"x"}, {"y"});
  onnx::ModelProto branch_source = if_model("r", "t");  // If(cond) { r = Neg(t) } reading the body's t
  add_body_node(f, "Neg", {"x"}, {"t"});
  for (const auto& n : branch_source.graph().node()) *f->add_node() = n;
  f->mutable_node(2)->set_output(0, "y");
  *m.mutable_graph()->add_initializer() = float_tensor("x", {2}, {-3, 4});
  add_output(m, "y", {"2"});
  add_output(m, "r", {"2"});  // the caller has an "r" and a "t" of its own
  add_node(m, "Abs", {"x"}, {"t"});
  add_call(m, "Pick", {"x"}, {"y"});
  add_node(m, "Neg", {"t"}, {"r"});
  EXPECT_EQ(folded_output(m, 0), (std::vector<float>{-3, 4}));  // -(-x)
  EXPECT_EQ(folded_output(m, 1), (std::vector<float>{-3, -4}));
}

TEST(ModelFunctions, BadCallsAndBadFunctionsAreOneLineErrors) {
  onnx::ModelProto m = function_model();
  onnx::FunctionProto* f = add_function(m, "Loop", {"x"}, {"y"});
  add_body_node(f, "Loop", {"x"}, {"y"}, "local");  // calls itself
  add_input(m, "x", {"2"});
  add_output(m, "y", {"2"});
  onnx::NodeProto* call = add_call(m, "Loop", {"x"}, {"y"});
  EXPECT_CONTAINS(load_error(m), "model function calls nest deeper than 32 (a function that calls itself?)");

  f->mutable_node(0)->set_op_type("Relu");
  f->mutable_node(0)->set_domain("");
  call->add_input("x");
  EXPECT_CONTAINS(load_error(m), "node 'Loop_y' (Loop): calls model function 'Loop', which takes 1 inputs, with 2");
  call->mutable_input()->RemoveLast();
  add_int_attr(call, "beta", 1);
  EXPECT_CONTAINS(load_error(m), "node 'Loop_y' (Loop): calls model function 'Loop', which has no attribute 'beta'");
  call->clear_attribute();
  f->mutable_node(0)->set_input(0, "nowhere");
  EXPECT_CONTAINS(load_error(m), "function 'Loop' (domain 'local'): node '#0' (Relu): input 'nowhere' is not defined before use");
  f->mutable_node(0)->set_input(0, "x");
  f->mutable_node(0)->set_domain("com.other");
  EXPECT_CONTAINS(load_error(m), "node '#0' (Relu): domain 'com.other' is not imported by the model");
}

// ---- Our shape rules against onnx::shape_inference ----------------------------------------

// Every value whose shape ONNX infers fully and that survives our pipeline (folded values stay
// as constants; dead or bypassed ones are gone) must have the same shape in our graph.
// onnx_path is the model ONNX infers on: the same file, or a copy with the overridden input
// shapes written in.
void cross_check_shapes(const std::string& path, const LoadOptions& opts = {}, const std::string& onnx_path = "") {
  const std::map<std::string, Shape> theirs = onnx_inferred_shapes(onnx_path.empty() ? path : onnx_path);
  auto g = load_model(path, opts);
  run_pipeline(*g);
  int compared = 0;
  for (const auto& [name, shape] : theirs) {
    if (!shape_known(shape)) continue;
    const Value* v = g->find_value(name);
    if (!v) continue;
    EXPECT_EQ(shape_str(v->shape), shape_str(shape)) << "tensor '" << name << "' in " << path;
    ++compared;
  }
  EXPECT_GT(compared, 0) << "nothing to compare in " << path;
  ::testing::Test::RecordProperty("compared", compared);
}

TEST(ShapeCrossCheck, Digits) { cross_check_shapes(kDigits); }

// A copy of the model with some inputs' dims fixed, so that ONNX infers full shapes as well.
std::string with_fixed_inputs(const fs::path& model, const std::map<std::string, Shape>& shapes, const fs::path& dir) {
  onnx::ModelProto m;
  EXPECT_TRUE(m.ParseFromString(read_all(model.string())));
  for (auto& in : *m.mutable_graph()->mutable_input()) {
    auto it = shapes.find(in.name());
    if (it == shapes.end()) continue;
    auto* shape = in.mutable_type()->mutable_tensor_type()->mutable_shape();
    shape->clear_dim();
    for (int64_t d : it->second) shape->add_dim()->set_dim_value(d);
  }
  return save(m, dir / "fixed.onnx").string();
}

struct SharedModel {
  std::string folder;
  std::map<std::string, Shape> shapes;  // --shape overrides the model needs
};

void PrintTo(const SharedModel& m, std::ostream* os) { *os << m.folder; }

class SharedModelShapes : public ::testing::TestWithParam<SharedModel> {};

TEST_P(SharedModelShapes, MatchOnnxShapeInference) {
  const fs::path root = ONNX2MCU_SHARED_MODELS;
  if (!fs::is_directory(root)) GTEST_SKIP() << "shared models folder " << root << " not found (set ONNX2MCU_SHARED_MODELS)";
  const fs::path model = root / GetParam().folder / "model.onnx";
  ASSERT_TRUE(fs::is_regular_file(model)) << model << " is missing from the shared models";
  LoadOptions opts;
  opts.input_shapes = GetParam().shapes;
  TempDir dir;
  cross_check_shapes(model.string(), opts, opts.input_shapes.empty() ? "" : with_fixed_inputs(model, opts.input_shapes, dir.path()));
}

INSTANTIATE_TEST_SUITE_P(
    FloatModels, SharedModelShapes,
    ::testing::Values(SharedModel{"mnist8", {}}, SharedModel{"mlperf_tiny_ad_autoencoder_float", {}},
                      SharedModel{"mlperf_tiny_kws_dscnn_float", {}}, SharedModel{"mlperf_tiny_vww_mobilenetv1_float", {}},
                      SharedModel{"mnist_atmega_14x14", {}}, SharedModel{"mnist_mlp_pytorch", {}},
                      SharedModel{"dory_dscnn_kws_int", {}},
                      SharedModel{"st_mobilenet_v2_a050_128", {{"input_1:0", {1, 3, 128, 128}}}},
                      SharedModel{"tflm_hello_world_sine", {{"dense_2_input", {1, 1}}}}),
    [](const ::testing::TestParamInfo<SharedModel>& info) { return info.param.folder; });

}  // namespace
}  // namespace onnx2mcu
