"""Does more compute make a generative sampler's images cover their class?

One long training per sampler and seed, at 16 times the sampler's default
budget, with the weights that sample (the EMA copy) kept at 1x, 2x, 4x, 8x and
16x the default budget. Each snapshot then fills the rare class as the
sampler's ``fit_resample`` would (balancing), and is scored as ``gansampler
compare`` scores a method: the synthetic images' FID, precision, recall,
density, coverage, memorized fraction and C2ST against the real images of
their class, and the CNNClassifier's balanced accuracy and ROC-AUC on the test
split with those images. The budget is the GAN's epochs (``max_epochs``) and
the diffusion model's optimizer steps (``max_steps``).

The training loops of both samplers depend on their budget only through where
they stop (constant learning rates, no schedule read from the budget), so the
first k steps of the long run are the same steps a run with budget k would
take: a snapshot is the model a shorter fit with the same seed would train.
The estimators have no checkpoint API, so this script wraps their trainers'
step (diffusion) or epoch callbacks (GAN) to copy the weights; only the last
training of a sampler's fit (after a retry) is kept. The sample check runs
once, on the 16x model.

One JSON row per snapshot goes to ``--out`` (appended as each is measured).

python benchmarks/compute_curve.py --out benchmarks/results/pneumonia_minority100_compute.jsonl
python benchmarks/compute_curve.py --data chestxray2017 --image-size 64 --max-minority 50 --samplers diffusion \
    --budgets 1 2 4 8 --out chest64_compute.jsonl
python benchmarks/compute_curve.py --samplers gan --budgets 1 2 --unit 2 --out /tmp/curve.jsonl   # a smoke run
"""

import argparse
import contextlib
import copy
import json
import sys
import time
from pathlib import Path
from unittest import mock

import numpy as np

from gansampler import DiffusionOverSampler, GANOverSampler
from gansampler.benchmark import (
    Settings,
    environment,
    load_benchmark_data,
    make_classifier,
    synthetic_quality,
)
from gansampler.evaluation import score_predictions
from gansampler.training import GANConfig, GANTrainer
from gansampler.training._diffusion import DiffusionTrainer, auto_max_steps

ROOT = Path(__file__).resolve().parents[1]
PNEUMONIA = ROOT.parent / "shared" / "data" / "pneumoniamnist.npz"
BUDGETS = (1, 2, 4, 8, 16)


class Snapshots:
    """The sampling weights of the latest trainer at each budget in ``at``
    (steps or epochs), with the training seconds spent to reach it."""

    def __init__(self, at):
        self.at = set(at)
        self.taken = {}
        self.start = None

    def reset(self):
        self.taken, self.start = {}, time.perf_counter()

    def take(self, count, module):
        if count in self.at:
            self.taken[count] = (copy.deepcopy(module.state_dict()), time.perf_counter() - self.start)


@contextlib.contextmanager
def diffusion_snapshots(snapshots):
    """Copy the EMA denoiser after the optimizer steps in ``snapshots.at``."""
    init, step = DiffusionTrainer.__init__, DiffusionTrainer.step

    def wrapped_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        snapshots.reset()

    def wrapped_step(self, x, y):
        loss = step(self, x, y)
        snapshots.take(self.n_steps, self.sampling_model)
        return loss

    with mock.patch.object(DiffusionTrainer, "__init__", wrapped_init), \
            mock.patch.object(DiffusionTrainer, "step", wrapped_step):
        yield


@contextlib.contextmanager
def gan_snapshots(snapshots):
    """Copy the (EMA) generator after the epochs in ``snapshots.at``."""
    init = GANTrainer.__init__

    def wrapped_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        snapshots.reset()
        self.callbacks.append(lambda epoch, metrics: snapshots.take(epoch, self.sampling_generator))

    with mock.patch.object(GANTrainer, "__init__", wrapped_init):
        yield


def default_budget(name, data):
    """The default budget of sampler ``name`` on ``data``: the GAN's epochs or
    the diffusion model's steps that "auto" resolves to."""
    if name == "gan":
        return GANConfig.from_params({}, data.image_shape).max_epochs
    return auto_max_steps(len(data.y_train), data.image_shape, DiffusionOverSampler().batch_size)


def _only_generator(sampler):
    """The one generator of a GAN fitted for one rare class (the snapshots
    follow one trainer at a time)."""
    if len(sampler.generators_) != 1:
        raise ValueError(f"the compute curve follows one GAN; this fit trained {len(sampler.generators_)}")
    return next(iter(sampler.generators_.values()))


