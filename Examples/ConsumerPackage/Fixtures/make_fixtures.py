#!/usr/bin/env python3
"""The consumer's LayerNorm fixtures, written from PyTorch with Slope's fixture writer.

    python3 Examples/ConsumerPackage/Fixtures/make_fixtures.py
"""
import os
import sys

import numpy as np
import torch

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "fixtures"))
from slope_fixture import torch_case, write_case  # noqa: E402

for name, shape, seed in [("rows", (4, 6), 3), ("offset", (3, 5), 4)]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=shape) + (100.0 if name == "offset" else 0.0)
    features = shape[-1]
    gamma, beta = rng.uniform(0.5, 1.5, size=features), rng.uniform(-0.5, 0.5, size=features)
    case = torch_case(
        "LayerNorm",
        lambda x, gamma, beta: torch.nn.functional.layer_norm(x, (features,), gamma, beta, eps=1e-5),
        inputs=[x], params={"gamma": gamma, "beta": beta}, config={"features": features}, seed=seed, case=name,
        tolerance={"rtol": 1e-8, "atol": 1e-10})
    write_case(case, os.path.join(here, "LayerNorm", f"{name}.json"))
