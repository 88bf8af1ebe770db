"""termnet export-code: a spec as a short, runnable script using the engine's add().use().fit()."""

from __future__ import annotations

from ..engine.registry import layer_type
from ..spec import load_spec

IMAGE_SHAPES = {"digits": (1, 8, 8), "mnist": (1, 28, 28), "fashion-mnist": (1, 28, 28)}


def _argument_list(layer) -> str:
    kind = layer_type(layer)
    config = layer.config()
    if kind == "FC":
        return f"{config['input_size']}, {config['output_size']}"
    if kind == "Activation":
        return repr(config["name"]) + (f", alpha={config['alpha']}" if "alpha" in config else "")
    if kind == "Convolution":
        parts = [f"input_shape={tuple(config['input_shape'])}" if config["input_shape"] else "",
                 f"kernel_size={config['kernel_size']}", f"depth={config['depth']}"]
        parts += [f"stride={config['stride']}"] * (config["stride"] != 1)
        parts += [f"padding={config['padding']!r}"] * (config["padding"] != "valid")
        return ", ".join(p for p in parts if p)
    if kind == "Pooling":
        parts = [f"pool_size={config['pool_size']}"]
        parts += [f"stride={config['stride']}"] * (config["stride"] != config["pool_size"])
        parts += [f"mode={config['mode']!r}"] * (config["mode"] != "max")
        return ", ".join(parts)
    return ""


def export_code(spec_name: str, dataset: str = "mnist") -> str:
    spec = load_spec(spec_name)
    shape = IMAGE_SHAPES.get(dataset, (1, 28, 28))
    layers = spec.build_layers(shape)
    p = spec.hyperparameters()
    schedule = "" if p["schedule"] in (None, "constant") else f", schedule={p['schedule']!r}"
    subset = f"[:{p['train_size']}]" if p["train_size"] else ""
    used = sorted({layer_type(layer) for layer in layers})
    lines = [
        f'"""Train the {spec.name} network with termnet\'s engine (made by `termnet export-code {spec_name}`)."""',
        "",
        "from sklearn.metrics import accuracy_score",
        "",
        "from termnet.data import load_dataset, one_hot",
        f"from termnet.engine import {', '.join(used + ['Network'])}",
        "",
        f"data = load_dataset({dataset!r})  # images (N, 1, H, W) scaled to [0, 1], integer labels",
        f"x_train = data.x_train{subset}",
        f"y_train = one_hot(data.y_train{subset}, 10)  # 5 -> [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]",
        "",
        "net = (",
        f"    Network(learning_rate={p['learning_rate']}, epochs={p['epochs']}, batch_size={p['batch_size']}, "
        f"optimizer={p['optimizer']!r}{schedule}, seed={p['seed']})",
    ]
    lines += [f"    .add({layer_type(layer)}({_argument_list(layer)}))" for layer in layers]
    lines += [
        f"    .use({p['loss']!r})",
        ")",
        "print(net.summary())",
        "net.fit(x_train, y_train)",
        "",
        "probabilities = net.predict(data.x_test)",
        'print(f"test accuracy: {accuracy_score(data.y_test, probabilities.argmax(axis=1)):.2%}")',
    ]
    return "\n".join(lines) + "\n"


def export(args) -> int:
    print(export_code(args.spec, args.data or "mnist"), end="")
    return 0
