"""Write tests/fixtures/gru_pytorch.json: torch.nn.GRU's forward and backward on fixed numbers.

The known answer of tests/test_gru.py comes from an independent implementation: PyTorch's
``torch.nn.GRU`` (batch_first=True, float64) and its autograd. Run it with a throwaway
environment outside the repository (torch is not a dependency of the course, and the test does not
need it)::

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch==2.13.0 numpy
    /tmp/torchvenv/bin/python tools/gru_known_answer.py

The inputs and weights are drawn from a seeded numpy generator; dhs is the upstream gradient, so
the backward pass is that of the scalar ``L = sum(hs * dhs)``. Everything is stored in PyTorch's
layout (``weight_ih_l0`` is (3H, D), blocks r, z, n); rnnlib's ``Wx`` is its transpose.
"""

from __future__ import annotations

import json
import pathlib
import sys

import numpy as np
import torch

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "gru_pytorch.json"
N, T, D, H = 2, 4, 3, 5
SEED = 2014


def main():
    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(N, T, D))
    h0 = 0.5 * rng.normal(size=(N, H))
    w_ih = 0.6 * rng.normal(size=(3 * H, D))
    w_hh = 0.6 * rng.normal(size=(3 * H, H))
    b_ih = 0.4 * rng.normal(size=3 * H)
    b_hh = 0.4 * rng.normal(size=3 * H)  # nonzero: the n block's b_hn sits inside the reset gate
    dhs = rng.normal(size=(N, T, H))

    gru = torch.nn.GRU(D, H, num_layers=1, batch_first=True).double()
    with torch.no_grad():
        gru.weight_ih_l0.copy_(torch.from_numpy(w_ih))
        gru.weight_hh_l0.copy_(torch.from_numpy(w_hh))
        gru.bias_ih_l0.copy_(torch.from_numpy(b_ih))
        gru.bias_hh_l0.copy_(torch.from_numpy(b_hh))
    tx = torch.from_numpy(x).requires_grad_(True)
    th0 = torch.from_numpy(h0)[None].clone().requires_grad_(True)  # (1, N, H): layers first
    hs, h_n = gru(tx, th0)
    (hs * torch.from_numpy(dhs)).sum().backward()

    def listed(a):
        return a.detach().numpy().tolist() if isinstance(a, torch.Tensor) else a.tolist()

    data = {
        "meta": {
            "source": "torch.nn.GRU(input_size=D, hidden_size=H, batch_first=True).double() and autograd",
            "torch_version": torch.__version__,
            "numpy_version": np.__version__,
            "python_version": sys.version.split()[0],
            "script": "tools/gru_known_answer.py",
            "seed": SEED,
            "sizes": {"N": N, "T": T, "D": D, "H": H},
            "loss": "sum(hs * dhs): the backward pass of hs with upstream gradient dhs",
            "layout": "PyTorch's: weight_ih_l0 (3H, D), weight_hh_l0 (3H, H), blocks r, z, n; "
                      "rnnlib's Wx = weight_ih_l0.T, Wh = weight_hh_l0.T, bx = bias_ih_l0, bh = bias_hh_l0",
        },
        "x": listed(x), "h0": listed(h0), "dhs": listed(dhs),
        "weight_ih_l0": listed(w_ih), "weight_hh_l0": listed(w_hh),
        "bias_ih_l0": listed(b_ih), "bias_hh_l0": listed(b_hh),
        "hs": listed(hs), "h_n": listed(h_n[0]),
        "grad_x": listed(tx.grad), "grad_h0": listed(th0.grad[0]),
        "grad_weight_ih_l0": listed(gru.weight_ih_l0.grad), "grad_weight_hh_l0": listed(gru.weight_hh_l0.grad),
        "grad_bias_ih_l0": listed(gru.bias_ih_l0.grad), "grad_bias_hh_l0": listed(gru.bias_hh_l0.grad),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, indent=1) + "\n")
    print(f"wrote {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    main()
