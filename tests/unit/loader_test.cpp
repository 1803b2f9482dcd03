// The loader: models/digits, Constant nodes, --shape overrides, broken files, external data
// confined to the model's folder, and our shape rules cross-checked against ONNX's own.
// Small test models are built here with the ONNX protobuf classes and written to a temp folder.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "ir/graph.h"
#include "loader/loader.h"
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
  EXPECT_CONTAINS(msg, "--shape x=");
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
  EXPECT_CONTAINS(msg, path + ": ");
  EXPECT_CONTAINS(msg, "cannot open");
}

TEST(LoadErrors, FolderIsNotAModel) {
  TempDir dir;
  const std::string msg = error_of([&] { load_model(dir.path().string()); });
  EXPECT_CONTAINS(msg, dir.path().string() + ": cannot open");
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

// ---- External data ---------------------------------------------------------------------------------
// The ONNX checker opens external-data files too: these tests also make sure it is told the
// model's folder (with a bare check_model(model) it looks in the working folder instead).

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
