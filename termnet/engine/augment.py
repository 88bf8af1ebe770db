"""Augmentation of training images: small random rotations, shifts, zooms, noise and stroke changes.

Each transform is a deterministic function of per-image parameters and works on a whole batch
at once (images shaped (N, C, H, W), values in [0, 1]); no Python loop runs per image.
``Augmentation`` draws those parameters from a seeded generator, so the same seed gives the same
batches. ``Network.fit(..., augment=Augmentation(...))`` applies one to each training batch only:
validation and test images are never changed. The robustness curves (termnet/robustness.py) damage
test images with the same functions, one level at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Named strengths, the choices of the ``augment`` training setting. Shifts are in pixels of a 28x28 image
#: and scale with the image's side (``Augmentation.level``), so "light" moves an 8x8 digit by at most 1 pixel.
LEVELS: dict[str, dict[str, float]] = {
    "none": {},
    "light": {"rotation": 10, "shift": 2, "scale": 0.1},
    "strong": {"rotation": 20, "shift": 3, "scale": 0.15, "noise": 0.1, "thickness": 1},
}
REFERENCE_SIDE = 28  # the side the levels' shifts are given for


def as_images(images: np.ndarray) -> np.ndarray:
    """``images`` as (N, C, H, W): (N, H, W) gains a channel axis, (N, D) with D a square number becomes
    square single-channel images; other shapes are refused with a ValueError."""
    images = np.asarray(images)
    if images.ndim == 4:
        return images
    if images.ndim == 3:
        return images[:, None]
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side == images.shape[1] and side > 1:
            return images.reshape(len(images), 1, side, side)
    raise ValueError(f"Augmentation needs images, shaped (N, C, H, W), (N, H, W) or (N, side*side). "
                     f"Received: shape {images.shape}")


def _per_image(value, count: int, width: int | None = None) -> np.ndarray:
    """A scalar (or a pair, for ``width=2``) repeated for each of ``count`` images, or an array checked to have one."""
    array = np.asarray(value, dtype=np.float64)
    shape = (count,) if width is None else (count, width)
    if array.ndim == (0 if width is None else 1):
        return np.broadcast_to(array, shape)
    if array.shape != shape:
        raise ValueError(f"Expected one value per image, shape {shape}. Received: shape {array.shape}")
    return array


def affine(images: np.ndarray, angle_degrees=0.0, shift_xy=(0.0, 0.0), scale=1.0) -> np.ndarray:
    """Each image rotated by its angle (degrees, counterclockwise as shown, about the centre), scaled about the
    centre, then shifted by its (x right, y down) pixels; one bilinear warp for the batch, zeros outside.

    Each output pixel is mapped back to where it comes from (inverse mapping), so no holes appear; a pixel
    from outside the image is black. Angles, shifts and scales are scalars or one per image.
    """
    images = np.asarray(images)
    n, channels, height, width = images.shape
    dtype = images.dtype if np.issubdtype(images.dtype, np.floating) else np.float32
    # coordinates in float32: exact to a thousandth of a pixel at these sizes, and half the memory traffic
    angle = np.deg2rad(_per_image(angle_degrees, n)).astype(np.float32)[:, None, None]
    shift = _per_image(shift_xy, n, 2).astype(np.float32)
    zoom = _per_image(scale, n).astype(np.float32)
    if np.any(zoom <= 0) or not np.all(np.isfinite(zoom)):
        raise ValueError(f"scale must be a positive number. Received: {zoom.min()!r}")
    cy, cx = (height - 1) / 2, (width - 1) / 2
    rows = np.arange(height, dtype=np.float32)[None, :, None]
    cols = np.arange(width, dtype=np.float32)[None, None, :]
    # undo the shift, then the zoom, then the rotation: the source of each output pixel
    dy = (rows - cy - shift[:, 1, None, None]) / zoom[:, None, None]
    dx = (cols - cx - shift[:, 0, None, None]) / zoom[:, None, None]
    cos, sin = np.cos(angle), np.sin(angle)
    source_y = cos * dy + sin * dx + cy
    source_x = cos * dx - sin * dy + cx
    return _bilinear(images.astype(dtype, copy=False), source_y, source_x)


def _bilinear(images: np.ndarray, source_y: np.ndarray, source_x: np.ndarray) -> np.ndarray:
    """Sample each image at (source_y, source_x) (each (N, H, W)), weighting its four nearest pixels; pixels
    outside the image count as zero.

    The images are padded with a border of zeros (one pixel before, two after), and the coordinates clipped
    into it: a pixel from far outside then reads only zeros, with no mask per corner (measured: a quarter faster
    than masking each corner, and one gather per corner over the whole batch).
    """
    n, channels, height, width = images.shape
    source_y = np.clip(source_y, -1, height)
    source_x = np.clip(source_x, -1, width)
    y0, x0 = np.floor(source_y), np.floor(source_x)
    fy, fx = (source_y - y0).astype(images.dtype), (source_x - x0).astype(images.dtype)
    padded_width = width + 3
    padded = np.pad(images, ((0, 0), (0, 0), (1, 2), (1, 2))).reshape(n, channels, -1)
    corner = ((y0.astype(np.intp) + 1) * padded_width + x0.astype(np.intp) + 1).reshape(n, 1, -1)
    corner = corner + (np.arange(n) * channels * padded.shape[-1]).reshape(n, 1, 1) \
        + (np.arange(channels) * padded.shape[-1]).reshape(1, channels, 1)  # flat positions in the whole batch
    flat = padded.reshape(-1)
    fy, fx = fy.reshape(n, 1, -1), fx.reshape(n, 1, -1)
    top = flat[corner] * (1 - fx) + flat[corner + 1] * fx  # the upper two neighbours, then the lower two
    bottom = flat[corner + padded_width] * (1 - fx) + flat[corner + padded_width + 1] * fx
    return (top + fy * (bottom - top)).reshape(n, channels, height, width)


def add_noise(images: np.ndarray, std, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise of standard deviation ``std`` (a scalar or one per image), clipped to [0, 1]."""
    images = np.asarray(images)
    std = _per_image(std, len(images)).astype(images.dtype)
    noise = rng.standard_normal(images.shape, dtype=images.dtype if images.dtype == np.float64 else np.float32)
    return np.clip(images + noise * std.reshape((-1,) + (1,) * (images.ndim - 1)), 0, 1).astype(images.dtype)


