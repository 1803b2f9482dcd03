// The pass pipeline on graphs built directly in the IR: folding, identity and dead-code
// removal, the shape rules of the ops, and the errors they give.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "attrs.h"
#include "emitter/emitter.h"
#include "onnx2mcu/error.h"
#include "ops/op.h"
#include "passes/passes.h"
#include "passes/rewrite.h"
#include "planner/memory_plan.h"

namespace onnx2mcu {
namespace {

// Builds a graph node by node, as the loader would.
struct GraphBuilder {
  Graph g;
  int opset = 13;

  Value* input(const std::string& name, Shape shape, DType t = DType::F32) {
    Value* v = g.add_value(name);
    v->dtype = t;
    v->shape = std::move(shape);
    v->is_graph_input = true;
    g.inputs.push_back(v);
    return v;
  }
  template <typename T>
  Value* constant(const std::string& name, Shape shape, std::vector<T> data) {
    Value* v = g.add_value(name);
    v->constant = Tensor(DTypeOf<T>::value, std::move(shape));
    EXPECT_EQ(v->constant->elems(), static_cast<int64_t>(data.size())) << "bad test constant " << name;
    std::copy(data.begin(), data.end(), v->constant->data<T>());
    v->dtype = v->constant->dtype;
    v->shape = v->constant->shape;
    return v;
  }
  // Adds a node with one output named "<name>_y" (more with n_outputs) and returns it.
  Node* node(const std::string& op, const std::string& name, std::vector<Value*> inputs,
             std::map<std::string, Attr> attrs = {}, int n_outputs = 1) {
    auto n = std::make_unique<Node>();
    n->name = name;
    n->op = op;
    n->opset = opset;
    n->inputs = std::move(inputs);
    n->attrs = std::move(attrs);
    for (int i = 0; i < n_outputs; ++i) n->outputs.push_back(g.add_value(name + "_y" + (i ? std::to_string(i) : "")));
    return g.add_node(std::move(n));
  }
  Value* out(Node* n) { return n->outputs[0]; }
  void output(Value* v) {
    v->is_graph_output = true;
    g.outputs.push_back(v);
  }
};

std::string pipeline_error_with(Graph& g, const PassOptions& opts) {
  try {
    run_pipeline(g, opts);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}
std::string pipeline_error(Graph& g) { return pipeline_error_with(g, {}); }

// Output shape of one `op` node whose inputs are graph inputs of the given shapes.
Shape infer(const std::string& op, std::vector<Shape> in_shapes, std::map<std::string, Attr> attrs = {}, int opset = 13) {
  GraphBuilder b;
  b.opset = opset;
  std::vector<Value*> ins;
  for (size_t i = 0; i < in_shapes.size(); ++i) ins.push_back(b.input("in" + std::to_string(i), in_shapes[i]));
  Value* y = b.out(b.node(op, "n", ins, std::move(attrs)));
  b.output(y);
  run_pipeline(b.g);
  return y->shape;
}

template <typename T>
std::vector<T> data_of(const Value* v) {
  if (!v->is_const()) return {};
  return std::vector<T>(v->constant->data<T>(), v->constant->data<T>() + v->constant->elems());
}

// ---- Constant folding -----------------------------------------------------------------------

TEST(Fold, AddOfTwoConstants) {
  GraphBuilder b;
  Value* a = b.constant<float>("a", {2, 2}, {1, 2, 3, 4});
  Value* c = b.constant<float>("c", {2}, {10, 20});  // broadcast along rows
  Value* y = b.out(b.node("Add", "add", {a, c}));
  b.output(y);
  run_pipeline(b.g);
  EXPECT_TRUE(b.g.nodes.empty());
  ASSERT_TRUE(y->is_const());
  EXPECT_EQ(y->shape, (Shape{2, 2}));
  EXPECT_EQ(data_of<float>(y), (std::vector<float>{11, 22, 13, 24}));
}

TEST(Fold, ReshapeTargetComputedByFoldedNodes) {
  // shape = Concat(Mul([2], [3]), [-1]) = [6, -1]: Reshape can only be resolved once folded.
  GraphBuilder b;
  Value* x = b.input("x", {1, 2, 3, 4});
  Value* two = b.constant<int64_t>("two", {1}, {2});
  Value* three = b.constant<int64_t>("three", {1}, {3});
  Value* minus1 = b.constant<int64_t>("minus1", {1}, {-1});
  Value* six = b.out(b.node("Mul", "mul", {two, three}));
  Value* shape = b.out(b.node("Concat", "concat", {six, minus1}, {{"axis", int_attr(0)}}));
  Value* y = b.out(b.node("Reshape", "reshape", {x, shape}));
  b.output(y);
  run_pipeline(b.g);
  EXPECT_EQ(y->shape, (Shape{6, 4}));
  ASSERT_EQ(b.g.nodes.size(), 1u);
  EXPECT_EQ(b.g.nodes[0]->op, "Reshape");
  ASSERT_TRUE(shape->is_const());
  EXPECT_EQ(data_of<int64_t>(shape), (std::vector<int64_t>{6, -1}));
}

TEST(Fold, ChainOfFloatOpsMatchesHandComputation) {
  // Relu(Sub(a, b)) * 2 with a = [1, 5, -3], b = [2, 2, 2] -> [0, 6, 0].
  GraphBuilder b;
  Value* a = b.constant<float>("a", {3}, {1, 5, -3});
  Value* c = b.constant<float>("c", {3}, {2, 2, 2});
  Value* two = b.constant<float>("two", {}, {2});
  Value* d = b.out(b.node("Sub", "sub", {a, c}));
  Value* r = b.out(b.node("Relu", "relu", {d}));
  Value* y = b.out(b.node("Mul", "mul", {r, two}));
  b.output(y);
  run_pipeline(b.g);
  EXPECT_TRUE(b.g.nodes.empty());
  EXPECT_EQ(data_of<float>(y), (std::vector<float>{0, 6, 0}));
}

TEST(Fold, RespectsTheByteBudget) {
  GraphBuilder b;
  Value* a = b.constant<float>("a", {4}, {1, 2, 3, 4});
  Value* y = b.out(b.node("Neg", "neg", {a}));
  b.output(y);
  PassOptions opts;
  opts.fold_max_bytes = 15;  // the 16-byte result is over budget
  run_pipeline(b.g, opts);
  EXPECT_FALSE(y->is_const());
  ASSERT_EQ(b.g.nodes.size(), 1u);
  EXPECT_EQ(y->shape, (Shape{4}));
}

TEST(Fold, NodeWithARuntimeInputIsKept) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Value* c = b.constant<float>("c", {3}, {1, 2, 3});
  Value* y = b.out(b.node("Add", "add", {x, c}));
  b.output(y);
  run_pipeline(b.g);
  EXPECT_FALSE(y->is_const());
  EXPECT_EQ(b.g.nodes.size(), 1u);
}

// ---- Identity / Dropout removal ---------------------------------------------------------------

TEST(RemoveIdentities, IdentityAndDropoutAreBypassed) {
  GraphBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* i = b.out(b.node("Identity", "identity", {x}));
  Value* d = b.out(b.node("Dropout", "dropout", {i}));
  Node* relu = b.node("Relu", "relu", {d});
  b.output(b.out(relu));
  run_pipeline(b.g);
  ASSERT_EQ(b.g.nodes.size(), 1u);
  EXPECT_EQ(b.g.nodes[0].get(), relu);
  EXPECT_EQ(relu->inputs[0], x);
  EXPECT_EQ(b.g.find_value("identity_y"), nullptr);
  EXPECT_EQ(b.g.find_value("dropout_y"), nullptr);
}

// x -> Relu -> Identity -> Relu -> y, the Identity's output internal.
struct ReluIdentityRelu {
  GraphBuilder b;
  Node* r1 = b.node("Relu", "relu1", {b.input("x", {3})});
  Node* id = b.node("Identity", "identity", {b.out(r1)});
  Node* r2 = b.node("Relu", "relu2", {b.out(id)});
  ReluIdentityRelu() { b.output(b.out(r2)); }
};

TEST(RemoveIdentities, IdentityBetweenTwoKeptNodesIsBypassed) {
  // The first Relu is kept before the Identity is looked at (remove_nodes_if used to move it
  // out of the node list while replace_uses walked it: SIGSEGV).
  ReluIdentityRelu m;
  run_pipeline(m.b.g);
  ASSERT_EQ(m.b.g.nodes.size(), 2u);
  EXPECT_EQ(m.b.g.nodes[0].get(), m.r1);
  EXPECT_EQ(m.b.g.nodes[1].get(), m.r2);
  EXPECT_EQ(m.r2->inputs[0], m.b.out(m.r1));
  EXPECT_EQ(m.b.g.find_value("identity_y"), nullptr);
}

TEST(RemoveIdentities, ChainsBetweenKeptNodesResolveToTheFirstInput) {
  // Relu -> Identity -> Dropout -> Identity -> {Relu, Sigmoid}, and a second chain after the first.
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Node* r1 = b.node("Relu", "relu1", {x});
  Value* a = b.out(b.node("Identity", "id_a", {b.out(r1)}));
  Value* d = b.out(b.node("Dropout", "drop", {a}));
  Value* c = b.out(b.node("Identity", "id_c", {d}));
  Node* r2 = b.node("Relu", "relu2", {c});
  Node* s = b.node("Sigmoid", "sig", {c});
  Value* e = b.out(b.node("Identity", "id_e", {b.out(r2)}));
  Node* add = b.node("Add", "add", {e, b.out(s)});
  b.output(b.out(add));
  run_pipeline(b.g);
  std::vector<std::string> ops;
  for (const auto& n : b.g.nodes) ops.push_back(n->op);
  EXPECT_EQ(ops, (std::vector<std::string>{"Relu", "Relu", "Sigmoid", "Add"}));
  EXPECT_EQ(r2->inputs[0], b.out(r1));
  EXPECT_EQ(s->inputs[0], b.out(r1));
  EXPECT_EQ(add->inputs[0], b.out(r2));
  for (const char* gone : {"id_a_y", "drop_y", "id_c_y", "id_e_y"}) EXPECT_EQ(b.g.find_value(gone), nullptr) << gone;
  EXPECT_NO_THROW(b.g.check_topological());
}

// Dropout (opset 13) with training_mode `t` and ratio `r` (either may be nullptr), then Relu.
std::string dropout_pipeline(GraphBuilder& b, Value* r, Value* t) {
  b.opset = 13;
  Value* x = b.input("x", {3});
  Value* d = b.out(b.node("Dropout", "drop", {x, r, t}));
  b.output(b.out(b.node("Relu", "relu", {d})));
  return pipeline_error(b.g);
}

TEST(RemoveIdentities, DropoutInTrainingModeIsAnErrorNamingTheNode) {
  GraphBuilder runtime;
  EXPECT_EQ(dropout_pipeline(runtime, nullptr, runtime.input("t", {}, DType::Bool)),
            "node 'drop' (Dropout): training_mode 't' is known only at run time and may ask for training mode (a "
            "random mask), which is not supported; make it a constant false or leave it out");
  GraphBuilder constant_true;
  EXPECT_EQ(dropout_pipeline(constant_true, nullptr, constant_true.constant<bool>("t", {}, {true})),
            "node 'drop' (Dropout): training_mode = true means training mode (a random mask), which is not "
            "supported; make it false or leave it out");
  GraphBuilder true_with_ratio;
  EXPECT_NE(dropout_pipeline(true_with_ratio, true_with_ratio.constant<float>("r", {}, {0.5f}),
                             true_with_ratio.constant<bool>("t", {}, {true})).find("training_mode = true"),
            std::string::npos);
}

TEST(RemoveIdentities, DropoutInInferenceModeIsBypassed) {
  GraphBuilder absent, constant_false, zero_ratio, folded_false;
  EXPECT_EQ(dropout_pipeline(absent, nullptr, nullptr), "(no error)");
  EXPECT_EQ(dropout_pipeline(constant_false, nullptr, constant_false.constant<bool>("t", {}, {false})), "(no error)");
  // Training mode with ratio 0 drops nothing: y = x (ONNX's own reference).
  EXPECT_EQ(dropout_pipeline(zero_ratio, zero_ratio.constant<float>("r", {}, {0.0f}), zero_ratio.constant<bool>("t", {}, {true})),
            "(no error)");
  for (GraphBuilder* b : {&absent, &constant_false, &zero_ratio}) {
    ASSERT_EQ(b->g.nodes.size(), 1u);
    EXPECT_EQ(b->g.nodes[0]->op, "Relu");
  }
  // training_mode = Not(true): constant only once folded; the shape rule then sees false.
  Value* t = folded_false.out(folded_false.node("Not", "not", {folded_false.constant<bool>("c", {}, {true})}));
  EXPECT_EQ(dropout_pipeline(folded_false, nullptr, t), "(no error)");
}

// Inference-mode Dropout keeps every element, so its mask is all true: folded when x is constant,
// else written at run time, and then y cannot alias x (the node runs to write the mask).
TEST(Dropout, MaskIsAllTrue) {
  GraphBuilder folded;
  Value* mask = folded.node("Dropout", "drop", {folded.constant<float>("x", {2, 3}, {1, -2, 3, 0, 5, 6})}, {}, 2)->outputs[1];
  folded.output(mask);
  ASSERT_EQ(pipeline_error(folded.g), "(no error)");
  EXPECT_EQ(mask->dtype, DType::Bool);
  EXPECT_EQ(mask->shape, (Shape{2, 3}));
  EXPECT_EQ(data_of<bool>(mask), std::vector<bool>(6, true));

  GraphBuilder b;
  Node* relu = b.node("Relu", "relu", {b.input("x", {2, 3})});
  Node* drop = b.node("Dropout", "drop", {b.out(relu)}, {}, 2);
  b.output(b.out(b.node("Neg", "neg", {b.out(drop)})));
  b.output(drop->outputs[1]);
  ASSERT_EQ(pipeline_error(b.g), "(no error)");
  const MemoryPlan plan = plan_memory(b.g);
  EXPECT_TRUE(plan.aliased_views.empty());
  EXPECT_NE(plan.storage.at(b.out(drop)).root, plan.storage.at(b.out(relu)).root);
  EXPECT_EQ(find_op("", "Dropout")->lower(*drop).size(), 2u);  // the copy and the mask's fill
}

// ---- Graph edits ------------------------------------------------------------------------------

TEST(GraphEdit, NothingChangesUntilApplied) {
  ReluIdentityRelu m;
  GraphEdit e;
  EXPECT_TRUE(e.empty());
  e.bypass(*m.id, m.b.out(m.id), m.b.out(m.r1));
  EXPECT_FALSE(e.empty());
  EXPECT_TRUE(e.removes(*m.id));
  EXPECT_FALSE(e.removes(*m.r1));
  ASSERT_EQ(m.b.g.nodes.size(), 3u);
  EXPECT_EQ(m.r2->inputs[0], m.b.out(m.id));
  m.b.g.apply(e);
  ASSERT_EQ(m.b.g.nodes.size(), 2u);
  EXPECT_EQ(m.r2->inputs[0], m.b.out(m.r1));
  EXPECT_EQ(m.b.g.find_value("identity_y"), nullptr);
}

TEST(GraphEdit, DeciderSeesEveryNodeIntactAndGraphOutputsFollowReplacements) {
  GraphBuilder b;
  Node* r1 = b.node("Relu", "relu1", {b.input("x", {3})});
  Value* v = b.out(r1);
  for (const char* name : {"id1", "id2"}) v = b.out(b.node("Identity", name, {v}));
  b.output(v);
  std::vector<std::string> seen;
  b.g.edit([&](const Node& n, GraphEdit& e) {
    // Every node, even after earlier ones were marked, still has all of its inputs and outputs.
    for (const auto& np : b.g.nodes) EXPECT_NE(np.get(), nullptr);
    seen.push_back(n.name + (n.inputs.empty() ? "" : ":" + n.inputs[0]->name));
    if (n.op == "Identity") e.bypass(n, n.outputs[0], n.inputs[0]);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"relu1:x", "id1:relu1_y", "id2:id1_y"}));
  ASSERT_EQ(b.g.nodes.size(), 1u);
  ASSERT_EQ(b.g.outputs.size(), 1u);
  EXPECT_EQ(b.g.outputs[0], b.out(r1));
}

TEST(GraphEdit, RemovedNodesNoLongerProduceTheirOutputs) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Node* dead = b.node("Relu", "dead", {x});
  Value* kept_value = b.out(dead);
  Node* r = b.node("Sigmoid", "sig", {x});
  b.output(b.out(r));
  Node* reader = b.node("Exp", "reader", {kept_value});  // keeps dead's output referenced
  (void)reader;
  GraphEdit e;
  e.remove(*dead);
  b.g.apply(e);
  EXPECT_EQ(kept_value->producer, nullptr);
  EXPECT_EQ(b.out(r)->producer, r);
}

