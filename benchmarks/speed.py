"""Speed figures of gansampler's default path: fit_resample wall time, the
training loop's throughput, generation throughput and memory, the default
classifier's training throughput at 128x128, and the diffusion sampler's
training and generation throughput at 28, 64 and 128 px.

Prints a table and one JSON line per figure: {"metric": NAME, "value": NUMBER, ...}.

python benchmarks/speed.py                       # every figure (PneumoniaMNIST from ../shared/data)
python benchmarks/speed.py --baseline /tmp/old   # fit_resample also timed with the gansampler
                                                 # package of another checkout, interleaved
python benchmarks/speed.py --steps 20 --rounds 1 --memory-images 10000 --skip-fit   # shorter
python benchmarks/speed.py --skip-fit --memory-images 0 --classifier-images 0 --steps 5   # mostly diffusion
"""

import argparse
import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gansampler import GANOverSampler
from gansampler._device import resolve_precision
from gansampler.datasets import load_medmnist
from gansampler.nn import build_networks
from gansampler.training import GANConfig, GANTrainer, generate

ROOT = Path(__file__).resolve().parents[1]
PNEUMONIA = ROOT.parent / "shared" / "data" / "pneumoniamnist.npz"
CHEST = ROOT.parent / "shared" / "data" / "chestxray2017" / "train"
FIGURES = []


def report(metric, value, unit, **extra):
    FIGURES.append({"metric": metric, "value": round(float(value), 4), "unit": unit, **extra})


def interleaved(measures, rounds):
    """Name -> the values of ``measures[name]()`` over ``rounds`` rounds that
    call every measure once each: a machine's drift hits every measure alike."""
    values = {name: [] for name in measures}
    for _ in range(rounds):
        for name, measure in measures.items():
            values[name].append(measure())
    return values


def default_networks(seed=0):
    """The default GANOverSampler's networks for 1x28x28 images."""
    return build_networks("dcgan", (1, 28, 28), latent_dim=100, width=32, seed=seed)


def plain_loop(x, steps, device):
    """The default networks trained the way a PyTorch tutorial writes the loop
    (DataLoader, two generator passes per step, .item() every step, fp32)."""
    G, D = (net.to(device) for net in default_networks())
    opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    generator = torch.Generator().manual_seed(0)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=64, shuffle=True,
                                         drop_last=True, generator=generator)
    bce = nn.BCEWithLogitsLoss()
    done, start = 0, time.perf_counter()
    while done < steps:
        for (real,) in loader:
            real, n = real.to(device), real.shape[0]
            fake = G(torch.randn(n, 100, device=device))
            loss_d = bce(D(real), torch.ones(n, device=device)) + bce(D(fake.detach()), torch.zeros(n, device=device))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = bce(D(G(torch.randn(n, 100, device=device))), torch.ones(n, device=device))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            loss_d.item(), loss_g.item()
            done += 1
            if done == steps:
                break
    return done * 64 / (time.perf_counter() - start)


