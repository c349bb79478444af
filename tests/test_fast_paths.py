"""The trainer's CPU fast paths: 1x1 transposed convolutions as matmuls, and
Adam over default-layout views of channels-last weights."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gansampler.nn import DCGANDiscriminator, DCGANGenerator, ResNetGenerator
from gansampler.training import GANTrainer
from gansampler.training import _fast_ops
from gansampler.training._fast_ops import MatmulTransposedConv1x1, has_1x1_candidates
from gansampler.training._optim import DenseViewAdam, dense_order


class ClassicGenerator(nn.Module):
    """A classic MNIST-size DCGAN generator: its first layer is a transposed
    convolution on the latent vector viewed as a 1x1 map."""

    latent_dim = 8

    def __init__(self, bias=False):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(8, 16, 7, 1, 0, bias=bias), nn.BatchNorm2d(16), nn.ReLU(),
            nn.ConvTranspose2d(16, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z, y=None):
        return self.net(z.view(-1, self.latent_dim, 1, 1))


@pytest.mark.parametrize("layout", [torch.contiguous_format, torch.channels_last])
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("stride", [1, 2])
def test_matmul_gives_the_transposed_convolution_and_its_gradients(layout, bias, stride):
    torch.manual_seed(0)
    conv = nn.ConvTranspose2d(6, 5, (3, 4), stride, 0, bias=bias).to(memory_format=layout)
    fast = copy.deepcopy(conv)
    z = torch.randn(7, 6, 1, 1)
    expected = conv(z)
    with MatmulTransposedConv1x1():
        out = fast(z)
    assert out.shape == expected.shape == (7, 5, 3, 4)
    assert out.is_contiguous(memory_format=layout)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    grad = torch.randn_like(expected)
    expected.backward(grad)
    out.backward(grad)
    torch.testing.assert_close(fast.weight.grad, conv.weight.grad, rtol=1e-5, atol=1e-6)
    assert fast.weight.grad.stride() == fast.weight.stride()  # the optimizer sees the weight's layout
    if bias:
        torch.testing.assert_close(fast.bias.grad, conv.bias.grad, rtol=1e-5, atol=1e-6)


def test_matmul_under_bf16_autocast_stays_bf16_and_close():
    torch.manual_seed(0)
    conv = nn.ConvTranspose2d(16, 32, 7, bias=True).to(memory_format=torch.channels_last)
    z = torch.randn(8, 16, 1, 1)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        expected = conv(z)
        with MatmulTransposedConv1x1():
            out = conv(z)
    assert out.dtype == expected.dtype == torch.bfloat16
    torch.testing.assert_close(out.float(), expected.float(), rtol=2e-2, atol=2e-2)


@pytest.mark.parametrize(
    "x_shape, kwargs",
    [
        ((2, 4, 3, 3), {}),  # not a 1x1 map
        ((2, 4, 1, 1), {"padding": 1}),
        ((2, 4, 1, 1), {"output_padding": 1, "stride": 2}),
        ((2, 4, 1, 1), {"dilation": 2}),
        ((2, 4, 1, 1), {"groups": 2}),
    ],
)
def test_other_calls_run_unchanged(monkeypatch, x_shape, kwargs):
    calls = []
    monkeypatch.setattr(_fast_ops, "conv_transpose_1x1", lambda *a: calls.append(a))
    torch.manual_seed(0)
    x, w = torch.randn(x_shape), torch.randn(4, 3, 5, 5)
    expected = F.conv_transpose2d(x, w, **kwargs)
    with MatmulTransposedConv1x1():
        out = F.conv_transpose2d(x, w, **kwargs)
        assert torch.equal(torch.relu(out), torch.relu(expected))  # other functions pass through
    assert calls == []
    assert torch.equal(out, expected)


def test_only_plain_transposed_convolutions_are_candidates():
    assert has_1x1_candidates(ClassicGenerator())
    # gansampler's own generators project z with a linear layer and pad their
    # transposed convolutions: the trainer never enters the mode for them
    assert not has_1x1_candidates(DCGANGenerator(8, (1, 28, 28), width=8))
    assert not has_1x1_candidates(DCGANGenerator(8, (1, 28, 28), width=8, upsample="nearest"))
    assert not has_1x1_candidates(ResNetGenerator(8, (1, 28, 28), width=8))
    assert not has_1x1_candidates(nn.ConvTranspose2d(8, 8, 4, 1, 1))


def test_trainer_runs_1x1_layers_as_matmuls_on_cpu(monkeypatch):
    calls = []
    original = _fast_ops.conv_transpose_1x1
    monkeypatch.setattr(_fast_ops, "conv_transpose_1x1", lambda *a: calls.append(a) or original(*a))
    torch.manual_seed(0)
    trainer = GANTrainer(ClassicGenerator(), DCGANDiscriminator((1, 14, 14), width=8), batch_size=16, seed=0)
    assert trainer.matmul_1x1
    history = trainer.fit(torch.rand(32, 1, 14, 14) * 2 - 1, max_epochs=2)
    assert len(calls) == 4  # one per step: 2 epochs of 2 batches
    assert all(torch.isfinite(torch.tensor(h["g_loss"])) for h in history)
    own = GANTrainer(DCGANGenerator(8, (1, 8, 8), width=8), DCGANDiscriminator((1, 8, 8), width=8), seed=0)
    assert not own.matmul_1x1


def test_dense_order():
    x = torch.empty(4, 3, 5, 2)
    assert dense_order(x) is None
    assert dense_order(x.contiguous(memory_format=torch.channels_last)) == [0, 2, 3, 1]
    assert dense_order(x[:, :, ::2]) is None  # gaps: no order makes it contiguous
    assert dense_order(x.expand(2, 4, 3, 5, 2)) is None  # overlapping


@pytest.mark.parametrize("set_to_none", [True, False])
def test_dense_view_adam_updates_as_fused_adam_does(set_to_none):
    torch.manual_seed(0)
    net = nn.Sequential(nn.ConvTranspose2d(8, 6, 4, bias=True), nn.Conv2d(6, 2, 3)).to(memory_format=torch.channels_last)
    twin = copy.deepcopy(net)
    reference = torch.optim.Adam(net.parameters(), lr=1e-2, betas=(0.5, 0.999), fused=True)
    dense = DenseViewAdam(twin.parameters(), lr=1e-2, betas=(0.5, 0.999), fused=True)
    assert [o is not None for o in dense.orders] == [True, False, True, False]  # the 4-d weights
    assert all(v.is_contiguous() for v in dense.param_groups[0]["params"])  # nothing for the kernel to copy
    for _ in range(4):
        z = torch.randn(5, 8, 2, 2)
        for model, opt in ((net, reference), (twin, dense)):
            opt.zero_grad(set_to_none=set_to_none)
            model(z).square().mean().backward()
            opt.step()
    for p, q in zip(net.parameters(), twin.parameters()):
        assert torch.equal(p, q)  # elementwise arithmetic: the same bits
        assert p.stride() == q.stride()
    dense.zero_grad(set_to_none=set_to_none)
    for q in twin.parameters():
        assert q.grad is None if set_to_none else not q.grad.any()


@pytest.mark.skipif(
    tuple(int(v) for v in torch.__version__.split(".")[:2]) < (2, 4), reason="fused Adam on CPU needs torch 2.4"
)
def test_trainer_uses_dense_view_adam_on_cpu():
    trainer = GANTrainer(ClassicGenerator(), DCGANDiscriminator((1, 14, 14), width=8), seed=0)
    assert isinstance(trainer.opt_g, DenseViewAdam) and isinstance(trainer.opt_d, DenseViewAdam)
    assert trainer.opt_g.defaults["fused"]


def test_dense_view_adam_takes_gradients_in_another_layout():
    torch.manual_seed(0)
    weight = torch.randn(6, 5, 3, 3).contiguous(memory_format=torch.channels_last)
    p, q = nn.Parameter(weight.clone()), nn.Parameter(weight.clone())
    reference, dense = torch.optim.Adam([p], lr=0.1, fused=True), DenseViewAdam([q], lr=0.1, fused=True)
    for _ in range(3):
        grad = torch.randn(6, 5, 3, 3)  # default layout, not the weight's
        p.grad, q.grad = grad.clone(), grad.clone()
        reference.step()
        dense.step()
    assert torch.equal(p, q)
    assert q.is_contiguous(memory_format=torch.channels_last)