TEST(GraphEdit, ACycleOfReplacementsIsAnError) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Value* a = b.out(b.node("Relu", "a", {x}));
  Value* c = b.out(b.node("Relu", "c", {a}));
  b.output(c);
  GraphEdit e;
  e.replace_uses(a, c);
  e.replace_uses(c, a);
  EXPECT_THROW(b.g.apply(e), Error);
  EXPECT_EQ(b.g.nodes[1]->inputs[0], a);  // left as it was
  EXPECT_EQ(b.g.outputs[0], c);
}

TEST(RemoveIdentities, KeptWhenItsOutputIsAGraphOutput) {
  GraphBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* r = b.out(b.node("Relu", "relu", {x}));
  Value* y = b.out(b.node("Identity", "identity", {r}));
  b.output(y);
  run_pipeline(b.g);
  ASSERT_EQ(b.g.nodes.size(), 2u);
  EXPECT_EQ(b.g.nodes[1]->op, "Identity");
  EXPECT_EQ(b.g.outputs[0], y);
  EXPECT_EQ(y->shape, (Shape{2, 3}));
}

// ---- Dead code --------------------------------------------------------------------------------

TEST(DeadCode, UnusedNodesAndInitializersAreRemoved) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Value* w = b.constant<float>("unused_weight", {3}, {1, 2, 3});
  (void)w;
  Value* dead = b.out(b.node("Sigmoid", "dead", {x}));
  b.node("Exp", "dead_too", {dead});
  Value* y = b.out(b.node("Relu", "relu", {x}));
  b.output(y);
  run_pipeline(b.g);
  ASSERT_EQ(b.g.nodes.size(), 1u);
  EXPECT_EQ(b.g.nodes[0]->name, "relu");
  EXPECT_EQ(b.g.find_value("unused_weight"), nullptr);
  EXPECT_EQ(b.g.find_value("dead_y"), nullptr);
  EXPECT_EQ(b.g.find_value("dead_too_y"), nullptr);
  EXPECT_NE(b.g.find_value("x"), nullptr);
}

TEST(DeadCode, ChainFeedingAnOutputIsKept) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Node* relu = b.node("Relu", "relu", {x});
  Value* y = b.out(b.node("Neg", "neg", {b.out(relu)}));
  b.output(y);
  remove_dead_code(b.g, {});
  EXPECT_EQ(b.g.nodes.size(), 2u);
}

// ---- Shape rules --------------------------------------------------------------------------------

TEST(ShapeRules, ConvPadsStridesDilationsGroups) {
  const Shape x{1, 3, 10, 10}, w{8, 3, 3, 3};
  EXPECT_EQ(infer("Conv", {x, w}), (Shape{1, 8, 8, 8}));
  EXPECT_EQ(infer("Conv", {x, w, {8}}, {{"pads", ints_attr({1, 1, 1, 1})}}), (Shape{1, 8, 10, 10}));
  EXPECT_EQ(infer("Conv", {x, w}, {{"pads", ints_attr({0, 1, 2, 0})}}), (Shape{1, 8, 10, 9}));
  EXPECT_EQ(infer("Conv", {x, w}, {{"strides", ints_attr({2, 3})}}), (Shape{1, 8, 4, 3}));
  EXPECT_EQ(infer("Conv", {x, w}, {{"dilations", ints_attr({2, 2})}}), (Shape{1, 8, 6, 6}));
  EXPECT_EQ(infer("Conv", {{2, 4, 8, 8}, {6, 2, 3, 3}}, {{"group", int_attr(2)}}), (Shape{2, 6, 6, 6}));
  EXPECT_EQ(infer("Conv", {{1, 4, 8, 8}, {4, 1, 3, 3}}, {{"group", int_attr(4)}}), (Shape{1, 4, 6, 6}));
  EXPECT_EQ(infer("Conv", {{1, 2, 20}, {4, 2, 5}}, {{"strides", ints_attr({2})}}), (Shape{1, 4, 8}));
}

TEST(ShapeRules, ConvAutoPad) {
  const Shape x{1, 3, 10, 9}, w{8, 3, 3, 3};
  EXPECT_EQ(infer("Conv", {x, w}, {{"auto_pad", string_attr("SAME_UPPER")}, {"strides", ints_attr({2, 2})}}),
            (Shape{1, 8, 5, 5}));
  EXPECT_EQ(infer("Conv", {x, w}, {{"auto_pad", string_attr("SAME_LOWER")}, {"strides", ints_attr({3, 3})}}),
            (Shape{1, 8, 4, 3}));
  EXPECT_EQ(infer("Conv", {x, w}, {{"auto_pad", string_attr("VALID")}}), (Shape{1, 8, 8, 7}));
}

// SAME_UPPER puts the odd padding at the end, SAME_LOWER at the start: the same shape, but
// different values. x = [1,2,3,4], w = [1,1], stride 1: one pad element in total.
std::vector<float> fold_same_conv(const std::string& auto_pad) {
  GraphBuilder b;
  Value* x = b.constant<float>("x", {1, 1, 4}, {1, 2, 3, 4});
  Value* w = b.constant<float>("w", {1, 1, 2}, {1, 1});
  Value* y = b.out(b.node("Conv", "conv", {x, w}, {{"auto_pad", string_attr(auto_pad)}}));
  b.output(y);
  run_pipeline(b.g);
  EXPECT_EQ(y->shape, (Shape{1, 1, 4}));
  return data_of<float>(y);
}

TEST(ShapeRules, ConvSameUpperAndLowerPadDifferentSides) {
  EXPECT_EQ(fold_same_conv("SAME_UPPER"), (std::vector<float>{3, 5, 7, 4}));
  EXPECT_EQ(fold_same_conv("SAME_LOWER"), (std::vector<float>{1, 3, 5, 7}));
}

