import math
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from gansampler import GANTrainingError
from gansampler.augmentation import diff_augment
from gansampler.nn import DCGANDiscriminator, DCGANGenerator
from gansampler.training import LOSSES, GANConfig, GANTrainer
from gansampler.training._graph import StepGraph
from gansampler.training._loop import uses_step_graph


def _trainer(shape=(1, 8, 8), loss="bce", device="cpu", monitor=False, **options):
    G = DCGANGenerator(8, shape, width=8)
    D = DCGANDiscriminator(shape, width=8, spectral_norm=loss == "hinge", batch_norm=loss != "wgan-gp")
    config = GANConfig(**{"loss": loss, "batch_size": 16, "min_steps_per_epoch": 1, "precision": "fp32", **options})
    return GANTrainer(G, D, config, device=device, seed=0, monitor=monitor)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 12, 12)])
def test_every_loss_and_trick_trains_finite(loss, shape):
    trainer = _trainer(
        shape, loss, diff_augment="color,translation,cutout", ema=0.9,
        feature_matching=1.0, label_smoothing=0.1, n_critic=2,
    )
    x = torch.rand(40, *shape) * 2 - 1
    history = trainer.fit(x, max_epochs=2)
    assert len(history) == 2
    for row in history:
        assert all(math.isfinite(row[k]) for k in ("d_loss", "g_loss", "d_real", "d_fake"))
        assert 0 <= row["d_real"] <= 1
    out = trainer.sampling_generator(torch.randn(5, 8))
    assert torch.isfinite(out).all() and out.shape == (5, *shape)


def test_same_seed_same_training():
    x = torch.rand(32, 1, 8, 8) * 2 - 1
    histories = []
    for _ in range(2):
        with torch.random.fork_rng():
            torch.manual_seed(0)  # identical initial weights
            trainer = _trainer(diff_augment="translation,cutout")
        histories.append(trainer.fit(x, max_epochs=2))
    assert [h["d_loss"] for h in histories[0]] == [h["d_loss"] for h in histories[1]]


def test_adam_is_fused_where_torch_supports_it_on_cpu():
    trainer = _trainer()
    cpu_fused = tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (2, 4)
    assert bool(trainer.opt_g.defaults["fused"]) == cpu_fused
    assert bool(trainer.opt_d.defaults["fused"]) == cpu_fused
    assert isinstance(_trainer(loss="wgan").opt_g, torch.optim.RMSprop)


def test_divergence_is_detected():
    trainer = _trainer()
    x = torch.full((32, 1, 8, 8), float("nan"))
    with pytest.raises(GANTrainingError) as info:
        trainer.fit(x, max_epochs=3)
    assert info.value.epoch == 1


def test_ema_follows_generator():
    trainer = _trainer(ema=0.5)
    before = [p.clone() for p in trainer.G_ema.parameters()]
    trainer.fit(torch.rand(32, 1, 8, 8) * 2 - 1, max_epochs=1)
    after = list(trainer.G_ema.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after))
    assert trainer.sampling_generator is trainer.G_ema


def test_ema_warms_up_so_the_initial_weights_fade_out():
    trainer = _trainer(ema=0.999)
    init = [p.clone() for p in trainer.G_ema.parameters()]
    with torch.no_grad():
        for shift in (1.0, 2.0):  # G's weights move by +1, then by +2 from the start
            for p, p0 in zip(trainer.G.parameters(), init):
                p.copy_(p0 + shift)
            trainer.update_ema()
    # decays 1/10 then 2/11: 0.1 * 0 + 0.9 * 1 = 0.9, then 2/11 * 0.9 + 9/11 * 2 = 1.8
    # (a plain 0.999 would give 0.001, then 0.003: still the initial weights)
    for p_ema, p0 in zip(trainer.G_ema.parameters(), init):
        torch.testing.assert_close(p_ema - p0, torch.full_like(p0, 1.8))
    trainer.ema_updates = 10_000
    trainer.update_ema()  # later on the decay is the one asked for
    for p_ema, p0 in zip(trainer.G_ema.parameters(), init):
        torch.testing.assert_close(p_ema - p0, torch.full_like(p0, 0.999 * 1.8 + 0.001 * 2))


