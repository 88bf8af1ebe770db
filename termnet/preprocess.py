"""Making a hand-drawn digit look like an MNIST digit before it is classified.

MNIST's digits were scaled so their bounding box fits 20x20 (aspect kept), then placed
in 28x28 with their centre of mass at the centre. A drawn digit gets the same treatment,
scaled to the image size of the data at hand.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def resized(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``image`` resampled to ``shape`` (a 28x28 drawing for 8x8 digits), brightest pixel kept at 1."""
    image = np.asarray(image, dtype=np.float32)
    if image.shape == tuple(shape):
        return image
    out = np.clip(ndimage.zoom(image, (shape[0] / image.shape[0], shape[1] / image.shape[1]), order=1), 0, None)
    peak = out.max()
    return (out / peak if peak > 0 else out).astype(np.float32)


def mnist_style(image: np.ndarray) -> np.ndarray:
    """``image`` (H, W) in [0, 1] -> the same size, its digit boxed into 20/28 of it and centred by mass."""
    image = np.asarray(image, dtype=np.float32)
    height, width = image.shape
    rows, cols = np.nonzero(image > 0)
    if rows.size == 0:
        return np.zeros_like(image)
    box = image[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    target = max(1, round(min(height, width) * 20 / 28))
    scale = target / max(box.shape)
    scaled = np.clip(ndimage.zoom(box, scale, order=1), 0.0, 1.0) if scale != 1 else box
    out = np.zeros_like(image)
    top, left = (height - scaled.shape[0]) // 2, (width - scaled.shape[1]) // 2
    out[top:top + scaled.shape[0], left:left + scaled.shape[1]] = scaled[:height - top, :width - left]
    cy, cx = ndimage.center_of_mass(out)
    # whole-pixel moves, as MNIST's were: no blur, and an MNIST digit comes back unchanged
    # MNIST puts the centre of mass at pixel (14, 14) of 28x28, i.e. at (H / 2, W / 2)
    dy, dx = round(height / 2 - cy), round(width / 2 - cx)
    shifted = ndimage.shift(out, (dy, dx), order=0, mode="constant")
    return np.clip(shifted, 0.0, 1.0).astype(np.float32)