TEST(ShapeRules, PoolCeilMode) {
  const auto k2s2 = [](int ceil) {
    return std::map<std::string, Attr>{{"kernel_shape", ints_attr({2, 2})}, {"strides", ints_attr({2, 2})}, {"ceil_mode", int_attr(ceil)}};
  };
  EXPECT_EQ(infer("MaxPool", {{1, 1, 5, 5}}, k2s2(0)), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(infer("MaxPool", {{1, 1, 5, 5}}, k2s2(1)), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(infer("AveragePool", {{1, 1, 5, 5}}, k2s2(1)), (Shape{1, 1, 3, 3}));
  // The ONNX operator example maxpool_2d_ceil: 4x4, kernel 3, stride 2 -> 2x2.
  EXPECT_EQ(infer("MaxPool", {{1, 1, 4, 4}}, {{"kernel_shape", ints_attr({3, 3})}, {"strides", ints_attr({2, 2})}, {"ceil_mode", int_attr(1)}}),
            (Shape{1, 1, 2, 2}));
  // With pads 1+1, a 4th window would start in the end padding; like PyTorch (and the ONNX
  // spec since 1.15) it is dropped.
  auto padded = k2s2(1);
  padded["pads"] = ints_attr({1, 1, 1, 1});
  EXPECT_EQ(infer("MaxPool", {{1, 1, 5, 5}}, padded), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(infer("GlobalAveragePool", {{2, 7, 5, 3}}), (Shape{2, 7, 1, 1}));
}

TEST(ShapeRules, GemmTransposes) {
  EXPECT_EQ(infer("Gemm", {{3, 5}, {5, 4}}), (Shape{3, 4}));
  EXPECT_EQ(infer("Gemm", {{5, 3}, {5, 4}}, {{"transA", int_attr(1)}}), (Shape{3, 4}));
  EXPECT_EQ(infer("Gemm", {{3, 5}, {4, 5}}, {{"transB", int_attr(1)}}), (Shape{3, 4}));
  EXPECT_EQ(infer("Gemm", {{5, 3}, {4, 5}, {4}}, {{"transA", int_attr(1)}, {"transB", int_attr(1)}}), (Shape{3, 4}));
  EXPECT_EQ(infer("Gemm", {{3, 5}, {5, 4}, {3, 1}}), (Shape{3, 4}));
}

TEST(ShapeRules, MatMulBroadcastAndVectors) {
  EXPECT_EQ(infer("MatMul", {{3, 4}, {4, 5}}), (Shape{3, 5}));
  EXPECT_EQ(infer("MatMul", {{2, 3, 4}, {4, 5}}), (Shape{2, 3, 5}));
  EXPECT_EQ(infer("MatMul", {{1, 3, 4}, {2, 4, 5}}), (Shape{2, 3, 5}));
  EXPECT_EQ(infer("MatMul", {{2, 1, 3, 4}, {5, 4, 6}}), (Shape{2, 5, 3, 6}));
  EXPECT_EQ(infer("MatMul", {{4}, {4, 5}}), (Shape{5}));
  EXPECT_EQ(infer("MatMul", {{2, 3, 4}, {4}}), (Shape{2, 3}));
  EXPECT_EQ(infer("MatMul", {{4}, {4}}), (Shape{}));
}

TEST(ShapeRules, SoftmaxAndFlatten) {
  EXPECT_EQ(infer("Softmax", {{2, 3, 4}}), (Shape{2, 3, 4}));
  EXPECT_EQ(infer("LogSoftmax", {{2, 3, 4}}, {{"axis", int_attr(1)}}, 11), (Shape{2, 3, 4}));
  EXPECT_EQ(infer("Flatten", {{2, 3, 4, 5}}), (Shape{2, 60}));
  EXPECT_EQ(infer("Flatten", {{2, 3, 4, 5}}, {{"axis", int_attr(0)}}), (Shape{1, 120}));
  EXPECT_EQ(infer("Flatten", {{2, 3, 4, 5}}, {{"axis", int_attr(2)}}), (Shape{6, 20}));
  EXPECT_EQ(infer("Flatten", {{2, 3, 4, 5}}, {{"axis", int_attr(-1)}}), (Shape{24, 5}));
  EXPECT_EQ(infer("Flatten", {{2, 3, 4, 5}}, {{"axis", int_attr(4)}}), (Shape{120, 1}));
}

TEST(ShapeRules, SqueezeAndUnsqueezeWithAttributeAxes) {
  const int opset = 11;
  EXPECT_EQ(infer("Squeeze", {{2, 1, 3, 1}}, {{"axes", ints_attr({1})}}, opset), (Shape{2, 3, 1}));
  EXPECT_EQ(infer("Squeeze", {{2, 1, 3, 1}}, {{"axes", ints_attr({-1, 1})}}, opset), (Shape{2, 3}));
  EXPECT_EQ(infer("Squeeze", {{2, 1, 3, 1}}, {}, opset), (Shape{2, 3}));
  EXPECT_EQ(infer("Unsqueeze", {{2, 3}}, {{"axes", ints_attr({0, 3})}}, opset), (Shape{1, 2, 3, 1}));
  EXPECT_EQ(infer("Unsqueeze", {{2, 3}}, {{"axes", ints_attr({-1})}}, opset), (Shape{2, 3, 1}));
}

// Squeeze/Unsqueeze from opset 13 take their axes as a (constant) second input.
Shape squeeze13(const std::string& op, Shape x_shape, std::vector<int64_t> axes) {
  GraphBuilder b;
  Value* x = b.input("x", std::move(x_shape));
  std::vector<Value*> ins = {x};
  if (!axes.empty()) ins.push_back(b.constant<int64_t>("axes", {static_cast<int64_t>(axes.size())}, axes));
  Value* y = b.out(b.node(op, "n", ins));
  b.output(y);
  run_pipeline(b.g);
  return y->shape;
}

TEST(ShapeRules, SqueezeAndUnsqueezeWithInputAxes) {
  EXPECT_EQ(squeeze13("Squeeze", {2, 1, 3, 1}, {1}), (Shape{2, 3, 1}));
  EXPECT_EQ(squeeze13("Squeeze", {2, 1, 3, 1}, {-1}), (Shape{2, 1, 3}));
  EXPECT_EQ(squeeze13("Squeeze", {2, 1, 3, 1}, {}), (Shape{2, 3}));
  EXPECT_EQ(squeeze13("Unsqueeze", {2, 3}, {0, 3}), (Shape{1, 2, 3, 1}));
  EXPECT_EQ(squeeze13("Unsqueeze", {2, 3}, {1}), (Shape{2, 1, 3}));
}

TEST(ShapeRules, ConcatAndTranspose) {
  EXPECT_EQ(infer("Concat", {{2, 3}, {2, 5}}, {{"axis", int_attr(1)}}), (Shape{2, 8}));
  EXPECT_EQ(infer("Concat", {{2, 3, 4}, {2, 3, 1}, {2, 3, 2}}, {{"axis", int_attr(-1)}}), (Shape{2, 3, 7}));
  EXPECT_EQ(infer("Concat", {{1, 3}, {4, 3}}, {{"axis", int_attr(0)}}), (Shape{5, 3}));
  EXPECT_EQ(infer("Transpose", {{2, 3, 4}}, {{"perm", ints_attr({2, 0, 1})}}), (Shape{4, 2, 3}));
  EXPECT_EQ(infer("Transpose", {{2, 3, 4}}), (Shape{4, 3, 2}));
  EXPECT_EQ(infer("Transpose", {{1, 3, 96, 96}}, {{"perm", ints_attr({0, 2, 3, 1})}}), (Shape{1, 96, 96, 3}));
}

TEST(ShapeRules, PadAttributeAndInputForms) {
  EXPECT_EQ(infer("Pad", {{1, 2, 3, 3}}, {{"pads", ints_attr({0, 0, 1, 2, 0, 0, 3, 4})}}, 10), (Shape{1, 2, 7, 9}));
  GraphBuilder b;
  Value* x = b.input("x", {1, 2, 3, 3});
  Value* pads = b.constant<int64_t>("pads", {8}, {0, 0, 1, 2, 0, 0, 3, 4});
  Value* y = b.out(b.node("Pad", "pad", {x, pads}, {{"mode", string_attr("edge")}}));
  b.output(y);
  EXPECT_EQ(pipeline_error(b.g), "(no error)");
  EXPECT_EQ(y->shape, (Shape{1, 2, 7, 9}));
}

TEST(ShapeRules, ReduceAndElementwise) {
  EXPECT_EQ(infer("ReduceMean", {{2, 3, 4, 5}}, {{"axes", ints_attr({2, 3})}}), (Shape{2, 3, 1, 1}));
  EXPECT_EQ(infer("ReduceMean", {{2, 3, 4, 5}}, {{"axes", ints_attr({-1})}, {"keepdims", int_attr(0)}}), (Shape{2, 3, 4}));
  EXPECT_EQ(infer("Add", {{8, 1, 6, 1}, {7, 1, 5}}), (Shape{8, 7, 6, 5}));
  EXPECT_EQ(infer("Mul", {{3, 1}, {}}), (Shape{3, 1}));
  EXPECT_EQ(infer("Relu", {{5, 7}}), (Shape{5, 7}));
}

// Dims computed from constants a model controls must not wrap (fuzz_compile found Tile).
TEST(ShapeRules, HugeRepeatsSplitsPadsAndConcatsAreNodeErrors) {
  constexpr int64_t kMax = INT64_MAX;
  auto error_of = [](const std::string& op, const std::vector<Shape>& in_shapes,
                     const std::vector<std::vector<int64_t>>& consts, std::map<std::string, Attr> attrs = {}) {
    GraphBuilder b;
    std::vector<Value*> ins;
    for (size_t i = 0; i < in_shapes.size(); ++i) ins.push_back(b.input("in" + std::to_string(i), in_shapes[i]));
    for (size_t i = 0; i < consts.size(); ++i)
      ins.push_back(b.constant<int64_t>("c" + std::to_string(i), {static_cast<int64_t>(consts[i].size())}, consts[i]));
    Node* n = b.node(op, "n", ins, std::move(attrs));
    for (Value* y : n->outputs) b.output(y);
    return pipeline_error(b.g);
  };
  const std::string tile = error_of("Tile", {{2, 3}}, {{int64_t{1} << 62, 1}});
  EXPECT_NE(tile.find("node 'n' (Tile)"), std::string::npos) << tile;
  EXPECT_NE(tile.find("does not fit in 64 bits"), std::string::npos) << tile;
  EXPECT_NE(error_of("Split", {{2, 3}}, {{kMax, 1}}).find("does not fit in 64 bits"), std::string::npos);
  EXPECT_NE(error_of("Pad", {{2, 3}}, {{kMax, 0, 1, 0}}).find("does not fit in 64 bits"), std::string::npos);
  const Shape wide{0, int64_t{1} << 62};
  EXPECT_NE(error_of("Concat", {wide, wide, wide}, {}, {{"axis", int_attr(1)}}).find("does not fit in 64 bits"),
            std::string::npos);
}

// Ops added in opsets 18 to 26: output shapes, and one-line errors naming the node.
TEST(ShapeRules, OpsOfOpsets18To26) {
  // Inputs: float graph inputs of the given shapes, then int64 constants.
  auto run = [](const std::string& op, const std::vector<Shape>& in_shapes, const std::vector<std::vector<int64_t>>& consts,
                std::map<std::string, Attr> attrs, int opset, Shape* shape) {
    GraphBuilder b;
    b.opset = opset;
    std::vector<Value*> ins;
    for (size_t i = 0; i < in_shapes.size(); ++i) ins.push_back(b.input("in" + std::to_string(i), in_shapes[i]));
    for (size_t i = 0; i < consts.size(); ++i)
      ins.push_back(consts[i].empty() ? nullptr
                                      : b.constant<int64_t>("c" + std::to_string(i), {static_cast<int64_t>(consts[i].size())}, consts[i]));
    Node* n = b.node(op, "n", ins, std::move(attrs));
    b.output(n->outputs[0]);
    const std::string err = pipeline_error(b.g);
    if (shape) *shape = n->outputs[0]->shape;
    return err;
  };
  auto shape_of = [&](const std::string& op, const std::vector<Shape>& in, const std::vector<std::vector<int64_t>>& consts,
                      std::map<std::string, Attr> attrs = {}, int opset = 24) {
    Shape s;
    const std::string err = run(op, in, consts, std::move(attrs), opset, &s);
    EXPECT_EQ(err, "(no error)") << op;
    return s;
  };
  EXPECT_EQ(shape_of("DFT", {{2, 10, 3, 1}}, {}, {{"onesided", int_attr(1)}}), (Shape{2, 10, 2, 2}));  // axis -2
  EXPECT_EQ(shape_of("DFT", {{2, 10, 3, 1}}, {{}, {1}}, {{"onesided", int_attr(1)}}), (Shape{2, 6, 3, 2}));
  EXPECT_EQ(shape_of("DFT", {{1, 6, 2}}, {{}, {1}}, {{"onesided", int_attr(1)}, {"inverse", int_attr(1)}}), (Shape{1, 10, 1}));
  EXPECT_EQ(shape_of("DFT", {{1, 6, 1}}, {{16}}, {{"axis", int_attr(1)}}, 17), (Shape{1, 16, 2}));
  EXPECT_EQ(shape_of("STFT", {{2, 128, 1}}, {{8}, {}, {16}}), (Shape{2, 15, 9, 2}));
  EXPECT_EQ(shape_of("Col2Im", {{1, 5, 5}}, {{5, 5}, {1, 5}}), (Shape{1, 1, 5, 5}));
  EXPECT_EQ(shape_of("CenterCropPad", {{20, 8, 3}}, {{10, 9}}, {{"axes", ints_attr({0, -2})}}), (Shape{10, 9, 3}));
  EXPECT_EQ(shape_of("AffineGrid", {{2, 3, 4}}, {{2, 3, 4, 5, 6}}), (Shape{2, 4, 5, 6, 3}));
  EXPECT_EQ(shape_of("TensorScatter", {{2, 3, 8, 4}, {2, 3, 2, 4}}, {}), (Shape{2, 3, 8, 4}));
  EXPECT_EQ(shape_of("DeformConv", {{1, 2, 5, 5}, {4, 2, 3, 3}, {1, 18, 3, 3}}, {}), (Shape{1, 4, 3, 3}));

  auto error_of = [&](const std::string& op, const std::vector<Shape>& in, const std::vector<std::vector<int64_t>>& consts,
                      std::map<std::string, Attr> attrs = {}) { return run(op, in, consts, std::move(attrs), 24, nullptr); };
  const std::string rfft = error_of("DFT", {{4, 2}}, {}, {{"onesided", int_attr(1)}});
  EXPECT_NE(rfft.find("node 'n' (DFT): onesided=1 (RFFT) needs real input"), std::string::npos) << rfft;
  EXPECT_NE(error_of("DFT", {{4, 1}}, {{}, {1}}).find("axis must be a signal dim"), std::string::npos);
  EXPECT_NE(error_of("BitCast", {{3}}, {}, {{"to", int_attr(7)}}).find("widths differ"), std::string::npos);  // float -> int64
  EXPECT_NE(error_of("BitwiseAnd", {{3}, {3}}, {}).find("expects integer data"), std::string::npos);
  EXPECT_NE(error_of("TensorScatter", {{2, 4, 3}, {2, 5, 3}}, {}, {{"axis", int_attr(1)}}).find("must match past_cache"),
            std::string::npos);
  const std::string nms = error_of("NonMaxSuppression", {{1, 6, 4}, {1, 1, 6}}, {});
  EXPECT_NE(nms.find("(NonMaxSuppression): its output shape depends on the values of input 'in0'"), std::string::npos) << nms;
  EXPECT_NE(error_of("Unique", {{6}}, {}).find("only known at run time"), std::string::npos);
}

// ---- The pipeline ------------------------------------------------------------------------------

TEST(Pipeline, DisablingPassesByName) {
  auto run_disabling = [](const std::string& name) {
    GraphBuilder b;
    b.output(b.out(b.node("Relu", "relu", {b.input("x", {2})})));
    PassOptions opts;
    opts.disabled = {name};
    return pipeline_error_with(b.g, opts);
  };
  EXPECT_EQ(run_disabling("fuse-conv-pool"), "(no error)");
  EXPECT_EQ(run_disabling("fuse-activation"), "(no error)");
  EXPECT_EQ(run_disabling("no-such-pass"), "--disable-pass: no pass is called 'no-such-pass'");
  EXPECT_EQ(run_disabling("infer-shapes-and-fold"), "--disable-pass: 'infer-shapes-and-fold' is required and cannot be switched off");
}

TEST(Pipeline, PassNamesAreUniqueAndRequiredOnesComeFirst) {
  std::set<std::string> names;
  for (const Pass& p : pipeline()) EXPECT_TRUE(names.insert(p.name).second) << p.name << " listed twice";
  ASSERT_FALSE(pipeline().empty());
  EXPECT_EQ(pipeline().front().name, "check-ops");
  EXPECT_FALSE(pipeline().front().optional);
}

// ---- lower-qdq: a clamping table folds into the integer op's clamp -------------------------

// x -> Q -> QLinearConv (output 0.05, -20) -> DQ -> Clip(0, 6) -> Q (s_out, z_out) -> DQ -> y.
GraphBuilder qop_conv_relu6(float s_out, int8_t z_out) {
  GraphBuilder b;
  Value* x = b.input("x", {1, 2, 3, 3});
  Value* sx = b.constant<float>("sx", {}, {0.1f});
  Value* zx = b.constant<int8_t>("zx", {}, {3});
  Value* sy = b.constant<float>("sy", {}, {0.05f});
  Value* zy = b.constant<int8_t>("zy", {}, {-20});
  Value* so = b.constant<float>("so", {}, {s_out});
  Value* zo = b.constant<int8_t>("zo", {}, {z_out});
  Value* xq = b.out(b.node("QuantizeLinear", "qx", {x, sx, zx}));
  Value* w = b.constant<int8_t>("w", {2, 2, 1, 1}, {5, -7, 100, 3});
  Value* conv = b.out(b.node("QLinearConv", "conv",
                             {xq, sx, zx, w, b.constant<float>("sw", {}, {0.02f}), b.constant<int8_t>("zw", {}, {0}), sy, zy}));
  Value* d = b.out(b.node("DequantizeLinear", "dq", {conv, sy, zy}));
  Value* c = b.out(b.node("Clip", "relu6", {d, b.constant<float>("lo", {}, {0.0f}), b.constant<float>("hi", {}, {6.0f})}));
  b.output(b.out(b.node("DequantizeLinear", "dq_out", {b.out(b.node("QuantizeLinear", "q", {c, so, zo})), so, zo})));
  return b;
}

int count_ops(const Graph& g, const std::string& op) {
  int n = 0;
  for (const auto& np : g.nodes) n += np->op == op;
  return n;
}

TEST(LowerQdq, ClipWithTheConvsOwnParametersBecomesTheConvsClamp) {
  GraphBuilder b = qop_conv_relu6(0.05f, -20);
  run_pipeline(b.g, PassOptions{});
  EXPECT_EQ(count_ops(b.g, "QLut"), 0);
  ASSERT_EQ(count_ops(b.g, "QConv"), 1);
  for (const auto& n : b.g.nodes)
    if (n->op == "QConv") {
      EXPECT_EQ(n->attr_int("act_min", 0), -20);  // Q(0)
      EXPECT_EQ(n->attr_int("act_max", 0), 100);  // Q(6) = 6 / 0.05 - 20
    }
}

TEST(LowerQdq, ClipThatAlsoRescalesBecomesTheConvsOutputTable) {
  // A second rounding (0.05 -> 6/255) that one requantisation cannot reproduce exactly: the
  // table stays, looked up by the conv as it stores each output.
  GraphBuilder b = qop_conv_relu6(6.0f / 255, -128);
  run_pipeline(b.g, PassOptions{});
  EXPECT_EQ(count_ops(b.g, "QLut"), 0);
  ASSERT_EQ(count_ops(b.g, "QConv"), 1);
  for (const auto& n : b.g.nodes)
    if (n->op == "QConv") {
      ASSERT_EQ(n->inputs.size(), 6u);
      EXPECT_EQ(n->attr_int("act_min", 0), -128);  // the conv keeps int8's range: the table clips
      EXPECT_EQ(n->attr_int("act_max", 0), 127);
      const Tensor& t = *n->inputs[5]->constant;
      ASSERT_EQ(t.elems(), 256);
      auto at = [&](int v) { return t.data<int8_t>()[v + 128]; };
      EXPECT_EQ(at(-128), -128);  // below 0.0: Relu6's 0, Q(0) = -128
      EXPECT_EQ(at(-20), -128);   // 0.0
      EXPECT_EQ(at(20), -128 + 85);  // 2.0 = 85 steps of 6/255
      EXPECT_EQ(at(127), 127);    // 7.35 clipped to 6.0
    }
}

// ---- native-io (--io native) -------------------------------------------------------------------

// x [1,4] -> Reshape [2,2] -> QuantizeLinear (0.5, -3) -> DequantizeLinear (0.5, -3) -> `last`
// (none: the DequantizeLinear's output is the graph output).
GraphBuilder quantized_graph(const char* last) {
  GraphBuilder b;
  Value* x = b.input("x", {1, 4});
  Value* r = b.out(b.node("Reshape", "reshape", {x, b.constant<int64_t>("shape", {2}, {2, 2})}));
  Value* s = b.constant<float>("s", {}, {0.5f});
  Value* z = b.constant<int8_t>("z", {}, {-3});
  Value* d = b.out(b.node("DequantizeLinear", "dq", {b.out(b.node("QuantizeLinear", "q", {r, s, z})), s, z}));
  b.output(last ? b.out(b.node(last, "last", {d})) : d);
  return b;
}

TEST(NativeIo, DropsTheInputsQuantizeAndTheOutputsDequantize) {
  GraphBuilder b = quantized_graph(nullptr);
  PassOptions opts;
  opts.native_io = true;
  run_pipeline(b.g, opts);
  const Value* x = b.g.inputs[0];
  const Value* y = b.g.outputs[0];
  EXPECT_EQ(x->dtype, DType::I8);  // the Reshape moves int8 now
  EXPECT_EQ(y->dtype, DType::I8);
  EXPECT_EQ(y->name, "dq_y");  // the API keeps the model's names
  for (const auto& n : b.g.nodes) EXPECT_TRUE(n->op != "QuantizeLinear" && n->op != "DequantizeLinear") << n->op;
  ASSERT_EQ(b.g.io_quant.size(), 2u);
  for (const Value* v : {x, y}) {
    EXPECT_EQ(b.g.io_quant.at(v).scale, 0.5f);
    EXPECT_EQ(b.g.io_quant.at(v).zero_point, -3);
  }
}

TEST(NativeIo, AnOutputNotDequantizedStaysFloat) {
  GraphBuilder b = quantized_graph("Softmax");
  PassOptions opts;
  opts.native_io = true;
  run_pipeline(b.g, opts);
  EXPECT_EQ(b.g.inputs[0]->dtype, DType::I8);
  EXPECT_EQ(b.g.outputs[0]->dtype, DType::F32);
  EXPECT_EQ(b.g.io_quant.count(b.g.outputs[0]), 0u);
}

TEST(NativeIo, OffByDefaultAndAnErrorWithNothingToDrop) {
  GraphBuilder q = quantized_graph(nullptr);
  run_pipeline(q.g, {});
  EXPECT_EQ(q.g.inputs[0]->dtype, DType::F32);
  EXPECT_TRUE(q.g.io_quant.empty());
  GraphBuilder f;
  f.output(f.out(f.node("Relu", "relu", {f.input("x", {1, 4})})));
  PassOptions opts;
  opts.native_io = true;
  EXPECT_NE(pipeline_error_with(f.g, opts).find("--io native: no input is quantized"), std::string::npos);
}

// ---- normalize-ops -----------------------------------------------------------------------------


// One `op` node at `opset` on input x, after normalize-ops alone.
struct Normalized {
  GraphBuilder b;
  Node* n = nullptr;
  Normalized(const std::string& op, int opset, Shape x, std::map<std::string, Attr> attrs, int outputs = 1) {
    b.opset = opset;
    n = b.node(op, "n", {b.input("x", std::move(x))}, std::move(attrs), outputs);
    for (Value* y : n->outputs) b.output(y);
    normalize_ops(b.g, {});
  }
  std::vector<int64_t> ints(size_t i) const {
    EXPECT_TRUE(n->input(i) && n->input(i)->is_const()) << "input " << i;
    return n->input(i) && n->input(i)->is_const() ? n->input(i)->constant->to_ints() : std::vector<int64_t>{};
  }
};

TEST(NormalizeOps, AttributesThatBecameInputsMove) {
  Normalized reduce("ReduceMax", 13, {2, 3, 4}, {{"axes", ints_attr({1, -1})}, {"keepdims", int_attr(0)}});
  EXPECT_FALSE(reduce.n->has_attr("axes"));
  EXPECT_TRUE(reduce.n->has_attr("keepdims"));
  EXPECT_EQ(reduce.ints(1), (std::vector<int64_t>{1, -1}));
  Normalized squeeze("Squeeze", 11, {2, 1}, {{"axes", ints_attr({1})}});
  EXPECT_EQ(squeeze.ints(1), (std::vector<int64_t>{1}));
  Normalized split("Split", 11, {6}, {{"split", ints_attr({2, 4})}}, 2);
  EXPECT_EQ(split.ints(1), (std::vector<int64_t>{2, 4}));
  Normalized slice("Slice", 9, {6, 6}, {{"starts", ints_attr({1})}, {"ends", ints_attr({3})}, {"axes", ints_attr({1})}});
  EXPECT_EQ(slice.ints(1), (std::vector<int64_t>{1}));
  EXPECT_EQ(slice.ints(2), (std::vector<int64_t>{3}));
  EXPECT_EQ(slice.ints(3), (std::vector<int64_t>{1}));
  EXPECT_TRUE(slice.n->attrs.empty());
  Normalized topk("TopK", 1, {5}, {{"k", int_attr(2)}}, 2);
  EXPECT_EQ(topk.ints(1), (std::vector<int64_t>{2}));
  Normalized reshape("Reshape", 1, {6}, {{"shape", ints_attr({2, 3})}});
  EXPECT_EQ(reshape.ints(1), (std::vector<int64_t>{2, 3}));
}

TEST(NormalizeOps, OldPadAndClipGetFloatInputs) {
  Normalized pad("Pad", 1, {2, 2}, {{"paddings", ints_attr({0, 1, 0, 1})}, {"value", float_attr(2.5f)}});
  EXPECT_EQ(pad.ints(1), (std::vector<int64_t>{0, 1, 0, 1}));
  ASSERT_TRUE(pad.n->input(2) && pad.n->input(2)->is_const());
  EXPECT_EQ(pad.n->input(2)->dtype, DType::F32);
  EXPECT_EQ(pad.n->input(2)->constant->float_at(0), 2.5);
  Normalized clip("Clip", 6, {3}, {{"max", float_attr(6.0f)}});
  EXPECT_EQ(clip.n->input(1), nullptr);  // no min: unbounded below
  ASSERT_TRUE(clip.n->input(2) && clip.n->input(2)->is_const());
  EXPECT_EQ(clip.n->input(2)->constant->float_at(0), 6.0);
}

TEST(NormalizeOps, RenamesAndDefaults) {
  Normalized cast("Cast", 5, {3}, {{"to", string_attr("INT32")}});
  EXPECT_EQ(cast.n->attrs.at("to").kind, Attr::Kind::Int);
  EXPECT_EQ(cast.n->attr_int("to", 0), 6);
  Normalized concat("Concat", 3, {3}, {});
  EXPECT_EQ(concat.n->attr_int("axis", -1), 1);
  Normalized grid("GridSample", 16, {1, 1, 2, 2}, {{"mode", string_attr("bicubic")}});
  EXPECT_EQ(grid.n->attr_string("mode", ""), "cubic");
  Normalized resize("Resize", 10, {1, 1, 2, 2}, {{"mode", string_attr("linear")}});
  EXPECT_EQ(resize.n->attr_string("coordinate_transformation_mode", ""), "asymmetric");
  EXPECT_EQ(resize.n->attr_string("nearest_mode", ""), "simple");
  Normalized upsample("Upsample", 7, {1, 1, 2, 2}, {{"scales", floats_attr({1, 1, 2, 2})}});
  ASSERT_EQ(upsample.n->inputs.size(), 3u);
  EXPECT_EQ(upsample.n->input(1), nullptr);  // roi
  EXPECT_EQ(upsample.n->input(2)->constant->float_at(3), 2.0);
}

// The old and the new form of a node give the same output shape.
TEST(NormalizeOps, OldAndNewFormsInferTheSame) {
  auto split_sizes = [](int opset) {
    GraphBuilder b;
    b.opset = opset;
    Value* x = b.input("x", {7, 2});
    std::vector<Value*> ins = {x};
    std::map<std::string, Attr> attrs;
    if (opset < 13) attrs["split"] = ints_attr({3, 4});
    else ins.push_back(b.constant<int64_t>("split", {2}, {3, 4}));
    Node* n = b.node("Split", "split", ins, attrs, 2);
    for (Value* y : n->outputs) b.output(y);
    run_pipeline(b.g);
    return std::vector<Shape>{n->outputs[0]->shape, n->outputs[1]->shape};
  };
  EXPECT_EQ(split_sizes(11), split_sizes(18));
  EXPECT_EQ(split_sizes(11), (std::vector<Shape>{{3, 2}, {4, 2}}));
  EXPECT_EQ(infer("ReduceSum", {{2, 3, 4}}, {{"axes", ints_attr({1})}, {"keepdims", int_attr(0)}}, 11), (Shape{2, 4}));
  EXPECT_EQ(infer("Slice", {{6, 6}}, {{"starts", ints_attr({1})}, {"ends", ints_attr({-1})}}, 9), (Shape{4, 6}));
  EXPECT_EQ(infer("Pad", {{2, 2}}, {{"pads", ints_attr({1, 0, 1, 0})}}, 2), (Shape{4, 2}));
}

TEST(NormalizeOps, AttributeAndInputTogetherIsAnError) {
  GraphBuilder b;
  b.opset = 11;
  Value* x = b.input("x", {2, 3});
  Value* axes = b.constant<int64_t>("axes", {1}, {0});
  b.output(b.out(b.node("ReduceMean", "bad", {x, axes}, {{"axes", ints_attr({1})}})));
  EXPECT_EQ(pipeline_error(b.g),
            "node 'bad' (ReduceMean): has both the attribute 'axes' and the input it became in a later opset");
}

// ---- fuse-activation ---------------------------------------------------------------------------

// x [1, 2, 6, 6] -> Conv (3x3, or 3x3x3 on a 3-D input) -> `act` -> output; returns the graph
// after the pipeline with `disabled` passes switched off.
Graph conv_then(const std::string& act, std::set<std::string> disabled, bool conv_out_is_output = false, bool three_d = false) {
  GraphBuilder b;
  Shape xs = three_d ? Shape{1, 2, 4, 6, 6} : Shape{1, 2, 6, 6}, ws = three_d ? Shape{3, 2, 3, 3, 3} : Shape{3, 2, 3, 3};
  Value* x = b.input("x", xs);
  Value* w = b.constant<float>("w", ws, std::vector<float>(size_t(shape_elems(ws)), 0.5f));
  Node* conv = b.node("Conv", "conv", {x, w});
  Node* a = b.node(act, "act", {b.out(conv)});
  b.output(b.out(a));
  if (conv_out_is_output) b.output(b.out(conv));
  PassOptions opts;
  opts.disabled = std::move(disabled);
  run_pipeline(b.g, opts);
  return std::move(b.g);
}

std::string ops_of(const Graph& g) {
  std::string s;
  for (const auto& n : g.nodes) s += (s.empty() ? "" : " ") + n->op + (n->has_attr("act") ? "[act=" + std::to_string(n->attr_int("act", 0)) + "]" : "");
  return s;
}

TEST(FuseActivation, FoldsTheActivationIntoTheConv) {
  EXPECT_EQ(ops_of(conv_then("Relu", {})), "Conv[act=1]");
  EXPECT_EQ(ops_of(conv_then("Clip", {})), "Conv[act=2]");
  EXPECT_EQ(ops_of(conv_then("LeakyRelu", {})), "Conv[act=3]");
  EXPECT_EQ(ops_of(conv_then("Sigmoid", {})), "Conv[act=4]");
  EXPECT_EQ(ops_of(conv_then("HardSigmoid", {})), "Conv[act=5]");
  Graph g = conv_then("Relu", {});
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_TRUE(g.nodes[0]->outputs[0]->is_graph_output);  // the Conv now writes the Relu's output
}

TEST(FuseActivation, DisablePassKeepsTheActivation) {
  EXPECT_EQ(ops_of(conv_then("Relu", {"fuse-activation"})), "Conv Relu");
}

TEST(FuseActivation, LeftAloneWhenTheConvOutputIsReadElsewhereOrTheConvIs3D) {
  EXPECT_EQ(ops_of(conv_then("Relu", {}, /*conv_out_is_output=*/true)), "Conv Relu");
  EXPECT_EQ(ops_of(conv_then("Relu", {}, false, /*three_d=*/true)), "Conv Relu");
  EXPECT_EQ(ops_of(conv_then("Tanh", {})), "Conv Tanh");
}

// ---- Pointwise + depthwise streaming -------------------------------------------------------------

// x [1,4,h,h] -> Conv 1x1 (16 ch) -> Relu -> depthwise Conv 3x3 stride 2 pad 1 -> output.
void build_expand_depthwise(GraphBuilder& b, int64_t h) {
  Value* x = b.input("x", {1, 4, h, h});
  Value* wp = b.constant<float>("wp", {16, 4, 1, 1}, std::vector<float>(64, 0.5f));
  Value* wd = b.constant<float>("wd", {16, 1, 3, 3}, std::vector<float>(144, 0.25f));
  Value* e = b.out(b.node("Conv", "expand", {x, wp}));
  Value* r = b.out(b.node("Relu", "relu", {e}));
  b.output(b.out(b.node("Conv", "dw", {r, wd},
                        {{"group", int_attr(16)}, {"strides", ints_attr({2, 2})}, {"pads", ints_attr({1, 1, 1, 1})},
                         {"kernel_shape", ints_attr({3, 3})}})));
}

TEST(FusePwDw, ExpandedTensorIsStreamedWhenTheArenaShrinks) {
  GraphBuilder on, off;
  build_expand_depthwise(on, 16);
  build_expand_depthwise(off, 16);
  run_pipeline(on.g);
  PassOptions opts;
  opts.disabled = {"fuse-pw-dw"};
  run_pipeline(off.g, opts);
  EXPECT_EQ(ops_of(off.g), "Conv[act=1] Conv");  // fuse-activation still folds the Relu
  EXPECT_EQ(ops_of(on.g), "PwDw");
  EXPECT_EQ(plan_memory(off.g).arena.arena_bytes, 16 * 16 * 16 * 4);  // the expanded tensor
  EXPECT_EQ(plan_memory(on.g).arena.arena_bytes, 3 * 16 * 16 * 4);    // three of its rows
  EXPECT_EQ(on.g.nodes[0]->attr_int("pw_act", 0), 1);                 // the Relu rides along
}

TEST(FusePwDw, KeptApartWhenStreamingSavesNothing) {
  GraphBuilder b;
  build_expand_depthwise(b, 3);  // three rows in all: the ring would be the whole tensor
  run_pipeline(b.g);
  EXPECT_EQ(ops_of(b.g), "Conv[act=1] Conv");
}

// ---- Operator order for memory -----------------------------------------------------------------

TEST(OrderForMemory, FinishesABranchBeforeStartingTheNext) {
  // x -> Relu -> ReduceMax, x -> Sigmoid -> ReduceMax, both -> Concat. In model order both 4000-byte activations are alive
  // together; running each reduction right after its activation keeps one alive at a time.
  auto build = [](GraphBuilder& b) {
    Value* x = b.input("x", {1, 1000});
    Value* a = b.out(b.node("Relu", "a", {x}));
    Value* c = b.out(b.node("Sigmoid", "c", {x}));
    Value* a2 = b.out(b.node("ReduceMax", "a2", {a}, {{"axes", ints_attr({1})}}));
    Value* c2 = b.out(b.node("ReduceMax", "c2", {c}, {{"axes", ints_attr({1})}}));
    b.output(b.out(b.node("Concat", "cat", {a2, c2}, {{"axis", int_attr(1)}})));
  };
  auto names = [](const Graph& g) {
    std::string s;
    for (const auto& n : g.nodes) s += n->name + " ";
    return s;
  };
  GraphBuilder on, off;
  build(on);
  build(off);
  run_pipeline(on.g);
  PassOptions no_reorder;
  no_reorder.disabled = {"order-for-memory"};
  run_pipeline(off.g, no_reorder);
  EXPECT_EQ(names(off.g), "a c a2 c2 cat ");
  EXPECT_EQ(names(on.g), "a a2 c c2 cat ");
  EXPECT_LT(plan_memory(on.g).arena.arena_bytes, plan_memory(off.g).arena.arena_bytes);
  EXPECT_EQ(plan_memory(on.g).arena.arena_bytes, 4000 + 16 + 16);  // c with both maxima
}

TEST(OrderForMemory, KeepsTheModelOrderWhenNothingIsGained) {
  GraphBuilder b;
  Value* x = b.input("x", {1, 8});
  Value* a = b.out(b.node("Relu", "a", {x}));
  Value* c = b.out(b.node("Sigmoid", "c", {x}));
  b.output(b.out(b.node("Add", "sum", {a, c})));
  run_pipeline(b.g);
  std::string order;
  for (const auto& n : b.g.nodes) order += n->name + " ";
  EXPECT_EQ(order, "a c sum ");
}

// ---- Errors name the node and its op ---------------------------------------------------------

TEST(Errors, UnsupportedOp) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Value* y = b.out(b.node("Frobnicate", "frob_1", {x}));
  b.output(y);
  const std::string msg = pipeline_error(b.g);
  EXPECT_NE(msg.find("node 'frob_1' (Frobnicate)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unsupported op"), std::string::npos) << msg;
}

// Every unsupported op type in one error: the first line names the first node as above, then
// each type once with its first node and how many nodes use it.
TEST(Errors, EveryUnsupportedOp) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Value* y = b.out(b.node("Frobnicate", "frob_1", {x}));
  y = b.out(b.node("Relu", "relu", {y}));
  Node* ms = b.node("Gelu2", "ms_gelu", {y});
  ms->domain = "com.microsoft";
  y = b.out(ms);
  y = b.out(b.node("Frobnicate", "frob_2", {y}));
  b.output(y);
  const std::string msg = pipeline_error(b.g);
  EXPECT_EQ(msg.rfind("node 'frob_1' (Frobnicate): unsupported op (see docs/ops.md for the supported list); ", 0), 0u) << msg;
  EXPECT_NE(msg.find("2 unsupported ops in all: Frobnicate (node 'frob_1', 2 nodes), Gelu2 in domain 'com.microsoft' (node 'ms_gelu', 1 node)"),
            std::string::npos) << msg;
}

TEST(Errors, UnsupportedDomain) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Node* n = b.node("Relu", "ms_relu", {x});
  n->domain = "com.microsoft";
  b.output(b.out(n));
  const std::string msg = pipeline_error(b.g);
  EXPECT_NE(msg.find("node 'ms_relu' (Relu)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("domain 'com.microsoft'"), std::string::npos) << msg;
}

// The message of running one bad `op` node (named "bad") with graph inputs of these shapes.
std::string shape_error(const std::string& op, std::vector<Shape> in_shapes, std::map<std::string, Attr> attrs = {},
                        int opset = 13) {
  GraphBuilder b;
  b.opset = opset;
  std::vector<Value*> ins;
  for (size_t i = 0; i < in_shapes.size(); ++i) ins.push_back(b.input("in" + std::to_string(i), in_shapes[i]));
  b.output(b.out(b.node(op, "bad", ins, std::move(attrs))));
  return pipeline_error(b.g);
}

TEST(Errors, BadShapesNameNodeOpAndShapes) {
  EXPECT_EQ(shape_error("Add", {{2, 3}, {4}}), "node 'bad' (Add): shapes [2,3] and [4] do not broadcast");
  EXPECT_EQ(shape_error("Gemm", {{3, 5}, {4, 4}}), "node 'bad' (Gemm): inner dims differ: A [3,5], B [4,4]");
  EXPECT_EQ(shape_error("MatMul", {{3, 5}, {4, 2}}), "node 'bad' (MatMul): inner dims differ: [3,5] x [4,2]");
  EXPECT_EQ(shape_error("Conv", {{1, 3, 8, 8}, {8, 2, 3, 3}}),
            "node 'bad' (Conv): weight [8,2,3,3] expects 2 input channels, input has 3");
  EXPECT_EQ(shape_error("Concat", {{2, 3}, {3, 3}}, {{"axis", int_attr(1)}}),
            "node 'bad' (Concat): input [3,3] does not match [2,3] off the axis");
  EXPECT_EQ(shape_error("Squeeze", {{2, 3}}, {{"axes", ints_attr({1})}}, 11), "node 'bad' (Squeeze): cannot squeeze dim 1 of [2,3]");
  EXPECT_EQ(shape_error("Transpose", {{2, 3}}, {{"perm", ints_attr({0, 0})}}),
            "node 'bad' (Transpose): perm is not a permutation of the input dims");
  EXPECT_EQ(shape_error("MaxPool", {{1, 1, 4, 4}}), "node 'bad' (MaxPool): kernel_shape is required");
}

// GridSample 16 is defined on 4-D input; 20 on any rank (here up to 5-D).
TEST(ShapeRules, GridSampleVolumetricFromOpset20) {
  EXPECT_EQ(infer("GridSample", {{2, 3, 4, 5, 6}, {2, 7, 8, 9, 3}}, {}, 20), (Shape{2, 3, 7, 8, 9}));
  EXPECT_EQ(infer("GridSample", {{2, 3, 6}, {2, 7, 1}}, {}, 22), (Shape{2, 3, 7}));
  EXPECT_EQ(shape_error("GridSample", {{1, 1, 2, 2, 2}, {1, 2, 2, 2, 3}}, {}, 16),
            "node 'bad' (GridSample): supports 4-D input only before opset 20, got [1,1,2,2,2]");
  EXPECT_EQ(shape_error("GridSample", {{1, 1, 2, 2, 2}, {1, 2, 2, 2, 2}}, {}, 20),
            "node 'bad' (GridSample): grid must be [N, <3 output dims>, 3] for input [1,1,2,2,2], got [1,2,2,2,2]");
}

// TfIdfVectorizer: [N, C] int tokens -> [N, max(ngram_indexes) + 1]; string pools are an error.
TEST(ShapeRules, TfIdfVectorizer) {
  std::map<std::string, Attr> a = {{"mode", string_attr("TF")},          {"min_gram_length", int_attr(1)},
                                   {"max_gram_length", int_attr(2)},     {"max_skip_count", int_attr(1)},
                                   {"ngram_counts", ints_attr({0, 2})},  {"ngram_indexes", ints_attr({0, 4, 1})},
                                   {"pool_int64s", ints_attr({5, 6, 5, 6})}};
  GraphBuilder b;
  Value* y = b.out(b.node("TfIdfVectorizer", "t", {b.input("x", {2, 7}, DType::I32)}, a));
  b.output(y);
  ASSERT_EQ(pipeline_error(b.g), "(no error)");
  EXPECT_EQ(y->shape, (Shape{2, 5}));
  EXPECT_EQ(y->dtype, DType::F32);
  std::map<std::string, Attr> strings = a;
  strings.erase("pool_int64s");
  strings["pool_strings"] = strings_attr({"a", "b", "a", "b"});
  EXPECT_EQ(shape_error("TfIdfVectorizer", {{7}}, strings),
            "node 'bad' (TfIdfVectorizer): string n-grams (pool_strings) are not supported: onnx2mcu has no string tensors");
  std::map<std::string, Attr> odd = a;
  odd["ngram_counts"] = ints_attr({0, 1});  // 3 items left for 2-grams
  EXPECT_EQ(shape_error("TfIdfVectorizer", {{7}}, odd),
            "node 'bad' (TfIdfVectorizer): ngram_counts does not split pool_int64s (4 items) into 2-grams at 1");
  EXPECT_NE(shape_error("TfIdfVectorizer", {{7}}, a).find("needs int32 or int64 tokens, got float32"), std::string::npos);
}

TEST(Errors, ReshapeNeedsAConstantShape) {
  EXPECT_EQ(shape_error("Reshape", {{2, 3}, {2}}),
            "node 'bad' (Reshape): Reshape's shape (input 'in1') must be a constant; it is only known at run time: fix its "
            "value with --freeze in1=FILE.pb");
}

TEST(Errors, ReshapeElementCountMismatch) {
  GraphBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* shape = b.constant<int64_t>("shape", {2}, {4, 2});
  b.output(b.out(b.node("Reshape", "reshape", {x, shape})));
  EXPECT_EQ(pipeline_error(b.g), "node 'reshape' (Reshape): cannot reshape [2,3] (6 elements) to [4,2]");
}

// sizes can ask for pixels along a dim the input has none of (fuzz_graphs seed 7,111,672).
TEST(ShapeRules, ResizeOfAnEmptyDimToANonEmptySizeIsAnError) {
  GraphBuilder b;
  b.opset = 13;
  Value* x = b.input("x", {1, 0, 2});
  Value* sizes = b.constant<int64_t>("sizes", {3}, {1, 3, 2});
  b.output(b.out(b.node("Resize", "resize", {x, nullptr, nullptr, sizes})));
  EXPECT_EQ(pipeline_error(b.g),
            "node 'resize' (Resize): input [1,0,2] is empty along dim 1, so there is nothing to resize to size 3");
}

// ---- Transformer ops (opsets 18-27) ---------------------------------------------------------

TEST(ShapeRules, AttentionRotaryAndNormalisationOps) {
  EXPECT_EQ(infer("Attention", {{2, 3, 4, 8}, {2, 3, 6, 8}, {2, 3, 6, 5}}, {}, 23), (Shape{2, 3, 4, 5}));
  EXPECT_EQ(infer("Attention", {{2, 4, 32}, {2, 6, 16}, {2, 6, 12}},
                  {{"q_num_heads", int_attr(4)}, {"kv_num_heads", int_attr(2)}}, 23),
            (Shape{2, 4, 24}));
  EXPECT_EQ(infer("RotaryEmbedding", {{2, 5, 12}, {2, 5, 3}, {2, 5, 3}}, {{"num_heads", int_attr(2)}}, 23), (Shape{2, 5, 12}));
  EXPECT_EQ(infer("RMSNormalization", {{2, 3, 4}, {4}}, {{"axis", int_attr(1)}}, 23), (Shape{2, 3, 4}));
  EXPECT_EQ(infer("GroupNormalization", {{2, 4, 3}, {2}, {2}}, {{"num_groups", int_attr(2)}}, 18), (Shape{2, 4, 3}));
  EXPECT_EQ(infer("LinearAttention", {{1, 3, 16}, {1, 3, 8}, {1, 3, 10}},
                  {{"q_num_heads", int_attr(4)}, {"kv_num_heads", int_attr(2)}, {"update_rule", string_attr("linear")}}, 27),
            (Shape{1, 3, 20}));
  EXPECT_EQ(infer("CausalConvWithState", {{2, 3, 7}, {3, 1, 4}}, {}, 27), (Shape{2, 3, 7}));
}

TEST(Errors, TransformerOpsNameWhatIsWrong) {
  EXPECT_EQ(shape_error("Attention", {{2, 4, 32}, {2, 6, 16}, {2, 6, 12}}, {}, 23),
            "node 'bad' (Attention): the q_num_heads attribute is required");
  EXPECT_EQ(shape_error("Attention", {{2, 3, 4, 8}, {2, 2, 6, 8}, {2, 2, 6, 8}}, {}, 23),
            "node 'bad' (Attention): query heads 3 must be a multiple of key/value heads 2");
  EXPECT_EQ(shape_error("GroupNormalization", {{1, 4, 2}, {4}, {4}}, {{"num_groups", int_attr(3)}}, 21),
            "node 'bad' (GroupNormalization): num_groups 3 must be positive and divide the 4 channels");
  EXPECT_EQ(shape_error("GroupNormalization", {{1, 4, 2}, {4}, {4}}, {{"num_groups", int_attr(2)}}, 18),
            "node 'bad' (GroupNormalization): scale and bias need one value per group (opset 18), got [4]");
  EXPECT_EQ(shape_error("RMSNormalization", {{2, 3, 4}, {3}}, {}, 23),
            "node 'bad' (RMSNormalization): scale [3] must match the trailing normalised dims of x [2,3,4]");
  EXPECT_EQ(shape_error("LinearAttention", {{1, 3, 16}, {1, 3, 8}, {1, 3, 10}},
                        {{"q_num_heads", int_attr(4)}, {"kv_num_heads", int_attr(2)}}, 27),
            "node 'bad' (LinearAttention): update_rule 'gated_delta' needs decay");
  EXPECT_EQ(shape_error("CausalConvWithState", {{2, 3, 7}, {3, 2, 4}}, {}, 27),
            "node 'bad' (CausalConvWithState): weight must be [channels, 1, k] with k >= 1, got [3,2,4]");
}

}  // namespace
}  // namespace onnx2mcu