def test_diff_augment_is_differentiable_and_seeded():
    x = (torch.rand(4, 3, 16, 16) * 2 - 1).requires_grad_(True)
    a = diff_augment(x, "color,translation,cutout", torch.Generator().manual_seed(1))
    b = diff_augment(x, "color,translation,cutout", torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.equal(a, x)
    a.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="unknown augmentations"):
        diff_augment(x, "color,zoom")


def test_bf16_autocast_trains_finite():
    trainer = _trainer(precision="bf16", feature_matching=1.0)
    history = trainer.fit(torch.rand(32, 1, 8, 8) * 2 - 1, max_epochs=1)
    assert math.isfinite(history[0]["d_loss"])
    assert next(trainer.G.parameters()).dtype == torch.float32  # weights stay fp32
    with pytest.raises(ValueError, match="precision"):
        _trainer(precision="fp8")


def test_quality_monitor_is_zero_for_real_images_and_larger_for_noise():
    from gansampler.training._monitor import QualityMonitor

    x = torch.rand(200, 1, 8, 8) * 2 - 1

    class Replay(torch.nn.Module):  # a "generator" that returns the real images
        def forward(self, z, y=None):
            return x[: len(z)]

    class Noise(torch.nn.Module):
        def forward(self, z, y=None):
            return torch.zeros(len(z), 1, 8, 8)

    monitor = QualityMonitor(x, None, latent_dim=4, seed=0, n_samples=200)
    assert monitor(Replay()) == pytest.approx(0.0, abs=1e-9)
    assert monitor(Noise()) > 0.1
    assert monitor(Noise()) == monitor(Noise())  # fixed noise: deterministic


def test_early_stopping_stops_and_keeps_the_best_generator():
    x = torch.rand(64, 1, 8, 8) * 2 - 1
    with torch.random.fork_rng():
        torch.manual_seed(0)
        trainer = _trainer(early_stopping=2, lr=1e-6)  # too slow to improve
    history = trainer.fit(x, max_epochs=30)
    assert 3 <= len(history) < 30
    assert all(math.isfinite(row["fd"]) for row in history)
    best, best_epoch = math.inf, 0
    for i, row in enumerate(history):  # the rule: a new best needs a 1% gain
        if row["fd"] < 0.99 * best:
            best, best_epoch = row["fd"], i
    assert len(history) - 1 - best_epoch == 2  # stopped `early_stopping` epochs after it
    from gansampler.training._monitor import QualityMonitor

    kept = QualityMonitor(x.to(trainer.device), None, 8, trainer.seed)(trainer.sampling_generator)
    assert kept == pytest.approx(best, rel=1e-6)  # the best epoch's generator was restored


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_monitor_generates_at_the_trainers_precision(precision):
    trainer = _trainer(precision=precision, monitor=True)
    seen = []  # (autocast on, training mode) of each monitor call of G
    trainer.G.register_forward_hook(
        lambda m, args, out: seen.append((torch.is_autocast_enabled("cpu"), m.training))
        if not torch.is_grad_enabled() else None
    )
    history = trainer.fit(torch.rand(32, 1, 8, 8) * 2 - 1, max_epochs=2)
    assert seen == [(precision == "bf16", False)] * 2  # one 32-image chunk per epoch, in eval mode
    assert all(math.isfinite(row["fd"]) for row in history)
    assert trainer.G.training  # back in training mode


def test_monitor_records_fd_without_stopping():
    trainer = _trainer(monitor=True)
    history = trainer.fit(torch.rand(32, 1, 8, 8) * 2 - 1, max_epochs=3)
    assert len(history) == 3 and all(row["fd"] >= 0 for row in history)


def _twins(loss="bce", **kwargs):
    """Two trainers with the same initial weights."""
    twins = []
    for _ in range(2):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            twins.append(_trainer(loss=loss, **kwargs))
    return twins


def test_step_with_given_noise_is_the_eager_step():
    # the contract the CUDA graph relies on: noise drawn from the trainer's
    # generator in batch order and passed in gives the very same update
    x = torch.rand(32, 1, 8, 8) * 2 - 1
    drawn, given = _twins(n_critic=2, ema=0.9)
    batches = [(x[:16], None), (x[16:], None)]
    drawn.train_step(batches)
    noise = [given.noise(16), given.noise(16)]
    given.step(batches, noise)
    given.update_ema()
    for p, q in zip(drawn.sampling_generator.state_dict().values(),
                    given.sampling_generator.state_dict().values()):
        assert torch.equal(p, q)
    assert drawn.rng.get_state().equal(given.rng.get_state())


