"""Speed figures: training and generation throughput, fit_resample wall time, FLOP rate.

Prints a table and one JSON line per figure: {"metric": NAME, "value": NUMBER, ...}.

python benchmarks/speed.py              # all figures (needs ../shared/data/pneumoniamnist.npz)
python benchmarks/speed.py --steps 20 --rounds 1 --memory-images 10000   # shorter
"""

import argparse
import contextlib
import functools
import json
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
from gansampler.datasets import load_medmnist
from gansampler.nn import DCGANGenerator, FlattenChannelsLast
from gansampler.over_sampling import _gan
from gansampler.over_sampling._gan import cpu_has_bf16, generate, resolve_precision
from gansampler.training import GANTrainer

PNEUMONIA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pneumoniamnist.npz"
FIGURES = []


def report(metric, value, unit, **extra):
    FIGURES.append({"metric": metric, "value": round(float(value), 4), "unit": unit, **extra})


def minor_page_faults():
    """This process's minor page faults so far, or None without the POSIX
    ``resource`` module (Windows). A page that glibc's heap gave back to the
    system faults again when the heap grows back into it: on the reference
    networks that cost the loops 2-19% of their throughput (benchmarks/SPEED.md,
    "Page faults from glibc's heap")."""
    try:
        import resource
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class LoopMeter:
    """Images/s and minor page faults per step of a training loop, from its
    construction to :meth:`result`."""

    def __init__(self):
        self.faults = minor_page_faults()
        self.start = time.perf_counter()

    def result(self, images, steps):
        seconds = time.perf_counter() - self.start
        faults = None if self.faults is None else (minor_page_faults() - self.faults) / steps
        return images / seconds, faults


class RefG(nn.Module):
    """The reference generator: ConvT 100->256 (7x7) -> 128 -> 1, as in the issue."""

    latent_dim = 100

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(100, 256, 7, 1, 0, bias=False), nn.BatchNorm2d(256), nn.ReLU(True),
            nn.ConvTranspose2d(256, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(True),
            nn.ConvTranspose2d(128, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z, y=None):
        return self.net(z.view(-1, 100, 1, 1))


class RefD(nn.Module):
    """The reference discriminator: Conv 1->64->128 -> linear.

    ``flatten`` orders the features for the linear layer: ``nn.Flatten`` (channel
    slowest) in the reference loop; gansampler's loop, which runs channels-last,
    uses ``FlattenChannelsLast`` (the same layers and FLOPs, the linear weights in
    another order), as its own discriminator does.
    """

    def __init__(self, flatten=nn.Flatten):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 64, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(64, 128, 4, 2, 1, bias=False), nn.BatchNorm2d(128), nn.LeakyReLU(0.2, True),
            flatten(),
        )
        self.logit = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x, y=None, return_features=False):
        h = self.features(x)
        out = self.logit(h).squeeze(1)
        return (out, h) if return_features else out


def reference_loop(x, steps, device):
    """A plain PyTorch DCGAN loop written the standard way (DataLoader, .item())."""
    torch.manual_seed(0)
    G, D = RefG().to(device), RefD().to(device)
    opt_g = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x), batch_size=64, shuffle=True, drop_last=True)
    bce = nn.BCEWithLogitsLoss()
    done, images, log = 0, 0, []
    meter = LoopMeter()
    while done < steps:
        for (real,) in loader:
            real = real.to(device)
            n = real.shape[0]
            fake = G(torch.randn(n, 100, device=device))
            loss_d = bce(D(real), torch.ones(n, device=device)) + bce(D(fake.detach()), torch.zeros(n, device=device))
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            loss_g = bce(D(fake), torch.ones(n, device=device))
            opt_g.zero_grad()
            loss_g.backward()
            opt_g.step()
            log.append((loss_d.item(), loss_g.item()))
            done, images = done + 1, images + n
            if done == steps:
                break
    return meter.result(images, done)


