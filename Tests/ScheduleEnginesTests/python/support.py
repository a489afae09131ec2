"""Shared helpers of the PyTorch engine's tests: where the engine and the fixtures are."""

import os
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
ENGINE = os.path.join(ROOT, "Sources", "ScheduleEngines", "Python", "schedc_torch.py")
sys.path.insert(0, os.path.dirname(ENGINE))
# No __pycache__ beside the module: its folder is a resource that SwiftPM copies as it is.
sys.dont_write_bytecode = True

import schedc_torch  # noqa: E402  (after the path is set)


def fixture(name):
    return os.path.join(FIXTURES, name)


def load_plan(name):
    return schedc_torch.Plan.load(fixture(name + ".plan.json"))


def swift_steps(name):
    """The per-update steps the Swift planner gives for fixtures/NAME.sched: one line per update,
    "update epoch phase start end pass,sizes lr momentum" — printed by a small program that calls
    SchedulePlanner's `Plan.steps(inEpoch:)` for every epoch (regenerate them the same way when
    the fixture changes)."""
    steps = []
    with open(fixture(name + ".steps.txt")) as f:
        for line in f:
            u, e, p, a, b, sizes, lr, m = line.split()
            steps.append({"update": int(u), "epoch": int(e), "phase": int(p), "start": int(a), "end": int(b),
                          "pass_sizes": [int(s) for s in sizes.split(",")], "lr": float(lr), "momentum": float(m)})
    return steps


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
