#!/usr/bin/python3
"""onnx2mcu demo model: a small CNN for the 8x8 UCI digits (via Debian's sklearn).

Run: /usr/bin/python3 models/digits/make_model.py   (python3-numpy, python3-onnx)
Writes model.onnx, test_data_set_K/{input_0,output_0}.pb (K = 0..19, two held-out
digits per class, in class order) and labels.txt. Seeded, single-threaded:
reruns are byte-identical.
"""
import os

# Multi-threaded BLAS may change summation order between runs; pin it to one
# thread before numpy is imported so the trained weights are reproducible.
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import glob
import gzip
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS_CSV = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
SEED = 20240601
HELD_OUT_FRACTION = 0.2
EPOCHS, BATCH, LR = 40, 32, 3e-3
N_TEST_SETS_PER_CLASS = 2


def load_digits():
    with gzip.open(DIGITS_CSV, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    x = (data[:, :64] / 16.0).reshape(-1, 1, 8, 8)  # NCHW, pixels 0..16 -> [0,1]
    return x, data[:, 64].astype(np.int64)


def split(y, rng):
    # Stratified so every class is represented in proportion; held-out indices
    # are sorted so "the first held-out example of class c" is well defined.
    test = []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        test.extend(idx[: int(round(len(idx) * HELD_OUT_FRACTION))])
    test = np.sort(np.array(test))
    train = rng.permutation(np.setdiff1d(np.arange(len(y)), test))
    return train, test


# ---------------------------------------------------------------- training ---
# Convolutions are done as im2col + matmul; 3x3 kernels, stride 1, pad 1.
def im2col(x):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    cols = np.stack([xp[:, :, i:i + h, j:j + w] for i in range(3) for j in range(3)], axis=2)
    return cols.transpose(0, 3, 4, 1, 2).reshape(n * h * w, c * 9)  # (c, kh, kw) order


def col2im(dcols, shape):
    n, c, h, w = shape
    d = dcols.reshape(n, h, w, c, 9).transpose(0, 3, 4, 1, 2)
    dxp = np.zeros((n, c, h + 2, w + 2))
    for k in range(9):
        i, j = divmod(k, 3)
        dxp[:, :, i:i + h, j:j + w] += d[:, :, k]
    return dxp[:, :, 1:-1, 1:-1]


def conv_fwd(x, w, b):
    n, _, h, wd = x.shape
    cols = im2col(x)
    out = cols @ w.reshape(w.shape[0], -1).T + b
    return out.reshape(n, h, wd, -1).transpose(0, 3, 1, 2), cols


def conv_bwd(dout, cols, w, xshape):
    d = dout.transpose(0, 2, 3, 1).reshape(-1, w.shape[0])
    dw = (d.T @ cols).reshape(w.shape)
    return col2im(d @ w.reshape(w.shape[0], -1), xshape), dw, d.sum(0)


def pool_fwd(x):
    n, c, h, w = x.shape
    win = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    arg = win.argmax(-1)  # route the gradient to one element only, even on ties
    return np.take_along_axis(win, arg[..., None], -1)[..., 0], arg


def pool_bwd(dout, arg, xshape):
    n, c, h, w = xshape
    dwin = np.zeros(arg.shape + (4,))
    np.put_along_axis(dwin, arg[..., None], dout[..., None], -1)
    return dwin.reshape(n, c, h // 2, w // 2, 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(xshape)


def forward(p, x):
    c1, cols1 = conv_fwd(x, p["conv1.weight"], p["conv1.bias"])
    r1 = np.maximum(c1, 0)
    p1, a1 = pool_fwd(r1)
    c2, cols2 = conv_fwd(p1, p["conv2.weight"], p["conv2.bias"])
    r2 = np.maximum(c2, 0)
    p2, a2 = pool_fwd(r2)
    f = p2.reshape(len(x), -1)
    logits = f @ p["fc.weight"].T + p["fc.bias"]
    return logits, (x, cols1, c1, r1, a1, p1, cols2, c2, r2, a2, f)


def backward(p, cache, dlogits):
    x, cols1, c1, r1, a1, p1, cols2, c2, r2, a2, f = cache
    g = {"fc.weight": dlogits.T @ f, "fc.bias": dlogits.sum(0)}
    dp2 = (dlogits @ p["fc.weight"]).reshape(len(x), 16, 2, 2)
    dc2 = pool_bwd(dp2, a2, r2.shape) * (c2 > 0)
    dp1, g["conv2.weight"], g["conv2.bias"] = conv_bwd(dc2, cols2, p["conv2.weight"], p1.shape)
    dc1 = pool_bwd(dp1, a1, r1.shape) * (c1 > 0)
    _, g["conv1.weight"], g["conv1.bias"] = conv_bwd(dc1, cols1, p["conv1.weight"], x.shape)
    return g


def train(x, y, rng):
    def he(shape, fan_in):
        return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
    p = {"conv1.weight": he((8, 1, 3, 3), 9), "conv1.bias": np.zeros(8),
         "conv2.weight": he((16, 8, 3, 3), 72), "conv2.bias": np.zeros(16),
         "fc.weight": he((10, 64), 64) / np.sqrt(2.0), "fc.bias": np.zeros(10)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(v) for k, v in p.items()}
    b1, b2, eps, t = 0.9, 0.999, 1e-8, 0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(x))
        lr = LR * 0.5 * (1 + np.cos(np.pi * epoch / EPOCHS))  # cosine decay
        loss = 0.0
        for s in range(0, len(x), BATCH):
            idx = order[s:s + BATCH]
            logits, cache = forward(p, x[idx])
            z = logits - logits.max(1, keepdims=True)
            prob = np.exp(z) / np.exp(z).sum(1, keepdims=True)
            loss -= np.log(prob[np.arange(len(idx)), y[idx]]).sum()
            prob[np.arange(len(idx)), y[idx]] -= 1.0  # d(mean CE)/d(logits)
            g = backward(p, cache, prob / len(idx))
            t += 1
            for k in p:  # Adam
                m[k] = b1 * m[k] + (1 - b1) * g[k]
                v[k] = b2 * v[k] + (1 - b2) * g[k] ** 2
                p[k] -= lr * (m[k] / (1 - b1 ** t)) / (np.sqrt(v[k] / (1 - b2 ** t)) + eps)
        if epoch % 10 == 9 or epoch == EPOCHS - 1:
            print(f"epoch {epoch + 1:3d}  train loss {loss / len(x):.4f}")
    return p


# ------------------------------------------------------------------ export ---
def export(p, path):
    inits = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in p.items()]
    nodes = [
        helper.make_node("Conv", ["image", "conv1.weight", "conv1.bias"], ["conv1_out"], "conv1",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["conv1_out"], ["relu1_out"], "relu1"),
        helper.make_node("MaxPool", ["relu1_out"], ["pool1_out"], "pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["pool1_out", "conv2.weight", "conv2.bias"], ["conv2_out"], "conv2",
                         kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node("Relu", ["conv2_out"], ["relu2_out"], "relu2"),
        helper.make_node("MaxPool", ["relu2_out"], ["pool2_out"], "pool2", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["pool2_out"], ["flatten_out"], "flatten", axis=1),
        helper.make_node("Gemm", ["flatten_out", "fc.weight", "fc.bias"], ["logits"], "fc", transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], "softmax", axis=1),
    ]
    graph = helper.make_graph(
        nodes, "digits_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, [1, 10])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="onnx2mcu make_model.py",
                              opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 7
    model.doc_string = "8x8 handwritten digit classifier (UCI digits via sklearn); input in [0,1]"
    onnx.checker.check_model(model)
    onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.save(model, path)


# --------------------------------------------- independent float32 reference ---
# Interprets the *saved* file node by node with plain loops, honouring the
# attributes actually stored, so the reference checks the file, not the trainer.
def reference_run(model, x):
    env = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    env[model.graph.input[0].name] = x.astype(np.float32)
    for node in model.graph.node:
        a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
        ins = [env[n] for n in node.input]
        if node.op_type == "Conv":
            X, W, B = ins
            pt, pl, pb, pr = a["pads"]
            (kh, kw), (sh, sw) = a["kernel_shape"], a.get("strides", [1, 1])
            assert a.get("group", 1) == 1 and a.get("dilations", [1, 1]) == [1, 1]
            Xp = np.pad(X, ((0, 0), (0, 0), (pt, pb), (pl, pr)))
            oh, ow = (Xp.shape[2] - kh) // sh + 1, (Xp.shape[3] - kw) // sw + 1
            Y = np.empty((X.shape[0], W.shape[0], oh, ow), np.float32)
            Y[:] = B[None, :, None, None]
            for oc in range(W.shape[0]):
                for ic in range(W.shape[1]):
                    for i in range(kh):
                        for j in range(kw):
                            Y[:, oc] += W[oc, ic, i, j] * Xp[:, ic, i:i + sh * oh:sh, j:j + sw * ow:sw]
        elif node.op_type == "Relu":
            Y = np.maximum(ins[0], np.float32(0))
        elif node.op_type == "MaxPool":
            X = ins[0]
            (kh, kw), (sh, sw) = a["kernel_shape"], a["strides"]
            assert not any(a.get("pads", [0]))
            oh, ow = (X.shape[2] - kh) // sh + 1, (X.shape[3] - kw) // sw + 1
            Y = np.full(X.shape[:2] + (oh, ow), -np.inf, np.float32)
            for i in range(kh):
                for j in range(kw):
                    Y = np.maximum(Y, X[:, :, i:i + sh * oh:sh, j:j + sw * ow:sw])
        elif node.op_type == "Flatten":
            X = ins[0]
            Y = X.reshape(int(np.prod(X.shape[:a["axis"]])), -1)
        elif node.op_type == "Gemm":
            A, Bm, C = ins
            assert a.get("transB") == 1 and not a.get("transA", 0)
            Y = np.array([[np.sum(a_ * b_, dtype=np.float32) + c_ for b_, c_ in zip(Bm, C)]
                          for a_ in A], np.float32)
        elif node.op_type == "Softmax":
            assert a["axis"] == 1
            e = np.exp(ins[0] - ins[0].max(axis=1, keepdims=True))
            Y = e / e.sum(axis=1, keepdims=True)
        else:
            raise NotImplementedError(node.op_type)
        assert Y.dtype == np.float32, node.name
        env[node.output[0]] = Y
    return env[model.graph.output[0].name]


def main():
    rng = np.random.default_rng(SEED)
    x, y = load_digits()
    train_idx, test_idx = split(y, rng)
    print(f"{len(x)} digits: {len(train_idx)} train, {len(test_idx)} held out")
    params = train(x[train_idx], y[train_idx], rng)
    acc64 = (forward(params, x[test_idx])[0].argmax(1) == y[test_idx]).mean()
    print(f"held-out accuracy (float64 trainer): {acc64:.4f}")

    model_path = os.path.join(HERE, "model.onnx")
    export(params, model_path)
    model = onnx.load(model_path)
    in_name, out_name = model.graph.input[0].name, model.graph.output[0].name

    # Accuracy that matters is that of the exported float32 file.
    preds = np.array([reference_run(model, x[i:i + 1]).argmax() for i in test_idx])
    acc32 = (preds == y[test_idx]).mean()
    print(f"held-out accuracy (exported float32 model): {acc32:.4f} "
          f"({(preds == y[test_idx]).sum()}/{len(test_idx)})")
    assert acc32 >= 0.95, "model below 95% held-out accuracy"

    for d in glob.glob(os.path.join(HERE, "test_data_set_*")):
        shutil.rmtree(d)
    labels = []
    for c in range(10):
        for i in test_idx[y[test_idx] == c][:N_TEST_SETS_PER_CLASS]:
            k = len(labels)
            d = os.path.join(HERE, f"test_data_set_{k}")
            os.makedirs(d)
            inp = x[i:i + 1].astype(np.float32)
            out = reference_run(model, inp)
            for name, arr, fn in ((in_name, inp, "input_0.pb"), (out_name, out, "output_0.pb")):
                with open(os.path.join(d, fn), "wb") as f:
                    f.write(numpy_helper.from_array(arr, name).SerializeToString())
            labels.append(c)
            if out.argmax() != c:
                print(f"note: test_data_set_{k} (label {c}) is predicted as {out.argmax()}")
    with open(os.path.join(HERE, "labels.txt"), "w") as f:
        f.write("".join(f"{c}\n" for c in labels))
    print(f"wrote {model_path} and {len(labels)} test data sets")


if __name__ == "__main__":
    main()
