"""Where each downloadable dataset lives: file names, published checksums and mirrors."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class Source:
    """A dataset published as four IDX files."""

    name: str
    title: str
    files: dict[str, str]  # role -> standard file name
    hashes: dict[str, str]  # role -> pooch known_hash ("sha256" hex, or "md5:...")
    mirrors: tuple[str, ...]
    mirrors_env: str
    class_names: tuple[str, ...]
    system_dirs: tuple[str, ...] = field(default_factory=tuple)
    # role -> published size in bytes: a download is cut off just past it (a runaway mirror cannot fill the disk)
    sizes: dict[str, int] = field(default_factory=dict)


STANDARD_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}

MNIST = Source(
    name="mnist",
    title="MNIST handwritten digits (LeCun, Cortes, Burges), 28x28",
    files=STANDARD_FILES,
    hashes={
        "train_images": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train_labels": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "test_images": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "test_labels": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    mirrors=(
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ),
    mirrors_env="TERMNET_MNIST_MIRRORS",
    class_names=tuple(str(d) for d in range(10)),
    sizes={"train_images": 9_912_422, "train_labels": 28_881, "test_images": 1_648_877, "test_labels": 4_542},
)

FASHION_MNIST = Source(
    name="fashion-mnist",
    title="Fashion-MNIST clothing images (Zalando Research, MIT licence), 28x28",
    files=STANDARD_FILES,
    hashes={
        "train_images": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train_labels": "md5:25c81989df183df01b3e8a0aad5dffbe",
        "test_images": "md5:bef4ecab320f06d8554ea6380940ec79",
        "test_labels": "md5:bb300cfdad3c16e7a12a480ee83cd310",
    },
    mirrors=(
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
    ),
    mirrors_env="TERMNET_FASHION_MNIST_MIRRORS",
    class_names=("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                 "Ankle boot"),
    # Debian's dataset-fashion-mnist package; its .gz files differ from the published bytes,
    # so they are trusted by location, not by checksum.
    system_dirs=("/usr/share/datasets/fashion-mnist",),
    # no sizes: termnet has no verified list of them, so downloads are capped at download.MAX_UNKNOWN_SIZE
)

SOURCES = {source.name: source for source in (MNIST, FASHION_MNIST)}
