"""termnet's neural-network engine: NumPy only, no user interface.

Everything the dashboard and the command line use is importable from here: layers,
the network, losses, optimizers and schedules (with their registries by name), model
files, shape tracing, gradient checks, training health and per-layer timing.
"""

from .activation import ACTIVATIONS, Activation
from .augment import LEVELS as AUGMENTATION_LEVELS
from .augment import Augmentation
from .batchnorm import BatchNorm
from .callbacks import Callback, EarlyStopping, LambdaCallback
from .convolution import PADDING_MODES, Convolution
from .dense import FC
from .dropout import Dropout
from .fields import Field
from .gradcheck import GradientCheck, layer_gradient_errors, network_gradient_errors, relative_error
from .health import LayerHealth, layer_outputs, learning_rate_hint, training_health
from .initializers import INITIALIZERS
from .layer import Layer, ShapeError
from .losses import (
    LOSSES,
    CrossEntropy,
    Loss,
    MeanSquaredError,
    cross_entropy,
    cross_entropy_prime,
    get_loss,
    mse,
    mse_prime,
)
from .network import Network, TrainingDiverged
from .optimizers import OPTIMIZERS, SGD, Adam, Momentum, Optimizer, get_optimizer
from .pooling import POOLING_MODES, Pooling
from .profiling import LayerTiming, profile_layers
from .registry import LAYER_TYPES, layer_from_config, layer_type, register_layer, unregister_layer
from .reshape import Flatten
from .schedules import SCHEDULES, learning_rate_factor
from .serialization import ModelFileError, load_model, save_model
from .shapes import LayerShape, trace_shapes

__all__ = [
    "ACTIVATIONS", "Activation", "Field", "PADDING_MODES", "POOLING_MODES", "register_layer", "unregister_layer",
    "AUGMENTATION_LEVELS", "Augmentation",
    "Adam", "BatchNorm", "Dropout", "Callback", "Convolution", "CrossEntropy", "EarlyStopping", "FC", "Flatten",
    "GradientCheck", "INITIALIZERS", "LAYER_TYPES", "LOSSES", "LambdaCallback", "Layer", "LayerHealth", "LayerShape",
    "LayerTiming", "Loss", "MeanSquaredError", "ModelFileError", "Momentum", "Network", "OPTIMIZERS", "Optimizer",
    "Pooling", "SCHEDULES", "SGD", "ShapeError", "TrainingDiverged", "cross_entropy", "cross_entropy_prime",
    "get_loss", "get_optimizer", "layer_from_config", "layer_gradient_errors", "layer_outputs", "layer_type",
    "learning_rate_factor", "learning_rate_hint", "load_model", "mse", "mse_prime", "network_gradient_errors",
    "profile_layers", "relative_error", "save_model", "trace_shapes", "training_health",
]