def gansampler_loop(x, steps, device, precision="fp32", cuda_graph=True):
    """gansampler's GANTrainer on the reference networks."""
    torch.manual_seed(0)
    trainer = GANTrainer(RefG(), RefD(FlattenChannelsLast), device=device, seed=0, batch_size=64,
                         precision=precision, cuda_graph=cuda_graph)
    x = x.to(device)
    n_per_epoch = x.shape[0] // 64
    epochs = max(1, steps // n_per_epoch)
    meter = LoopMeter()
    trainer.fit(x, max_epochs=epochs)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return meter.result(epochs * n_per_epoch * 64, epochs * n_per_epoch)


def step_flops(G, D, batch=64):
    """FLOPs of one D+G step (forward and backward) per image, by torch's counter."""
    from torch.utils.flop_counter import FlopCounterMode

    x = torch.randn(batch, 1, 28, 28)
    counter = FlopCounterMode(display=False)
    with counter:
        fake = G(torch.randn(batch, G.latent_dim))
        (D(x).mean() + D(fake.detach()).mean()).backward()
        D(G(torch.randn(batch, G.latent_dim))).mean().backward()
    return counter.get_total_flops() / batch


def matmul_rate(device, dtype=torch.float32, sizes=(1024, 2048, 4096)):
    """The best FLOP rate of square matmuls of these sizes (one size is not the
    peak: the fp32 loop beat a 2048² matmul), about 1 s of work per size on CPU."""
    best = 0.0
    for size in sizes:
        a = torch.randn(size, size, device=device, dtype=dtype)
        b = torch.randn(size, size, device=device, dtype=dtype)
        repeats = max(1, round(10 * (2048 / size) ** 3))
        a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            a @ b
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = max(best, 2 * size**3 * repeats / (time.perf_counter() - start))
    return best


def generation_rate(shape, device, n=4096):
    with torch.random.fork_rng():
        torch.manual_seed(0)
        G = DCGANGenerator(100, shape, width=32).eval()
    list(generate(G, 256, 0, device))  # warm-up
    start = time.perf_counter()
    total = sum(len(c) for c in generate(G, n, 0, device))
    return total / (time.perf_counter() - start)


_MEMORY_CHILD = """
import json, sys
from gansampler import GANOverSampler

def status(key):  # kB, from Linux's /proc/self/status
    return next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith(key))

sampler = GANOverSampler.load(sys.argv[1])
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # resets the peak (VmHWM) to the current resident size
before = status("VmRSS:")
out = sampler.sample(int(sys.argv[2]), 1)
print(json.dumps({"before_kib": before, "after_kib": status("VmHWM:"), "output_bytes": out.nbytes}))
"""


def generation_memory(n, device, cwd=None):
    """How far the resident memory of a fresh process peaks, during ``sample(n)``
    of 3x64x64 uint8 images, above where it was after loading the sampler (a
    default GAN fitted here for one epoch on random images; Linux only). The
    sampler is fitted in this process, so that what training allocated and the
    allocator kept does not hide what generation needs. Returns ``(peak increase,
    output size)`` in MB."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (96, 3, 64, 64)).astype(np.uint8)
    y = np.array([0] * 64 + [1] * 32)
    sampler = GANOverSampler(max_epochs=1, random_state=0, device=device)
    sampler.fit_resample(X, y)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "sampler.safetensors")
        sampler.save(path)
        done = subprocess.run([sys.executable, "-c", _MEMORY_CHILD, path, str(n)],
                              capture_output=True, text=True, check=True, cwd=cwd)
    child = json.loads(done.stdout.splitlines()[-1])
    return (child["after_kib"] - child["before_kib"]) * 1024 / 1e6, child["output_bytes"] / 1e6


@contextlib.contextmanager
def without_cuda_graphs():
    """fit_resample with the training step run eagerly on CUDA (the estimator has
    no parameter for it: graphs are always on where they apply)."""
    trainer = _gan.GANTrainer
    _gan.GANTrainer = functools.partial(trainer, cuda_graph=False)
    try:
        yield
    finally:
        _gan.GANTrainer = trainer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60,
                        help="D+G steps of the reference loop; gansampler's loop runs whole epochs of "
                             "18 steps, at least one")
    parser.add_argument("--rounds", type=int, default=3,
                        help="interleaved rounds of the training loops; medians are reported")
    parser.add_argument("--memory-images", type=int, default=100_000,
                        help="3x64x64 images sample() makes for the memory figure; 0 skips it")
    parser.add_argument("--skip-fit", action="store_true", help="skip the fit_resample wall time")
    parser.add_argument("--data", type=Path, default=PNEUMONIA,
                        help="PneumoniaMNIST .npz (random 28x28 images when absent)")
    parser.add_argument("--devices", nargs="+", choices=["cpu", "cuda"], default=["cpu", "cuda"],
                        help="where to measure (cuda only where available)")
    args = parser.parse_args(argv)
    devices = [torch.device(d) for d in args.devices if d == "cpu" or torch.cuda.is_available()]
    env = {"device": "", "torch": torch.__version__, "threads": torch.get_num_threads(),
           "cpu": platform.processor() or platform.machine()}

    if args.data.exists():
        X, y = load_medmnist(args.data)
    else:
        print(f"{args.data} not found: using random 28x28 images", file=sys.stderr)
        X, y = np.random.RandomState(0).randint(0, 256, (4708, 1, 28, 28)).astype(np.uint8), None
    if X.shape[1:] != (1, 28, 28):
        raise SystemExit(f"{args.data}: the reference networks take 1x28x28 images, got {X.shape[1:]}")
    x = torch.from_numpy(X[: 1214].astype(np.float32) / 127.5 - 1)  # as many images as the normal class

    flops = step_flops(RefG(), RefD())
    for device in devices:
        env["device"] = str(device) if device.type == "cpu" else torch.cuda.get_device_name()
        loops = {"reference": reference_loop,
                 "gansampler": functools.partial(gansampler_loop, precision="fp32"),
                 "gansampler_bf16": functools.partial(gansampler_loop, precision="bf16")}
        if device.type == "cuda":
            loops["gansampler_no_graph"] = functools.partial(gansampler_loop, cuda_graph=False)
        rates = {name: [] for name in loops}
        faults = {name: [] for name in loops}
        for _ in range(args.rounds):  # interleaved: a machine's drift hits every loop alike
            for name, loop in loops.items():
                rate, per_step = loop(x, args.steps, device)
                rates[name].append(rate)
                faults[name].append(per_step)
        ref = float(np.median(rates["reference"]))
        for name in loops:
            report(f"train_images_per_s_{name}", np.median(rates[name]), "images/s",
                   rounds=[round(r, 1) for r in rates[name]], **env)
            if name != "reference":
                # the median of each round's ratio to the reference run just before it
                ratios = np.divide(rates[name], rates["reference"])
                report(f"train_speedup_vs_reference{name.removeprefix('gansampler')}", np.median(ratios), "x",
                       rounds=[round(r, 4) for r in ratios], **env)
            if None not in faults[name]:
                report(f"train_page_faults_per_step_{name}", np.median(faults[name]), "faults",
                       rounds=[round(f, 1) for f in faults[name]], **env)
        ours = float(np.median(rates["gansampler"]))
        rate = matmul_rate(device)
        report("matmul_gflops", rate / 1e9, "GFLOP/s", **env)
        report("achieved_gflops_gansampler_loop", ours * flops / 1e9, "GFLOP/s", flops_per_image=flops, **env)
        report("achieved_fraction_of_matmul", ours * flops / rate, "fraction", **env)
        report("achieved_gflops_reference_loop", ref * flops / 1e9, "GFLOP/s", **env)
        if device.type == "cuda" or cpu_has_bf16():
            # A rough ceiling on any loop's gain at the reference's FLOPs: every
            # FLOP at the best measured bf16 matmul rate, against what the
            # reference loop achieves.
            rate_bf16 = matmul_rate(device, dtype=torch.bfloat16)
            report("matmul_gflops_bf16", rate_bf16 / 1e9, "GFLOP/s", **env)
            report("speedup_ceiling_bf16_matmul", rate_bf16 / (ref * flops), "x", **env)
        for shape in ((1, 28, 28), (3, 64, 64)):
            report(f"generate_images_per_s_{shape[1]}x{shape[2]}", generation_rate(shape, device), "images/s", **env)
        if args.memory_images and not Path("/proc/self/clear_refs").exists():
            print("no /proc/self/clear_refs (not Linux): skipping the memory figure", file=sys.stderr)
        elif args.memory_images:
            # streamed generation: the peak should grow by the output plus about a chunk
            increase, output = generation_memory(args.memory_images, device)
            report("generate_64x64_output_mb", output, "MB", images=args.memory_images, **env)
            report("generate_64x64_peak_memory_increase_mb", increase, "MB", images=args.memory_images, **env)
            report("generate_64x64_peak_memory_beyond_output_mb", increase - output, "MB",
                   images=args.memory_images, **env)
        if not args.skip_fit and y is not None:
            suffix = "" if device.type == "cpu" else "_cuda"
            auto = resolve_precision("auto", device, X.shape[1:])
            runs = [("", {}, True), ("_early_stopping", {"early_stopping": 5}, True)]
            if auto != "fp32":
                runs.append(("_fp32", {"precision": "fp32"}, True))
            if device.type == "cuda":
                runs.append(("_no_graph", {}, False))
            for name, params, graphs in runs:
                start = time.perf_counter()
                sampler = GANOverSampler(random_state=0, device=device, **params)
                with contextlib.nullcontext() if graphs else without_cuda_graphs():
                    sampler.fit_resample(X, y)
                seconds = time.perf_counter() - start
                epochs = [row for history in sampler.history_.values() for row in history]
                report(f"fit_resample_seconds_pneumonia{name}{suffix}", seconds, "s",
                       precision=params.get("precision", auto), epochs=len(epochs),
                       training_seconds=round(sum(row["seconds"] for row in epochs), 3), **env)

    width = max(len(f["metric"]) for f in FIGURES)
    print(f"{'metric':<{width}}  {'value':>12}  unit      device")
    for f in FIGURES:
        print(f"{f['metric']:<{width}}  {f['value']:>12.4g}  {f['unit']:<8}  {f['device']}")
    for f in FIGURES:
        print(json.dumps(f))
    return 0


if __name__ == "__main__":
    sys.exit(main())
