"""Writes two ai.onnx.ml models with test data beside this file, from scikit-learn models fitted
on its bundled data sets (no download). The graphs are written here with the onnx helper API, the
way a converter (skl2onnx) lays them out; the references are scikit-learn's own predict /
predict_proba / decision values (float64), so verify's tolerance covers float32 evaluation.

  ml_trees/   ai.onnx.ml opset 3, IR 8: Scaler -> Cast -> TreeEnsembleClassifier (random forest,
              3 classes, float64 X, thresholds and weights as float64 *_as_tensor),
              TreeEnsembleClassifier (gradient boosting, binary, LOGISTIC, one base value;
              random forest, 2 classes both with weights),
              TreeEnsembleRegressor (gradient boosting, base value; extra trees, AVERAGE),
              LabelEncoder and OneHotEncoder on the forest's label.
  ml_linear/  ai.onnx.ml opset 5, IR 10: LinearClassifier (multinomial logistic regression,
              SOFTMAX; binary as two rows, LOGISTIC), LinearRegressor, SVMClassifier (RBF,
              probabilities; POLY, binary, decision values), SVMRegressor (RBF), TreeEnsemble (ml 5, AVERAGE), Normalizer,
              Binarizer, Imputer, ArrayFeatureExtractor.

ONNX Runtime 1.30 (npm onnxruntime-node) agrees with these references (labels exact, scores within
4e-4 of values up to ~300) except rfb_label: for two classes that both carry weights it writes the
literal label 1 whenever class 1's probability is above 0 (onnx2mcu takes the larger score, as
scikit-learn and the ONNX reference do).

Run with /usr/bin/python3 (Debian's python3-onnx, python3-sklearn, numpy)."""
import os
import numpy as np
import onnx
from onnx import helper as h, TensorProto as T, numpy_helper as nh
from sklearn.datasets import load_iris, load_diabetes, load_breast_cancer
from sklearn.ensemble import (RandomForestClassifier, GradientBoostingClassifier, GradientBoostingRegressor,
                              ExtraTreesRegressor)
from sklearn.linear_model import LogisticRegression, LinearRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

HERE = os.path.dirname(os.path.abspath(__file__))
ML = "ai.onnx.ml"
f32 = np.float32


def save_case(folder, model, inputs, outputs):
    d = os.path.join(HERE, folder)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for kind, arrays in (("input", inputs), ("output", outputs)):
        for i, (name, a) in enumerate(arrays):
            with open(os.path.join(d, "test_data_set_0", f"{kind}_{i}.pb"), "wb") as f:
                f.write(nh.from_array(a, name).SerializeToString())


