// The pieces behind the reliability guarantees: sizes that cannot wrap, names that cannot
// break out of a generated comment, limits, loading from bytes, and the output folder's
// leftovers from killed runs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "emitter/naming.h"
#include "ir/checked.h"
#include "ir/graph.h"
#include "loader/loader.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"
#include "ops/op.h"
#include "planner/arena.h"

namespace fs = std::filesystem;

namespace onnx2mcu {
namespace {

const std::string kDigits = ONNX2MCU_SOURCE_DIR "/models/digits/model.onnx";
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() / ("onnx2mcu_rel_" + std::to_string(::getpid()) + "_" + info->name());
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

// ---- Sizes ----------------------------------------------------------------------------------

TEST(Sizes, ElemsOverflowIsAnError) {
  EXPECT_EQ(shape_elems({2, 3, 4}), 24);
  EXPECT_NE(error_of([] { shape_elems({int64_t{1} << 32, int64_t{1} << 32}); }).find("64 bits"), std::string::npos);
}

TEST(Sizes, AnEmptyShapeStillHasToFit) {
  // Shape rules multiply subsets of dims (rows * cols): with a 0 elsewhere those must fit too.
  EXPECT_EQ(shape_elems({0, 1 << 20, 1 << 20}), 0);
  EXPECT_NE(error_of([] { shape_elems({0, int64_t{1} << 40, int64_t{1} << 40}); }).find("64 bits"), std::string::npos);
}

TEST(Sizes, BytesOverflowIsAnError) {
  EXPECT_EQ(shape_bytes({4, 4}, 4), 64);
  EXPECT_NE(error_of([] { shape_bytes({int64_t{1} << 62}, 4); }).find("64 bits"), std::string::npos);
  Value v;
  v.dtype = DType::F64;
  v.shape = {int64_t{1} << 61};
  EXPECT_NE(error_of([&] { (void)v.bytes(); }).find("64 bits"), std::string::npos);
}

TEST(Sizes, CheckedArithmetic) {
  EXPECT_EQ(checked_add(kMax - 1, 1, "x"), kMax);
  EXPECT_EQ(checked_mul(-3, 4, "x"), -12);
  EXPECT_NE(error_of([] { checked_add(kMax, 1, "the sum"); }).find("the sum does not fit"), std::string::npos);
  EXPECT_NE(error_of([] { checked_mul(kMax / 2, 3, "the product"); }).find("the product does not fit"), std::string::npos);
}

TEST(Sizes, PlannerRefusesSizesThatWrap) {
  const std::vector<BufferRequest> reqs = {{kMax - 3, 0, 1}, {kMax / 2, 1, 2}};
  EXPECT_NE(error_of([&] { plan_arena(reqs); }).find("does not fit in 64 bits"), std::string::npos);
}

// ---- Names in generated comments ------------------------------------------------------------

TEST(CommentSafe, NothingCanEndTheComment) {
  EXPECT_EQ(comment_safe("conv1.weight"), "conv1.weight");
  EXPECT_EQ(comment_safe("a\nb\rc\td"), "a?b?c?d");
  EXPECT_EQ(comment_safe("x */ evil(); /*"), "x *_/ evil(); /_*");
  EXPECT_EQ(comment_safe("line\\"), "line/");
  EXPECT_EQ(comment_safe(std::string("a\0b", 3)), "a?b");
  EXPECT_EQ(comment_safe("**//"), "**_//");
}

// ---- Loading from bytes, limits -------------------------------------------------------------

TEST(LoadBytes, SameGraphAsFromTheFile) {
  const auto a = load_model(kDigits);
  const auto b = load_model_bytes(read_all(kDigits), kDigits);
  ASSERT_EQ(a->nodes.size(), b->nodes.size());
  for (size_t i = 0; i < a->nodes.size(); ++i) EXPECT_EQ(a->nodes[i]->op, b->nodes[i]->op);
}

TEST(LoadBytes, ErrorsNameThePathGiven) {
  const std::string msg = error_of([] { load_model_bytes("garbage", "some/where/m.onnx"); });
  EXPECT_EQ(msg.rfind("some/where/m.onnx: ", 0), 0u) << msg;
}

TEST(Limits, EachCapNamesItsFlag) {
  const std::string bytes = read_all(kDigits);
  CompileOptions o;
  o.limits.max_nodes = 3;
  EXPECT_NE(error_of([&] { compile_model_bytes(bytes, kDigits, o); }).find("(--max-nodes)"), std::string::npos);
  o = {};
  o.limits.max_tensor_bytes = 100;
  EXPECT_NE(error_of([&] { compile_model_bytes(bytes, kDigits, o); }).find("(--max-tensor-bytes)"), std::string::npos);
  o = {};
  o.limits.max_arena_bytes = 16;
  EXPECT_NE(error_of([&] { compile_model_bytes(bytes, kDigits, o); }).find("(--max-arena-bytes)"), std::string::npos);
  EXPECT_NO_THROW(compile_model_bytes(bytes, kDigits, CompileOptions{}));
}

TEST(Limits, DefaultsAreDocumented) {
  const Limits l;
  EXPECT_EQ(l.max_tensor_bytes, 256 << 20);
  EXPECT_EQ(l.max_arena_bytes, 64 << 20);
  EXPECT_EQ(l.max_nodes, 100000);
}

// ---- Output folder leftovers ----------------------------------------------------------------

// A pid that no process has now: a child that already exited.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

std::vector<GeneratedFile> files(const std::string& text) { return {{"m.h", text}, {"kernels/k.hpp", "// k\n"}}; }

TEST(OutputDir, ReplacesAnEarlierOutputAtOnce) {
  TempDir t;
  const fs::path out = t.path() / "out";
  write_output_dir(files("one"), out.string());
  write_output_dir(files("two"), out.string());
  EXPECT_EQ(read_all(out / "m.h"), "two");
  EXPECT_EQ(read_all(out / "onnx2mcu.manifest"), "m.h\nkernels/k.hpp\n");
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(t.path())) ++entries;
  EXPECT_EQ(entries, 1u) << "a temp folder was left beside the output";
}

TEST(OutputDir, RemovesStaleTempFoldersOfDeadRuns) {
  TempDir t;
  const fs::path out = t.path() / "out";
  write_output_dir(files("one"), out.string());
  const std::string dead = std::to_string(dead_pid()), live = std::to_string(::getpid() == 1 ? 2 : 1);
  for (const std::string& s : std::vector<std::string>{".o2m-" + dead + ".new", ".o2m-" + live + ".new", ".o2m-x1.new", ".o2m-" + dead + ".txt"})
    fs::create_directories(out.string() + s);
  write_output_dir(files("two"), out.string());
  EXPECT_FALSE(fs::exists(out.string() + ".o2m-" + dead + ".new"));
  EXPECT_TRUE(fs::exists(out.string() + ".o2m-" + live + ".new")) << "pid " << live << " is alive: not ours to remove";
  EXPECT_TRUE(fs::exists(out.string() + ".o2m-x1.new"));
  EXPECT_TRUE(fs::exists(out.string() + ".o2m-" + dead + ".txt"));
}

TEST(OutputDir, RestoresTheOldOutputOfARunKilledBetweenRenames) {
  TempDir t;
  const fs::path out = t.path() / "out";
  write_output_dir(files("one"), out.string());
  const fs::path old = out.string() + ".o2m-" + std::to_string(dead_pid()) + ".old";
  fs::rename(out, old);
  write_output_dir(files("two"), out.string());
  EXPECT_EQ(read_all(out / "m.h"), "two");
  EXPECT_FALSE(fs::exists(old));
}

TEST(OutputDir, RefusesFilesOutsideTheFolder) {
  TempDir t;
  const std::string msg = error_of([&] { write_output_dir({{"../escape.h", "x"}}, (t.path() / "out").string()); });
  EXPECT_NE(msg.find("outside the folder"), std::string::npos) << msg;
  EXPECT_FALSE(fs::exists(t.path() / "escape.h"));
  EXPECT_FALSE(fs::exists(t.path() / "out"));
}

TEST(OutputDir, RefusesAForeignFolder) {
  TempDir t;
  fs::create_directories(t.path() / "src");
  std::ofstream(t.path() / "src" / "main.c") << "int main;";
  EXPECT_NE(error_of([&] { write_output_dir(files("x"), (t.path() / "src").string()); }).find("did not write"), std::string::npos);
  EXPECT_EQ(read_all(t.path() / "src" / "main.c"), "int main;");
}

}  // namespace
}  // namespace onnx2mcu

