// Issue 4's promise, checked on every model we can load: the arena equals the layer-by-layer
// lower bound (the peak of simultaneously live bytes), and every plan verifies.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "loader/loader.h"
#include "onnx2mcu/error.h"
#include "passes/passes.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {
namespace {

namespace fs = std::filesystem;

// model.onnx files under `root`, sorted so failures list in a stable order.
std::vector<fs::path> models_under(const fs::path& root) {
  std::vector<fs::path> out;
  if (!fs::is_directory(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == "model.onnx") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Plans every model that compiles (the others are the conformance suite's business) and
// returns how many met the bound; `above` lists the ones that did not.
int check_models(const std::vector<fs::path>& models, int& planned, std::vector<std::string>& above) {
  int met = 0;
  for (const fs::path& path : models) {
    std::unique_ptr<Graph> g;
    try {
      g = load_model(path.string());
      run_pipeline(*g);
    } catch (const Error&) {
      continue;  // unsupported or dynamic: not a planner question
    }
    const MemoryPlan plan = plan_memory(*g);
    ++planned;
    EXPECT_EQ(verify_plan(plan.requests, plan.arena), "") << path;
    if (plan.arena.arena_bytes <= plan.arena.lower_bound)
      ++met;
    else
      above.push_back(path.parent_path().filename().string() + ": " + std::to_string(plan.arena.arena_bytes) + " > " +
                      std::to_string(plan.arena.lower_bound));
  }
  return met;
}

TEST(ArenaBound, EveryConformanceModelMeetsTheLowerBound) {
  const fs::path data = "/usr/share/libonnx-testdata/data";
  if (!fs::is_directory(data)) GTEST_SKIP() << data << " is missing: install libonnx-testdata (tools/setup-debian.sh)";
  int planned = 0;
  std::vector<std::string> above;
  const int met = check_models(models_under(data), planned, above);
  std::cout << met << " of " << planned << " planned conformance models meet the lower bound\n";
  EXPECT_GT(planned, 500);
  EXPECT_TRUE(above.empty()) << ::testing::PrintToString(above);
}

TEST(ArenaBound, EverySharedModelMeetsTheLowerBound) {
  const fs::path shared = ONNX2MCU_SHARED_MODELS;
  if (!fs::is_directory(shared)) GTEST_SKIP() << shared << " is missing (the shared reference models live beside the repo)";
  int planned = 0;
  std::vector<std::string> above;
  const int met = check_models(models_under(shared), planned, above);
  std::cout << met << " of " << planned << " planned shared models meet the lower bound\n";
  EXPECT_GT(planned, 10);
  EXPECT_TRUE(above.empty()) << ::testing::PrintToString(above);
}

}  // namespace
}  // namespace onnx2mcu