// ---- Control flow: If and Loop inlined once their condition / trip count is constant --------

namespace onnx2mcu {
namespace {

Attr graph_attr(GraphBuilder& sub) {
  Attr a;
  a.kind = Attr::Kind::Graph;
  a.g = std::make_shared<Graph>(std::move(sub.g));
  return a;
}
// A value the subgraph reads by name from the enclosing graph.
Value* capture(GraphBuilder& sub, const std::string& name) {
  Value* v = sub.g.add_value(name);
  sub.g.captured.push_back(v);
  return v;
}
// A branch computing op(outer x, constant c).
Attr branch(const std::string& op, std::vector<float> c) {
  GraphBuilder sub;
  Value* x = capture(sub, "x");
  Value* k = sub.constant<float>("k", {2}, std::move(c));
  sub.g.outputs.push_back(sub.out(sub.node(op, "body_" + op, {x, k})));
  return graph_attr(sub);
}

TEST(ControlFlow, IfWithAConstantConditionInlinesTheChosenBranch) {
  for (bool cond : {true, false}) {
    GraphBuilder b;
    Value* x = b.input("x", {2});
    Value* c = b.g.add_value("c");
    c->constant = Tensor(DType::Bool, {});
    c->constant->bytes[0] = cond;
    c->dtype = DType::Bool;
    Value* y = b.out(b.node("If", "if", {c}, {{"then_branch", branch("Add", {1, 2})}, {"else_branch", branch("Sub", {1, 2})}}));
    b.output(y);
    run_pipeline(b.g);
    ASSERT_EQ(b.g.nodes.size(), 1u);
    EXPECT_EQ(b.g.nodes[0]->op, cond ? "Add" : "Sub");
    EXPECT_EQ(b.g.nodes[0]->inputs[0], x);
    EXPECT_EQ(b.g.nodes[0]->outputs[0], y);  // the branch writes the If's output itself
    EXPECT_EQ(y->shape, (Shape{2}));
  }
}

// Nested control flow: the inner If's branches read id_y from the model graph (two levels up,
// an Identity output that remove-identities bypasses) and t_y from the outer branch. normalize-ops
// makes both explicit inputs at each level, so inlining follows values, not names.
Attr reads_outer_values(const std::string& op) {
  GraphBuilder sub;
  sub.g.is_subgraph = true;
  Value* a = capture(sub, "id_y");
  Value* t = capture(sub, "t_y");
  sub.g.outputs.push_back(sub.out(sub.node(op, "in_" + op, {a, t})));
  return graph_attr(sub);
}

TEST(ControlFlow, NestedIfsReadValuesFromEveryEnclosingGraph) {
  for (bool inner : {true, false}) {
    GraphBuilder b;
    Value* x = b.input("x", {2});
    b.node("Identity", "id", {x});
    GraphBuilder outer;
    outer.g.is_subgraph = true;
    Value* t = outer.out(outer.node("Mul", "t", {capture(outer, "id_y"), outer.constant<float>("k", {2}, {1, 2})}));
    Value* c2 = outer.constant<bool>("c2", {}, {inner});
    Node* nested = outer.node("If", "inner", {c2}, {{"then_branch", reads_outer_values("Add")}, {"else_branch", reads_outer_values("Sub")}});
    outer.g.outputs.push_back(outer.out(nested));
    Value* c = b.constant<bool>("c", {}, {true});
    Node* top = b.node("If", "outer", {c}, {{"then_branch", graph_attr(outer)}, {"else_branch", branch("Add", {0, 0})}});
    b.output(b.out(top));
    (void)t;
    run_pipeline(b.g);
    ASSERT_EQ(b.g.nodes.size(), 2u) << print_graph(b.g);
    EXPECT_EQ(b.g.nodes[0]->op, "Mul");
    EXPECT_EQ(b.g.nodes[0]->inputs[0], x);
    EXPECT_EQ(b.g.nodes[1]->op, inner ? "Add" : "Sub");
    EXPECT_EQ(b.g.nodes[1]->inputs[0], x);
    EXPECT_EQ(b.g.nodes[1]->inputs[1], b.g.nodes[0]->outputs[0]);
    EXPECT_EQ(b.g.nodes[1]->outputs[0], b.g.outputs[0]);
  }
}

// A subgraph reading a name no enclosing graph defines: one clear error naming the node.
TEST(ControlFlow, ASubgraphReadingAnUndefinedNameIsAnErrorNamingTheNode) {
  GraphBuilder b;
  b.input("x", {2});
  Value* c = b.constant<bool>("c", {}, {true});
  b.output(b.out(b.node("If", "my_if", {c}, {{"then_branch", reads_outer_values("Add")}, {"else_branch", reads_outer_values("Sub")}})));
  const std::string err = pipeline_error(b.g);
  EXPECT_NE(err.find("node 'my_if' (If): its subgraph reads 'id_y', which no enclosing graph defines"), std::string::npos) << err;
}

// A branch of `ops` applied in a chain to the outer x (the first with constant k as well).
Attr chain_branch(const std::vector<std::string>& ops) {
  GraphBuilder sub;
  sub.g.is_subgraph = true;
  Value* v = sub.out(sub.node(ops[0], "b_" + ops[0], {capture(sub, "x"), sub.constant<float>("k", {2}, {1, 2})}));
  for (size_t i = 1; i < ops.size(); ++i) v = sub.out(sub.node(ops[i], "b_" + ops[i] + std::to_string(i), {v}));
  sub.g.outputs.push_back(v);
  return graph_attr(sub);
}

TEST(ControlFlow, IfWithARuntimeConditionKeepsBothBranchesCompiled) {
  GraphBuilder b;
  Value* x = b.input("x", {2});
  Value* c = b.input("c", {}, DType::Bool);
  Node* n = b.node("If", "my_if", {c}, {{"then_branch", chain_branch({"Add", "Relu"})}, {"else_branch", chain_branch({"Sub", "Neg", "Abs"})}});
  b.output(b.out(n));
  run_pipeline(b.g);
  ASSERT_EQ(b.g.nodes.size(), 1u);
  ASSERT_TRUE(is_runtime_if(*b.g.nodes[0]));
  EXPECT_EQ(b.g.nodes[0]->inputs, (std::vector<Value*>{c, x}));  // the condition, then what the branches read
  EXPECT_EQ(b.g.outputs[0]->shape, (Shape{2}));
  const Graph& then_g = *b.g.nodes[0]->attrs.at("then_branch").g;
  const Graph& else_g = *b.g.nodes[0]->attrs.at("else_branch").g;
  ASSERT_EQ(then_g.nodes.size(), 2u);  // compiled: typed, and the chain kept
  EXPECT_EQ(then_g.nodes[0]->outputs[0]->shape, (Shape{2}));
  ASSERT_EQ(else_g.nodes.size(), 3u);
  EXPECT_EQ(else_g.inputs.size(), 1u);  // x, bound by the emitter to the If's input

  // The branches never run together: the If's region holds the larger branch, and each
  // branch's plan has no overlapping live buffers.
  const MemoryPlan plan = plan_memory(b.g);
  const MemoryPlan& pt = *plan.subplans.at(&then_g);
  const MemoryPlan& pe = *plan.subplans.at(&else_g);
  EXPECT_GT(pt.arena.arena_bytes, 0);
  EXPECT_EQ(plan.arena.arena_bytes, std::max(pt.arena.arena_bytes, pe.arena.arena_bytes));
  EXPECT_EQ(plan.scratch_offset.at(b.g.nodes[0].get()), 0);
  EXPECT_EQ(verify_plan(pe.requests, pe.arena), "");
}

TEST(ControlFlow, IfWithRuntimeConditionAndBranchesOfDifferentShapesIsAnErrorNamingTheNode) {
  GraphBuilder b;
  b.input("x", {2});
  Value* c = b.input("c", {}, DType::Bool);
  GraphBuilder wide;
  wide.g.is_subgraph = true;
  wide.g.outputs.push_back(wide.constant<float>("w", {3}, {1, 2, 3}));
  Attr w;
  w.kind = Attr::Kind::Graph;
  w.g = std::make_shared<Graph>(std::move(wide.g));
  b.output(b.out(b.node("If", "my_if", {c}, {{"then_branch", chain_branch({"Add"})}, {"else_branch", w}})));
  const std::string err = pipeline_error(b.g);
  EXPECT_NE(err.find("node 'my_if' (If): output 0 is float32 [2] in the then branch and float32 [3] in the else branch"),
            std::string::npos) << err;
  EXPECT_NE(err.find("--freeze c=FILE.pb"), std::string::npos) << err;  // a constant condition picks one
}

// Loop body: y_out = y_in + x (x from the outer graph), scan = y_out, cond_out = cond_source.
Attr accumulate_body(bool cond_from_outer) {
  GraphBuilder sub;
  sub.input("i", {}, DType::I64);
  Value* cond_in = sub.input("cond_in", {}, DType::Bool);
  Value* y_in = sub.input("y_in", {2});
  Value* x = capture(sub, "x");
  Value* cond_src = cond_from_outer ? capture(sub, "b") : cond_in;
  Value* cond_out = sub.out(sub.node("Identity", "cond", {cond_src}));
  Value* y_out = sub.out(sub.node("Add", "acc", {y_in, x}));
  sub.g.outputs = {cond_out, y_out, y_out};
  return graph_attr(sub);
}

TEST(ControlFlow, LoopWithAConstantTripCountIsUnrolledAndFolds) {
  GraphBuilder b;
  Value* m = b.constant<int64_t>("m", {}, {3});
  b.constant<float>("x", {2}, {1, 2});
  Value* y0 = b.constant<float>("y0", {2}, {0, 0});
  Node* loop = b.node("Loop", "loop", {m, nullptr, y0}, {{"body", accumulate_body(false)}}, 2);
  b.output(loop->outputs[0]);
  b.output(loop->outputs[1]);
  Value* last = loop->outputs[0];
  Value* scan = loop->outputs[1];
  run_pipeline(b.g);
  ASSERT_TRUE(last->is_const());
  EXPECT_EQ(data_of<float>(last), (std::vector<float>{3, 6}));
  ASSERT_TRUE(scan->is_const());
  EXPECT_EQ(scan->shape, (Shape{3, 2}));
  EXPECT_EQ(data_of<float>(scan), (std::vector<float>{1, 2, 2, 4, 3, 6}));
}

TEST(ControlFlow, LoopWithRuntimeValuesThreadsThemThroughEachIteration) {
  GraphBuilder b;
  Value* m = b.constant<int64_t>("m", {}, {2});
  b.input("x", {2});
  Value* y0 = b.input("y0", {2});
  Node* loop = b.node("Loop", "loop", {m, nullptr, y0}, {{"body", accumulate_body(false)}}, 2);
  b.output(loop->outputs[0]);
  b.output(loop->outputs[1]);
  Value* scan = loop->outputs[1];
  run_pipeline(b.g);
  EXPECT_EQ(scan->shape, (Shape{2, 2}));
  int adds = 0;
  for (const auto& n : b.g.nodes) adds += n->op == "Add";
  EXPECT_EQ(adds, 2);
  EXPECT_EQ(b.g.nodes.back()->op, "Concat");
}

TEST(ControlFlow, LoopErrors) {
  auto loop_error = [](int64_t trips, bool runtime_trips, bool cond_from_outer) {
    GraphBuilder b;
    Value* m = runtime_trips ? b.input("m", {}, DType::I64) : b.constant<int64_t>("m", {}, {trips});
    b.constant<float>("x", {2}, {1, 2});
    b.input("b", {}, DType::Bool);
    Value* y0 = b.input("y0", {2});
    Node* loop = b.node("Loop", "my_loop", {m, nullptr, y0}, {{"body", accumulate_body(cond_from_outer)}}, 2);
    b.output(loop->outputs[0]);
    return pipeline_error(b.g);
  };
  // A run-time trip count gives its scan outputs no capacity: a bound, or a constant, is needed.
  std::string err = loop_error(3, true, false);
  EXPECT_NE(err.find("node 'my_loop' (Loop): its trip count 'm' is known only at run time, so its scan outputs need a static "
                     "capacity: give one with --max-loop-iterations N"),
            std::string::npos) << err;
  EXPECT_NE(err.find("--freeze m=FILE.pb"), std::string::npos) << err;
  // A run-time condition makes the scan output's length a run-time one: a model output only.
  err = loop_error(3, false, true);
  EXPECT_NE(err.find("node 'my_loop' (Loop): scan output 'my_loop_y1' has a length known only at run time (at most 3)"),
            std::string::npos) << err;
  EXPECT_EQ(loop_error(1, false, true), "(no error)");  // one iteration: its condition decides nothing
  err = loop_error(int64_t{1} << 62, false, false);  // a scan output of 2^62 rows is not an array
  EXPECT_NE(err.find("node 'my_loop' (Loop):"), std::string::npos) << err;
  EXPECT_EQ(loop_error(5000, false, false), "(no error)");  // too long to unroll: a run-time loop of static length
  // A bound below a trip count the loop always runs would make every run fail: a compile-time error.
  GraphBuilder b;
  Node* loop = b.node("Loop", "long_loop", {b.constant<int64_t>("m", {}, {5000}), nullptr, b.input("y0", {2})},
                      {{"body", accumulate_body(false)}}, 2);
  b.input("x", {2});
  b.output(loop->outputs[0]);
  PassOptions bounded;
  bounded.max_loop_iterations = 100;
  err = pipeline_error_with(b.g, bounded);
  EXPECT_NE(err.find("node 'long_loop' (Loop): runs exactly 5000 iterations, more than --max-loop-iterations 100 allows"),
            std::string::npos) << err;
}

// A Loop over accumulate_body with its trip count a model input; both outputs are model outputs.
Node* runtime_trip_count_loop(GraphBuilder& b) {
  Value* m = b.input("m", {}, DType::I64);
  b.input("x", {2});
  Value* y0 = b.input("y0", {2});
  Node* loop = b.node("Loop", "loop", {m, nullptr, y0}, {{"body", accumulate_body(false)}}, 2);
  b.output(loop->outputs[0]);
  b.output(loop->outputs[1]);
  return loop;
}

TEST(ControlFlow, LoopWithARuntimeTripCountRunsItsCompiledBodyWithinTheBound) {
  GraphBuilder b;
  Node* loop = runtime_trip_count_loop(b);
  PassOptions opts;
  opts.max_loop_iterations = 4;
  run_pipeline(b.g, opts);
  ASSERT_EQ(b.g.nodes.size(), 1u);
  ASSERT_TRUE(is_runtime_loop(*loop));
  EXPECT_EQ(loop->attr_int(kLoopMaxTripsAttr, 0), 4);
  EXPECT_EQ(loop->outputs[1]->shape, (Shape{4, 2}));  // capacity: the bound
  EXPECT_TRUE(has_runtime_length(*loop->outputs[1]));
  EXPECT_FALSE(has_runtime_length(*loop->outputs[0]));
  const Graph& body = *loop->attrs.at("body").g;
  ASSERT_EQ(body.nodes.size(), 2u);  // the Add, and the Identity whose output is the condition output
  // The plan: the carried value's buffer, then the body's arena, in the Loop's scratch region.
  const MemoryPlan plan = plan_memory(b.g);
  const LoopLayout& l = plan.loops.at(loop);
  ASSERT_EQ(l.carried_in.size(), 1u);
  EXPECT_EQ(l.carried_in[0], 0);
  EXPECT_EQ(l.body, 16);
  EXPECT_EQ(l.spare_out, (std::vector<int64_t>{-1, -1}));
}

TEST(ControlFlow, ScanOutputLengthTheModelDeclaresBoundsARuntimeTripCount) {
  GraphBuilder b;
  Node* loop = runtime_trip_count_loop(b);
  loop->outputs[1]->shape = {5, 2};  // as the loader reads a declared output type
  run_pipeline(b.g);
  ASSERT_TRUE(is_runtime_loop(*loop));
  EXPECT_EQ(loop->attr_int(kLoopMaxTripsAttr, 0), 5);
  EXPECT_EQ(loop->outputs[1]->shape, (Shape{5, 2}));
  EXPECT_TRUE(has_runtime_length(*loop->outputs[1]));
  // --max-loop-iterations still caps it.
  GraphBuilder c;
  Node* loop2 = runtime_trip_count_loop(c);
  loop2->outputs[1]->shape = {5, 2};
  PassOptions opts;
  opts.max_loop_iterations = 3;
  run_pipeline(c.g, opts);
  EXPECT_EQ(loop2->attr_int(kLoopMaxTripsAttr, 0), 3);
}

// x[i:i+2] with i known only at run time: a window of static width (slice_window), even in a Loop body.
TEST(Slice, RuntimeStartWithConstantWidthIsAStaticWindow) {
  GraphBuilder b;
  Value* x = b.input("x", {6, 4});
  Value* i = b.input("i", {}, DType::I64);
  Value* two = b.constant<int64_t>("two", {}, {2});
  Value* axes = b.constant<int64_t>("axes", {1}, {0});
  Value* starts = b.out(b.node("Unsqueeze", "starts", {i, axes}));
  Value* end = b.out(b.node("Add", "end", {i, two}));
  Value* ends = b.out(b.node("Unsqueeze", "ends", {end, axes}));
  Node* slice = b.node("Slice", "window", {x, starts, ends, axes});
  b.output(b.out(slice));
  run_pipeline(b.g);
  EXPECT_EQ(slice->outputs[0]->shape, (Shape{2, 4}));
  const std::vector<KernelCall> calls = find_op(slice->domain, slice->op)->lower(*slice);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].function, "o2m::slice_window<float, int64_t>");
  // A width the axis cannot hold, and a step other than 1, are errors naming the node.
  GraphBuilder c;
  Value* cx = c.input("x", {6, 4});
  Value* ci = c.input("i", {1}, DType::I64);
  Value* far = c.out(c.node("Add", "far", {ci, c.constant<int64_t>("seven", {1}, {7})}));
  c.output(c.out(c.node("Slice", "too_wide", {cx, ci, far})));
  EXPECT_NE(pipeline_error(c.g).find("node 'too_wide' (Slice): a Slice whose start is known only at run time has width 7, outside 0..6"),
            std::string::npos)
      << pipeline_error(c.g);
}

