#!/usr/bin/env python3
"""The consumer's LSTMStep fixture, written from JAX with Slope's fixture writer: a layer of two
outputs (h′, c′), its gradients those of ⟨u_h, h′⟩ + ⟨u_c, c′⟩ with an upstream per output.

    python3 Examples/ConsumerPackage/Fixtures/make_lstm_fixtures.py [DIR]

(DIR defaults to this folder.)
"""
import os
import sys

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "fixtures"))
from slope_fixture import jax_case, write_case  # noqa: E402

import jax.numpy as jnp  # noqa: E402


def lstm_step(x, h, c, W, b):
    """z = [x h]·W + b; gates i, f, o = σ(z), g = tanh(z); c′ = f·c + i·g; h′ = o·tanh(c′)."""
    k = h.shape[1]
    z = jnp.concatenate([x, h], axis=1) @ W + b
    i, f, o = (1 / (1 + jnp.exp(-z[:, n * k:(n + 1) * k])) for n in range(3))
    g = jnp.tanh(z[:, 3 * k:])
    c_next = f * c + i * g
    return o * jnp.tanh(c_next), c_next


rng = np.random.default_rng(11)
d, k, n = 3, 2, 4
case = jax_case(
    "LSTMStep", lstm_step,
    inputs=[rng.uniform(-2, 2, (n, d)), rng.uniform(-1, 1, (n, k)), rng.uniform(-1, 1, (n, k))],
    params={"W": rng.uniform(-0.5, 0.5, (d + k, 4 * k)), "b": rng.uniform(-0.5, 0.5, 4 * k)},
    config={"input": d, "hidden": k}, seed=11, case="batch4", tolerance={"rtol": 1e-9, "atol": 1e-12})
out = sys.argv[1] if len(sys.argv) > 1 else here
write_case(case, os.path.join(out, "LSTMStep", "batch4.json"))
