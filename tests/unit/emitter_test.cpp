// Naming, exact literals, template rendering, and the reproducibility of generated files.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <regex>
#include <set>

#include "emitter/emitter.h"
#include "emitter/literals.h"
#include "emitter/naming.h"
#include "onnx2mcu/compiler.h"
#include "onnx2mcu/error.h"

namespace onnx2mcu {
namespace {

// ---- Identifiers ------------------------------------------------------------------------------

TEST(SanitizeIdentifier, ReplacesWhatCannotBeInAName) {
  EXPECT_EQ(sanitize_identifier("input.1"), "input_1");
  EXPECT_EQ(sanitize_identifier("conv1/weight:0"), "conv1_weight_0");
  EXPECT_EQ(sanitize_identifier("a b-c"), "a_b_c");
  EXPECT_EQ(sanitize_identifier("already_fine_9"), "already_fine_9");
}

TEST(SanitizeIdentifier, LeadingDigitAndEmptyName) {
  EXPECT_EQ(sanitize_identifier("1x"), "_1x");
  EXPECT_EQ(sanitize_identifier("0"), "_0");
  EXPECT_EQ(sanitize_identifier(""), "_");
}

TEST(SanitizeIdentifier, KeywordsAndOurOwnNamesGetASuffix) {
  EXPECT_EQ(sanitize_identifier("int"), "int_");
  EXPECT_EQ(sanitize_identifier("float"), "float_");
  EXPECT_EQ(sanitize_identifier("return"), "return_");
  EXPECT_EQ(sanitize_identifier("main"), "main_");
  EXPECT_EQ(sanitize_identifier("arena"), "arena_");
  EXPECT_EQ(sanitize_identifier("o2m"), "o2m_");
  EXPECT_EQ(sanitize_identifier("Int"), "Int");  // C++ is case sensitive
}

TEST(SanitizeIdentifier, ReservedUnderscoreForms) {
  EXPECT_EQ(sanitize_identifier("__x"), "t__x");
  EXPECT_EQ(sanitize_identifier("_Tensor"), "t_Tensor");
  EXPECT_EQ(sanitize_identifier(".Y"), "t_Y");    // '.' becomes '_' first, then "_Y" is reserved
  EXPECT_EQ(sanitize_identifier("_lower"), "_lower");  // allowed outside the global namespace
}

TEST(SanitizeIdentifier, ResultIsAlwaysAnIdentifier) {
  const std::regex ident("[A-Za-z_][A-Za-z0-9_]*");
  for (const char* name : {"a", "9", "..", "x:0", "__", "_", "-", "\xc3\xa9t\xc3\xa9", "int", "1.0", "_A_"})
    EXPECT_TRUE(std::regex_match(sanitize_identifier(name), ident)) << "'" << name << "' -> '" << sanitize_identifier(name) << "'";
}

TEST(NameScope, ExactClashIsAnErrorNamingBothTensors) {
  NameScope scope;
  EXPECT_EQ(scope.claim_exact("input.1", "graph input"), "input_1");
  try {
    scope.claim_exact("input_1", "graph output");
    FAIL() << "expected a clash";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("graph output 'input_1'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'input.1'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("C name 'input_1'"), std::string::npos) << msg;
  }
}

TEST(NameScope, ReservedNamesClashToo) {
  NameScope scope;
  scope.reserve("kernel_out");
  EXPECT_THROW(scope.claim_exact("kernel.out", "graph input"), Error);
}

TEST(NameScope, UniqueNamesGetNumberedSuffixes) {
  NameScope scope;
  EXPECT_EQ(scope.claim_exact("w", "graph input"), "w");
  EXPECT_EQ(scope.claim_unique("w"), "w_2");
  EXPECT_EQ(scope.claim_unique("w"), "w_3");
  EXPECT_EQ(scope.claim_unique("w.2"), "w_2_2");
  EXPECT_EQ(scope.claim_unique("other"), "other");
}

// ---- Literals ---------------------------------------------------------------------------------

// A literal without its 'f' suffix, read back as a float.
float read_float_literal(const std::string& lit) {
  EXPECT_EQ(lit.back(), 'f') << lit;
  return std::strtof(lit.substr(0, lit.size() - 1).c_str(), nullptr);
}

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

TEST(FloatLiteral, ShortAndExact) {
  EXPECT_EQ(float_literal(0.1f), "0.1f");
  EXPECT_EQ(float_literal(0.5f), "0.5f");
  EXPECT_EQ(float_literal(-2.25f), "-2.25f");
  EXPECT_EQ(float_literal(1e-7f), "1e-07f");
  EXPECT_EQ(float_literal(3.14159274f), "3.1415927f");   // 8 digits suffice for this one
  EXPECT_EQ(float_literal(16777217.0f), "16777216.f");   // not a float: rounds on the way in
}

TEST(FloatLiteral, IntegersPrintWithADecimalPoint) {
  EXPECT_EQ(float_literal(0.0f), "0.f");
  EXPECT_EQ(float_literal(1.0f), "1.f");
  EXPECT_EQ(float_literal(-3.0f), "-3.f");
  EXPECT_EQ(float_literal(16777216.0f), "16777216.f");
  EXPECT_EQ(read_float_literal(float_literal(100.0f)), 100.0f);  // "1e+02f" is a float literal too
}

TEST(FloatLiteral, NegativeZeroKeepsItsSign) {
  const std::string lit = float_literal(-0.0f);
  EXPECT_EQ(lit, "-0.f");
  EXPECT_TRUE(std::signbit(read_float_literal(lit)));
}

TEST(FloatLiteral, NonFiniteValuesUseCompilerBuiltins) {
  EXPECT_EQ(float_literal(std::numeric_limits<float>::infinity()), "__builtin_inff()");
  EXPECT_EQ(float_literal(-std::numeric_limits<float>::infinity()), "-__builtin_inff()");
  EXPECT_EQ(float_literal(std::numeric_limits<float>::quiet_NaN()), "__builtin_nanf(\"\")");
  EXPECT_EQ(float_literal(-std::numeric_limits<float>::quiet_NaN()), "-__builtin_nanf(\"\")");
  EXPECT_EQ(double_literal(std::numeric_limits<double>::infinity()), "__builtin_inf()");
}

TEST(FloatLiteral, RandomBitPatternsRoundTrip) {
  // Every finite float, denormals included, must read back bit for bit, and must be spelled
  // as a C++ floating literal (a '.' or an exponent, then 'f').
  const std::regex syntax("-?[0-9]+(\\.[0-9]*)?(e[+-]?[0-9]+)?f");
  std::mt19937 rng(42);
  std::vector<float> values = {std::numeric_limits<float>::min(), std::numeric_limits<float>::denorm_min(),
                               std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                               std::numeric_limits<float>::epsilon(), 1.0f / 3.0f};
  for (int i = 0; i < 20000; ++i) {
    uint32_t u = rng();
    if (i % 4 == 0) u &= 0x807fffffu;  // a quarter of them denormal (exponent bits 0)
    float f;
    std::memcpy(&f, &u, sizeof f);
    if (std::isfinite(f)) values.push_back(f);
  }
  for (float f : values) {
    const std::string lit = float_literal(f);
    ASSERT_TRUE(std::regex_match(lit, syntax)) << lit;
    ASSERT_TRUE(lit.find_first_of(".e") != std::string::npos) << lit;
    ASSERT_EQ(bits_of(read_float_literal(lit)), bits_of(f)) << lit;
    ASSERT_LE(lit.size(), 16u) << "not the shortest spelling: " << lit;
  }
}

TEST(DoubleLiteral, RoundTripsAndHasNoSuffix) {
  EXPECT_EQ(double_literal(0.1), "0.1");
  EXPECT_EQ(double_literal(2.0), "2.");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5000; ++i) {
    uint64_t u = rng();
    double d;
    std::memcpy(&d, &u, sizeof d);
    if (!std::isfinite(d)) continue;
    const std::string lit = double_literal(d);
    const double back = std::strtod(lit.c_str(), nullptr);
    ASSERT_EQ(std::memcmp(&back, &d, sizeof d), 0) << lit;
  }
}

TEST(IntLiteral, EdgeCases) {
  EXPECT_EQ(int_literal(0), "0");
  EXPECT_EQ(int_literal(-5), "-5");
  EXPECT_EQ(int_literal(2147483647), "2147483647");
  EXPECT_EQ(int_literal(2147483648LL), "2147483648LL");
  EXPECT_EQ(int_literal(-2147483647 - 1), "-2147483648");
  EXPECT_EQ(int_literal(-2147483649LL), "-2147483649LL");
  EXPECT_EQ(int_literal(std::numeric_limits<int64_t>::max()), "9223372036854775807LL");
  // -9223372036854775808LL would be unary minus on an out-of-range literal.
  EXPECT_EQ(int_literal(std::numeric_limits<int64_t>::min()), "(-9223372036854775807LL - 1)");
  EXPECT_EQ(int_literal(255, true), "255u");
}

// ---- Templates ----------------------------------------------------------------------------------

TEST(RenderTemplate, ReplacesEveryKey) {
  EXPECT_EQ(render_template("int @NAME@_run(@PARAMS@); // @NAME@", {{"NAME", "kws"}, {"PARAMS", "void"}}),
            "int kws_run(void); // kws");
  EXPECT_EQ(render_template("no keys here", {}), "no keys here");
  EXPECT_EQ(render_template("a lone @ stays", {}), "a lone @ stays");
  EXPECT_EQ(render_template("@A@@B@", {{"A", "1"}, {"B", "2"}}), "12");
}

TEST(RenderTemplate, UnknownKeyIsAnError) {
  try {
    render_template("x @NAME@ y @MISSING@", {{"NAME", "n"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("@MISSING@"), std::string::npos) << e.what();
  }
}

// ---- Generated files ------------------------------------------------------------------------------

const std::string kDigits = ONNX2MCU_SOURCE_DIR "/models/digits/model.onnx";

const GeneratedFile* find_file(const CompiledModel& m, const std::string& path) {
  for (const GeneratedFile& f : m.files)
    if (f.path == path) return &f;
  return nullptr;
}

TEST(CompileModel, DigitsTwiceIsByteIdentical) {
  const CompiledModel a = compile_model(kDigits), b = compile_model(kDigits);
  ASSERT_EQ(a.files.size(), b.files.size());
  for (size_t i = 0; i < a.files.size(); ++i) {
    EXPECT_EQ(a.files[i].path, b.files[i].path);
    EXPECT_TRUE(a.files[i].text == b.files[i].text) << a.files[i].path << " differs between two runs";
  }
}

TEST(CompileModel, OutputDoesNotDependOnTheMachine) {
  const CompiledModel m = compile_model(kDigits);
  for (const GeneratedFile& f : m.files) {
    EXPECT_EQ(f.text.find(ONNX2MCU_SOURCE_DIR), std::string::npos) << f.path << " contains an absolute path";
    EXPECT_EQ(f.text.find("__DATE__"), std::string::npos) << f.path;
    EXPECT_EQ(f.text.find("__TIME__"), std::string::npos) << f.path;
  }
}

TEST(CompileModel, HeaderHasTheDocumentedInterface) {
  const CompiledModel m = compile_model(kDigits);
  EXPECT_EQ(m.name, "digits");
  const GeneratedFile* h = find_file(m, "digits.h");
  ASSERT_TRUE(h);
  const std::string& t = h->text;
  EXPECT_EQ(t.rfind("/* digits.h - generated by onnx2mcu ", 0), 0u) << "first line: " << t.substr(0, t.find('\n'));
  EXPECT_NE(t.find("do not edit"), std::string::npos);
  EXPECT_TRUE(std::regex_search(t, std::regex("#define DIGITS_ARENA_BYTES [0-9]+u\n")));
  EXPECT_TRUE(std::regex_search(t, std::regex("#define DIGITS_WEIGHT_BYTES [0-9]+u\n")));
  EXPECT_NE(t.find("#define DIGITS_INPUT_0_ELEMS 64u /* float32 [1,1,8,8] \"image\" */"), std::string::npos) << t;
  EXPECT_NE(t.find("#define DIGITS_OUTPUT_0_ELEMS 10u /* float32 [1,10] \"probs\" */"), std::string::npos) << t;
  EXPECT_TRUE(std::regex_search(t, std::regex("#define DIGITS_ARENA_ALIGN 16u\n")));
  EXPECT_NE(t.find("int digits_run_with_arena(void* arena, const float* image, float* probs);"), std::string::npos) << t;
  EXPECT_NE(t.find("#ifndef DIGITS_NO_STATIC_ARENA\n"), std::string::npos) << t;
  EXPECT_NE(t.find("int digits_run(const float* image, float* probs);"), std::string::npos) << t;
  EXPECT_NE(t.find("extern \"C\" {"), std::string::npos);
  EXPECT_NE(t.find("#include <stdint.h>"), std::string::npos);
}

TEST(CompileModel, WeightBytesMacroMatchesTheParameters) {
  // 1,898 float32 parameters (models/digits/README.md).
  const CompiledModel m = compile_model(kDigits);
  EXPECT_NE(find_file(m, "digits.h")->text.find("#define DIGITS_WEIGHT_BYTES 7592u"), std::string::npos);
}

TEST(CompileModel, SourceDefinesRunAndKeepsWeightsConst) {
  const CompiledModel m = compile_model(kDigits);
  const GeneratedFile* cpp = find_file(m, "digits.cpp");
  ASSERT_TRUE(cpp);
  EXPECT_NE(cpp->text.find("#include \"digits.h\""), std::string::npos);
  EXPECT_NE(cpp->text.find("extern \"C\" int digits_run_with_arena(void* arena, const float* image, float* probs) {"),
            std::string::npos);
  EXPECT_NE(cpp->text.find("extern \"C\" int digits_run(const float* image, float* probs) { "
                           "return digits_run_with_arena(arena, image, probs); }"),
            std::string::npos);
  // Every array declaration is const except the arena: weights belong in flash. Each carries its
  // placement macro.
  const std::regex array_decl("alignas\\(16\\) ([^\\n\\[]*)\\[");
  int weights = 0;
  for (auto it = std::sregex_iterator(cpp->text.begin(), cpp->text.end(), array_decl); it != std::sregex_iterator(); ++it) {
    const std::string decl = (*it)[1];
    if (decl == "DIGITS_ARENA_ATTR uint8_t arena") continue;
    EXPECT_EQ(decl.rfind("DIGITS_WEIGHTS_ATTR const ", 0), 0u) << decl;
    ++weights;
  }
  EXPECT_EQ(weights, 6);
}

// The kernel headers a text includes with #include "x.hpp" or "kernels/x.hpp", as output paths.
std::set<std::string> kernel_includes(const std::string& text) {
  std::set<std::string> out;
  const std::regex include("#include \"(kernels/)?([a-z_0-9]+\\.hpp)\"");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), include); it != std::sregex_iterator(); ++it)
    out.insert("kernels/" + (*it)[2].str());
  return out;
}

TEST(CompileModel, ShipsExactlyTheKernelHeadersItNeeds) {
  const CompiledModel m = compile_model(kDigits);
  std::set<std::string> shipped, needed = kernel_includes(find_file(m, "digits.cpp")->text);
  for (const GeneratedFile& f : m.files)
    if (f.path.rfind("kernels/", 0) == 0) shipped.insert(f.path);
  EXPECT_TRUE(needed.count("kernels/gemm.hpp") && needed.count("kernels/softmax.hpp")) << "digits ends in Gemm, Softmax";
  // Close `needed` over the headers' own includes: every one must be shipped, and nothing else.
  std::vector<std::string> todo(needed.begin(), needed.end());
  while (!todo.empty()) {
    const std::string k = todo.back();
    todo.pop_back();
    const GeneratedFile* f = find_file(m, k);
    ASSERT_TRUE(f) << k << " is included but not shipped";
    for (const std::string& dep : kernel_includes(f->text))
      if (needed.insert(dep).second) todo.push_back(dep);
  }
  EXPECT_EQ(shipped, needed);
  EXPECT_TRUE(shipped.count("kernels/common.hpp"));
}

TEST(CompileModel, NameOptionMustBeAnIdentifier) {
  CompileOptions opts;
  opts.name = "my-model";
  try {
    compile_model(kDigits, opts);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'my_model'"), std::string::npos) << e.what();
  }
  opts.name = "kws";
  const CompiledModel m = compile_model(kDigits, opts);
  EXPECT_TRUE(find_file(m, "kws.h"));
  EXPECT_NE(find_file(m, "kws.h")->text.find("int kws_run("), std::string::npos);
}

TEST(DefaultModelName, FromFileOrFolder) {
  EXPECT_EQ(default_model_name("models/digits/model.onnx"), "digits");
  EXPECT_EQ(default_model_name("/tmp/mnist.onnx"), "mnist");
  EXPECT_EQ(default_model_name("kws-v2.onnx"), "kws_v2");
  EXPECT_EQ(default_model_name("2x.onnx"), "_2x");
}

}  // namespace
}  // namespace onnx2mcu
