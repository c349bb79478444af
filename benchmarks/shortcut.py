"""Where does a classifier trained on resampled data put the minority class?

For each seed, fits the default ``CNNClassifier`` on the real training data
(``none``), on randomly oversampled data (``random``) and on GAN-balanced data
(``gan``, ``GANOverSampler`` defaults), and prints the mean probability it gives
the minority class on: the real minority training images, the real minority
test images, the majority test images, and fresh GAN images of the minority
class; plus minority recall on the test split. A classifier that gives fresh GAN
images a higher probability than the real training images has learned a region
of its own for them (README, Results).

It also separates ranking from operating point. It prints the test ROC-AUC and
balanced accuracy as ``benchmarks/run.py`` scores them (macro one-vs-rest AUC
and multi-class balanced accuracy; with two classes, those of the minority vs
the other class), and, for two classes, the test balanced accuracy at the
threshold on P(minority) that maximises it on the validation split (when the
file has one; NaN otherwise). A method that only moves the operating point leaves ``AUC(test)``
and ``bal.acc(val thr.)`` close to ``none``'s. With several seeds, the last rows
are the means over seeds.

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
    """The threshold ``t`` for which ``scores >= t`` has the best balanced
    accuracy on these rows; NaN when they hold only one class."""
    from sklearn.metrics import roc_curve

    positive = np.asarray(positive, dtype=bool)
    if positive.all() or not positive.any():
        return np.nan
    fpr, tpr, thresholds = roc_curve(positive, scores)
    return thresholds[np.argmax(tpr - fpr)]  # balanced accuracy = (tpr + 1 - fpr) / 2


def shortcut_report(X_train, y_train, X_test, y_test, seed, gan_params=None, n_fresh=500,
                    X_val=None, y_val=None):
    """Rows ``(method, figures)`` for one seed; figures as described above."""
    from imblearn.over_sampling import RandomOverSampler
    from sklearn.metrics import balanced_accuracy_score

    from gansampler import CNNClassifier, GANOverSampler
    from gansampler.evaluation import score_predictions

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
    positive = y_test == minority
    rows = []
    for method, (X, y) in resampled.items():
        clf = CNNClassifier(image_shape=shape, random_state=seed).fit(X.reshape(len(X), *shape), y)
        column = list(clf.classes_).index(minority)
        proba_test = clf.predict_proba(X_test)
        # as benchmarks/run.py scores: recall from the predicted class, multi-class
        # balanced accuracy, macro one-vs-rest ROC-AUC
        scores = score_predictions(y_test, clf.classes_[proba_test.argmax(1)], proba_test,
                                   clf.classes_, minority)
        tuned = np.nan  # one threshold on P(minority) only decides between two classes
        if X_val is not None and len(clf.classes_) == 2:
            threshold = _threshold_for_balanced_accuracy(clf.predict_proba(X_val)[:, column],
                                                         y_val == minority)
            if not np.isnan(threshold):
                tuned = balanced_accuracy_score(positive, proba_test[:, column] >= threshold)
        rows.append((method, {
            "minority_recall_test": scores["minority_recall"],
            "balanced_accuracy_test": scores["balanced_accuracy"],
            "roc_auc_test": scores["roc_auc"],
            "balanced_accuracy_val_threshold": float(tuned),
            "p_train_minority": float(clf.predict_proba(X_train[y_train == minority])[:, column].mean()),
            "p_test_minority": float(proba_test[positive, column].mean()),
            "p_test_other": float(proba_test[~positive, column].mean()),
            "p_fresh_gan": float(clf.predict_proba(fresh)[:, column].mean()),
        }))
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=str(PNEUMONIA),
                        help="a MedMNIST .npz: train and test splits; val, if present, for the tuned threshold")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--max-epochs", type=int, default=None, help="GAN epochs (default: the sampler's)")
    args = parser.parse_args(argv)
    if not Path(args.data).exists():
        print(f"skipping {args.data}: file not found", flush=True)
        return 0

    from gansampler.datasets import load_medmnist

    X_train, y_train = load_medmnist(args.data, "train")
    X_test, y_test = load_medmnist(args.data, "test")
    with np.load(args.data) as archive:
        has_val = "val_images" in archive.files or "val_labels" in archive.files
    # a val split that is there but broken raises load_medmnist's error, not skipped
    X_val, y_val = load_medmnist(args.data, "val") if has_val else (None, None)
    # a few epochs make unusable images: a short smoke run keeps them instead of stopping
    gan_params = {} if args.max_epochs is None else {"max_epochs": args.max_epochs, "sample_check": "warn"}
    print("Per classifier (trained on each method's data): minority recall on the test split; mean "
          "P(minority) on the real minority train / test images, the other test images and fresh GAN "
          "images; test balanced accuracy and ROC-AUC (as benchmarks/run.py scores them); test balanced "
          "accuracy at the threshold on P(minority) tuned on the val split (two classes only)")
    columns = ("minority_recall_test", "p_train_minority", "p_test_minority", "p_test_other", "p_fresh_gan",
               "balanced_accuracy_test", "roc_auc_test", "balanced_accuracy_val_threshold")
    widths = (12, 7, 7, 7, 9, 7, 9, 17)
    print(f"{'seed':>4} {'method':8} " + " ".join(f"{name:>{w}}" for name, w in zip(
        ("recall(test)", "train", "test", "other", "fresh GAN", "bal.acc", "AUC(test)", "bal.acc(val thr.)"),
        widths)))
    by_method = {}
    for seed in args.seeds:
        for method, f in shortcut_report(X_train, y_train, X_test, y_test, seed, gan_params,
                                         X_val=X_val, y_val=y_val):
            values = [f[name] for name in columns]
            by_method.setdefault(method, []).append(values)
            print(f"{seed:>4} {method:8} " + " ".join(f"{v:>{w}.3f}" for v, w in zip(values, widths)), flush=True)
    if len(args.seeds) > 1:
        for method, values in by_method.items():
            mean = np.mean(values, axis=0)
            print(f"{'mean':>4} {method:8} " + " ".join(f"{v:>{w}.3f}" for v, w in zip(mean, widths)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
