"""What Keras builds before a model's first training step, built without tracing.

``fit`` begins with ``Trainer._symbolic_build``: it traces the model, its metrics and its loss
on symbolic tensors (~25 ms on the 2-core machine for a 784-100-10 network) only so that the
compiled metrics and loss learn the shapes they are given, then builds the optimizer's slots.
For a model whose layers are all built and that has one output, the shapes are known without
any trace: ``build_for_training`` hands them to ``CompileMetrics.build`` and
``CompileLoss.build`` directly and builds the optimizer (~9 ms, nearly all of it TensorFlow
making the slot variables). What it builds is what ``_symbolic_build`` builds (the same
metric objects and variables, the same slots: ``tests/core/model/test_training_build.py``);
any other model, or a Keras without these methods, gets ``_symbolic_build`` itself.
"""

from __future__ import annotations

from typing import Any


def _direct(model: Any, y: Any) -> bool:
    """The direct build, where it applies (True when it built)."""
    from keras.src import backend  # Keras' own KerasTensor and dtype names

    if not all(layer.built for layer in model._flatten_layers()):
        return False
    outputs = getattr(model, "outputs", None)
    if not isinstance(outputs, list) or len(outputs) != 1:
        return False
    metrics, loss = model._compile_metrics, model._compile_loss
    if getattr(model, "_post_build", None) is None:
        return False
    out = outputs[0]
    y_pred = backend.KerasTensor((1, *tuple(out.shape)[1:]), out.dtype)
    y_true = backend.KerasTensor(tuple(y.shape), backend.standardize_dtype(y.dtype))
    if metrics is not None and not metrics.built:
        metrics.build(y_true, y_pred)
    if loss is not None and not loss.built:
        loss.build(y_true, y_pred)
    if model.optimizer is not None and not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model._post_build()
    return True


def build_for_training(model: Any, x: Any, y: Any) -> None:
    """The compiled metrics, loss and optimizer slots of ``model`` built for batches like
    ``(x, y)`` (one sample of each is enough). Raises what Keras' own build raises."""
    try:
        if _direct(model, y):
            return
    except (AttributeError, TypeError):  # another Keras: its own build below
        pass
    model._symbolic_build(data_batch=(x, y))
