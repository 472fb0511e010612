#!/usr/bin/python3
"""Reference metric values computed with scikit-learn, written as JSON fixtures for
test/engine/eval/metrics.test.ts.

Each case has labels and class probabilities (seeded numpy draws, some deliberately
degenerate) and the values scikit-learn gives for them. Regenerate with
    /usr/bin/python3 bench/peer/metrics_sklearn.py test/fixtures/metrics
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn import metrics as M


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nan_to_none(x):
    if isinstance(x, float) and (np.isnan(x) or np.isinf(x)):
        return None
    return x


def curve(y_bin, score, drop):
    fpr, tpr, thr = M.roc_curve(y_bin, score, drop_intermediate=drop)
    # sklearn 1.2 puts thresholds[0] + 1 first; the engine uses +Infinity: compare from index 1
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": thr[1:].tolist()}


def reference(name, y, p, negative=None, note=""):
    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(p, dtype=np.float64)
    k = p.shape[1]
    labels = list(range(k))
    pred = p.argmax(axis=1)
    prec, rec, f1, support = M.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    out = {
        "name": name,
        "note": note,
        "numClasses": k,
        "labels": y.tolist(),
        "probs": p.reshape(-1).tolist(),
        "negativeClass": negative,
        "expected": {
            "predictions": pred.tolist(),
            "accuracy": M.accuracy_score(y, pred),
            "confusion": M.confusion_matrix(y, pred, labels=labels).tolist(),
            "precision": prec.tolist(),
            "recall": rec.tolist(),
            "f1": f1.tolist(),
            "support": support.tolist(),
            # macro over sklearn's default label set (classes in y or pred)
            "macroF1": M.f1_score(y, pred, average="macro", zero_division=0),
            "logLoss": M.log_loss(y, p, labels=labels),
        },
    }
    e = out["expected"]
    present = set(y.tolist())
    # balanced accuracy: sklearn warns (but answers) when pred has classes absent from y
    e["balancedAccuracy"] = M.balanced_accuracy_score(y, pred)
    class_auc = []
    for c in range(k):
        yc = (y == c).astype(int)
        class_auc.append(M.roc_auc_score(yc, p[:, c]) if 0 < yc.sum() < len(yc) else None)
    e["classAuc"] = class_auc
    if len(present) == k:
        e["aucOvr"] = M.roc_auc_score(y, p, multi_class="ovr", average="macro", labels=labels) if k > 2 else M.roc_auc_score(y, p[:, 1])
    else:
        e["aucOvr"] = None  # sklearn raises; the engine averages the defined classes
    if negative is not None:
        yb = (y != negative).astype(int)
        s = 1.0 - p[:, negative]
        e["aucBinary"] = M.roc_auc_score(yb, s) if 0 < yb.sum() < len(yb) else None
        e["rocFull"] = curve(yb, s, False)
        e["rocDropped"] = curve(yb, s, True)
    return out


def write_logreg(outdir, rng):
    """L2 multinomial logistic regression optimum (lbfgs, tight tolerance) on standardised
    Gaussian features: the linear probe with weight decay 1/(C*n) must reach the same model."""
    n, d, k, C = 240, 6, 3, 0.5
    centers = rng.normal(0, 1.0, (k, d))
    y = rng.randint(0, k, n)
    x = centers[y] + rng.normal(0, 1.2, (n, d))
    mu, sd = x.mean(axis=0), x.std(axis=0)
    x = (x - mu) / sd
    yq = rng.randint(0, k, 60)
    xq = (centers[yq] + rng.normal(0, 1.2, (60, d)) - mu) / sd
    from sklearn.linear_model import LogisticRegression
    m = LogisticRegression(C=C, multi_class="multinomial", solver="lbfgs", tol=1e-12, max_iter=100000).fit(x, y)
    out = {"generator": "bench/peer/metrics_sklearn.py", "sklearn": sklearn.__version__, "C": C,
           "weightDecay": 1.0 / (C * n), "numClasses": k, "dim": d,
           "train": {"x": x.reshape(-1).tolist(), "y": y.tolist()},
           "query": {"x": xq.reshape(-1).tolist(), "y": yq.tolist()},
           "coef": m.coef_.tolist(), "intercept": m.intercept_.tolist(),
           "queryProbs": m.predict_proba(xq).reshape(-1).tolist()}
    with open(os.path.join(outdir, "logreg-sklearn.json"), "w") as f:
        json.dump(out, f)
        f.write("\n")


def main(outdir):
    rng = np.random.RandomState(20261124)
    cases = []

    # 1. ordinary multiclass: noisy logits correlated with the label
    n, k = 200, 4
    y = rng.randint(0, k, n)
    z = rng.normal(0, 1.2, (n, k))
    z[np.arange(n), y] += 1.5
    cases.append(reference("multiclass", y, softmax(z), note="4 classes, 200 images"))

    # 2. one class never predicted (class 2 always gets a low score)
    n, k = 120, 3
    y = rng.randint(0, k, n)
    z = rng.normal(0, 1, (n, k))
    z[np.arange(n), y] += 1.0
    z[:, 2] -= 10.0
    cases.append(reference("class-never-predicted", y, softmax(z), note="precision of class 2 is 0/0 -> 0"))

    # 3. perfect scores: one-hot probabilities of the true class (log loss clipped at eps)
    y = np.array([0, 1, 2, 2, 1, 0, 0, 2, 1, 1])
    p = np.eye(3)[y]
    cases.append(reference("perfect", y, p, negative=0, note="one-hot, exact zeros and ones"))

    # 4. constant scores: every image gets the same distribution -> AUC 0.5, all predicted 0
    y = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1, 1, 2])
    p = np.tile([[0.5, 0.3, 0.2]], (len(y), 1))
    cases.append(reference("constant", y, p, negative=0, note="ties everywhere"))

    # 5. ties in AUC: probabilities quantised to a coarse grid
    n, k = 150, 3
    y = rng.randint(0, k, n)
    z = rng.normal(0, 1, (n, k))
    z[np.arange(n), y] += 1.0
    p = np.round(softmax(z) * 5) / 5
    p = np.where(p.sum(axis=1, keepdims=True) == 0, 1.0 / k, p)
    p = p / p.sum(axis=1, keepdims=True)
    cases.append(reference("quantised-ties", y, p, negative=1, note="many tied scores"))

    # 6. unbalanced with a named negative class (the blog's setting)
    n, k = 300, 4
    y = rng.choice(k, n, p=[0.7, 0.15, 0.1, 0.05])
    z = rng.normal(0, 1, (n, k))
    z[np.arange(n), y] += 1.2
    cases.append(reference("negative-class", y, softmax(z), negative=0, note="70% negatives"))

    # 7. two classes
    n = 80
    y = rng.randint(0, 2, n)
    z = rng.normal(0, 1, (n, 2))
    z[np.arange(n), y] += 0.8
    cases.append(reference("binary", y, softmax(z), negative=0, note="two classes"))

    # 8. a class absent from the labels but predicted; OvR AUC undefined in sklearn
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1])
    p = np.array([[0.6, 0.1, 0.3], [0.2, 0.1, 0.7], [0.1, 0.8, 0.1], [0.3, 0.3, 0.4],
                  [0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.4, 0.4, 0.2], [0.45, 0.5, 0.05]])
    cases.append(reference("class-absent-from-labels", y, p, negative=0,
                           note="class 2 predicted but never true; tie between 0 and 1 in row 6"))

    os.makedirs(outdir, exist_ok=True)
    write_logreg(outdir, np.random.RandomState(7))
    path = os.path.join(outdir, "sklearn-reference.json")
    with open(path, "w") as f:
        json.dump({"generator": "bench/peer/metrics_sklearn.py", "sklearn": sklearn.__version__,
                   "numpy": np.__version__, "cases": cases}, f, indent=1, allow_nan=False,
                  default=lambda o: o.item() if hasattr(o, "item") else None)
        f.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "test/fixtures/metrics")
