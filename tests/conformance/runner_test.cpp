// Unit tests of the conformance runner's pieces: output comparison, manifest, reasons.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "compare.h"
#include "manifest.h"
#include "suite.h"

namespace fs = std::filesystem;
using namespace conformance;
using onnx2mcu::DType;
using onnx2mcu::Tensor;

namespace {

template <typename T>
Tensor tensor(std::vector<T> v, onnx2mcu::Shape shape = {}) {
  if (shape.empty() && v.size() != 1) shape = {static_cast<int64_t>(v.size())};
  Tensor t(onnx2mcu::DTypeOf<T>::value, shape);
  for (size_t i = 0; i < v.size(); ++i) t.data<T>()[i] = v[i];
  return t;
}

template <typename T>
std::vector<uint8_t> bytes(std::vector<T> v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  for (size_t i = 0; i < v.size(); ++i) {
    const T x = v[i];
    std::memcpy(&b[i * sizeof(T)], &x, sizeof(T));
  }
  return b;
}

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

TEST(Compare, FloatsWithinOnnxTolerancePass) {
  EXPECT_EQ(compare_output(tensor<float>({1.f, -2.f, 0.f}), bytes<float>({1.0009f, -2.f, 1e-8f}), 1e-3, 1e-7), "");
}

TEST(Compare, FloatsOutsideTolerance) {
  const std::string d = compare_output(tensor<float>({1.f, 2.f, 0.f}), bytes<float>({1.f, 2.01f, 1e-6f}), 1e-3, 1e-7);
  EXPECT_NE(d.find("2 of 3 elements differ; first [1]: got 2.00999999, expected 2"), std::string::npos) << d;
}

TEST(Compare, NanMatchesNanAndInfinitiesOnlyThemselves) {
  EXPECT_EQ(compare_output(tensor<float>({kNaN, kInf, -kInf}), bytes<float>({kNaN, kInf, -kInf}), 1e-3, 1e-7), "");
  EXPECT_NE(compare_output(tensor<float>({kNaN}), bytes<float>({0.f}), 1e-3, 1e-7), "");
  EXPECT_NE(compare_output(tensor<float>({1.f}), bytes<float>({kNaN}), 1e-3, 1e-7), "");
  EXPECT_NE(compare_output(tensor<float>({kInf}), bytes<float>({-kInf}), 1e-3, 1e-7), "");
  EXPECT_NE(compare_output(tensor<float>({3e38f}), bytes<float>({kInf}), 1e-3, 1e-7), "");
}

TEST(Compare, IntegersExactlyEvenWhereDoublesCannotTell) {
  const int64_t big = int64_t{1} << 60;
  EXPECT_EQ(compare_output(tensor<int64_t>({big, -1}), bytes<int64_t>({big, -1}), 1e-3, 1e-7), "");
  const std::string d = compare_output(tensor<int64_t>({big}), bytes<int64_t>({big + 1}), 1e-3, 1e-7);
  EXPECT_NE(d.find("got 1152921504606846977, expected 1152921504606846976"), std::string::npos) << d;
  EXPECT_NE(compare_output(tensor<int32_t>({1000}), bytes<int32_t>({1001}), 1e-3, 1e-7), "");
}

TEST(Compare, BoolExactly) {
  EXPECT_EQ(compare_output(tensor<bool>({true, false}), bytes<bool>({true, false}), 1e-3, 1e-7), "");
  EXPECT_NE(compare_output(tensor<bool>({true, false}), bytes<bool>({true, true}), 1e-3, 1e-7).find("got true, expected false"),
            std::string::npos);
}

TEST(Compare, ScalarsAndEmptyTensors) {
  EXPECT_EQ(compare_output(tensor<float>({2.5f}, {}), bytes<float>({2.5f}), 1e-3, 1e-7), "");
  EXPECT_EQ(compare_output(tensor<float>({}, {3, 0}), {}, 1e-3, 1e-7), "");
  EXPECT_NE(compare_output(tensor<float>({1.f, 2.f}), bytes<float>({1.f}), 1e-3, 1e-7).find("printed 4 bytes"),
            std::string::npos);
}

class ManifestTest : public ::testing::Test {
 protected:
  std::string write(const std::string& text) {
    path_ = (fs::temp_directory_path() / ("conformance_manifest_" + std::to_string(::getpid()) + ".txt")).string();
    std::ofstream(path_) << text;
    return path_;
  }
  std::string read() const {
    std::ifstream in(path_);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void TearDown() override {
    if (!path_.empty()) fs::remove(path_);
  }
  std::string path_;
};

TEST_F(ManifestTest, FirstMatchingOutcomeWinsAndUnlistedTestsMustPass) {
  Manifest m =
      Manifest::read(write("# comment\n"
                           "pass    node/test_foo_special\n"
                           "exclude node/test_foo*   training op Foo\n"
                           "xfail   node/test_foo_bar  never reached\n"
                           "xfail   */test_bar       op Bar not implemented\n"));
  EXPECT_EQ(m.lookup("node/test_foo_special").expect, Expect::Pass);
  EXPECT_EQ(m.lookup("node/test_foo_bar").expect, Expect::Exclude);
  EXPECT_EQ(m.lookup("node/test_foo_bar").reason, "training op Foo");
  EXPECT_EQ(m.lookup("simple/test_bar").expect, Expect::Xfail);
  const Expectation none = m.lookup("node/test_baz");
  EXPECT_EQ(none.expect, Expect::Pass);
  EXPECT_EQ(none.outcome_from, nullptr);
  EXPECT_EQ(none.rtol, 1e-3);
  EXPECT_EQ(none.atol, 1e-7);
}

TEST_F(ManifestTest, ToleranceOverrides) {
  Manifest m =
      Manifest::read(write("tolerance node/test_a*  rtol=1e-2  float32 sums in another order\n"
                           "tolerance node/test_*   atol=1e-5 rtol=0 second\n"));
  Expectation a = m.lookup("node/test_abc");
  EXPECT_EQ(a.rtol, 1e-2);
  EXPECT_EQ(a.atol, 1e-7);
  EXPECT_EQ(a.tolerance_from->reason, "float32 sums in another order");
  Expectation b = m.lookup("node/test_b");
  EXPECT_EQ(b.rtol, 0);
  EXPECT_EQ(b.atol, 1e-5);
  EXPECT_EQ(b.expect, Expect::Pass);
}

TEST_F(ManifestTest, FreezingFirstMatchingLineDecidesAndDefaultsToAllowed) {
  Manifest m = Manifest::read(write("freeze   node/test_loop13*  elements of run-time shapes\n"
                                    "nofreeze node/test_loop*\n"));
  EXPECT_FALSE(m.lookup("node/test_loop11").may_freeze());
  EXPECT_EQ(m.lookup("node/test_loop11").freeze_from->line, 2);
  EXPECT_TRUE(m.lookup("node/test_loop13_seq").may_freeze());
  EXPECT_TRUE(m.lookup("node/test_reshape").may_freeze());
  EXPECT_THROW(Manifest::read(write("freeze node/test_x\n")), std::runtime_error);  // a reason is needed
}

TEST_F(ManifestTest, OptionsGiveMatchingTestsCompileOptions) {
  Manifest m = Manifest::read(write("options  node/test_loop13_seq  --max-loop-iterations 16\n"
                                    "options  node/test_loop*  --max-loop-iterations 4  run-time trip counts\n"));
  const Expectation seq = m.lookup("node/test_loop13_seq");
  EXPECT_EQ(seq.max_loop_iterations, 16);  // the first matching line wins
  EXPECT_EQ(seq.options_from->line, 1);
  EXPECT_EQ(m.lookup("node/test_loop11").max_loop_iterations, 4);
  EXPECT_EQ(m.lookup("node/test_loop11").options_from->reason, "run-time trip counts");
  EXPECT_EQ(m.lookup("node/test_loop11").expect, Expect::Pass);  // options decide no outcome
  EXPECT_EQ(m.lookup("node/test_abs").max_loop_iterations, 0);
  EXPECT_EQ(m.lookup("node/test_abs").options_from, nullptr);
  EXPECT_THROW(Manifest::read(write("options node/test_x\n")), std::runtime_error);  // no option
  EXPECT_THROW(Manifest::read(write("options node/test_x --freeze a=b.pb\n")), std::runtime_error);  // not supported
  EXPECT_THROW(Manifest::read(write("options node/test_x --max-loop-iterations\n")), std::runtime_error);
  EXPECT_THROW(Manifest::read(write("options node/test_x --max-loop-iterations 0\n")), std::runtime_error);
  EXPECT_THROW(Manifest::read(write("options node/test_x --max-loop-iterations 2.5\n")), std::runtime_error);
}

TEST_F(ManifestTest, RejectsLinesWithoutReasonsOrFolders) {
  EXPECT_THROW(Manifest::read(write("exclude node/test_x\n")), std::runtime_error);
  EXPECT_THROW(Manifest::read(write("xfail node/test_x\n")), std::runtime_error);
  EXPECT_THROW(Manifest::read(write("exclude test_x  no folder\n")), std::runtime_error);
  EXPECT_THROW(Manifest::read(write("skip node/test_x  unknown directive\n")), std::runtime_error);
  EXPECT_THROW(Manifest::read(write("tolerance node/test_x  no numbers\n")), std::runtime_error);
  EXPECT_THROW(Manifest::read(write("tolerance node/test_x rtol=abc reason\n")), std::runtime_error);
}

TEST_F(ManifestTest, UpdateRewritesOnlyTheGeneratedSection) {
  const std::string hand = "# hand-written\nexclude node/test_t*  training op T\n" + std::string(Manifest::marker()) + "\n";
  Manifest m = Manifest::read(
      write(hand + "xfail  node/test_old   op Old not implemented\nxfail  node/test_keep  op K not implemented\n"));
  m.write_updated({{"node/test_old", "pass"}, {"node/test_new", "xfail unsupported op New"}, {"node/test_t1", ""}});
  const std::string text = read();
  EXPECT_EQ(text.substr(0, hand.size()), hand);
  EXPECT_NE(text.find("pass   node/test_old\n"), std::string::npos) << text;
  EXPECT_NE(text.find("node/test_keep"), std::string::npos) << text;
  EXPECT_NE(text.find("unsupported op New"), std::string::npos) << text;
  Manifest again = Manifest::read(path_);
  EXPECT_EQ(again.lookup("node/test_new").expect, Expect::Xfail);
  EXPECT_EQ(again.lookup("node/test_new").reason, "unsupported op New");
  EXPECT_TRUE(again.lookup("node/test_new").outcome_from->generated);
  EXPECT_EQ(again.lookup("node/test_old").expect, Expect::Pass);
}

TEST(Reasons, CompileErrorsLoseThePathAndTheNodeName) {
  EXPECT_EQ(short_reason(
                Stage::Compile,
                "/data/node/test_acos/model.onnx: node 'Acos_0' (Acos): unsupported op (see docs/ops.md for the supported list)"),
            "unsupported op Acos");
  EXPECT_EQ(short_reason(Stage::Compile, "/x/model.onnx: node '' (Foo): unsupported op in domain 'com.x' (see docs/ops.md)"),
            "unsupported op Foo in domain 'com.x'");
  EXPECT_EQ(short_reason(Stage::Compile, "/x/model.onnx: node 'r' (Resize): mode 'cubic' is not supported\nmore"),
            "Resize: mode 'cubic' is not supported");
  EXPECT_EQ(short_reason(Stage::Compile, "/x/model.onnx: opset 6 is not supported"), "opset 6 is not supported");
  EXPECT_EQ(
      short_reason(Stage::Compile, "/x/model.onnx: node 'n' (Range): Range's limit (input 'Periodic_Size') must be a constant"),
      "Range: Range's limit must be a constant");
}

TEST(Reasons, BuildErrorsNameTheFileAndTheFirstError) {
  EXPECT_EQ(
      short_reason(Stage::Build, "In file included from a.cpp:3:\nnode/t/kernels/conv.hpp:12:5: error: 'x' was not declared\n"),
      "build: conv.hpp: 'x' was not declared");
  EXPECT_EQ(short_reason(Stage::Link, "/usr/bin/ld: b.o: in function `f':\nb.cpp:(.text+0x1): undefined reference to `g'\n"),
            "link: b.cpp: `g'");
}

TEST(Reasons, TestFailKeepsTheFirstFailureAndDropsDataPaths) {
  conformance::Test t;
  t.dir = "/data/node/test_x";
  t.fail(Stage::Data, "/data/node/test_x/test_data_set_0/input_0.pb: not a valid TensorProto");
  t.fail(Stage::Run, "later");
  EXPECT_EQ(t.failed_at, Stage::Data);
  EXPECT_EQ(t.reason, "test_data_set_0/input_0.pb: not a valid TensorProto");
}

TEST(OpKey, SingleOpsSetsAndConstants) {
  EXPECT_EQ(op_key({"Relu"}), "Relu");
  EXPECT_EQ(op_key({"Constant", "Resize"}), "Resize");
  EXPECT_EQ(op_key({"Constant"}), "Constant");
  EXPECT_EQ(op_key({"Sub", "Exp", "Sub", "Div"}), "Div + Exp + Sub");
  EXPECT_EQ(op_key({}), "(no nodes)");
}

}  // namespace
