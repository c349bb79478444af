"""imbalanced-learn's and scikit-learn's common checks, with tiny settings."""

from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

from gansampler import (
    CNNClassifier,
    DiffusionOverSampler,
    FilteredOverSampler,
    GANOverSampler,
    LatentSMOTE,
    VAEOverSampler,
)


def _sampler_failures(estimator):
    return {
        "check_samplers_pandas_sparse": (
            "images are dense: sparse input (scipy or pandas) is rejected with a "
            "TypeError telling the user to call .toarray()"
        ),
    }


@imblearn_checks(
    [
        # one epoch makes unusable images, which the sample check would refuse
        GANOverSampler(max_epochs=1, width=4, latent_dim=8, random_state=0, sample_check=None),
        GANOverSampler(max_epochs=1, width=4, latent_dim=8, random_state=0, sample_check=None,
                       init="autoencoder", init_epochs=1),
        VAEOverSampler(max_epochs=2, width=4, latent_dim=4, random_state=0),
        LatentSMOTE(max_epochs=2, width=4, latent_dim=4, k_neighbors=3, random_state=0),
        DiffusionOverSampler(max_steps=2, n_sampling_steps=2, width=4, sample_check=None, random_state=0),
        FilteredOverSampler(VAEOverSampler(max_epochs=2, width=4, latent_dim=4),
                            classifier=CNNClassifier(max_epochs=1, module__width=4), random_state=0),
    ],
    expected_failed_checks=_sampler_failures,
)
def test_sampler_imblearn_checks(estimator, check):
    check(estimator)


def _classifier_failures(estimator):
    return {
        "check_no_attributes_set_in_init": (
            "skorch's NeuralNet.__init__ sets history_, initialized_ and "
            "virtual_params_; inherited, not ours to change"
        ),
        "check_set_params": (
            "skorch's set_params routes special values through its own "
            "re-initialisation logic and rejects arbitrary objects like -inf for "
            "callbacks"
        ),
    }


@sklearn_checks(
    [CNNClassifier(max_epochs=10, lr=1e-2, random_state=0)],
    expected_failed_checks=_classifier_failures,
)
def test_classifier_sklearn_checks(estimator, check):
    check(estimator)