TEST(ControlFlow, LoopCarriedValueChangingShapeAtRunTimeIsAnErrorNamingTheNode) {
  GraphBuilder sub;
  sub.input("i", {}, DType::I64);
  Value* cond_in = sub.input("cond_in", {}, DType::Bool);
  Value* y_in = sub.input("y_in", {2});
  Value* cond_out = sub.out(sub.node("Identity", "cond", {cond_in}));
  Value* y_out = sub.out(sub.node("Concat", "grow", {y_in, y_in}, {{"axis", int_attr(0)}}));
  sub.g.outputs = {cond_out, y_out};
  GraphBuilder b;
  Value* m = b.input("m", {}, DType::I64);
  Value* y0 = b.input("y0", {2});
  b.output(b.out(b.node("Loop", "growing", {m, nullptr, y0}, {{"body", graph_attr(sub)}})));
  EXPECT_EQ(pipeline_error(b.g),
            "node 'growing' (Loop): loop-carried value 0 is float32 [2] before the loop and float32 [4] after an iteration; a "
            "run-time Loop needs one static type and shape (a constant trip count unrolls it)");
}

Attr int_list(std::vector<int64_t> v) {
  Attr a;
  a.kind = Attr::Kind::Ints;
  a.ints = std::move(v);
  return a;
}
Attr one_int(int64_t v) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = v;
  return a;
}
// Scan body: s_out = s + x_t, scan output y_t = s_out (declared [rank of s], as a loader sets it).
Attr running_sum_body(Shape s) {
  GraphBuilder sub;
  Value* st = sub.input("s", s);
  Value* xt = sub.input("x_t", s);
  Value* y = sub.out(sub.node("Add", "sum", {st, xt}));
  y->dtype = DType::F32;
  y->shape = s;
  sub.g.outputs = {y, y};
  return graph_attr(sub);
}