def _neighbourhood(images: np.ndarray, reduce) -> np.ndarray:
    """The max (or min) over each pixel's 3x3 neighbourhood, pixels outside the image taken as zero."""
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    rows = reduce(reduce(padded[:, :, :-2], padded[:, :, 1:-1]), padded[:, :, 2:])  # separable: rows, then columns
    return reduce(reduce(rows[..., :-2], rows[..., 1:-1]), rows[..., 2:])


def thicken(images: np.ndarray, amount) -> np.ndarray:
    """Strokes made ``amount`` pixels thicker (grey dilation, a 3x3 max, per step) or thinner for a negative
    amount (erosion, a 3x3 min); ``amount`` is a whole number, or one per image."""
    images = np.asarray(images)
    amounts = _per_image(amount, len(images))
    if not np.all(amounts == np.round(amounts)):
        raise ValueError(f"thicken needs whole numbers of pixels. Received: {amounts[amounts != np.round(amounts)][0]}")
    amounts = amounts.astype(np.int64)
    out = images.copy()
    for sign, reduce in ((1, np.maximum), (-1, np.minimum)):
        steps = int(max(0, (sign * amounts).max(initial=0)))
        current = images
        for step in range(1, steps + 1):  # one pass per pixel of change, over the whole batch
            current = _neighbourhood(current, reduce)
            chosen = sign * amounts == step
            out[chosen] = current[chosen]
    return out


