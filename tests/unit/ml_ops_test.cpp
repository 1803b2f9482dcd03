// The ai.onnx.ml ops through the pass pipeline: attribute tables become constant inputs
// (OpDef::tables) that folding reads, output shapes, and the errors bad attributes give.
#include <gtest/gtest.h>

#include <cmath>

#include "attrs.h"
#include "onnx2mcu/error.h"
#include "passes/passes.h"

namespace onnx2mcu {
namespace {

// One ai.onnx.ml node reading X (constant when `x` is given), its outputs graph outputs.
struct MlGraph {
  Graph g;
  Node* node = nullptr;
  MlGraph(const std::string& op, Shape shape, std::map<std::string, Attr> attrs, int outputs,
          const std::vector<float>& x = {}) {
    Value* in = g.add_value("x");
    in->dtype = DType::F32;
    in->shape = shape;
    if (x.empty()) {
      in->is_graph_input = true;
      g.inputs.push_back(in);
    } else {
      in->constant = Tensor(DType::F32, shape);
      std::copy(x.begin(), x.end(), in->constant->data<float>());
    }
    auto n = std::make_unique<Node>();
    n->name = "ml";
    n->op = op;
    n->domain = "ai.onnx.ml";
    n->opset = 3;
    n->inputs = {in};
    n->attrs = std::move(attrs);
    for (int i = 0; i < outputs; ++i) n->outputs.push_back(g.add_value("y" + std::to_string(i)));
    node = g.add_node(std::move(n));
    for (Value* v : node->outputs) {
      v->is_graph_output = true;
      g.outputs.push_back(v);
    }
  }
  std::string error() {
    try {
      run_pipeline(g);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }
};

// Two stumps on feature 1: x1 <= 0.5 -> 1 else 2 (tree 0); x1 < 0 -> 10 else 20 (tree 1).
std::map<std::string, Attr> two_stumps() {
  return {{"nodes_treeids", ints_attr({0, 0, 0, 1, 1, 1})},
          {"nodes_nodeids", ints_attr({0, 1, 2, 0, 1, 2})},
          {"nodes_featureids", ints_attr({1, 0, 0, 1, 0, 0})},
          {"nodes_modes", strings_attr({"BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "LEAF"})},
          {"nodes_values", floats_attr({0.5f, 0, 0, 0, 0, 0})},
          {"nodes_truenodeids", ints_attr({1, 0, 0, 1, 0, 0})},
          {"nodes_falsenodeids", ints_attr({2, 0, 0, 2, 0, 0})},
          {"target_treeids", ints_attr({0, 0, 1, 1})},
          {"target_nodeids", ints_attr({1, 2, 1, 2})},
          {"target_ids", ints_attr({0, 0, 0, 0})},
          {"target_weights", floats_attr({1, 2, 10, 20})},
          {"base_values", floats_attr({0.5f})}};
}

TEST(MlOps, TreeRegressorFoldsThroughItsTables) {
  MlGraph m("TreeEnsembleRegressor", {3, 2}, two_stumps(), 1, {0, 0.5f, 0, -1, 0, 3});
  run_pipeline(m.g);
  const Value* y = m.g.outputs[0];
  ASSERT_TRUE(y->is_const());
  EXPECT_EQ(y->shape, (Shape{3, 1}));
  EXPECT_FLOAT_EQ(y->constant->data<float>()[0], 1 + 20 + 0.5f);
  EXPECT_FLOAT_EQ(y->constant->data<float>()[1], 1 + 10 + 0.5f);
  EXPECT_FLOAT_EQ(y->constant->data<float>()[2], 2 + 20 + 0.5f);
}

TEST(MlOps, TreeTablesBecomeConstantInputs) {
  MlGraph m("TreeEnsembleRegressor", {4, 2}, two_stumps(), 1);
  run_pipeline(m.g);
  ASSERT_EQ(m.g.nodes.size(), 1u);
  const Node& n = *m.g.nodes[0];
  EXPECT_EQ(n.attr_int("onnx2mcu_tables", 0), 8);
  ASSERT_EQ(n.inputs.size(), 9u);
  for (size_t i = 1; i < n.inputs.size(); ++i) EXPECT_TRUE(n.inputs[i]->is_const()) << i;
  EXPECT_EQ(n.inputs[1]->dtype, DType::I32);   // nodes: 2 interior nodes x 4
  EXPECT_EQ(n.inputs[1]->elems(), 8);
}

TEST(MlOps, TreeErrorsNameTheProblem) {
  auto with = [](const std::string& key, Attr a) {
    auto attrs = two_stumps();
    attrs[key] = std::move(a);
    return MlGraph("TreeEnsembleRegressor", {1, 2}, std::move(attrs), 1).error();
  };
  EXPECT_NE(with("nodes_truenodeids", ints_attr({1, 0, 0, 7, 0, 0})).find("points at node 7"), std::string::npos);
  EXPECT_NE(with("nodes_featureids", ints_attr({1, 0, 0, 2, 0, 0})).find("reads feature 2 but X has 2"), std::string::npos);
  EXPECT_NE(with("nodes_truenodeids", ints_attr({0, 0, 0, 1, 0, 0})).find("twice"), std::string::npos);  // a cycle
  EXPECT_NE(with("nodes_modes", strings_attr({"BRANCH_XX", "LEAF", "LEAF", "BRANCH_LT", "LEAF", "LEAF"})).find("BRANCH_XX"),
            std::string::npos);
  EXPECT_NE(with("target_ids", ints_attr({0, 0, 0, 3})).find("target 3 of 1"), std::string::npos);
  EXPECT_NE(with("n_targets", int_attr(int64_t{1} << 40)).find("out of range"), std::string::npos);
  const std::string e = with("aggregate_function", string_attr("MEDIAN"));
  EXPECT_NE(e.find("node 'ml' (TreeEnsembleRegressor)"), std::string::npos) << e;
}

TEST(MlOps, StringLabelsAreAnError) {
  auto attrs = two_stumps();
  for (const char* k : {"target_treeids", "target_nodeids", "target_ids", "target_weights"}) {
    attrs[std::string("class_") + (k + 7)] = attrs[k];
    attrs.erase(k);
  }
  attrs["classlabels_strings"] = strings_attr({"a", "b"});
  const std::string e = MlGraph("TreeEnsembleClassifier", {1, 2}, attrs, 2).error();
  EXPECT_NE(e.find("string class labels"), std::string::npos) << e;
}

TEST(MlOps, ClassifierShapes) {
  MlGraph m("LinearClassifier", {5, 3},
            {{"coefficients", floats_attr({1, 2, 3})}, {"intercepts", floats_attr({0.5f})}, {"classlabels_ints", ints_attr({3, 4})}}, 2);
  EXPECT_EQ(m.error(), "(no error)");
  EXPECT_EQ(m.g.outputs[0]->shape, (Shape{5}));
  EXPECT_EQ(m.g.outputs[0]->dtype, DType::I64);
  EXPECT_EQ(m.g.outputs[1]->shape, (Shape{5, 2}));  // one score written as two columns
  MlGraph bad("LinearClassifier", {5, 4},
              {{"coefficients", floats_attr({1, 2, 3, 4, 5, 6})}, {"intercepts", floats_attr({0, 1})}, {"classlabels_ints", ints_attr({3, 4})}}, 2);
  EXPECT_NE(bad.error().find("X has 4 features"), std::string::npos) << bad.error();
}

TEST(MlOps, PreprocessShapesAndErrors) {
  MlGraph scaler("Scaler", {2, 3}, {{"offset", floats_attr({1, 2})}, {"scale", floats_attr({1, 2})}}, 1);
  EXPECT_NE(scaler.error().find("needs 1 or one per feature (3)"), std::string::npos) << scaler.error();
  MlGraph onehot("OneHotEncoder", {4}, {{"cats_int64s", ints_attr({1, 5, 9})}}, 1);
  EXPECT_EQ(onehot.error(), "(no error)");
  EXPECT_EQ(onehot.g.outputs[0]->shape, (Shape{4, 3}));
  MlGraph norm("Normalizer", {2, 2, 2}, {{"norm", string_attr("L2")}}, 1);
  EXPECT_NE(norm.error().find("[N, F] or [F]"), std::string::npos) << norm.error();
}

}  // namespace
}  // namespace onnx2mcu