// Clip(min > max) is max everywhere (ONNX's min(max(x, lo), hi)); the kernels' clamp wants
// lo <= hi, so the generator hands them [hi, hi] for bounds known when compiling.
TEST(ClipBounds, MinAboveMaxBecomesMaxMax) {
  GraphBuilder b;
  Value* x = b.input("x", {3});
  Value* lo = b.constant<float>("lo", {}, {2});
  Value* hi = b.constant<float>("hi", {}, {1});
  Node* clip = b.node("Clip", "clip", {x, lo, hi});
  float l = 0, h = 0;
  ASSERT_TRUE(clip_bounds(*clip, l, h));
  EXPECT_EQ(l, 1.0f);
  EXPECT_EQ(h, 1.0f);
  GraphBuilder c;
  Value* xc = c.constant<float>("x", {3}, {-2, 0, 6});
  Value* y = c.out(c.node("Clip", "clip", {xc, c.constant<float>("lo", {}, {2}), c.constant<float>("hi", {}, {1})}));
  c.output(y);
  run_pipeline(c.g);
  ASSERT_TRUE(y->is_const());
  EXPECT_EQ(data_of<float>(y), (std::vector<float>{1, 1, 1}));
}

// Found by fuzz_graphs under ASan (seed 5,203,900): a per-row a_scale with a single zero point
// made the kernel read a zero point per row.
TEST(QLinearMatMul, ScaleAndZeroPointMustHaveTheSameLength) {
  GraphBuilder b;
  Value* a = b.input("a", {2, 3}, DType::I8);
  Value* bm = b.input("b", {3, 2}, DType::I8);
  Value* as = b.constant<float>("as", {2}, {0.5f, 0.25f});
  Value* bs = b.constant<float>("bs", {}, {0.5f});
  Value* ys = b.constant<float>("ys", {}, {0.1f});
  Value* az = b.constant<int8_t>("az", {}, {0});
  Value* bz = b.constant<int8_t>("bz", {}, {0});
  Value* yz = b.constant<int8_t>("yz", {}, {0});
  b.output(b.out(b.node("QLinearMatMul", "qmm", {a, as, az, bm, bs, bz, ys, yz})));
  EXPECT_NE(pipeline_error(b.g).find("'as' and 'az' must both hold 1 value or both 2"), std::string::npos) << pipeline_error(b.g);
}

// Found by fuzz_graphs under UBSan (seed 5,160,162): a NaN depth was cast to int64.
TEST(OneHot, DepthMustBeAPositiveNumberInRange) {
  for (float depth : {NAN, 0.5f, -3.0f, 1e30f}) {
    GraphBuilder b;
    Value* i = b.input("i", {2}, DType::I64);
    Value* d = b.constant<float>("d", {}, {depth});
    Value* v = b.constant<float>("v", {2}, {0, 1});
    b.output(b.out(b.node("OneHot", "oh", {i, d, v})));
    EXPECT_NE(pipeline_error(b.g).find("(OneHot): depth must be a positive number below 2^31"), std::string::npos)
        << depth << ": " << pipeline_error(b.g);
  }
}