@dataclass
class Augmentation:
    """Random changes drawn for each image of a batch: rotation up to ±``rotation`` degrees, a shift of up to
    ±``shift`` pixels along each axis, a zoom by a factor from 1-``scale`` to 1+``scale``, Gaussian noise of a
    standard deviation up to ``noise``, and strokes thickened or thinned by up to ``thickness`` pixels.

    Calling it on a batch returns a new, changed batch; the generator (from ``seed``) makes the sequence of
    batches reproducible. Example: ``net.fit(x, y, augment=Augmentation(rotation=10, shift=2, seed=0))``.
    """

    rotation: float = 10.0
    shift: float = 2.0
    scale: float = 0.1
    noise: float = 0.0
    thickness: int = 0
    seed: int | None = None

    def __post_init__(self):
        for name in ("rotation", "shift", "scale", "noise", "thickness"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(value) or value < 0:
                raise ValueError(f"Augmentation {name} must be a number, 0 or more. Received: {name}={value!r}")
        if self.scale >= 1:
            raise ValueError(f"Augmentation scale must be below 1 (a zoom from 1-scale to 1+scale). "
                             f"Received: scale={self.scale!r}")
        if self.thickness != int(self.thickness):
            raise ValueError(f"Augmentation thickness must be a whole number of pixels. "
                             f"Received: thickness={self.thickness!r}")
        self.rng = np.random.default_rng(self.seed)

    @classmethod
    def level(cls, name: str, image_side: int = REFERENCE_SIDE, seed: int | None = None) -> Augmentation | None:
        """The named strength (``LEVELS``) for square images of ``image_side`` pixels; None for "none"."""
        if name not in LEVELS:
            raise ValueError(f"Unknown augmentation {name!r}; expected one of {', '.join(LEVELS)}")
        if not LEVELS[name]:
            return None
        settings = dict(LEVELS[name])
        settings["shift"] = settings.get("shift", 0) * image_side / REFERENCE_SIDE
        if image_side < REFERENCE_SIDE / 2:  # small images (8x8 digits) lose whole strokes to a pixel of erosion
            settings["thickness"] = 0
        return cls(**settings, seed=seed)

    def check(self, sample_shape: tuple[int, ...]) -> None:
        """A ValueError when samples of ``sample_shape`` are not images this can change."""
        as_images(np.zeros((1,) + tuple(sample_shape), dtype=np.float32))

    def parameters(self, count: int) -> dict[str, np.ndarray]:
        """Per-image parameters for ``count`` images, drawn from the generator."""
        rng = self.rng
        return {
            "angle_degrees": rng.uniform(-self.rotation, self.rotation, count),
            "shift_xy": rng.uniform(-self.shift, self.shift, (count, 2)),
            "scale": rng.uniform(1 - self.scale, 1 + self.scale, count),
            "noise": rng.uniform(0, self.noise, count),
            "thickness": rng.integers(-int(self.thickness), int(self.thickness) + 1, count),
        }

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """A changed copy of ``images`` (any shape ``as_images`` takes, returned in the same shape), in [0, 1]."""
        images = np.asarray(images)
        batch = as_images(images)
        drawn = self.parameters(len(batch))
        out = batch
        if self.thickness:
            out = thicken(out, drawn["thickness"])
        if self.rotation or self.shift or self.scale:
            out = affine(out, drawn["angle_degrees"], drawn["shift_xy"], drawn["scale"])
        if self.noise:
            out = add_noise(out, drawn["noise"], self.rng)
        out = np.clip(out, 0, 1, out=out if out is not batch else None)
        return out.reshape(images.shape).astype(images.dtype, copy=False)

    def __repr__(self) -> str:
        return (f"Augmentation(rotation={self.rotation:g}, shift={self.shift:g}, scale={self.scale:g}, "
                f"noise={self.noise:g}, thickness={self.thickness:g}, seed={self.seed!r})")
