"""The augmentation transforms: exact on whole-pixel shifts and quarter turns, identity when asked for nothing,
reproducible from a seed, and always in [0, 1]."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termnet.engine.augment import LEVELS, Augmentation, add_noise, affine, as_images, thicken


def batch(n=5, channels=1, side=9, seed=0):
    return np.random.default_rng(seed).random((n, channels, side, side)).astype(np.float32)


def rolled(image, dx, dy):
    """np.roll with zero fill instead of wrap-around."""
    out = np.roll(image, (dy, dx), axis=(-2, -1))
    if dy > 0:
        out[..., :dy, :] = 0
    elif dy < 0:
        out[..., dy:, :] = 0
    if dx > 0:
        out[..., :, :dx] = 0
    elif dx < 0:
        out[..., :, dx:] = 0
    return out


def test_identity_parameters_return_the_input():
    images = batch(channels=2)
    np.testing.assert_allclose(affine(images, 0.0, (0, 0), 1.0), images, atol=1e-6)
    np.testing.assert_array_equal(thicken(images, 0), images)
    np.testing.assert_array_equal(add_noise(images, 0.0, np.random.default_rng(0)), images)


@pytest.mark.parametrize("dx, dy", [(1, 0), (0, -2), (3, 2), (-1, -1), (-4, 3)])
def test_whole_pixel_shift_equals_roll_with_zero_fill(dx, dy):
    images = batch()
    np.testing.assert_allclose(affine(images, 0, (dx, dy), 1), rolled(images, dx, dy), atol=1e-6)


def test_per_image_shifts_each_image_by_its_own():
    images = batch(n=3)
    shifts = np.array([[1, 0], [0, 2], [-2, -1]])
    out = affine(images, np.zeros(3), shifts, np.ones(3))
    for i, (dx, dy) in enumerate(shifts):
        np.testing.assert_allclose(out[i], rolled(images[i], dx, dy), atol=1e-6)


@pytest.mark.parametrize("turns", [1, 2, 3, -1])
def test_quarter_turns_equal_rot90(turns):
    images = batch(side=10, channels=3)  # an even side: the centre falls between pixels
    np.testing.assert_allclose(affine(images, 90 * turns, (0, 0), 1), np.rot90(images, turns, axes=(-2, -1)),
                               atol=1e-5)


def test_rotation_keeps_a_centred_disc_and_scale_zooms_about_the_centre():
    side = 15
    yy, xx = np.mgrid[:side, :side] - (side - 1) / 2
    disc = ((yy ** 2 + xx ** 2) <= 9).astype(np.float32)[None, None]
    turned = affine(disc, 37, (0, 0), 1)[0, 0]
    radius = np.hypot(yy, xx)
    assert turned[radius <= 2].min() > 0.99 and turned[radius >= 4.5].max() == 0  # bilinear blurs only the rim
    assert turned.sum() == pytest.approx(disc.sum(), rel=0.1)
    assert affine(disc, 0, (0, 0), 2).sum() > 3 * disc.sum()  # twice as wide: about four times the ink
    assert affine(disc, 0, (0, 0), 0.5).sum() < disc.sum() / 2


def test_half_pixel_shift_is_the_mean_of_neighbours():
    images = batch(n=1)
    out = affine(images, 0, (0.5, 0), 1)
    np.testing.assert_allclose(out[..., 1:], (images[..., 1:] + images[..., :-1]) / 2, atol=1e-6)
    np.testing.assert_allclose(out[..., 0], images[..., 0] / 2, atol=1e-6)  # zero comes in from outside


def test_thicken_dilates_and_erodes_by_a_three_by_three_neighbourhood():
    image = np.zeros((1, 1, 7, 7), dtype=np.float32)
    image[0, 0, 3, 3] = 1.0
    once = thicken(image, 1)
    assert once.sum() == 9 and once[0, 0, 2:5, 2:5].min() == 1
    assert thicken(image, 2).sum() == 25
    np.testing.assert_array_equal(thicken(thicken(image, 2), -1), once)  # a square opens back exactly
    assert thicken(image, -1).sum() == 0
    grey = batch(n=4)
    assert np.all(thicken(grey, 1) >= grey) and np.all(thicken(grey, -1) <= grey)


def test_thicken_takes_one_amount_per_image():
    images = batch(n=3)
    out = thicken(images, np.array([1, 0, -2]))
    np.testing.assert_array_equal(out[0], thicken(images[:1], 1)[0])
    np.testing.assert_array_equal(out[1], images[1])
    np.testing.assert_array_equal(out[2], thicken(images[2:], -2)[0])
    with pytest.raises(ValueError, match="whole numbers"):
        thicken(images, 0.5)


def test_noise_has_the_asked_spread_and_stays_in_range():
    images = np.full((200, 1, 8, 8), 0.5, dtype=np.float32)
    noisy = add_noise(images, 0.1, np.random.default_rng(1))
    assert noisy.dtype == np.float32
    assert abs(float(np.std(noisy - images)) - 0.1) < 0.01
    assert add_noise(images, 5.0, np.random.default_rng(1)).min() >= 0


def test_same_seed_same_batch_other_seed_another():
    images = batch(n=8, side=12)
    strong = {**LEVELS["strong"]}
    first, second = Augmentation(**strong, seed=3)(images), Augmentation(**strong, seed=3)(images)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, Augmentation(**strong, seed=4)(images))
    policy = Augmentation(seed=3)
    assert not np.array_equal(policy(images), policy(images))  # the generator moves on between batches


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2 ** 16), st.floats(0, 45), st.floats(0, 4), st.floats(0, 0.5), st.floats(0, 0.5),
       st.integers(0, 2))
def test_values_stay_in_zero_one(seed, rotation, shift, scale, noise, thickness):
    images = batch(n=4, side=8, seed=seed)
    out = Augmentation(rotation, shift, scale, noise, thickness, seed=seed)(images)
    assert out.shape == images.shape and out.dtype == images.dtype
    assert out.min() >= 0 and out.max() <= 1


def test_flat_and_channelless_images_come_back_in_their_shape():
    images = batch(n=3, side=8)
    policy = Augmentation(rotation=0, shift=0, scale=0, noise=0)
    np.testing.assert_array_equal(policy(images.reshape(3, 64)), images.reshape(3, 64))
    assert as_images(images[:, 0]).shape == (3, 1, 8, 8)
    with pytest.raises(ValueError, match="Augmentation needs images"):
        as_images(np.zeros((2, 10)))


def test_bad_settings_are_refused_with_the_value():
    with pytest.raises(ValueError, match="rotation=-1"):
        Augmentation(rotation=-1)
    with pytest.raises(ValueError, match="scale=1"):
        Augmentation(scale=1)
    with pytest.raises(ValueError, match="Unknown augmentation 'huge'"):
        Augmentation.level("huge")


def test_levels_scale_shifts_to_the_image_side():
    assert Augmentation.level("none") is None
    assert Augmentation.level("light", 28).shift == 2
    assert Augmentation.level("light", 8).shift == pytest.approx(2 * 8 / 28)
    assert Augmentation.level("strong", 8).thickness == 0  # a pixel of erosion would wipe out an 8x8 stroke
