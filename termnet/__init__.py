"""termnet: build, train and look inside neural networks in the terminal.

The package root exposes the engine only; the Textual app lives in ``termnet.app``.
"""

from .engine import FC, Activation, Convolution, Flatten, Network, Pooling

__version__ = "0.1.0"
__all__ = ["FC", "Activation", "Convolution", "Flatten", "Network", "Pooling", "__version__"]
