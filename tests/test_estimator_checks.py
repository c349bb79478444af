"""imbalanced-learn's and scikit-learn's common checks, with tiny settings."""

from imblearn.base import BaseSampler
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.base import ClassifierMixin
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

import gansampler
from gansampler import CNNClassifier, VAEOverSampler

#: Tiny settings for each public estimator, one instance per entry; a new
#: estimator fails test_every_public_estimator_is_checked until it has some.
TINY = {
    # one epoch makes unusable images, which the sample check would refuse
    "GANOverSampler": [dict(max_epochs=1, width=4, latent_dim=8, random_state=0, sample_check=None),
                       dict(max_epochs=1, width=4, latent_dim=8, random_state=0, sample_check=None,
                            init="autoencoder", init_epochs=1)],
    "VAEOverSampler": [dict(max_epochs=2, width=4, latent_dim=4, random_state=0)],
    "LatentSMOTE": [dict(max_epochs=2, width=4, latent_dim=4, k_neighbors=3, random_state=0)],
    "DiffusionOverSampler": [dict(max_steps=2, n_sampling_steps=2, width=4, sample_check=None, random_state=0)],
    "FilteredOverSampler": [dict(sampler=VAEOverSampler(max_epochs=2, width=4, latent_dim=4),
                                 classifier=CNNClassifier(max_epochs=1, module__width=4), random_state=0)],
    "AugmentationOverSampler": [dict(random_state=0)],
    "CNNClassifier": [dict(max_epochs=10, lr=1e-2, random_state=0)],
}


def _public(kind):
    return {name: getattr(gansampler, name) for name in gansampler.__all__
            if isinstance(getattr(gansampler, name), type) and issubclass(getattr(gansampler, name), kind)}


def _instances(kind):
    return [cls(**params) for name, cls in _public(kind).items() for params in TINY.get(name, [])]


def test_every_public_estimator_is_checked():
    assert set(TINY) == set(_public(BaseSampler)) | set(_public(ClassifierMixin))


#: imbalanced-learn's checks that resample 2-D tabular rows without an image shape.
_TABULAR_CHECKS = ("check_samplers_fit", "check_samplers_fit_resample", "check_samplers_sampling_strategy_fit_resample",
                   "check_samplers_pandas", "check_samplers_list", "check_samplers_multiclass_ova",
                   "check_samplers_preserve_dtype", "check_samplers_sample_indices", "check_samplers_2d_target",
                   "check_sampler_get_feature_names_out", "check_sampler_get_feature_names_out_pandas")


def _sampler_failures(estimator):
    failures = {
        "check_samplers_pandas_sparse": (
            "images are dense: sparse input (scipy or pandas) is rejected with a "
            "TypeError telling the user to call .toarray()"
        ),
    }
    if isinstance(estimator, gansampler.AugmentationOverSampler):
        # its contract on images is tests/test_contract.py's and tests/test_augment.py's
        failures.update(dict.fromkeys(_TABULAR_CHECKS, "transforms images: 2-D rows without image_shape are "
                                                       "refused with a ValueError naming image_shape"))
    return failures


@imblearn_checks(_instances(BaseSampler), expected_failed_checks=_sampler_failures)
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


@sklearn_checks(_instances(ClassifierMixin), expected_failed_checks=_classifier_failures)
def test_classifier_sklearn_checks(estimator, check):
    check(estimator)
