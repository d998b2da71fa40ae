"""Keras callbacks for a TrainConfig's training options: early stopping, LR schedules, checkpoints.

The course's Keras material names these; each is off by default and switched on by one
TrainConfig field, so the CLI, the GUI and saved projects reach them the same way.
"""

from __future__ import annotations

import math
from typing import Any

from nngui.core.network.spec import NetworkSpec, TrainConfig
from nngui.core.platform.runtime import keras


def monitor_key(config: TrainConfig) -> str:
    """What 'best' means: the validation loss, or the training loss without a validation split."""
    return "val_loss" if config.validation_split > 0 else "loss"


def scheduled_lr(schedule: str, base: float, epoch: int, total: int, step_every: int) -> float:
    """The learning rate at ``epoch`` (0-based) of ``total`` under a step or cosine schedule."""
    if schedule == "step":
        return base * 0.5 ** (epoch // max(1, step_every))
    if schedule == "cosine":
        return base * 0.5 * (1.0 + math.cos(math.pi * min(epoch, total) / max(1, total)))
    return base


def option_conflict(config: TrainConfig, spec: NetworkSpec) -> str:
    """Why these options cannot run together ('' when they can), for the user."""
    if spec.optimizer_params.get("decay") and (config.lr_schedule != "constant"
                                               or config.reduce_lr_patience > 0):
        return ("The optimizer's decay already changes the learning rate every batch; switch "
                "off either the decay or the LR schedule / reduce-on-plateau.")
    return ""


def make_callbacks(config: TrainConfig, spec: NetworkSpec, target_epochs: int) -> list[Any]:
    """The Keras callbacks ``config`` asks for (run before nngui's own, so logs include them)."""
    k = keras()
    monitor = monitor_key(config)
    out: list[Any] = []
    if config.lr_schedule != "constant":
        base, total, every = spec.lr, target_epochs, config.lr_step_epochs
        out.append(k.callbacks.LearningRateScheduler(
            lambda epoch, _lr: scheduled_lr(config.lr_schedule, base, epoch, total, every)))
    if config.reduce_lr_patience > 0:
        out.append(k.callbacks.ReduceLROnPlateau(monitor=monitor, factor=0.5,
                                                 patience=config.reduce_lr_patience,
                                                 min_lr=1e-7))
    if config.early_stopping_patience > 0:
        out.append(k.callbacks.EarlyStopping(monitor=monitor,
                                             patience=config.early_stopping_patience,
                                             restore_best_weights=config.restore_best))
    if config.checkpoint_path:
        out.append(k.callbacks.ModelCheckpoint(config.checkpoint_path, monitor=monitor,
                                               save_best_only=True))
    return out


def early_stop_note(callbacks: list[Any]) -> str:
    """' Early stopping after epoch N; best epoch M restored.' or ''."""
    k = keras()
    for cb in callbacks:
        if isinstance(cb, k.callbacks.EarlyStopping) and cb.stopped_epoch > 0:
            kept = (f"the weights of epoch {cb.best_epoch + 1} (best {cb.monitor}) were restored"
                    if cb.restore_best_weights else "the last weights were kept")
            return f" Early stopping after epoch {cb.stopped_epoch + 1}: {kept}."
    return ""
