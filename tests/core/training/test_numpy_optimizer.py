"""NumPy's Adam (numpy_optimizer.py) steps as TensorFlow's ResourceApplyAdam does, the
fused kernel nngui's Adam uses (builder._fused_adam), in both of its forms: the ten-pass one
with a pre-scaled gradient and a scaled second moment, and the plain one it falls back to for
a degenerate beta."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nngui.core.platform.runtime import keras, tf
from nngui.core.training.numpy_optimizer import Flat, NumpyOptimizer


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shapes=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 4)), min_size=1,
                       max_size=3),
       beta_1=st.sampled_from([0.9, 0.5, 0.0, 0.9999]), beta_2=st.sampled_from([0.999, 0.9]),
       lr=st.sampled_from([1e-3, 0.05]), epsilon=st.sampled_from([1e-7, 1e-3]),
       steps=st.integers(1, 4), calls=st.integers(1, 2), seed=st.integers(0, 1000))
def test_numpy_adam_steps_as_tensorflow_does(shapes, beta_1, beta_2, lr, epsilon, steps,
                                             calls, seed):
    rng = np.random.default_rng(seed)
    values = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [[[rng.normal(size=s).astype(np.float32) * 10.0 ** rng.integers(-3, 2)
               for s in shapes] for _ in range(steps)] for _ in range(calls)]
    t = tf()
    variables = [t.Variable(v) for v in values]
    opt = keras().optimizers.Adam(learning_rate=lr, beta_1=beta_1, beta_2=beta_2,
                                  epsilon=epsilon)
    opt.build(variables)
    ours = NumpyOptimizer(opt, variables)
    assert ours.scaled == (beta_1 < 0.999)  # 0.9999: the plain formula
    w, g = Flat(shapes), Flat(shapes)
    for call in grads:  # each call reads the optimizer and writes it back, as the loop's do
        w.load(variables)
        ours.read()
        for step in call:
            for view, grad in zip(g.views, step, strict=True):
                view[...] = grad * ours.grad_scale
            ours.apply(w.buffer, g.buffer)
        w.store(variables)
        ours.write()

    ref = [t.Variable(v) for v in values]
    m = [t.Variable(np.zeros(s, np.float32)) for s in shapes]
    v = [t.Variable(np.zeros(s, np.float32)) for s in shapes]
    step_count = 0
    for call in grads:
        for step in call:
            step_count += 1
            for var, mv, vv, grad in zip(ref, m, v, step, strict=True):
                t.raw_ops.ResourceApplyAdam(
                    var=var.handle, m=mv.handle, v=vv.handle,
                    beta1_power=np.float32(beta_1) ** step_count,
                    beta2_power=np.float32(beta_2) ** step_count, lr=np.float32(lr),
                    beta1=np.float32(beta_1), beta2=np.float32(beta_2),
                    epsilon=np.float32(epsilon), grad=grad)
    assert int(opt.iterations.numpy()) == step_count
    for mine, want in ((variables, ref), (list(opt._momentums), m), (list(opt._velocities), v)):
        for a, b in zip(mine, want, strict=True):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=2e-4, atol=1e-6)