def gansampler_loop(x, steps, device, precision):
    """The same networks in gansampler's GANTrainer (whole epochs, at least one)."""
    G, D = default_networks()
    config = GANConfig(batch_size=64, min_steps_per_epoch=1, precision=precision, diff_augment=None, ema=None)
    trainer = GANTrainer(G, D, config, device=device, seed=0)
    per_epoch = x.shape[0] // 64
    epochs = max(1, steps // per_epoch)
    start = time.perf_counter()
    trainer.fit(x, max_epochs=epochs)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return epochs * per_epoch * 64 / (time.perf_counter() - start)


def generation_rate(shape, device, n=4096):
    G, _ = build_networks("dcgan", shape, latent_dim=100, width=32, seed=0)
    G.eval()
    list(generate(G, 256, 0, device))  # warm-up
    start = time.perf_counter()
    total = sum(len(c) for c in generate(G, n, 0, device))
    return total / (time.perf_counter() - start)


_MEMORY_CHILD = """
import json, sys
import gansampler

def status(key):  # kB, from Linux's /proc/self/status
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key))

sampler = getattr(gansampler, sys.argv[3]).load(sys.argv[1])
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak (VmHWM) to the current resident size
before = status("VmRSS:")
out = sampler.sample(int(sys.argv[2]), 1)
print(json.dumps({"before_kib": before, "after_kib": status("VmHWM:"), "output_bytes": out.nbytes}))
"""


def generation_memory(n, device, sampler_class=GANOverSampler, **params):
    """How far the resident memory of a fresh process peaks, during ``sample(n)``
    of 3x64x64 uint8 images, above where it was after loading the sampler
    (Linux only); the sampler is ``sampler_class(**params)`` trained briefly.
    Returns ``(peak increase, output size)`` in MB."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (96, 3, 64, 64)).astype(np.uint8)
    y = np.array([0] * 64 + [1] * 32)
    sampler = sampler_class(random_state=0, device=device, sample_check=None, **params)  # memory only
    sampler.fit_resample(X, y)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "sampler.safetensors")
        sampler.save(path)
        done = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, path, str(n), sampler_class.__name__],
                              capture_output=True, text=True, check=True)
    child = json.loads(done.stdout.splitlines()[-1])
    return (child["after_kib"] - child["before_kib"]) * 1024 / 1e6, child["output_bytes"] / 1e6


# fit_resample runs in a fresh process each time, so that a baseline checkout's
# package can be timed in the same interleaved rounds as this one
_FIT_CHILD = """
import json, sys, time
import numpy as np
import gansampler
from gansampler import GANOverSampler

data, device, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
kind, _, arg = data.partition(":")
if kind == "fundus":  # 64x64 RGB: 600 images of grade 0 and ARG of grade 1
    from gansampler.datasets import make_fundus_like
    X, y = make_fundus_like((600, int(arg)), image_size=64)
elif kind == "folder":  # an image folder, resized: folder:SIZE:PATH
    from gansampler.datasets import load_image_folder
    size, _, path = arg.partition(":")
    X, y, _ = load_image_folder(path, image_size=int(size))
else:
    from gansampler.datasets import load_medmnist
    X, y = load_medmnist(data)
start = time.perf_counter()
sampler_class = getattr(gansampler, params.pop("sampler", "GANOverSampler"))
sampler = sampler_class(random_state=0, device=device, **params)
sampler.fit_resample(X, y)
seconds = time.perf_counter() - start
epochs = [row for history in sampler.history_.values() if isinstance(history, list) for row in history]
checks = {str(label): check["passed"] for label, check in getattr(sampler, "sample_checks_", {}).items()}
print(json.dumps({"seconds": seconds, "epochs": len(epochs), "sample_check_passed": checks,
                  "package": gansampler.__file__, "version": gansampler.__version__}))
"""


def time_fit(data, device, params, package_root):
    env = {**os.environ, "PYTHONPATH": str(package_root)}
    done = subprocess.run([sys.executable, "-c", _FIT_CHILD, str(data), str(device), json.dumps(params)],
                          capture_output=True, text=True, check=True, env=env, cwd=tempfile.gettempdir())
    result = json.loads(done.stdout.splitlines()[-1])
    expected = Path(package_root).resolve() / "gansampler"
    assert Path(result["package"]).resolve().parent == expected, (result["package"], expected)
    return result


def size_figures(device, env, chest=CHEST, timer=time_fit):
    """Default fit_resample at the sizes users have, once each in a fresh
    process: 64x64 RGB with 66 and 486 images in the class (synthetic fundus-like
    images), and 128x128 gray with 938 (the chest X-ray folder's normal class)."""
    cases = {"rgb64_66": "fundus:66", "rgb64_486": "fundus:486"}
    if chest.is_dir():
        cases["gray128_938"] = f"folder:128:{chest}"
    else:
        print(f"{chest} not found: skipping the 128x128 figure", file=sys.stderr)
    for name, data in cases.items():
        result = timer(data, device, {}, ROOT)
        report(f"fit_resample_seconds_{name}", result["seconds"], "s", epochs=result["epochs"],
               sample_check_passed=result["sample_check_passed"], **env)


def classifier_figures(device, rounds, env, n=640):
    """CNNClassifier's training throughput on 1x128x128 images: the default
    network (blocks above 64 px stride 2) against all convolutions at stride 1
    and with online augmentation (``augment="default"``), one epoch over ``n``
    random images, interleaved rounds."""
    from gansampler import CNNClassifier

    rng = np.random.RandomState(0)
    X, y = rng.randint(0, 256, (n, 1, 128, 128)).astype(np.uint8), np.arange(n) % 2
    def rate(params):
        clf = CNNClassifier(max_epochs=1, random_state=0, device=device, **params)
        start = time.perf_counter()
        clf.fit(X, y)
        return n / (time.perf_counter() - start)

    cases = {"": {}, "_stride1": {"module__stride_above": None}, "_augment": {"augment": "default"}}
    rates = interleaved({name: functools.partial(rate, params) for name, params in cases.items()}, rounds)
    for name in cases:
        report(f"classifier_train_images_per_s_128x128{name}", np.median(rates[name]), "images/s",
               rounds=[round(r, 1) for r in rates[name]], **env)
    ratios = np.divide(rates[""], rates["_stride1"])
    report("classifier_speedup_vs_stride1_128x128", np.median(ratios), "x",
           rounds=[round(r, 3) for r in ratios], **env)
    ratios = np.divide(rates["_augment"], rates[""])  # below 1: augmentation's cost per epoch
    report("classifier_augment_relative_speed_128x128", np.median(ratios), "x",
           rounds=[round(r, 3) for r in ratios], **env)


def _diffusion_rates(shape, device, steps, rounds):
    """Training and generation images/s of the default diffusion network for
    ``shape`` over ``rounds`` interleaved rounds; its config, size and precision."""
    from gansampler.nn._denoiser import build_denoiser
    from gansampler.over_sampling._diffusion import chunk_size
    from gansampler.training._diffusion import DiffusionConfig, DiffusionTrainer, ddim_sample

    config = DiffusionConfig.from_params({}, shape, n_images=1000)
    precision = resolve_precision("auto", device, shape, config.architecture)
    model = build_denoiser(config.architecture, shape, 2, config.width, seed=0)
    trainer = DiffusionTrainer(model, config, device=device, seed=0, precision=precision)
    x = torch.randn(config.batch_size, *shape, device=device)
    y = torch.arange(config.batch_size, device=device) % 2
    chunk = chunk_size(shape)  # as sample() draws

    def train():
        trainer.step(x, y)  # warm-up
        start = time.perf_counter()
        for _ in range(steps):
            trainer.step(x, y)
        return steps * config.batch_size / (time.perf_counter() - start)

    def sample():
        start = time.perf_counter()
        ddim_sample(trainer.sampling_model, 0, chunk, torch.Generator().manual_seed(0), config, device, precision)
        return chunk / (time.perf_counter() - start)

    rates = interleaved({"train": train, "sample": sample}, rounds)
    return rates, {"parameters": sum(p.numel() for p in model.parameters()), "precision": precision,
                   "n_sampling_steps": config.n_sampling_steps}


def diffusion_figures(device, steps, rounds, env, sizes=((1, 28, 28), (1, 64, 64), (1, 128, 128))):
    """The default DiffusionOverSampler's network at each size (two classes):
    training images/s (``steps`` optimizer steps of the default batch, at the
    precision "auto" picks) and generated images/s (one DDIM chunk of the
    default ``n_sampling_steps``, as ``sample`` draws them), medians of
    ``rounds``."""
    for shape in sizes:
        rates, extra = _diffusion_rates(shape, device, steps, rounds)
        size = f"{shape[1]}x{shape[2]}"
        report(f"diffusion_train_images_per_s_{size}", np.median(rates["train"]), "images/s",
               rounds=[round(r, 1) for r in rates["train"]], **extra, **env)
        report(f"diffusion_generate_images_per_s_{size}", np.median(rates["sample"]), "images/s",
               rounds=[round(r, 2) for r in rates["sample"]], **extra, **env)


def fit_figures(data, device, rounds, baseline, env, timer=time_fit):
    """Default fit_resample on PneumoniaMNIST's training split (1,214 normal ->
    3,494), GAN variants (also timed with the baseline's package) and the other
    generative samplers, in interleaved rounds of fresh processes."""
    cases = {"": {}, "_early_stopping": {"early_stopping": 5}}
    if resolve_precision("auto", device, (1, 28, 28)) != "fp32":
        cases["_fp32"] = {"precision": "fp32"}
    new = {"_gan_ae": {"init": "autoencoder"}, "_vae": {"sampler": "VAEOverSampler"},
           "_latent_smote": {"sampler": "LatentSMOTE"},
           "_diffusion": {"sampler": "DiffusionOverSampler"}}  # not in a 0.1 baseline
    roots = {"": ROOT} if baseline is None else {"": ROOT, "_baseline": Path(baseline)}
    suffix = "" if device.type == "cpu" else "_cuda"
    for name, params in {**cases, **new}.items():
        runs = {tag: [] for tag in (roots if name in cases else {"": ROOT})}
        for _ in range(rounds):
            for tag in runs:
                runs[tag].append(timer(data, device, params, roots[tag]))
        for tag, results in runs.items():
            seconds = [r["seconds"] for r in results]
            report(f"fit_resample_seconds_pneumonia{name}{suffix}{tag}", np.median(seconds), "s",
                   rounds=[round(s, 2) for s in seconds], epochs=results[0]["epochs"],
                   gansampler=results[0]["version"], **env)
        if "_baseline" in runs:
            ratios = np.divide([r["seconds"] for r in runs["_baseline"]], [r["seconds"] for r in runs[""]])
            report(f"fit_resample_speedup_vs_baseline{name}{suffix}", np.median(ratios), "x",
                   rounds=[round(r, 3) for r in ratios], **env)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60, help="D+G steps per training-loop measurement")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of each comparison; medians are reported")
    parser.add_argument("--memory-images", type=int, default=100_000,
                        help="3x64x64 images sample() makes for the memory figure; 0 skips it")
    parser.add_argument("--classifier-images", type=int, default=640,
                        help="1x128x128 images of the classifier figure's training epoch; 0 skips it")
    parser.add_argument("--diffusion-steps", type=int, default=10,
                        help="optimizer steps per diffusion training measurement; 0 skips the diffusion figures")
    parser.add_argument("--diffusion-memory-images", type=int, default=1000,
                        help="3x64x64 images the diffusion sampler's sample() makes for its memory figure; 0 skips it")
    parser.add_argument("--skip-fit", action="store_true", help="skip the fit_resample wall times")
    parser.add_argument("--skip-sizes", action="store_true",
                        help="skip fit_resample at 64x64 RGB and 128x128 gray (about 10 minutes on 2 cores)")
    parser.add_argument("--baseline", default=None, metavar="DIR",
                        help="a checkout whose gansampler package fit_resample is also timed, interleaved")
    parser.add_argument("--data", type=Path, default=PNEUMONIA,
                        help="PneumoniaMNIST .npz (random 28x28 images when absent; no fit figures then)")
    parser.add_argument("--devices", nargs="+", choices=["cpu", "cuda"], default=["cpu", "cuda"],
                        help="where to measure (cuda only where available)")
    args = parser.parse_args(argv)
    devices = [torch.device(d) for d in args.devices if d == "cpu" or torch.cuda.is_available()]
    env = {"device": "", "torch": torch.__version__, "threads": torch.get_num_threads(),
           "cpu": platform.processor() or platform.machine()}
    if args.data.exists():
        X, _ = load_medmnist(args.data)
    else:
        print(f"{args.data} not found: using random 28x28 images", file=sys.stderr)
        X = np.random.RandomState(0).randint(0, 256, (1214, 1, 28, 28)).astype(np.uint8)
    if X.shape[1:] != (1, 28, 28):
        raise SystemExit(f"{args.data}: the loop figures take 1x28x28 images, got {X.shape[1:]}")
    x = torch.from_numpy(X[:1214].astype(np.float32) / 127.5 - 1)  # as many images as the normal class

    for device in devices:
        env["device"] = str(device) if device.type == "cpu" else torch.cuda.get_device_name()
        loops = {"plain": plain_loop, "gansampler_fp32": lambda *a: gansampler_loop(*a, "fp32")}
        if resolve_precision("auto", device, (1, 28, 28)) == "bf16":
            loops["gansampler_bf16"] = lambda *a: gansampler_loop(*a, "bf16")
        rates = interleaved({name: functools.partial(loop, x, args.steps, device) for name, loop in loops.items()},
                            args.rounds)
        for name in loops:
            report(f"train_images_per_s_{name}", np.median(rates[name]), "images/s",
                   rounds=[round(r, 1) for r in rates[name]], **env)
            if name != "plain":
                ratios = np.divide(rates[name], rates["plain"])
                report(f"train_speedup_vs_plain_{name.removeprefix('gansampler_')}", np.median(ratios), "x",
                       rounds=[round(r, 4) for r in ratios], **env)
        for shape in ((1, 28, 28), (3, 64, 64)):
            report(f"generate_images_per_s_{shape[1]}x{shape[2]}", generation_rate(shape, device), "images/s", **env)
        if args.memory_images and not Path("/proc/self/clear_refs").exists():
            print("no /proc/self/clear_refs (not Linux): skipping the memory figure", file=sys.stderr)
        elif args.memory_images:
            increase, output = generation_memory(args.memory_images, device, GANOverSampler, max_epochs=1)
            extra = {"images": args.memory_images, **env}
            report("generate_64x64_output_mb", output, "MB", **extra)
            report("generate_64x64_peak_memory_increase_mb", increase, "MB", **extra)
            report("generate_64x64_peak_memory_beyond_output_mb", increase - output, "MB", **extra)
        if args.diffusion_memory_images and Path("/proc/self/clear_refs").exists():
            from gansampler import DiffusionOverSampler

            # a model trained one step on uniform noise draws near-uniform gray images, which pixel
            # distance finds nearer every training image than those are to each other: no copy check
            increase, output = generation_memory(args.diffusion_memory_images, device, DiffusionOverSampler,
                                                 max_steps=1, copy_quantile=None)
            extra = {"images": args.diffusion_memory_images, **env}
            report("diffusion_generate_64x64_output_mb", output, "MB", **extra)
            report("diffusion_generate_64x64_peak_memory_beyond_output_mb", increase - output, "MB", **extra)
        if args.classifier_images:
            classifier_figures(device, args.rounds, env, args.classifier_images)
        if args.diffusion_steps:
            diffusion_figures(device, args.diffusion_steps, args.rounds, env)
        if not args.skip_fit and args.data.exists():
            fit_figures(args.data, device, args.rounds, args.baseline, env)
        if not args.skip_fit and not args.skip_sizes:
            size_figures(device, env)

    width = max(len(f["metric"]) for f in FIGURES)
    print(f"{'metric':<{width}}  {'value':>12}  unit      device")
    for f in FIGURES:
        print(f"{f['metric']:<{width}}  {f['value']:>12.4g}  {f['unit']:<8}  {f['device']}")
    for f in FIGURES:
        print(json.dumps(f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