def test_cpu_never_graphs_the_step():
    assert _trainer(cuda_graph=True).step_graph is None


def test_which_steps_are_graphed():
    # decided without a GPU: the device type, the options, and the thread
    assert uses_step_graph(True, "cuda", (), "bce")
    assert uses_step_graph(True, "cuda:1", (), "hinge")
    assert not uses_step_graph(False, "cuda", (), "bce")
    assert not uses_step_graph(True, "cpu", (), "bce")
    assert not uses_step_graph(True, "cuda", ("translation",), "bce")
    assert not uses_step_graph(True, "cuda", (), "wgan-gp")
    with ThreadPoolExecutor(1) as pool:  # joblib's threading backend, dask's workers
        assert not pool.submit(uses_step_graph, True, "cuda", (), "bce").result()


needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")


@needs_cuda
@pytest.mark.parametrize(
    "loss, kwargs",
    [
        ("bce", {}),
        ("bce", dict(ema=0.9, feature_matching=1.0, label_smoothing=0.1, n_critic=2)),
        ("bce", dict(precision="bf16")),
        ("lsgan", {}),
        ("hinge", {}),
        ("wgan", {}),
    ],
)
def test_cuda_graph_replays_the_eager_step(loss, kwargs):
    # 10 batches of 16 per epoch: 3 eager warm-up steps, a capture, then replays
    x = torch.rand(160, 1, 8, 8) * 2 - 1
    graphed, eager = _twins(loss, device="cuda", cuda_graph=True, **kwargs)
    eager.step_graph = None  # its optimizers stay capturable: the same arithmetic
    h_graphed = graphed.fit(x, max_epochs=2)
    h_eager = eager.fit(x, max_epochs=2)
    assert graphed.step_graph.graph is not None
    assert graphed.step_graph.n_steps == 2 * 10 // kwargs.get("n_critic", 1)
    # the same kernels on the same numbers: fp32 agrees to rounding; bf16 rounds
    # coarser (one weight of 1,024 differed by 1.2e-4 on an H200)
    tol = 1e-3 if kwargs.get("precision") == "bf16" else 1e-4
    for p, q in zip(graphed.sampling_generator.state_dict().values(),
                    eager.sampling_generator.state_dict().values()):
        torch.testing.assert_close(p, q, rtol=10 * tol, atol=tol)
    for row_graphed, row_eager in zip(h_graphed, h_eager):
        assert row_graphed["d_loss"] == pytest.approx(row_eager["d_loss"], rel=10 * tol, abs=tol)


@needs_cuda
def test_cuda_graph_is_left_out_where_the_step_draws_random_numbers():
    assert _trainer(device="cuda", diff_augment="translation").step_graph is None
    assert _trainer(loss="wgan-gp", device="cuda").step_graph is None
    assert _trainer(device="cuda", cuda_graph=False).step_graph is None
    assert _trainer(device="cuda").step_graph is not None


def test_step_graph_inputs_follow_the_batches_and_start_over_on_new_shapes():
    # the part of StepGraph that runs before any CUDA call, checked on the CPU
    rng = torch.Generator().manual_seed(0)
    graph = StepGraph(step=None, latent_dim=8, generator=rng)
    x = torch.rand(16, 1, 8, 8)
    graph._load([(x, None)])
    (x_static, y_static, z_static), = graph.inputs
    assert torch.equal(x_static, x) and y_static is None and z_static.shape == (16, 8)
    expected = torch.randn(16, 8, generator=torch.Generator().manual_seed(0))
    assert torch.equal(z_static, expected)  # drawn as the eager step draws them
    graph.n_steps, graph.graph = 5, "captured"
    graph._load([(x + 1, None)])  # same shapes: the same static tensors, refilled
    assert graph.inputs[0][0] is x_static and torch.equal(x_static, x + 1)
    assert graph.graph == "captured" and graph.n_steps == 5
    graph._load([(x[:8], torch.zeros(8, dtype=torch.long))])  # new shapes: start over
    assert graph.graph is None and graph.n_steps == 0
    assert graph.inputs[0][0].shape == (8, 1, 8, 8) and graph.inputs[0][1].shape == (8,)
