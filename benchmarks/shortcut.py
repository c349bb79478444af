"""Where does a classifier trained on resampled data put the minority class?

For each seed, fits the default ``CNNClassifier`` on the real training data
(``none``), on randomly oversampled data (``random``) and on GAN-balanced data
(``gan``, ``GANOverSampler`` defaults), and prints the mean probability it gives
the minority class on: the real minority training images, the real minority
test images, the majority test images, and fresh GAN images of the minority
class; plus minority recall on the test split. A classifier that gives fresh GAN
images a higher probability than the real training images has learned a region
of its own for them (README, Results).

It also separates ranking from operating point. It prints the test ROC-AUC of
P(minority), minority vs the rest, and two balanced accuracies on the test
split: one at the classifier's own predictions, and one at the threshold on
P(minority) that maximises balanced accuracy on the validation split (when the
file has one). A method that only moves the operating point leaves the last two
figures close to ``none``'s.

Examples
--------
python benchmarks/shortcut.py                       # PneumoniaMNIST, seeds 0 and 1
python benchmarks/shortcut.py --data my/dermamnist.npz --seeds 0 1 2
"""

import argparse
import sys
from pathlib import Path

import numpy as np

PNEUMONIA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pneumoniamnist.npz"


def _threshold_for_balanced_accuracy(scores, positive):
    """The threshold on ``scores`` that maximises balanced accuracy on these rows."""
    from sklearn.metrics import roc_curve

    fpr, tpr, thresholds = roc_curve(positive, scores)
    return thresholds[np.argmax(tpr - fpr)]  # balanced accuracy = (tpr + 1 - fpr) / 2


def shortcut_report(X_train, y_train, X_test, y_test, seed, gan_params=None, n_fresh=500,
                    X_val=None, y_val=None):
    """Rows ``(method, figures)`` for one seed; figures as described above."""
    from imblearn.over_sampling import RandomOverSampler
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    from gansampler import CNNClassifier, GANOverSampler

    shape = X_train.shape[1:]
    labels, counts = np.unique(y_train, return_counts=True)
    minority = labels[np.argmin(counts)]
    gan = GANOverSampler(random_state=seed, **(gan_params or {}))
    resampled = {
        "none": (X_train, y_train),
        "random": RandomOverSampler(random_state=seed).fit_resample(
            X_train.reshape(len(X_train), -1), y_train
        ),
        "gan": gan.fit_resample(X_train, y_train),
    }
    fresh = gan.sample(n_fresh, minority, random_state=seed + 100)
    rows = []
    for method, (X, y) in resampled.items():
        clf = CNNClassifier(image_shape=shape, random_state=seed).fit(X.reshape(len(X), *shape), y)
        column = list(clf.classes_).index(minority)
        proba = {name: clf.predict_proba(a) for name, a in {
            "train_minority": X_train[y_train == minority],
            "test_minority": X_test[y_test == minority],
            "test_other": X_test[y_test != minority],
            "fresh_gan": fresh,
        }.items()}
        # recall from the predicted class, not P > 0.5: right with more than two classes too
        recall = np.mean(proba["test_minority"].argmax(1) == column)
        positive = y_test == minority
        p_test = clf.predict_proba(X_test)[:, column]
        tuned = np.nan
        if X_val is not None:
            threshold = _threshold_for_balanced_accuracy(clf.predict_proba(X_val)[:, column], y_val == minority)
            tuned = balanced_accuracy_score(positive, p_test >= threshold)
        rows.append((method, {
            "minority_recall_test": float(recall),
            "balanced_accuracy_test": float(balanced_accuracy_score(positive, clf.predict(X_test) == minority)),
            "roc_auc_test": float(roc_auc_score(positive, p_test)),
            "balanced_accuracy_val_threshold": float(tuned),
            **{f"p_{name}": float(v[:, column].mean()) for name, v in proba.items()},
        }))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(PNEUMONIA), help="a MedMNIST .npz (train and test splits)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--max-epochs", type=int, default=None, help="GAN epochs (default: the sampler's)")
    args = parser.parse_args(argv)
    if not Path(args.data).exists():
        print(f"skipping {args.data}: file not found", flush=True)
        return 0

    from gansampler.datasets import load_medmnist

    X_train, y_train = load_medmnist(args.data, "train")
    X_test, y_test = load_medmnist(args.data, "test")
    with np.load(args.data) as data:
        has_val = "val_images" in data.files
    X_val, y_val = load_medmnist(args.data, "val") if has_val else (None, None)
    gan_params = {} if args.max_epochs is None else {"max_epochs": args.max_epochs}
    print("P(minority | ...) by the classifier trained on each method's data")
    print(f"{'seed':>4} {'method':8} {'recall(test)':>12} {'train':>7} {'test':>7} {'other':>7} {'fresh GAN':>9}"
          f" {'bal.acc':>7} {'AUC(test)':>9} {'bal.acc(val thr.)':>17}")
    for seed in args.seeds:
        for method, f in shortcut_report(X_train, y_train, X_test, y_test, seed, gan_params,
                                         X_val=X_val, y_val=y_val):
            print(f"{seed:>4} {method:8} {f['minority_recall_test']:>12.3f} {f['p_train_minority']:>7.3f} "
                  f"{f['p_test_minority']:>7.3f} {f['p_test_other']:>7.3f} {f['p_fresh_gan']:>9.3f} "
                  f"{f['balanced_accuracy_test']:>7.3f} {f['roc_auc_test']:>9.3f} {f['balanced_accuracy_val_threshold']:>17.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
