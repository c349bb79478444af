import pytest
import torch

from gansampler.nn import (
    DCGANDiscriminator,
    DCGANGenerator,
    FlattenChannelsLast,
    MLPDiscriminator,
    MLPGenerator,
    ResNetDiscriminator,
    ResNetGenerator,
    SmallCNN,
)

SHAPES = [(1, 8, 8), (1, 28, 28), (3, 28, 28), (3, 64, 64), (1, 128, 128), (3, 30, 45)]


@pytest.mark.parametrize("shape", SHAPES)
def test_dcgan_any_size(shape):
    G = DCGANGenerator(16, shape, width=8)
    D = DCGANDiscriminator(shape, width=8)
    x = G(torch.randn(3, 16))
    assert x.shape == (3, *shape)
    assert x.min() >= -1 and x.max() <= 1
    assert D(x).shape == (3,)
    assert SmallCNN(shape, 4, width=4)(x).shape == (3, 4)


@pytest.mark.parametrize("shape, strided", [((1, 28, 28), 0), ((3, 64, 64), 0), ((1, 65, 65), 1),
                                            ((1, 128, 128), 1), ((1, 64, 300), 0), ((1, 300, 300), 2)])
def test_small_cnn_strides_only_blocks_larger_than_stride_above(shape, strided):
    convs = [m for m in SmallCNN(shape, 2).modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.stride for c in convs].count((2, 2)) == strided
    assert len(convs) == 3
    plain = SmallCNN(shape, 2, stride_above=None)
    assert all(m.stride == (1, 1) for m in plain.modules() if isinstance(m, torch.nn.Conv2d))
    x = torch.zeros(2, *shape)
    assert SmallCNN(shape, 2)(x).shape == plain(x).shape == (2, 2)


@pytest.mark.parametrize("shape", SHAPES)
def test_resize_conv_generator_any_size(shape):
    G = DCGANGenerator(16, shape, width=8, upsample="nearest")
    x = G(torch.randn(3, 16))
    assert x.shape == (3, *shape) and x.min() >= -1 and x.max() <= 1
    kinds = {type(m).__name__ for m in G.modules()}
    assert "ConvTranspose2d" not in kinds and "Upsample" in kinds


@pytest.mark.parametrize("shape", SHAPES)
def test_resnet_any_size(shape):
    G = ResNetGenerator(16, shape, width=8, n_classes=3)
    D = ResNetDiscriminator(shape, width=8, n_classes=3)
    y = torch.tensor([0, 2, 1])
    x = G(torch.randn(3, 16), y)
    assert x.shape == (3, *shape) and x.min() >= -1 and x.max() <= 1
    assert D(x, y).shape == (3,)
    kinds = [type(m).__name__ for m in D.modules()]
    assert "BatchNorm2d" not in kinds and "ConvTranspose2d" not in kinds
    # residual: one block per doubling in G; D halves as often, then one more block
    assert len(G.blocks) == len(D.features) - 2
    def n_params(m):
        return sum(p.numel() for p in m.parameters())
    assert n_params(ResNetDiscriminator(shape, width=16)) > n_params(ResNetDiscriminator(shape, width=8))


def test_resnet_spectral_norm_is_optional():
    plain = ResNetDiscriminator((1, 28, 28), width=8)
    normed = ResNetDiscriminator((1, 28, 28), width=8, n_classes=2, spectral_norm=True)
    assert not any(name.endswith("weight_orig") for name, _ in plain.named_parameters())
    wrapped = [name for name, _ in normed.named_parameters() if name.endswith("weight_orig")]
    # every convolution, the logit and the class embedding
    n_layers = sum(isinstance(m, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Embedding)) for m in normed.modules())
    assert len(wrapped) == n_layers > 5


def test_discriminator_flattens_channels_last_maps_without_a_copy():
    x = torch.randn(4, 8, 5, 6).contiguous(memory_format=torch.channels_last)
    flat = FlattenChannelsLast()(x)
    assert flat.shape == (4, 5 * 6 * 8)
    assert flat.data_ptr() == x.data_ptr()  # a view: the trainer's layout is kept
    assert torch.equal(flat[1, :8], x[1, :, 0, 0])  # channel fastest

    D = DCGANDiscriminator((1, 28, 28), width=8).eval()
    images = torch.randn(5, 1, 28, 28)
    D_last = DCGANDiscriminator((1, 28, 28), width=8).eval()
    D_last.load_state_dict(D.state_dict())
    D_last.to(memory_format=torch.channels_last)
    assert torch.allclose(
        D(images), D_last(images.contiguous(memory_format=torch.channels_last)), atol=1e-5
    )


def test_generator_rejects_unknown_upsampling():
    with pytest.raises(ValueError, match="upsample must be"):
        DCGANGenerator(16, (1, 8, 8), upsample="bilinear")


def test_28x28_needs_no_crop():
    G = DCGANGenerator(16, (1, 28, 28), width=8)
    assert G.s0 == (7, 7)  # 7 -> 14 -> 28


@pytest.mark.parametrize("G_cls, D_cls", [(DCGANGenerator, DCGANDiscriminator), (MLPGenerator, MLPDiscriminator)])
def test_conditional_interface(G_cls, D_cls):
    shape = (1, 8, 8)
    G = G_cls(16, shape, n_classes=3) if G_cls is MLPGenerator else G_cls(16, shape, width=8, n_classes=3)
    D = D_cls(shape, n_classes=3) if D_cls is MLPDiscriminator else D_cls(shape, width=8, n_classes=3)
    y = torch.tensor([0, 1, 2])
    z = torch.randn(3, 16)
    x = G(z, y)
    logits, features = D(x, y, return_features=True)
    assert logits.shape == (3,) and features.shape[0] == 3
    # the label changes the output
    assert not torch.allclose(G.eval()(z, y), G(z, torch.tensor([2, 2, 2])))


def test_tabular_cnn_is_mlp():
    net = SmallCNN((5, 1, 1), 3)
    assert net(torch.randn(4, 5, 1, 1)).shape == (4, 3)
    assert net.embed(torch.randn(4, 5, 1, 1)).shape == (4, net.n_features)