// fuzz_graphs findings (issue 13): an empty tensor where a shape rule reads a scalar or one
// value per dim crashed it (SIGSEGV reading element 0 of an empty buffer). Now a node error.
namespace {
void expect_node_error(const std::string& op, int opset, const std::vector<std::pair<onnx2mcu::DType, onnx2mcu::Shape>>& ins,
                       const std::vector<int>& constant) {
  onnx2mcu::Graph g;
  onnx2mcu::Node n;
  n.name = "n";
  n.op = op;
  n.opset = opset;
  for (size_t i = 0; i < ins.size(); ++i) {
    onnx2mcu::Value* v = g.add_value("x" + std::to_string(i));
    v->dtype = ins[i].first;
    v->shape = ins[i].second;
    if (constant[i]) v->constant = onnx2mcu::Tensor(v->dtype, v->shape);
    n.inputs.push_back(v);
  }
  n.outputs.push_back(g.add_value("y"));
  EXPECT_THROW(onnx2mcu::find_op("", op)->infer(n), onnx2mcu::Error) << op;
}
}  // namespace

TEST(EmptyScalarInputs, AreNodeErrorsNotCrashes) {
  using onnx2mcu::DType;
  // Pad: constant_value of shape [0].
  expect_node_error("Pad", 13, {{DType::F32, {2, 2}}, {DType::I64, {4}}, {DType::F32, {0}}}, {0, 1, 1});
  // Range: delta of shape [0].
  expect_node_error("Range", 13, {{DType::I64, {}}, {DType::I64, {}}, {DType::I64, {0}}}, {1, 1, 1});
  // Resize (opset 10, scales an input): scales of shape [0] for a rank-2 input.
  expect_node_error("Resize", 10, {{DType::F32, {2, 2}}, {DType::F32, {0}}}, {0, 1});
}
