"""A data map: every clip placed in 2-D by how a trained model hears it, and the clips the model hears as another word.

Pure (no Django): the training stage (training/data_map.py) feeds it a Keras model, cached features and labels, and
stores what comes out. Three steps, each seeded so that the same clips in the same order give the same map:

1. the model's penultimate layer (the input of its last Dense layer, "probabilities"): what the classifier itself
   separates the words by, not the raw log-mels;
2. PCA to PCA_DIMS dimensions, then t-SNE to 2 (scikit-learn; one thread, so the sums run in one order whatever the
   machine's core count);
3. outliers, in the penultimate space (t-SNE keeps neighbourhoods but not distances): a clip most of whose
   NEIGHBOURS nearest clips carry one other class. Chosen over the local outlier factor, which flags clips in sparse
   regions whatever their label (an unusual voice saying the right word): a label-disagreeing neighbourhood is what a
   reviewer can act on ("the model hears this 'yes' among the 'no's"), and it names the word it sits among.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np

PENULTIMATE_OF = "probabilities"  # kws.architectures names every model's output layer so
PCA_DIMS = 50
BATCH = 512


@dataclass(frozen=True)
class MapParams:
    seed: int = 0
    pca_dims: int = PCA_DIMS
    perplexity: float = 30.0  # t-SNE's effective neighbours; lowered for a map of few clips (it needs 3x as many)
    max_iter: int = 1000
    neighbours: int = 10  # k of the outlier rule
    # A clip is an outlier when more than this share of its neighbours carry one other class than its own
    outlier_share: float = 0.5

    def as_dict(self) -> dict:
        return asdict(self)


DEFAULT_MAP = MapParams()


@dataclass
class MapResult:
    xy: np.ndarray  # (N, 2), scaled to [0, 1] on the longer axis, rounded to 4 decimals
    outlier: np.ndarray  # (N,) bool
    neighbours_say: list[str | None]  # the other class most of an outlier's neighbours carry, else None
    same_class_share: np.ndarray  # (N,) share of each clip's neighbours in its own class


def penultimate(model, x: np.ndarray) -> np.ndarray:
    """(N, D) activations feeding the model's output layer, in batches of BATCH (a flattened map for tiny_conv,
    the pooled channels for the DS-CNN)."""
    import keras

    probe = keras.Model(model.inputs, model.get_layer(PENULTIMATE_OF).input)
    if not len(x):
        return np.zeros((0, int(np.prod(probe.output.shape[1:]))), np.float32)
    out = [np.asarray(probe([x[i : i + BATCH]], training=False)) for i in range(0, len(x), BATCH)]
    return np.concatenate(out).reshape(len(x), -1).astype(np.float32)


def embed_2d(vectors: np.ndarray, params: MapParams = DEFAULT_MAP) -> np.ndarray:
    """(N, 2) t-SNE of the vectors after PCA to params.pca_dims, scaled into [0, 1] (the longer axis) and rounded."""
    from sklearn.decomposition import PCA
    from threadpoolctl import threadpool_limits

    n = len(vectors)
    if n < 2:
        return np.full((n, 2), 0.5)
    x = np.asarray(vectors, np.float64)
    with threadpool_limits(limits=1):
        dims = min(params.pca_dims, n, x.shape[1])
        reduced = PCA(dims, svd_solver="full", random_state=params.seed).fit_transform(x) if dims < x.shape[1] else x
        if n <= 3:
            xy = reduced[:, :2] if reduced.shape[1] >= 2 else np.pad(reduced, ((0, 0), (0, 1)))
        else:
            tsne = _tsne(perplexity=min(params.perplexity, (n - 1) / 3), params=params)
            xy = tsne.fit_transform(reduced)
    span = np.ptp(xy, axis=0).max()
    xy = (xy - xy.min(axis=0)) / (span if span > 0 else 1.0)
    return np.round(xy, 4)


def _tsne(*, perplexity: float, params: MapParams):
    from sklearn.manifold import TSNE

    return TSNE(
        n_components=2,
        perplexity=perplexity,
        init="pca",
        learning_rate="auto",
        max_iter=params.max_iter,
        random_state=params.seed,
    )


def neighbour_outliers(vectors: np.ndarray, classes: list[str], params: MapParams = DEFAULT_MAP) -> MapResult:
    """Outliers by the labels of each clip's nearest neighbours (Euclidean, in `vectors`' space): see the module
    docstring. Returns a MapResult without coordinates (xy empty)."""
    from sklearn.neighbors import NearestNeighbors

    n = len(vectors)
    k = min(params.neighbours, n - 1)
    outlier = np.zeros(n, bool)
    say: list[str | None] = [None] * n
    share = np.ones(n)
    if k < 1:
        return MapResult(xy=np.zeros((n, 2)), outlier=outlier, neighbours_say=say, same_class_share=share)
    found = NearestNeighbors(n_neighbors=k + 1).fit(vectors).kneighbors(vectors, return_distance=False)
    labels = np.asarray(classes, dtype=object)
    for i, row in enumerate(found):
        neighbours = [j for j in row if j != i][:k]
        counts = Counter(labels[neighbours])
        share[i] = counts.get(labels[i], 0) / k
        others = [(count, word) for word, count in counts.items() if word != labels[i]]
        if others:
            count, word = max(others, key=lambda cw: (cw[0], str(cw[1])))
            if count / k > params.outlier_share:
                outlier[i], say[i] = True, word
    return MapResult(xy=np.zeros((n, 2)), outlier=outlier, neighbours_say=say, same_class_share=np.round(share, 3))


def data_map(vectors: np.ndarray, classes: list[str], params: MapParams = DEFAULT_MAP) -> MapResult:
    """The whole map of N clips from their penultimate activations and the class each was trained as."""
    result = neighbour_outliers(vectors, classes, params)
    result.xy = embed_2d(vectors, params)
    return result