// Found by fuzz_graphs under ASan (seed 5027263): Det of 0 x 0 matrices asks for no scratch
// memory, and folding passed no scratch pointer to a kernel that takes one (read past the
// argument array). It is passed whenever the kernel's signature has it; det(0 x 0) = 1.
TEST(Fold, DetOfEmptyMatricesIsOne) {
  GraphBuilder b;
  Value* x = b.constant<float>("x", {2, 0, 0}, {});
  Value* y = b.out(b.node("Det", "det", {x}));
  b.output(y);
  run_pipeline(b.g);
  ASSERT_TRUE(y->is_const());
  EXPECT_EQ(data_of<float>(y), (std::vector<float>{1, 1}));
}

// Found by fuzz_graphs under UBSan (seed 5028815): the kernels read element 0 of an empty plane.
TEST(GlobalPool, AnEmptySpatialExtentIsAnErrorNamingTheNode) {
  for (const char* op : {"GlobalMaxPool", "GlobalAveragePool", "GlobalLpPool"}) {
    GraphBuilder b;
    Value* x = b.input("x", {1, 2, 0});
    b.output(b.out(b.node(op, "pool", {x})));
    EXPECT_NE(pipeline_error(b.g).find("(" + std::string(op) + "): pools over an empty spatial extent [1,2,0]"), std::string::npos)
        << pipeline_error(b.g);
  }
}

// Found by fuzz_graphs under ASan (seed 5,063,379): indices wider than the data off the axis
// read past the data. They must fit, as ONNX Runtime also requires.
TEST(GatherElements, IndicesWiderThanTheDataOffTheAxisAreAnError) {
  for (const char* op : {"GatherElements", "ScatterElements"}) {
    GraphBuilder b;
    Value* x = b.input("x", {2, 3});
    Value* i = b.input("i", {3, 1}, DType::I64);
    std::vector<Value*> ins = {x, i};
    if (std::string(op) == "ScatterElements") ins.push_back(b.input("u", {3, 1}));
    Attr axis;
    axis.kind = Attr::Kind::Int;
    axis.i = 1;
    b.output(b.out(b.node(op, "g", ins, {{"axis", axis}})));
    EXPECT_NE(pipeline_error(b.g).find("indices [3,1] exceed the data [2,3] on axis 0"), std::string::npos) << pipeline_error(b.g);
  }
}

// Scan 9+: x [2, 3] scanned along axis 1 from the end, the scan output stacked along axis -1
// from the end too. Iterations read columns 2, 1, 0: s = {3,6}, {5,11}, {6,15}.
TEST(ControlFlow, ScanIsUnrolledWithAxesAndDirections) {
  GraphBuilder b;
  Value* s0 = b.constant<float>("s0", {2}, {0, 0});
  Value* x = b.constant<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6});
  Node* scan = b.node("Scan", "scan", {s0, x},
                      {{"body", running_sum_body({2})}, {"num_scan_inputs", one_int(1)}, {"scan_input_axes", int_list({1})},
                       {"scan_input_directions", int_list({1})}, {"scan_output_axes", int_list({-1})},
                       {"scan_output_directions", int_list({1})}},
                      2);
  Value* last = scan->outputs[0];
  Value* all = scan->outputs[1];
  b.output(last);
  b.output(all);
  run_pipeline(b.g);  // replaces the Scan node
  ASSERT_TRUE(last->is_const() && all->is_const());
  EXPECT_EQ(data_of<float>(last), (std::vector<float>{6, 15}));
  EXPECT_EQ(all->shape, (Shape{2, 3}));
  EXPECT_EQ(data_of<float>(all), (std::vector<float>{6, 5, 3, 15, 11, 6}));
}

// Scan 8: every tensor has a batch axis 0 and the scan axis is 1; each batch runs on its own.
TEST(ControlFlow, Scan8RunsEachBatch) {
  GraphBuilder b;
  b.opset = 8;
  Value* s0 = b.input("s0", {2});
  Value* x = b.constant<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6});
  Node* scan = b.node("Scan", "scan", {nullptr, s0, x}, {{"body", running_sum_body({})}, {"num_scan_inputs", one_int(1)}}, 2);
  Value* last = scan->outputs[0];
  Value* all = scan->outputs[1];
  b.output(last);
  b.output(all);
  run_pipeline(b.g);
  EXPECT_EQ(last->shape, (Shape{2}));
  EXPECT_EQ(all->shape, (Shape{2, 3}));
  int adds = 0;
  for (const auto& n : b.g.nodes) adds += n->op == "Add";
  EXPECT_EQ(adds, 6);  // 2 batches x 3 steps, on the run-time state
}

TEST(ControlFlow, ScanOverRuntimeRowsRunsItsCompiledBodyAsALoop) {
  GraphBuilder b;
  Value* s0 = b.input("s0", {2});
  Value* x = b.input("x", {5, 2});
  Node* scan = b.node("Scan", "scan", {s0, x}, {{"body", running_sum_body({2})}, {"num_scan_inputs", one_int(1)}}, 2);
  b.output(scan->outputs[0]);
  b.output(scan->outputs[1]);
  run_pipeline(b.g);
  ASSERT_EQ(b.g.nodes.size(), 1u);
  ASSERT_TRUE(is_runtime_loop(*scan));
  EXPECT_EQ(scan->attr_int(kLoopMaxTripsAttr, 0), 5);
  EXPECT_EQ(scan->outputs[0]->shape, (Shape{2}));
  EXPECT_EQ(scan->outputs[1]->shape, (Shape{5, 2}));
  EXPECT_FALSE(has_runtime_length(*scan->outputs[1]));  // a Scan always runs its whole axis
  const LoopForm f = loop_form(*scan);
  EXPECT_EQ(f.carried, 1u);
  EXPECT_EQ(f.body_out, 0u);
}

TEST(ControlFlow, ScanErrors) {
  auto scan_error = [](Shape x_shape, std::map<std::string, Attr> attrs) {
    GraphBuilder b;
    Value* s0 = b.input("s0", {2});
    Value* x = b.input("x", x_shape);
    attrs["body"] = running_sum_body({2});
    Node* scan = b.node("Scan", "my_scan", {s0, x}, attrs, 2);
    b.output(scan->outputs[1]);
    return pipeline_error(b.g);
  };
  // Unrolled (a scan axis other than 0) it may not exceed 1024 iterations; over axis 0 it runs as a loop.
  std::string err = scan_error({2, 2000}, {{"num_scan_inputs", one_int(1)}, {"scan_input_axes", int_list({1})}});
  EXPECT_NE(err.find("node 'my_scan' (Scan): 2000 iterations are more than the 1024"), std::string::npos) << err;
  EXPECT_EQ(scan_error({2000, 2}, {{"num_scan_inputs", one_int(1)}}), "(no error)");
  err = scan_error({3, 2}, {{"num_scan_inputs", one_int(3)}});
  EXPECT_NE(err.find("num_scan_inputs 3 does not fit"), std::string::npos) << err;
  err = scan_error({3, 2}, {{"num_scan_inputs", one_int(1)}, {"scan_input_axes", int_list({2})}});
  EXPECT_NE(err.find("axis 2 is out of range"), std::string::npos) << err;
  EXPECT_EQ(scan_error({3, 2}, {{"num_scan_inputs", one_int(1)}}), "(no error)");
}

}  // namespace
}  // namespace onnx2mcu

// ---- Sequences and optionals: compiled element by element (src/passes/sequences.cpp) ---------

