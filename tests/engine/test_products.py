"""Thin products in pieces (products.py): the same numbers as one product, cut only where it pays."""

import numpy as np
import pytest

from termnet.engine import Activation, Convolution, Network, Pooling, fusion, products


@pytest.fixture
def direct(monkeypatch):
    """Pretend NumPy's BLAS has OpenBLAS's direct path for small products (or not), whatever this CPU is."""

    def use(available: bool) -> None:
        monkeypatch.setattr(products, "direct_path", lambda: available)

    return use


def integers(rng, shape, dtype=np.float32):
    # small integers: every sum is exact in float32 whatever the order, so pieces must give the same bits
    return rng.integers(-3, 4, shape).astype(dtype)


def test_a_wide_product_in_column_blocks_equals_one_product(direct):
    direct(True)
    rng = np.random.default_rng(0)
    a, b = integers(rng, (16, 10)), integers(rng, (10, 3 * 6250 + 17))  # three whole blocks and a remainder
    assert products._piece(16 * 10, b.shape[1], np.float32) == 6250
    out = np.full((16, b.shape[1]), np.nan, dtype=np.float32)
    assert products.wide_product(a, b, out) is out
    np.testing.assert_array_equal(out, a @ b)


def test_a_long_inner_product_in_pieces_equals_one_product(direct):
    direct(True)
    rng = np.random.default_rng(1)
    a, b = integers(rng, (10, 4 * 6250 + 3)), integers(rng, (4 * 6250 + 3, 16))
    assert products._piece(10 * 16, a.shape[1], np.float32) == 6250
    np.testing.assert_array_equal(products.long_inner_product(a, b), a @ b)
    # a transposed view, as the kernel gradient passes it
    errors = integers(rng, (16, a.shape[1]))
    np.testing.assert_array_equal(products.long_inner_product(a, errors.T), a @ errors.T)


@pytest.mark.parametrize("case", ["no direct path", "float64", "pieces too narrow", "already small"])
def test_one_product_where_pieces_would_not_pay(direct, case):
    direct(case != "no direct path")
    dtype = np.float64 if case == "float64" else np.float32
    m, k = {"pieces too narrow": (32, 145), "already small": (16, 10)}.get(case, (16, 10))
    n = 5000 if case == "already small" else 43264
    assert products._piece(m * k, n, dtype) is None
    if case == "pieces too narrow":  # the reference CNN's second convolution: 215 columns a piece
        assert products.DIRECT_LIMIT // (m * k) < products.MIN_PIECE


def test_the_direct_path_is_read_from_threadpoolctl(monkeypatch):
    import threadpoolctl

    for architecture, expected in (("SkylakeX", True), ("SapphireRapids", True), ("Haswell", False), ("Zen", False)):
        info = [{"internal_api": "openblas", "user_api": "blas", "architecture": architecture}]
        monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda info=info: info)
        products.direct_path.cache_clear()
        assert products.direct_path() is expected, architecture
    monkeypatch.setattr(threadpoolctl, "threadpool_info", lambda: [{"internal_api": "mkl", "user_api": "blas"}])
    products.direct_path.cache_clear()
    assert products.direct_path() is False
    products.direct_path.cache_clear()


@pytest.mark.parametrize("fused", [True, False])
def test_a_first_convolution_trains_the_same_with_and_without_pieces(direct, fused):
    # 16 images of 30x30: 28x28 positions each, 12,544 in all, cut into pieces of 6,250 (16 filters x 10 taps)
    rng = np.random.default_rng(2)
    x = integers(rng, (16, 1, 30, 30))
    results = []
    for available in (False, True):
        direct(available)
        conv = Convolution((1, 30, 30), 3, 16)
        layers = [conv, Activation("relu"), Pooling(2)] if fused else [conv]
        net = Network(seed=0)
        for layer in layers:
            net.add(layer)
        net.build((1, 30, 30))
        conv.set_weights([integers(np.random.default_rng(3), (16, 1, 3, 3)), np.arange(16, dtype=np.float32)])
        out = net.forward(x, training=True)
        error = integers(np.random.default_rng(4), out.shape)
        fusion.backward(net.layers, error, 0, len(net.layers))
        results.append((out.copy(), conv.grad_kernels.copy(), conv.grad_bias.copy()))
    for without, with_pieces in zip(*results):
        np.testing.assert_array_equal(without, with_pieces)
