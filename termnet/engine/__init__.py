"""termnet's neural-network engine: NumPy only, no user interface."""

from .activation import ACTIVATIONS, Activation
from .callbacks import Callback, LambdaCallback
from .convolution import Convolution
from .dense import FC
from .layer import Layer, ShapeError
from .losses import CrossEntropy, Loss, MeanSquaredError, cross_entropy, cross_entropy_prime, mse, mse_prime
from .network import LayerShape, Network, TrainingDiverged, trace_shapes
from .optimizers import SGD, Adam, Momentum, Optimizer
from .pooling import Pooling
from .reshape import Flatten

__all__ = [
    "ACTIVATIONS", "Activation", "Adam", "Callback", "Convolution", "CrossEntropy", "FC", "Flatten",
    "LambdaCallback", "Layer", "LayerShape", "Loss", "MeanSquaredError", "Momentum", "Network", "Optimizer",
    "Pooling", "SGD", "ShapeError", "TrainingDiverged", "cross_entropy", "cross_entropy_prime", "mse",
    "mse_prime", "trace_shapes",
]
