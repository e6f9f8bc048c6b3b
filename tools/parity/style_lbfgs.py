"""Writes packages/style/test/fixtures/lbfgs.json: torch.optim.LBFGS's iterates on the
Rosenbrock function, for @atelier/style's L-BFGS.

Cases: the 2-D Rosenbrock from (-1.2, 1) and the chained 10-D one from -1.2/1
alternating, each with line_search_fn='strong_wolfe' and with None (fixed step, as
neural-style), history 100 and 5, in float64. One step() call per iteration
(max_iter=1) records x and the loss after every iteration; torch keeps its state
between calls, so the iterates are those of a single long run.

Run: /usr/bin/python3 tools/parity/style_lbfgs.py
"""

import json
import os

import torch

OUT = os.path.join(os.path.dirname(__file__), "../../packages/style/test/fixtures/lbfgs.json")


def rosenbrock(x):
    return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def run(x0, iterations, line_search, history, lr):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=lr, max_iter=1, history_size=history,
                            line_search_fn=line_search, tolerance_grad=0, tolerance_change=0)
    evals = [0]

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        evals[0] += 1
        return loss

    xs, losses = [], []
    for _ in range(iterations):
        opt.step(closure)
        with torch.no_grad():
            xs.append(x.tolist())
            losses.append(float(rosenbrock(x)))
    return {"x": xs, "loss": losses, "funcEvals": opt.state[opt._params[0]]["func_evals"]}


cases = []
for dim in (2, 10):
    x0 = [-1.2 if i % 2 == 0 else 1.0 for i in range(dim)]
    for line_search, iterations, lr in (("strong_wolfe", 60 if dim == 2 else 120, 1.0), (None, 12, 1.0)):
        for history in (100, 5):
            r = run(x0, iterations, line_search, history, lr)
            cases.append({"dim": dim, "x0": x0, "lineSearch": line_search or "none",
                          "history": history, "lr": lr, "iterations": iterations, **r})

with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f)
print("wrote", OUT, len(cases), "cases")
for c in cases:
    print(c["dim"], c["lineSearch"], c["history"], c["loss"][-1], c["x"][-1][:2], c["funcEvals"])