def tree_nodes(trees, prefix, leaf_weights, as_tensor=False):
    """Attributes of TreeEnsembleClassifier/Regressor (ml 1-3) for sklearn trees.
    leaf_weights(tree_index, tree, node) -> [(target or class id, weight), ...]."""
    a = {k: [] for k in ("nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_modes", "nodes_values",
                         "nodes_truenodeids", "nodes_falsenodeids", prefix + "treeids", prefix + "nodeids",
                         prefix + "ids", prefix + "weights")}
    for t, est in enumerate(trees):
        tr = est.tree_
        for i in range(tr.node_count):
            leaf = tr.children_left[i] == -1
            a["nodes_treeids"].append(t)
            a["nodes_nodeids"].append(i)
            a["nodes_featureids"].append(0 if leaf else int(tr.feature[i]))
            a["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["nodes_values"].append(0.0 if leaf else float(tr.threshold[i]))
            a["nodes_truenodeids"].append(0 if leaf else int(tr.children_left[i]))
            a["nodes_falsenodeids"].append(0 if leaf else int(tr.children_right[i]))
            if leaf:
                for target, w in leaf_weights(t, tr, i):
                    a[prefix + "treeids"].append(t)
                    a[prefix + "nodeids"].append(i)
                    a[prefix + "ids"].append(target)
                    a[prefix + "weights"].append(float(w))
    if as_tensor:  # float64 thresholds and weights: exactly scikit-learn's
        for k in ("nodes_values", prefix + "weights"):
            a[k + "_as_tensor"] = nh.from_array(np.array(a.pop(k), dtype=np.float64), k + "_as_tensor")
    return a


def trees_model():
    rng = np.random.default_rng(0)
    iris = load_iris()
    xi, yi = iris.data.astype(f32), iris.target
    scaler = StandardScaler().fit(xi)
    xs = scaler.transform(xi).astype(f32)
    forest = RandomForestClassifier(n_estimators=6, max_depth=5, random_state=0).fit(xs, yi)

    cancer = load_breast_cancer()
    xc, yc = cancer.data.astype(f32), cancer.target
    gbc = GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0).fit(xc, yc)
    rfc = RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0).fit(xc, yc)

    diab = load_diabetes()
    xd, yd = diab.data.astype(f32), diab.target
    gbr = GradientBoostingRegressor(n_estimators=20, max_depth=3, random_state=0).fit(xd, yd)
    etr = ExtraTreesRegressor(n_estimators=4, max_depth=4, random_state=0).fit(xd, yd)

    def proba(t, tr, i):
        v = tr.value[i][0]
        return [(c, p / v.sum() / len(forest.estimators_)) for c, p in enumerate(v)]

    rf = tree_nodes(forest.estimators_, "class_", proba, as_tensor=True)
    rfb = tree_nodes(rfc.estimators_, "class_",
                     lambda t, tr, i: [(c, p / tr.value[i][0].sum() / len(rfc.estimators_)) for c, p in enumerate(tr.value[i][0])])
    lr = gbc.learning_rate
    gb = tree_nodes(gbc.estimators_[:, 0], "class_", lambda t, tr, i: [(0, lr * tr.value[i][0][0])])
    gr = tree_nodes(gbr.estimators_[:, 0], "target_", lambda t, tr, i: [(0, gbr.learning_rate * tr.value[i][0][0])])
    et = tree_nodes(etr.estimators_, "target_", lambda t, tr, i: [(0, tr.value[i][0][0])])
    nodes = [
        h.make_node("Scaler", ["iris"], ["iris_scaled"], domain=ML, offset=scaler.mean_.astype(f32).tolist(),
                    scale=(1 / scaler.scale_).astype(f32).tolist()),
        # float64 thresholds are for float64 X (ONNX Runtime refuses them for float X).
        h.make_node("Cast", ["iris_scaled"], ["iris_scaled64"], to=T.DOUBLE),
        h.make_node("TreeEnsembleClassifier", ["iris_scaled64"], ["forest_label", "forest_proba"], domain=ML,
                    classlabels_int64s=[0, 1, 2], **rf),
        h.make_node("LabelEncoder", ["forest_label"], ["forest_code"], domain=ML, keys_int64s=[0, 1, 2],
                    values_int64s=[10, 20, 30], default_int64=-1),
        h.make_node("OneHotEncoder", ["forest_label"], ["forest_onehot"], domain=ML, cats_int64s=[0, 1, 2]),
        h.make_node("TreeEnsembleClassifier", ["cancer"], ["gb_label", "gb_proba"], domain=ML, classlabels_int64s=[0, 1],
                    base_values=[float(gbc._raw_predict_init(xc[:1])[0, 0])], post_transform="LOGISTIC", **gb),
        # Two classes, both with weights: the label is the larger probability.
        h.make_node("TreeEnsembleClassifier", ["cancer"], ["rfb_label", "rfb_proba"], domain=ML, classlabels_int64s=[4, 7],
                    **rfb),
        h.make_node("TreeEnsembleRegressor", ["diabetes"], ["gb_value"], domain=ML, n_targets=1,
                    base_values=[float(gbr._raw_predict_init(xd[:1])[0, 0])], **gr),
        h.make_node("TreeEnsembleRegressor", ["diabetes"], ["et_value"], domain=ML, n_targets=1,
                    aggregate_function="AVERAGE", **et),
    ]
    n = 12
    pick_i, pick_c, pick_d = (rng.choice(len(a), n, replace=False) for a in (xi, xc, xd))
    ins = [("iris", xi[pick_i]), ("cancer", xc[pick_c]), ("diabetes", xd[pick_d])]
    label = forest.predict(xs[pick_i]).astype(np.int64)
    outs = [("forest_label", label), ("forest_proba", forest.predict_proba(xs[pick_i]).astype(f32)),
            ("forest_code", (label + 1) * 10), ("forest_onehot", np.eye(3, dtype=f32)[label]),
            ("gb_label", gbc.predict(xc[pick_c]).astype(np.int64)),
            ("gb_proba", gbc.predict_proba(xc[pick_c]).astype(f32)),
            ("rfb_label", np.array([4, 7], np.int64)[rfc.predict(xc[pick_c])]),
            ("rfb_proba", rfc.predict_proba(xc[pick_c]).astype(f32)),
            ("gb_value", gbr.predict(xd[pick_d]).astype(f32)[:, None]),
            ("et_value", etr.predict(xd[pick_d]).astype(f32)[:, None])]
    types = {"forest_label": T.INT64, "forest_code": T.INT64, "gb_label": T.INT64, "rfb_label": T.INT64}
    g = h.make_graph(nodes, "ml_trees",
                     [h.make_tensor_value_info(k, T.FLOAT, [n, a.shape[1]]) for k, a in ins],
                     [h.make_tensor_value_info(k, types.get(k, T.FLOAT), list(a.shape)) for k, a in outs])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 17), h.make_opsetid(ML, 3)])
    m.ir_version = 8
    onnx.checker.check_model(m)
    save_case("ml_trees", m, ins, outs)


