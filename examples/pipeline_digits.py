"""GANOverSampler in an imbalanced-learn pipeline, cross-validated and grid-searched.

Runs on scikit-learn's bundled digits made imbalanced (no download), on 2 CPU
cores in about a minute:

    python examples/pipeline_digits.py

The sampler runs on the training folds only; the test folds are never resampled.
"""

from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from gansampler import CNNClassifier, GANOverSampler
from gansampler.datasets import load_digits_imbalanced


def main(max_epochs=20, clf_epochs=10, sample_check="raise"):
    """``sample_check=None`` lets tests run with a single, unusable epoch."""
    X, y = load_digits_imbalanced(imbalance="moderate", random_state=0)  # (n, 1, 8, 8) uint8
    print("images", X.shape, X.dtype, "class counts", [int((y == c).sum()) for c in range(10)])

    pipe = Pipeline([
        ("gan", GANOverSampler(max_epochs=max_epochs, random_state=0, sample_check=sample_check)),
        ("clf", CNNClassifier(max_epochs=clf_epochs, random_state=0)),
    ])
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_validate(pipe, X, y, cv=cv, scoring=["balanced_accuracy", "f1_macro"])
    balanced, macro_f1 = scores["test_balanced_accuracy"].mean(), scores["test_f1_macro"].mean()
    print(f"3-fold balanced accuracy: {balanced:.3f}, macro-F1: {macro_f1:.3f}")

    # any sampler parameter is a grid-search parameter: gan__<name>
    search = GridSearchCV(pipe, {"gan__sampling_strategy": ["auto", "minority"]},
                          cv=cv, scoring="balanced_accuracy")
    search.fit(X, y)
    print("best:", search.best_params_, f"balanced accuracy {search.best_score_:.3f}")
    return scores, search


if __name__ == "__main__":
    main()
