"""A fit's weights and gradients in two flat arrays, the layers holding views of them.

Plain gradient descent then updates every weight in one pass over one array instead of one pass per array:
the reference MLP has six (two per FC layer), and the calls, not the numbers, were half of its update's time
(67 -> ~40 us a step). The layers keep working on their own attributes, which are now views; nothing else
changes, and the views stay the layers' arrays after the fit. A helper process (processes.py) points its
layers at shared memory the same way.
"""

from __future__ import annotations

import numpy as np

from .layer import Layer


def hold_in(layer: Layer, arrays: list[np.ndarray], views: list[np.ndarray]) -> None:
    """Point the attributes of ``layer`` that hold ``arrays`` at ``views`` (same shapes) instead."""
    for array, view in zip(arrays, views):
        for name, value in list(vars(layer).items()):
            if value is array and value.shape == view.shape:
                setattr(layer, name, view)


def views_of(flat: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """``flat`` cut into consecutive arrays of ``shapes``."""
    views, start = [], 0
    for shape in shapes:
        size = int(np.prod(shape, dtype=np.int64))
        views.append(flat[start:start + size].reshape(shape))
        start += size
    return views


def flatten_layers(layers: list[Layer], params: np.ndarray | None = None, grads: np.ndarray | None = None,
                   copy: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
    """Move every layer's weights and gradients into flat arrays (``params`` and ``grads`` if given, else new
    ones) that the layers then hold views of; the two flat arrays, or None where some layer does not keep its
    arrays in the attributes ``params()`` and ``grads()`` return (its values are then copied, its arrays kept).
    ``copy=False`` leaves the values in ``params`` as they are (a helper's: they come from the main process)."""
    owned = [layer.params() for layer in layers]
    if not any(owned):
        return None
    arrays = [id(array) for arrays in owned for array in arrays] + [id(g) for layer in layers for g in layer.grads()]
    if len(set(arrays)) != len(arrays):
        return None  # an array two layers share (tied weights): one slice each would part them
    dtypes = {array.dtype for arrays in owned for array in arrays}
    if len(dtypes) != 1:
        return None
    shapes = [array.shape for arrays in owned for array in arrays]
    total = sum(int(np.prod(shape, dtype=np.int64)) for shape in shapes)
    dtype = dtypes.pop()
    params = np.empty(total, dtype) if params is None else params
    grads = np.zeros(total, dtype) if grads is None else grads
    param_views, grad_views = views_of(params, shapes), views_of(grads, shapes)
    start = 0
    for layer, arrays in zip(layers, owned):
        mine = slice(start, start + len(arrays))
        if copy:
            for array, view in zip(arrays, param_views[mine]):
                view[...] = array
            for array, view in zip(layer.grads(), grad_views[mine]):
                view[...] = array
        hold_in(layer, arrays, param_views[mine])
        hold_in(layer, layer.grads(), grad_views[mine])
        start += len(arrays)
    held = [array for layer in layers for array in layer.params()]
    held_grads = [array for layer in layers for array in layer.grads()]
    if (len(held) == len(param_views) == len(held_grads) == len(grad_views)
            and all(a is b for a, b in zip(held, param_views)) and all(a is b for a, b in zip(held_grads, grad_views))):
        return params, grads
    return None