namespace onnx2mcu {
namespace {

Attr int_attr_of(int64_t v) {
  Attr a;
  a.kind = Attr::Kind::Int;
  a.i = v;
  return a;
}

std::multiset<std::string> op_types(const Graph& g) {
  std::multiset<std::string> ops;
  for (const auto& n : g.nodes) ops.insert(n->op);
  return ops;
}

TEST(Sequences, ConstructInsertLengthAndConcatBecomeTensorOps) {
  GraphBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* y = b.input("y", {1, 3});
  Value* s = b.out(b.node("SequenceConstruct", "construct", {x}));
  Value* s2 = b.out(b.node("SequenceInsert", "insert", {s, y}));  // appended
  b.output(b.out(b.node("SequenceLength", "length", {s2})));
  b.output(b.out(b.node("ConcatFromSequence", "concat", {s2}, {{"axis", int_attr_of(0)}})));
  run_pipeline(b.g);
  EXPECT_EQ(op_types(b.g), (std::multiset<std::string>{"Concat"})) << print_graph(b.g);
  ASSERT_TRUE(b.g.outputs[0]->is_const());  // the length is known at compile time
  EXPECT_EQ(b.g.outputs[0]->constant->int_at(0), 2);
  EXPECT_EQ(b.g.outputs[1]->shape, (Shape{3, 3}));
  EXPECT_EQ(b.g.nodes[0]->inputs, (std::vector<Value*>{x, y}));
}

// The sequence (x [2], y of shape y_shape) and a run-time position input "pos".
std::pair<Value*, Value*> sequence_and_position(GraphBuilder& b, Shape y_shape) {
  Value* s = b.out(b.node("SequenceConstruct", "construct", {b.input("x", {2}), b.input("y", std::move(y_shape))}));
  return {s, b.input("pos", {}, DType::I64)};
}

// A run-time position over elements of one shape: the sequence is stacked and gathered from.
TEST(Sequences, ARunTimePositionGathersFromTheStackedElements) {
  GraphBuilder b;
  auto [s, pos] = sequence_and_position(b, {2});
  b.output(b.out(b.node("SequenceAt", "at", {s, pos})));
  run_pipeline(b.g);
  EXPECT_EQ(op_types(b.g).count("Gather"), 1u) << print_graph(b.g);
  EXPECT_EQ(b.g.outputs[0]->shape, (Shape{2}));
  const Node& gather = *b.g.outputs[0]->producer;
  EXPECT_EQ(gather.op, "Gather");
  EXPECT_EQ(gather.inputs[1], pos);
}

TEST(Sequences, ARunTimePositionOverElementsOfDifferentShapesIsAnErrorNamingTheNodeAndTheFix) {
  GraphBuilder b;
  auto [s, pos] = sequence_and_position(b, {2, 1});
  b.output(b.out(b.node("SequenceErase", "erase", {s, pos})));
  const std::string err = pipeline_error(b.g);
  EXPECT_NE(err.find("node 'erase' (SequenceErase): position 'pos' is known only at run time, which needs elements of one shape "
                     "but for their length along axis 0; they are [2] and [2,1] (or fix it: --freeze pos=FILE.pb)"),
            std::string::npos)
      << err;
}

// The RuntimeRows graph outputs: each of `capacity`, reporting its length at run time.
void expect_runtime_rows_outputs(const Graph& g, size_t count, const Shape& capacity) {
  ASSERT_EQ(g.outputs.size(), count) << print_graph(g);
  for (const Value* o : g.outputs) {
    ASSERT_TRUE(o->producer) << o->name;
    EXPECT_EQ(o->producer->domain + "." + o->producer->op, "onnx2mcu.RuntimeRows") << print_graph(g);
    EXPECT_EQ(o->shape, capacity) << o->name;
    EXPECT_TRUE(has_runtime_length(*o)) << o->name;
  }
}

// Elements that differ only along axis 0 and a run-time position: each output element is padded
// to the longest and reports its own length (a row count gathered like the element).
TEST(Sequences, ARunTimePositionOverElementsOfDifferentLengthsGivesElementsOfARunTimeLength) {
  GraphBuilder b;
  auto [s, pos] = sequence_and_position(b, {3});
  b.output(b.out(b.node("SequenceInsert", "insert", {s, b.input("z", {1}), pos})));
  run_pipeline(b.g);
  expect_runtime_rows_outputs(b.g, 3, {3});
  EXPECT_EQ(op_types(b.g).count("Pad"), 2u) << print_graph(b.g);  // x [2] and z [1] to 3 rows
}

// Split sizes known at run time along axis 0: element k is the window of x from the sum of the
// sizes before it, as long as x (its capacity), of which the run reports size k rows.
TEST(Sequences, RunTimeSplitSizesAlongAxis0GiveElementsOfARunTimeLength) {
  GraphBuilder b;
  Value* x = b.input("x", {4, 2});
  b.output(b.out(b.node("SplitToSequence", "split", {x, b.input("sizes", {3}, DType::I64)})));
  run_pipeline(b.g);
  expect_runtime_rows_outputs(b.g, 3, {4, 2});
  GraphBuilder other_axis;
  Value* y = other_axis.input("x", {4, 2});
  other_axis.output(other_axis.out(
      other_axis.node("SplitToSequence", "split", {y, other_axis.input("sizes", {2}, DType::I64)}, {{"axis", int_attr_of(1)}})));
  std::string err = pipeline_error(other_axis.g);
  EXPECT_NE(err.find("graph output 'split_y' holds elements whose shapes depend on split sizes known only at run time "
                     "(supported along axis 0 only); fix them: --freeze sizes=FILE.pb"),
            std::string::npos)
      << err;
  // An element of a run-time length read by another node (which would see all its capacity).
  GraphBuilder read;
  Value* s = read.out(read.node("SplitToSequence", "split", {read.input("x", {4, 2}), read.input("sizes", {2}, DType::I64)}));
  Value* first = read.out(read.node("SequenceAt", "at", {s, read.constant<int64_t>("zero", {}, {0})}));
  read.output(read.out(read.node("Relu", "relu", {first})));
  run_pipeline(read.g);
  err = "(no error)";
  try {
    emit_model(read.g, plan_memory(read.g), {"read", "read.onnx"});
  } catch (const Error& e) {
    err = e.what();
  }
  EXPECT_NE(err.find("(RuntimeRows): 'split/0' has a length known only at run time (at most 4 rows); onnx2mcu supports that "
                     "only for a model output that nothing else reads"),
            std::string::npos)
      << err;
}

// The graph's one model output is a sequence of `capacity` elements, a run-time count of them
// filled: its elements, then the int64 scalar count.
void expect_runtime_count(const Graph& g, size_t capacity) {
  ASSERT_EQ(g.outputs.size(), capacity + 1);
  const Value& count = *g.outputs[capacity];
  EXPECT_EQ(count.dtype, DType::I64);
  EXPECT_EQ(count.shape, Shape{});
  ASSERT_EQ(g.output_forms.size(), 1u);
  EXPECT_TRUE(g.output_forms[0].runtime_count);
  EXPECT_EQ(g.output_forms[0].count, capacity);
}

// One split size known at run time, along axis 1: as many elements as the axis is long (sizes of
// at least 1), element k at most len / (k + 1) columns, then an int64 output counting those filled.
TEST(Sequences, ARunTimeSplitSizeGivesARunTimeCountOfElements) {
  GraphBuilder b;
  Value* x = b.input("x", {3, 6});
  b.output(b.out(b.node("SplitToSequence", "split", {x, b.input("size", {}, DType::I64)}, {{"axis", int_attr_of(1)}})));
  run_pipeline(b.g);
  ASSERT_EQ(b.g.outputs.size(), 7u) << print_graph(b.g);
  const int64_t columns[] = {6, 3, 2, 1, 1, 1};
  for (size_t k = 0; k < 6; ++k) {
    const Value& e = *b.g.outputs[k];
    ASSERT_TRUE(e.producer) << e.name;
    EXPECT_EQ(e.producer->domain + "." + e.producer->op, "onnx2mcu.RuntimeRows") << print_graph(b.g);
    EXPECT_EQ(e.shape, (Shape{3, columns[k]})) << e.name;
    EXPECT_TRUE(has_runtime_length(e)) << e.name;
    EXPECT_EQ(runtime_length_axis(e), 1u) << e.name;
  }
  expect_runtime_count(b.g, 6);
  // Its count decided at run time, the sequence is a model output only.
  GraphBuilder read;
  Value* s = read.out(read.node("SplitToSequence", "split", {read.input("x", {3, 6}), read.input("size", {}, DType::I64)}));
  read.output(read.out(read.node("SequenceLength", "length", {s})));
  const std::string err = pipeline_error(read.g);
  EXPECT_NE(err.find("node 'length' (SequenceLength): reads sequence 'split_y', whose element count is known only at run time; "
                     "onnx2mcu supports that only for a model output that nothing else reads"),
            std::string::npos)
      << err;
}

// Inserting at a constant position, erasing and splitting: all decided at compile time.
// Loop body that appends x[:i+1] (x a constant [5]) to the loop-carried sequence, as ONNX's
// test_loop13_seq does: the end of the slice changes every iteration.
Attr append_prefix_body() {
  GraphBuilder sub;
  Value* i = sub.input("i", {}, DType::I64);
  Value* cond_in = sub.input("cond_in", {}, DType::Bool);
  Value* seq_in = sub.input("seq_in", {});
  Value* x = sub.constant<float>("x", {5}, {1, 2, 3, 4, 5});
  Value* end = sub.out(sub.node("Add", "end", {i, sub.constant<int64_t>("one", {}, {1})}));
  Value* ends = sub.out(sub.node("Unsqueeze", "ends", {end, sub.constant<int64_t>("axes", {1}, {0})}));
  Value* prefix = sub.out(sub.node("Slice", "prefix", {x, sub.constant<int64_t>("starts", {1}, {0}), ends}));
  Value* seq_out = sub.out(sub.node("SequenceInsert", "append", {seq_in, prefix}));
  sub.g.outputs = {sub.out(sub.node("Identity", "cond", {cond_in})), seq_out};
  return graph_attr(sub);
}

// A Loop of a run-time trip count appending to a sequence: the appended tensors are scan rows,
// the sequence its initial elements then one element per iteration the bound allows, each of
// a run-time length, and a run-time count: the initial count plus the trips.
TEST(Sequences, ARunTimeLoopAppendingToASequenceGivesARunTimeCountOfElements) {
  GraphBuilder b;
  Value* first = b.input("first", {2});
  Value* s = b.out(b.node("SequenceConstruct", "initial", {first}));
  Node* loop = b.node("Loop", "grow", {b.input("m", {}, DType::I64), b.input("c", {}, DType::Bool), s}, {{"body", append_prefix_body()}});
  b.output(loop->outputs[0]);
  PassOptions opts;
  opts.max_loop_iterations = 7;
  run_pipeline(b.g, opts);
  ASSERT_EQ(b.g.outputs.size(), 1u + 7u + 1u) << print_graph(b.g);
  EXPECT_EQ(b.g.outputs[0]->shape, (Shape{2}));  // the initial element, as it is
  EXPECT_FALSE(has_runtime_length(*b.g.outputs[0]));
  for (size_t k = 1; k <= 7; ++k) {
    const Value& e = *b.g.outputs[k];
    EXPECT_EQ(e.shape, (Shape{5})) << e.name;  // x[0:], the capacity of x[:i+1]
    EXPECT_TRUE(has_runtime_length(e)) << e.name;
    EXPECT_EQ(runtime_length_axis(e), 0u) << e.name;
  }
  expect_runtime_count(b.g, 8);
  // The Loop itself carries only the iteration counter; its scan outputs hold the appended rows.
  const Node* run = nullptr;
  for (const auto& n : b.g.nodes)
    if (is_runtime_loop(*n)) run = n.get();
  ASSERT_TRUE(run) << print_graph(b.g);
  EXPECT_EQ(run->attr_int(kLoopMaxTripsAttr, 0), 7);
  ASSERT_EQ(run->outputs.size(), 3u);
  EXPECT_EQ(run->outputs[1]->shape, (Shape{7, 5}));  // windows
  EXPECT_EQ(run->outputs[2]->shape, (Shape{7, 1}));  // their lengths

  // Without a bound the run-time trip count leaves the sequence no capacity.
  GraphBuilder unbounded;
  Value* s0 = unbounded.out(unbounded.node("SequenceEmpty", "empty", {}));
  Node* l2 = unbounded.node("Loop", "grow", {unbounded.input("m", {}, DType::I64), nullptr, s0}, {{"body", append_prefix_body()}});
  unbounded.output(l2->outputs[0]);
  std::string err = pipeline_error(unbounded.g);
  EXPECT_NE(err.find("node 'grow' (Loop): its trip count 'm' is known only at run time, so the sequence it grows needs a capacity: "
                     "give one with --max-loop-iterations N"),
            std::string::npos)
      << err;
}

// A loop-carried sequence the body does anything but append to: an error naming the Loop.
TEST(Sequences, ARunTimeLoopDoingMoreThanAppendingIsAnErrorNamingTheNode) {
  GraphBuilder sub;
  sub.input("i", {}, DType::I64);
  Value* cond_in = sub.input("cond_in", {}, DType::Bool);
  Value* seq_in = sub.input("seq_in", {});
  Value* front = sub.out(sub.node("SequenceInsert", "prepend", {seq_in, capture(sub, "x"), sub.constant<int64_t>("zero", {}, {0})}));
  sub.g.outputs = {sub.out(sub.node("Identity", "cond", {cond_in})), front};
  GraphBuilder b;
  b.input("x", {2});
  Value* s = b.out(b.node("SequenceEmpty", "empty", {}));
  Node* loop = b.node("Loop", "grow", {b.input("m", {}, DType::I64), nullptr, s}, {{"body", graph_attr(sub)}});
  b.output(loop->outputs[0]);
  PassOptions opts;
  opts.max_loop_iterations = 4;
  const std::string err = pipeline_error_with(b.g, opts);
  EXPECT_NE(err.find("node 'grow' (Loop): carries sequence 'empty_y', which a run-time Loop supports only when each iteration "
                     "appends one tensor to it (SequenceInsert at the end)"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("--freeze m=FILE.pb"), std::string::npos) << err;  // a constant trip count unrolls it

  // Appending, but also reading its length: the length changes every iteration, refused too.
  GraphBuilder counting;
  counting.input("i", {}, DType::I64);
  counting.input("cond_in", {}, DType::Bool);
  Value* seq = counting.input("seq_in", {});
  Value* length = counting.out(counting.node("SequenceLength", "length", {seq}));
  Value* go_on = counting.out(counting.node("Less", "go_on", {length, counting.constant<int64_t>("three", {}, {3})}));
  counting.g.outputs = {go_on, counting.out(counting.node("SequenceInsert", "append", {seq, capture(counting, "x")}))};
  GraphBuilder c;
  c.input("x", {2});
  Node* loop2 = c.node("Loop", "grow", {c.input("m", {}, DType::I64), nullptr, c.out(c.node("SequenceEmpty", "empty", {}))},
                       {{"body", graph_attr(counting)}});
  c.output(loop2->outputs[0]);
  const std::string err2 = pipeline_error_with(c.g, opts);
  EXPECT_NE(err2.find("node 'grow' (Loop): its body reads loop-carried sequence 'seq_in' other than to append to it (node 'length')"),
            std::string::npos)
      << err2;
}

TEST(Sequences, ConstantPositionsAndSplitsAreResolvedAtCompileTime) {
  GraphBuilder b;
  Value* x = b.input("x", {4, 2});
  Value* s = b.out(b.node("SplitToSequence", "split", {x, b.constant<int64_t>("sizes", {2}, {1, 3})}));
  Value* s2 = b.out(b.node("SequenceErase", "erase", {s, b.constant<int64_t>("first", {}, {0})}));  // [3,2] left
  Value* s3 = b.out(b.node("SequenceInsert", "insert", {s2, b.input("z", {3, 2}), b.constant<int64_t>("front", {}, {-1})}));
  b.output(b.out(b.node("SequenceAt", "at", {s3, b.constant<int64_t>("second", {}, {1})})));
  run_pipeline(b.g);
  // element 1 after inserting z before the last (only) element is that element: rows 1..3 of x
  EXPECT_EQ(b.g.outputs[0]->shape, (Shape{3, 2})) << print_graph(b.g);
  const Node* at = b.g.outputs[0]->producer;  // SequenceAt: an Identity (a view) of the element
  ASSERT_EQ(at->op, "Identity");
  const Node& rows = *at->inputs[0]->producer;
  EXPECT_EQ(rows.op, "Gather");
  EXPECT_EQ(rows.inputs[0], x);
  EXPECT_EQ(rows.inputs[1]->constant->int_at(0), 1);
  EXPECT_EQ(rows.inputs[1]->constant->int_at(2), 3);
  GraphBuilder bad;
  Value* t = bad.out(bad.node("SequenceConstruct", "construct", {bad.input("x", {2})}));
  bad.output(bad.out(bad.node("SequenceAt", "at", {t, bad.constant<int64_t>("far", {}, {3})})));
  EXPECT_NE(pipeline_error(bad.g).find("position 3 is outside [-1, 0] for a sequence of 1 elements"), std::string::npos);
}

// A sequence output is one graph output per element, NAME_0, NAME_1, ...
TEST(Sequences, ASequenceOutputBecomesOneGraphOutputPerElement) {
  GraphBuilder b;
  Value* x = b.input("x", {2, 3});
  Value* s = b.out(b.node("SplitToSequence", "split", {x}, {{"axis", int_attr_of(1)}, {"keepdims", int_attr_of(0)}}));
  b.output(s);
  run_pipeline(b.g);
  ASSERT_EQ(b.g.outputs.size(), 3u);
  ASSERT_EQ(b.g.output_forms.size(), 1u);
  EXPECT_EQ(b.g.output_forms[0].kind, IoForm::Kind::Sequence);
  EXPECT_EQ(b.g.output_forms[0].count, 3u);
  for (size_t k = 0; k < 3; ++k) {
    EXPECT_EQ(b.g.outputs[k]->name, "split_y_" + std::to_string(k));
    EXPECT_EQ(b.g.outputs[k]->shape, (Shape{2}));
    EXPECT_TRUE(b.g.outputs[k]->is_graph_output);
  }
}

// SequenceMap's body runs once per element: inlined per element like an unrolled Loop.
TEST(Sequences, SequenceMapInlinesItsBodyOncePerElement) {
  GraphBuilder body;
  body.g.is_subgraph = true;
  Value* a = body.g.add_value("a");
  a->is_graph_input = true;
  body.g.inputs.push_back(a);
  body.g.outputs.push_back(body.out(body.node("Relu", "relu", {a})));
  GraphBuilder b;
  Value* s = b.out(b.node("SequenceConstruct", "construct", {b.input("x", {2}), b.input("y", {4})}));
  Value* m = b.out(b.node("SequenceMap", "map", {s}, {{"body", graph_attr(body)}}));
  b.output(b.out(b.node("ConcatFromSequence", "concat", {m}, {{"axis", int_attr_of(0)}})));
  run_pipeline(b.g);
  EXPECT_EQ(op_types(b.g), (std::multiset<std::string>{"Relu", "Relu", "Concat"})) << print_graph(b.g);
  EXPECT_EQ(b.g.outputs[0]->shape, (Shape{6}));
}

TEST(Optionals, PresenceIsKnownAtCompileTime) {
  GraphBuilder b;
  Value* x = b.input("x", {2});
  Value* some = b.out(b.node("Optional", "some", {x}));
  Value* none = b.out(b.node("Optional", "none", {}));
  b.output(b.out(b.node("OptionalHasElement", "has_some", {some})));
  b.output(b.out(b.node("OptionalHasElement", "has_none", {none})));
  b.output(b.out(b.node("OptionalGetElement", "get", {some})));
  run_pipeline(b.g);
  ASSERT_TRUE(b.g.outputs[0]->is_const() && b.g.outputs[1]->is_const());
  EXPECT_EQ(b.g.outputs[0]->constant->bytes[0], 1);
  EXPECT_EQ(b.g.outputs[1]->constant->bytes[0], 0);
  EXPECT_EQ(b.g.outputs[2]->shape, (Shape{2}));
  GraphBuilder bad;
  Value* empty = bad.out(bad.node("Optional", "empty", {}));
  bad.output(bad.out(bad.node("OptionalGetElement", "get", {empty})));
  EXPECT_NE(pipeline_error(bad.g).find("node 'get' (OptionalGetElement): reads the element of optional 'empty_y', which is empty"),
            std::string::npos);
}

// A run-time If whose branches return sequences of one length: one If output per element.
TEST(Sequences, ARunTimeIfReturnsASequenceElementByElement) {
  auto seq_branch = [](const std::string& op) {
    GraphBuilder sub;
    sub.g.is_subgraph = true;
    Value* x = capture(sub, "x");
    Value* e = sub.out(sub.node(op, "e_" + op, {x}));
    sub.g.outputs.push_back(sub.out(sub.node("SequenceConstruct", "s_" + op, {e, x})));
    return graph_attr(sub);
  };
  GraphBuilder b;
  b.input("x", {2});
  Value* c = b.input("c", {}, DType::Bool);
  Value* s = b.out(b.node("If", "my_if", {c}, {{"then_branch", seq_branch("Relu")}, {"else_branch", seq_branch("Neg")}}));
  b.output(b.out(b.node("ConcatFromSequence", "concat", {s}, {{"axis", int_attr_of(0)}})));
  run_pipeline(b.g);
  ASSERT_EQ(b.g.nodes.size(), 2u) << print_graph(b.g);
  EXPECT_TRUE(is_runtime_if(*b.g.nodes[0]));
  EXPECT_EQ(b.g.nodes[0]->outputs.size(), 2u);
  EXPECT_EQ(b.g.outputs[0]->shape, (Shape{4}));
}

// A run-time If returning an empty optional from one branch and a sequence from the other: the
// elements (zeros from the empty branch) and a run-time presence flag, which OptionalHasElement reads.
TEST(Optionals, ARunTimeIfDecidesPresenceAtRunTime) {
  GraphBuilder none;
  none.g.is_subgraph = true;
  none.g.outputs.push_back(none.out(none.node("Optional", "none", {})));
  GraphBuilder some;
  some.g.is_subgraph = true;
  Value* x = capture(some, "x");
  Value* s = some.out(some.node("SequenceConstruct", "s", {x}));
  some.g.outputs.push_back(some.out(some.node("Optional", "some", {s})));
  GraphBuilder b;
  b.input("x", {5});
  Value* c = b.input("c", {}, DType::Bool);
  Value* opt = b.out(b.node("If", "my_if", {c}, {{"then_branch", graph_attr(none)}, {"else_branch", graph_attr(some)}}));
  b.output(opt);
  b.output(b.out(b.node("OptionalHasElement", "has", {opt})));
  run_pipeline(b.g);
  ASSERT_EQ(b.g.output_forms.size(), 2u) << print_graph(b.g);
  const IoForm& form = b.g.output_forms[0];
  EXPECT_EQ(form.kind, IoForm::Kind::OptionalSequence);
  EXPECT_TRUE(form.runtime_present);
  EXPECT_EQ(form.count, 1u);
  ASSERT_EQ(b.g.outputs.size(), 3u) << print_graph(b.g);  // the element, its presence flag, OptionalHasElement's
  EXPECT_EQ(b.g.outputs[0]->shape, (Shape{5}));
  EXPECT_EQ(b.g.outputs[0]->name, "my_if_y_0");
  EXPECT_EQ(b.g.outputs[1]->name, "my_if_y_present");
  for (size_t o : {1, 2}) {
    EXPECT_EQ(b.g.outputs[o]->dtype, DType::Bool);
    EXPECT_FALSE(b.g.outputs[o]->is_const()) << "presence is decided at run time";
  }
  const Graph& then_g = *b.g.nodes[0]->attrs.at("then_branch").g;
  ASSERT_EQ(then_g.outputs.size(), 2u);
  ASSERT_TRUE(then_g.outputs[0]->is_const() && then_g.outputs[1]->is_const());
  EXPECT_EQ(then_g.outputs[0]->constant->bytes, std::vector<uint8_t>(20, 0)) << "the empty branch returns zeros";
  EXPECT_EQ(then_g.outputs[1]->constant->bytes[0], 0);
  const Graph& else_g = *b.g.nodes[0]->attrs.at("else_branch").g;
  ASSERT_EQ(else_g.outputs.size(), 2u);
  ASSERT_TRUE(else_g.outputs[1]->is_const());
  EXPECT_EQ(else_g.outputs[1]->constant->bytes[0], 1);
}

}  // namespace
}  // namespace onnx2mcu
