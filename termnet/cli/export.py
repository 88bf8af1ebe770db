"""termnet export-code: a spec as a short, runnable script using the engine's add().use().fit(), or (--framework
pytorch) a saved model as a PyTorch script."""

from __future__ import annotations

from .. import engine
from ..data import IMAGE_SHAPES
from ..engine.layer import Layer
from ..spec import load_spec

#: What export-code writes for: termnet's own engine (a spec), or PyTorch (a trained model's weights).
FRAMEWORKS = ("termnet", "pytorch")


def layer_code(layer: Layer) -> str:
    """The constructor call that rebuilds ``layer``, from its config: ``FC(64, 128)``."""
    return f"{type(layer).__name__}({layer.call_arguments(layer.config())})"


def _imports(layers: list[Layer], *names: str) -> list[str]:
    """``from termnet.engine import ...`` for the engine's layers (and ``names``), ``from <module> import ...``
    for others."""
    modules: dict[str, set[str]] = {"termnet.engine": {"Network", *names}}
    for layer in layers:
        cls = type(layer)
        module = "termnet.engine" if getattr(engine, cls.__name__, None) is cls else cls.__module__
        modules.setdefault(module, set()).add(cls.__name__)
    return [f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(modules.items())]


def export_code(spec_name: str, dataset: str = "mnist") -> str:
    spec = load_spec(spec_name)
    shape = IMAGE_SHAPES.get(dataset, (1, 28, 28))
    layers = spec.build_layers(shape)
    p = spec.hyperparameters()
    schedule = "" if p["schedule"] in (None, "constant") else f", schedule={p['schedule']!r}"
    sizes = f"epochs={p['epochs']}, batch_size={p['batch_size']}"
    optimizer_class = engine.OPTIMIZERS[p["optimizer"]].__name__
    if p["weight_decay"]:  # an optimizer by name has no weight decay: an Optimizer object, which keeps the rate
        arguments = (f"optimizer={optimizer_class}({p['learning_rate']}, weight_decay={p['weight_decay']}), "
                     f"{sizes}{schedule}")
    else:
        arguments = f"learning_rate={p['learning_rate']}, {sizes}, optimizer={p['optimizer']!r}{schedule}"
    subset = f"[:{p['train_size']}]" if p["train_size"] else ""
    # the spec's augment level, as the engine's object: shifts scaled to these images, drawn from the seed
    augment = "" if p["augment"] == "none" else \
        f", augment=Augmentation.level({p['augment']!r}, {shape[-1]}, seed={p['seed']})"
    lines = [
        f'"""Train the {spec.name} network with termnet\'s engine (made by `termnet export-code {spec_name}`)."""',
        "",
        "from sklearn.metrics import accuracy_score",
        "",
        "from termnet.data import load_dataset, one_hot",
        *_imports(layers, *([optimizer_class] if p["weight_decay"] else []), *(["Augmentation"] if augment else []),
                  *(["EarlyStopping"] if p["patience"] else [])),
        "",
        f"data = load_dataset({dataset!r})  # images (N, 1, H, W) scaled to [0, 1], integer labels",
        f"x_train = data.x_train{subset}",
        f"y_train = one_hot(data.y_train{subset}, 10)  # 5 -> [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]",
        "",
        "net = (",
        f"    Network({arguments}, seed={p['seed']})",
    ]
    lines += [f"    .add({layer_code(layer)})" for layer in layers]
    lines += [
        f"    .use({p['loss']!r})",
        ")",
        "print(net.summary())",
        _fit_line(p, augment),
        "",
        "probabilities = net.predict(data.x_test)",
        'print(f"test accuracy: {accuracy_score(data.y_test, probabilities.argmax(axis=1)):.2%}")',
    ]
    return "\n".join(lines) + "\n"


def _fit_line(p: dict, augment: str) -> str:
    """The fit call: with early stopping (which watches held-out images) when the spec asks for it."""
    if not p["patience"]:
        return f"net.fit(x_train, y_train{augment})"
    return (f"net.fit(x_train, y_train, validation_split={p['validation_split']}, "
            f"callbacks=[EarlyStopping(patience={p['patience']})]{augment})  # keeps the best epoch's weights")


def export(args) -> int:
    if getattr(args, "framework", "termnet") == "pytorch":  # a trained model, its weights loaded by the script
        from ..engine import load_model
        from ..onnx.pytorch_code import pytorch_script

        network, _ = load_model(args.spec)
        print(pytorch_script(network, args.spec), end="")
        return 0
    print(export_code(args.spec, args.data or "mnist"), end="")
    return 0