def linear_model():
    rng = np.random.default_rng(1)
    iris = load_iris()
    xi, yi = iris.data.astype(f32), iris.target
    logreg = LogisticRegression(max_iter=500).fit(xi, yi)
    svc = SVC(kernel="rbf", gamma=0.5, C=2.0, probability=True, random_state=0).fit(xi, yi)

    cancer = load_breast_cancer()
    xc = StandardScaler().fit_transform(cancer.data).astype(f32)
    binlog = LogisticRegression(max_iter=500).fit(xc, cancer.target)
    svcb = SVC(kernel="poly", degree=2, gamma=0.05, coef0=1.0, C=1.0).fit(xc, cancer.target)

    diab = load_diabetes()
    xd, yd = diab.data.astype(f32), diab.target
    linreg = LinearRegression().fit(xd, yd)
    svr = SVR(kernel="rbf", gamma=5.0, C=50.0).fit(xd, yd)
    etr = ExtraTreesRegressor(n_estimators=3, max_depth=3, random_state=1).fit(xd, yd)

    # TreeEnsemble (ml 5): interior nodes and leaves in separate arrays.
    nf, nm, ns, nt, nfa, ntl, nfl, lt, lw, roots = ([] for _ in range(10))
    for est in etr.estimators_:
        tr = est.tree_
        inner = [i for i in range(tr.node_count) if tr.children_left[i] != -1]
        leaves = [i for i in range(tr.node_count) if tr.children_left[i] == -1]
        ni = {old: len(nf) + k for k, old in enumerate(inner)}
        li = {old: len(lt) + k for k, old in enumerate(leaves)}
        roots.append(ni[0])
        for i in inner:
            nf.append(int(tr.feature[i]))
            nm.append(0)  # BRANCH_LEQ
            ns.append(float(tr.threshold[i]))
            for child, ids, leafs in ((tr.children_left[i], nt, ntl), (tr.children_right[i], nfa, nfl)):
                is_leaf = child in li
                ids.append(li[child] if is_leaf else ni[child])
                leafs.append(int(is_leaf))
        for i in leaves:
            lt.append(0)
            lw.append(float(tr.value[i][0][0]))

    nodes = [
        h.make_node("LinearClassifier", ["iris"], ["logreg_label", "logreg_proba"], domain=ML,
                    coefficients=logreg.coef_.astype(f32).ravel().tolist(), intercepts=logreg.intercept_.tolist(),
                    classlabels_ints=[0, 1, 2], post_transform="SOFTMAX", multi_class=1),
        h.make_node("LinearClassifier", ["cancer"], ["binlog_label", "binlog_proba"], domain=ML,
                    coefficients=np.concatenate([-binlog.coef_, binlog.coef_]).ravel().tolist(),
                    intercepts=[-float(binlog.intercept_[0]), float(binlog.intercept_[0])], classlabels_ints=[0, 1],
                    post_transform="LOGISTIC"),
        h.make_node("SVMClassifier", ["iris"], ["svc_label", "svc_proba"], domain=ML, kernel_type="RBF",
                    kernel_params=[float(svc._gamma), float(svc.coef0), float(svc.degree)],
                    support_vectors=svc.support_vectors_.ravel().tolist(),
                    vectors_per_class=svc.n_support_.tolist(), coefficients=svc._dual_coef_.ravel().tolist(),
                    rho=svc._intercept_.tolist(), prob_a=svc.probA_.tolist(), prob_b=svc.probB_.tolist(),
                    classlabels_ints=[0, 1, 2]),
        # Binary, no probabilities: the label by vote, the scores [-s, s] of libsvm's decision s
        # (positive for the first class, so scikit-learn's decision_function is -s).
        h.make_node("SVMClassifier", ["cancer"], ["svcb_label", "svcb_score"], domain=ML, kernel_type="POLY",
                    kernel_params=[float(svcb._gamma), float(svcb.coef0), float(svcb.degree)],
                    support_vectors=svcb.support_vectors_.ravel().tolist(), vectors_per_class=svcb.n_support_.tolist(),
                    coefficients=svcb._dual_coef_.ravel().tolist(), rho=svcb._intercept_.tolist(),
                    classlabels_ints=[0, 1]),
        h.make_node("LinearRegressor", ["diabetes"], ["linreg_value"], domain=ML,
                    coefficients=linreg.coef_.tolist(), intercepts=[float(linreg.intercept_)], targets=1),
        h.make_node("SVMRegressor", ["diabetes"], ["svr_value"], domain=ML, kernel_type="RBF",
                    kernel_params=[float(svr._gamma), 0.0, 3.0], n_supports=len(svr.support_),
                    support_vectors=svr.support_vectors_.ravel().tolist(), coefficients=svr.dual_coef_[0].tolist(),
                    rho=[float(svr.intercept_[0])]),
        h.make_node("TreeEnsemble", ["diabetes"], ["tree5_value"], domain=ML, n_targets=1, aggregate_function=0,
                    nodes_featureids=nf, nodes_modes=nh.from_array(np.array(nm, np.uint8), "nodes_modes"),
                    nodes_splits=nh.from_array(np.array(ns, f32), "nodes_splits"), nodes_truenodeids=nt,
                    nodes_falsenodeids=nfa, nodes_trueleafs=ntl, nodes_falseleafs=nfl, leaf_targetids=lt,
                    leaf_weights=nh.from_array(np.array(lw, f32), "leaf_weights"), tree_roots=roots),
        h.make_node("Normalizer", ["iris"], ["iris_l2"], domain=ML, norm="L2"),
        h.make_node("Binarizer", ["iris"], ["iris_bin"], domain=ML, threshold=3.0),
        h.make_node("ArrayFeatureExtractor", ["iris", "picks"], ["iris_picked"], domain=ML),
        h.make_node("Imputer", ["iris_gaps"], ["iris_filled"], domain=ML, replaced_value_float=float("nan"),
                    imputed_value_floats=xi.mean(axis=0).tolist()),
    ]
    n = 12
    pi, pc, pd = (rng.choice(len(a), n, replace=False) for a in (xi, xc, xd))
    gaps = xi[pi].copy()
    gaps[rng.random(gaps.shape) < 0.3] = np.nan
    picks = np.array([3, 0, 3], np.int64)
    ins = [("iris", xi[pi]), ("cancer", xc[pc]), ("diabetes", xd[pd]), ("iris_gaps", gaps)]
    norms = np.linalg.norm(xi[pi].astype(np.float64), axis=1, keepdims=True)
    filled = np.where(np.isnan(gaps), xi.mean(axis=0)[None, :].astype(f32), gaps)
    outs = [("logreg_label", logreg.predict(xi[pi]).astype(np.int64)),
            ("logreg_proba", logreg.predict_proba(xi[pi]).astype(f32)),
            ("binlog_label", binlog.predict(xc[pc]).astype(np.int64)),
            ("binlog_proba", binlog.predict_proba(xc[pc]).astype(f32)),
            ("svc_label", svc.predict(xi[pi]).astype(np.int64)), ("svc_proba", svc.predict_proba(xi[pi]).astype(f32)),
            ("svcb_label", svcb.predict(xc[pc]).astype(np.int64)),
            ("svcb_score", np.stack([svcb.decision_function(xc[pc]), -svcb.decision_function(xc[pc])], 1).astype(f32)),
            ("linreg_value", linreg.predict(xd[pd]).astype(f32)[:, None]),
            ("svr_value", svr.predict(xd[pd]).astype(f32)[:, None]),
            ("tree5_value", etr.predict(xd[pd]).astype(f32)[:, None]),
            ("iris_l2", (xi[pi] / norms).astype(f32)), ("iris_bin", (xi[pi] > 3.0).astype(f32)),
            ("iris_picked", xi[pi][:, picks]), ("iris_filled", filled.astype(f32))]
    types = {k: T.INT64 for k in ("logreg_label", "binlog_label", "svc_label", "svcb_label")}
    g = h.make_graph(nodes, "ml_linear",
                     [h.make_tensor_value_info(k, T.FLOAT, list(a.shape)) for k, a in ins],
                     [h.make_tensor_value_info(k, types.get(k, T.FLOAT), list(a.shape)) for k, a in outs],
                     [nh.from_array(picks, "picks")])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 21), h.make_opsetid(ML, 5)])
    m.ir_version = 10  # Debian's onnx 1.12 knows neither: no checker here
    save_case("ml_linear", m, ins, outs)


trees_model()
linear_model()
