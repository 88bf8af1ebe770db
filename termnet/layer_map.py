"""A map of what a layer learned: its activations for many images, reduced to two dimensions and placed on a
grid of terminal cells. No user interface here: the dashboard's map screen and the tests read it.

scikit-learn (PCA, t-SNE) is imported inside the functions that need it: importing it takes about a second,
and the first screen never draws a map (tests/test_startup_imports.py).
"""

from __future__ import annotations

import numpy as np

from .engine import Network

#: Test images a map shows: enough for clusters to show, few enough for t-SNE to take seconds, not minutes.
MAP_SIZE = 1000
#: Before t-SNE, wider activations are reduced to this many principal components: t-SNE's neighbours come out
#: the same and it runs in seconds on a conv layer's thousands of values (scikit-learn's advice).
TSNE_INPUT_DIMENSIONS = 50
#: Widest activations whose PCA is exact (see pca_2d).
EXACT_PCA_COLUMNS = 1000
#: Images forwarded at once: a conv layer's outputs for 1,000 MNIST images at once would take hundreds of MB.
FORWARD_BATCH = 200
#: How far (in cells, each way) a point may move from its own cell when another point holds it; farther ones
#: are not drawn, so clusters keep their shape instead of spreading over the map.
DISPLACEMENT = 1


def output_size(network: Network, index: int) -> int:
    """The number of values layer ``index`` outputs per sample."""
    return int(np.prod(network.shapes()[index].output_shape))


def mappable_layers(network: Network) -> list[int]:
    """The layers a map can show: those whose output has more than two values per sample."""
    return [row.index for row in network.shapes() if row.output_shape is not None and np.prod(row.output_shape) > 2]


def default_layer(network: Network) -> int:
    """The last hidden layer: the last mappable layer before the output layer (the last one with weights),
    where the network's own picture of a digit is most abstract; the output itself if nothing comes before."""
    layers = mappable_layers(network)
    if not layers:
        raise ValueError("No layer of this network outputs more than 2 values: there is nothing to map")
    weighted = [index for index, layer in enumerate(network.layers) if layer.params()]
    output = weighted[-1] if weighted else len(network.layers)
    hidden = [index for index in layers if index < output]
    return hidden[-1] if hidden else layers[-1]


def layer_activations(network: Network, images: np.ndarray, index: int) -> np.ndarray:
    """Layer ``index``'s outputs for ``images``, one flattened row per image, (N, values) in float64.

    Forwarded in batches, in inference mode, through the layers up to ``index`` only.
    """
    x, _ = network.prepare(images)
    rows = np.empty((len(x), output_size(network, index)), dtype=np.float64)
    for start in range(0, len(x), FORWARD_BATCH):
        out = x[start:start + FORWARD_BATCH]
        for layer in network.layers[:index + 1]:
            out = layer.forward(out, training=False)
        rows[start:start + len(out)] = out.reshape(len(out), -1)  # copied: a layer may reuse its output buffer
    return rows


def pca_2d(activations: np.ndarray) -> np.ndarray:
    """The first two principal components of each row, (N, 2): fast, and faithful to distances along them."""
    from sklearn.decomposition import PCA

    components = min(2, *activations.shape)
    # the full SVD up to a thousand columns; beyond, ARPACK finds only the two components wanted, as exactly,
    # without the whole decomposition (seconds for a first conv layer's 1,000 x 10,816 on MNIST)
    solver = "full" if activations.shape[1] <= EXACT_PCA_COLUMNS else "arpack"
    points = PCA(n_components=components, svd_solver=solver, random_state=0).fit_transform(activations)
    return np.pad(points, ((0, 0), (0, 2 - components)))  # one image or one value: a line, still a map


def tsne_2d(activations: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE of the rows, (N, 2): neighbours stay neighbours, so classes show as islands. Seconds for 1,000 rows."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    count, width = activations.shape
    if count < 5:
        return pca_2d(activations)  # t-SNE needs more neighbours than that
    if width > TSNE_INPUT_DIMENSIONS and count > TSNE_INPUT_DIMENSIONS:
        activations = PCA(n_components=TSNE_INPUT_DIMENSIONS, random_state=seed).fit_transform(activations)
    perplexity = min(30.0, (count - 1) / 3)
    # One thread: t-SNE runs beside the UI and perhaps a training run, and its OpenMP threads spin while they
    # wait: on 2 busy cores, 1,000 points took 18 s on one thread and 129 s on two.
    with threadpool_limits(limits=1):
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(activations)


def ideal_cells(points: np.ndarray, width: int, height: int) -> np.ndarray:
    """Each point's own cell, (N, 2) as (column, row): x scaled to the columns, y to the rows (up is up).

    Each axis is stretched to fill the grid: a terminal map has few cells to spare.
    """
    cells = np.empty((len(points), 2), dtype=int)
    for axis, size in ((0, width), (1, height)):
        values = points[:, axis]
        low, high = (float(values.min()), float(values.max())) if len(values) else (0.0, 0.0)
        share = (values - low) / (high - low) if high > low else np.full(len(values), 0.5)
        cells[:, axis] = np.rint(share * (size - 1))
    cells[:, 1] = (height - 1) - cells[:, 1]  # row 0 is the top
    return cells


def _neighbours(radius: int) -> list[tuple[int, int]]:
    """Offsets around a cell, nearest first; a row is about twice as tall as a column is wide."""
    offsets = [(dx, dy) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1) if dx or dy]
    return sorted(offsets, key=lambda o: (o[0] ** 2 + (2 * o[1]) ** 2, o[1], o[0]))


def place(points: np.ndarray, width: int, height: int, radius: int = DISPLACEMENT) -> np.ndarray:
    """Cells for the points, one point a cell, (N, 2) as (column, row); (-1, -1) for a point not drawn.

    Each point, in order, takes its own cell (``ideal_cells``) when free, else the nearest free cell within
    ``radius``; a point with none free stays hidden under the others.
    """
    wanted = ideal_cells(points, width, height)
    taken = np.zeros((height, width), dtype=bool)
    cells = np.full((len(points), 2), -1, dtype=int)
    offsets = [(0, 0)] + _neighbours(radius)
    for index, (column, row) in enumerate(wanted.tolist()):
        for dx, dy in offsets:
            c, r = column + dx, row + dy
            if 0 <= c < width and 0 <= r < height and not taken[r, c]:
                taken[r, c] = True
                cells[index] = (c, r)
                break
    return cells


def nearest_in_direction(cells: np.ndarray, start: int, dx: int, dy: int) -> int:
    """The drawn point nearest to point ``start`` in direction (dx, dy) (one of the four arrows), or ``start``
    when none lies that way.

    Points within 45 degrees of the direction come first (down never jumps to a point more left than below),
    then the rest of that half of the map; off-axis distance counts double, so right prefers straight right.
    Distances are in columns, a row counting as two: a cell is about twice as tall as it is wide.
    """
    offsets = (cells - cells[start]) * [1, 2]
    along = offsets[:, 0] * dx + offsets[:, 1] * dy
    across = np.abs(offsets[:, 0] * dy + offsets[:, 1] * dx)
    ahead = (along > 0) & (cells[:, 0] >= 0)
    for candidates in (ahead & (along >= across), ahead):
        if candidates.any():
            return int(np.argmin(np.where(candidates, along + 2 * across, np.inf)))
    return start


def reading_order(cells: np.ndarray) -> np.ndarray:
    """The drawn points' indices row by row, left to right: the order tab steps through them."""
    drawn = np.flatnonzero(cells[:, 0] >= 0)
    return drawn[np.lexsort((cells[drawn, 0], cells[drawn, 1]))]