def long_fit(name, data, seed, budgets, verbose, unit=None, **params):
    """The sampler fitted at the largest budget (with ``params`` besides), and
    the snapshots of its run; the budget counts in ``unit`` epochs or steps
    (default: the default budget)."""
    unit = unit or default_budget(name, data)
    snapshots = Snapshots([b * unit for b in budgets])
    if name == "gan":
        sampler = GANOverSampler(image_shape=data.image_shape, max_epochs=max(budgets) * unit, random_state=seed,
                                 verbose=verbose, **params)
        patch, module = gan_snapshots(snapshots), _only_generator
    else:
        sampler = DiffusionOverSampler(image_shape=data.image_shape, max_steps=max(budgets) * unit,
                                       random_state=seed, verbose=verbose, **params)
        patch, module = diffusion_snapshots(snapshots), lambda s: s.denoiser_
    start = time.perf_counter()
    with patch:
        sampler.fit_resample(data.X_train, data.y_train)
    units = "epochs" if name == "gan" else "steps"
    print(f"{name} seed {seed}: fit at {max(budgets)}x ({max(budgets) * unit} {units}) "
          f"in {time.perf_counter() - start:.0f} s", flush=True)
    return sampler, module, unit, snapshots.taken


def evaluate(data, sampler, seed, clf_params):
    """Fill every class up to the largest with the sampler's images, then the
    synthetic images' quality and the classifier's scores."""
    labels, counts = np.unique(data.y_train, return_counts=True)
    parts_X, parts_y = [data.X_train], [data.y_train]
    start = time.perf_counter()
    for label, count in zip(labels, counts):
        if count < counts.max():
            parts_X.append(sampler.sample(int(counts.max() - count), label, random_state=seed))
            parts_y.append(np.full(counts.max() - count, label, dtype=data.y_train.dtype))
    sample_seconds = time.perf_counter() - start
    X_res, y_res = np.concatenate(parts_X), np.concatenate(parts_y)
    quality = synthetic_quality(data, X_res, y_res, seed, clf_params)
    clf = make_classifier(data.image_shape, seed, clf_params).fit(X_res, y_res)
    scores = score_predictions(data.y_test, clf.predict(data.X_test), clf.predict_proba(data.X_test), clf.classes_,
                               minority_class=labels[np.argmin(counts)])
    return {"sample_seconds": sample_seconds, "quality": quality, **scores}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(PNEUMONIA), help="a .npz, folder or 'digits' (default: PneumoniaMNIST)")
    parser.add_argument("--image-size", type=int, help="resize a folder's images to this side")
    parser.add_argument("--max-minority", type=int, default=100, help="cap the smallest class (0: no cap)")
    parser.add_argument("--samplers", nargs="+", choices=("gan", "diffusion"), default=("gan", "diffusion"))
    parser.add_argument("--budgets", nargs="+", type=int, default=BUDGETS, help="multiples of the default budget")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--out", required=True, help="JSON lines file the rows are appended to")
    parser.add_argument("--unit", type=int, help="epochs or steps of budget 1x (default: the sampler's default)")
    parser.add_argument("--verbose", type=int, default=0)
    args = parser.parse_args(argv)
    if args.data == str(PNEUMONIA) and not PNEUMONIA.exists():
        print(f"skipped: {PNEUMONIA} is absent", file=sys.stderr)
        return 0
    data = load_benchmark_data(args.data, image_size=args.image_size, max_minority=args.max_minority or None)
    print(data.describe(), flush=True)
    clf_params = Settings().clf_params
    budgets = sorted(set(args.budgets))
    for name in args.samplers:
        for seed in args.seeds:
            sampler, module, unit, taken = long_fit(name, data, seed, budgets, args.verbose, args.unit)
            checks = {str(label): check for label, check in sampler.sample_checks_.items()}
            for budget in budgets:
                state, seconds = taken[budget * unit]
                module(sampler).load_state_dict(state)
                row = {"dataset": data.name, "sampler": name, "seed": seed, "budget": budget,
                       "units": budget * unit, "unit": "epochs" if name == "gan" else "steps",
                       "train_seconds": seconds, **evaluate(data, sampler, seed, clf_params),
                       "sample_check_at_largest": checks, **environment()}
                with open(args.out, "a") as f:
                    f.write(json.dumps(row, default=str) + "\n")
                q = next(iter(row["quality"].values()), {})
                print(f"{name} seed {seed} {budget:>2}x ({budget * unit} {row['unit']}, {seconds:.0f} s): "
                      f"balanced accuracy {row['balanced_accuracy']:.3f}, ROC-AUC {row['roc_auc']:.3f}, "
                      f"recall {q.get('recall', float('nan')):.3f}, coverage {q.get('coverage', float('nan')):.3f}, "
                      f"FID {q.get('fid', float('nan')):.2f}, C2ST {q.get('c2st', float('nan')):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
