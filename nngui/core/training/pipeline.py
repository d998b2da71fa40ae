"""The batches a run feeds Keras: a seeded tf.data pipeline of shuffled batches, the tensors
it gathers from (made once per data set), and the batch size of the validation pass.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nngui.core.data.adapt import Prepared
from nngui.core.network.shapes import layer_rows
from nngui.core.network.spec import NetworkSpec
from nngui.core.platform import buffers, runtime

EVAL_BATCH = 512  # forward-only passes (validation, evaluation): large batches, few steps


def validation_batch(spec: NetworkSpec, batch_size: int) -> int:
    """Batch size for the validation pass: up to EVAL_BATCH, while its largest activation
    stays <= 64 MB.

    Validation only runs the forward pass, and at the training batch size it pays the
    per-step cost for little work: 6,000 MNIST samples at batch 32 took 0.18 s an epoch,
    at 512 0.05 s (512-512 MLP, 2 cores). The loss and metrics are means weighted by batch
    size, so they are the same (to float rounding) at any batch size.
    """
    per_sample = max([math.prod(row.output_shape) for row in layer_rows(spec)
                      if row.output_shape] + [math.prod(spec.model_input_shape), 1])
    return max(batch_size, min(EVAL_BATCH, (1 << 24) // per_sample))

def epoch_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int | None,
                  device: str = "cpu") -> Any:
    """A tf.data pipeline of shuffled batches: a new order every epoch, the same run to run.

    Keras' own shuffling of arrays draws each epoch's order from an op whose seed is fixed by
    ``set_random_seed``, so a seeded run replays one order every epoch. Here the indices are
    shuffled by ``Dataset.shuffle(seed=..., reshuffle_each_iteration=True)``: deterministic
    for a seed, different per epoch. Batches are gathered from one copy of the arrays.

    Training on the CPU (``device`` "cpu"), the pipeline runs on one thread of its own with a
    fixed prefetch, and tf.data's autotuning is off: a gather of one batch takes microseconds
    against milliseconds for a step. With autotuning (parallel map, AUTOTUNE prefetch) about
    one epoch in four ran at half speed on 2 cores: the same CPU time a step, twice the wall
    time (``pipeline_options``). On a GPU the CPU has nothing else to do, and tf.data tunes.
    """
    tf = runtime.tf()
    n = len(x)
    data = tf.data.Dataset.from_tensors((x, y)).repeat()
    batches = tf.data.Dataset.zip((_order(n, seed).batch(batch_size), data))

    def gather(i: Any, d: Any) -> tuple:
        return tf.gather(d[0], i), tf.gather(d[1], i)

    if device != "cpu":
        return batches.map(gather, num_parallel_calls=tf.data.AUTOTUNE) \
            .prefetch(tf.data.AUTOTUNE)
    return batches.map(gather).prefetch(PREFETCH).with_options(pipeline_options())


def _order(n: int, seed: int | None) -> Any:
    """The sample indices 0..n-1, shuffled anew each time the dataset is iterated."""
    return runtime.tf().data.Dataset.range(n).shuffle(n, seed=seed,
                                                      reshuffle_each_iteration=True)


def epoch_orders(n: int, seed: int | None) -> Any:
    """Each epoch's order of the ``n`` samples, one (n,) int64 tensor an epoch, endlessly:
    the orders ``fit`` trains on from ``epoch_batches`` with the same seed.

    Each iteration of the shuffled dataset draws the next order from one seed generator.
    Keras' fit iterates ``epoch_batches`` twice an epoch: it makes an iterator at the
    epoch's start and, once the epoch has seen all its batches, another for the next epoch,
    which the next epoch's start replaces with a third. So fit trains on orders 0, 2, 4…,
    and so does this. The fast path (``fast.py``) gathers its batches by these indices.
    """
    return _order(n, seed).batch(n).repeat().shard(2, 0)


PREFETCH = 4  # batches gathered ahead of the step that needs them


def pipeline_options() -> Any:
    """tf.data options for the training batches: no autotuning, one private thread."""
    opts = runtime.tf().data.Options()
    opts.autotune.enabled = False
    opts.threading.private_threadpool_size = 1
    return opts


def as_tensors(data: Prepared, part: str, n_fit: int, x: np.ndarray, y: np.ndarray) -> tuple:
    """(x, y) as TensorFlow tensors made once per data set and split, not once per run.

    A tf.data pipeline built from NumPy arrays copies them into a new constant every run;
    the tensors are kept on the Prepared instead, sharing its buffers where they can
    (``buffers.tensor``).
    """
    cache = data.__dict__.setdefault("_tensors", {})
    source = (n_fit, id(data.x_train), id(data.y_train), data.x_train.shape, data.y_train.shape)
    for old in [k for k in cache if k[1:] != source]:  # another split or replaced arrays
        del cache[old]
    key = (part, *source)
    if key not in cache:
        cache[key] = (buffers.tensor(x), buffers.tensor(y))
    return cache[key]
