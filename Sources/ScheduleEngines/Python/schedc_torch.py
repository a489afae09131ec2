#!/usr/bin/env python3
"""schedc_torch — run a schedc plan (plan JSON, version 1) on PyTorch, one process per rank (DDP).

One file, standard library and torch only (torch 1.13 and 2.x). It does what schedc's embedded
runtime does, update for update:

- the clock: the schedule as a function of consumed samples (`Clock`, a port of the Swift
  `Plan.steps(inEpoch:)`, `CountingRule` and `MicroBatching`);
- the sample order: epoch e visits the examples in `EpochOrder.shuffled(N, seed, e)`, a port of
  the Swift xoshiro256** generator seeded by SplitMix64 (`DeterministicRandom`, `epoch_order`);
- a distributed sampler (`PlanSampler`) that gives each rank its share of every pass of every
  update, and a loss weight that makes DDP's mean all-reduce the gradient of the global mean;
- the optimiser rules (`SchedcOptimizer`) and a hook (`apply_hyperparameters`) that sets lr,
  momentum and weight decay on any torch optimiser's parameter groups before each update;
- the built-in models (mlp, cnn, wrn) with ghost batch norm whose running statistics are folded
  in the embedded runtime's order across ranks, and the weights-file mapping;
- the rank entry point `train` (see `main`), with exact resume from consumed samples.

Usage: python3 schedc_torch.py train --plan PLAN.json --out DIR [--data DIR]
       [--initial-weights W.json] [--resume] [--max-updates K] [--log-samples] [--threads T]

Everything up to the models needs only the standard library, so the clock and the sampler can be
used (and tested) where torch is missing.
"""

import argparse
import contextlib
import gzip
import hashlib
import json
import math
import os
import signal
import struct
import sys
import time

try:
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
except ImportError:  # the clock and the sampler work without torch; training says what to install
    torch = None
    dist = None
    F = None

PLAN_FORMAT = "schedc-plan"
PLAN_VERSIONS = (1,)
WEIGHTS_FORMAT = "schedc-weights"
WEIGHTS_VERSIONS = (1,)
MASK64 = (1 << 64) - 1


class SchedcError(Exception):
    """A failure the user can act on; `main` prints it as "schedc_torch: <message>"."""

    exit_code = 1


class UsageError(SchedcError):
    exit_code = 2


# ---------------------------------------------------------------------------------------------
# The plan

class Phase:
    """One row of the plan's `phases` (the keys the clock needs)."""

    __slots__ = ("index", "start_update", "end_update", "start_sample", "end_sample", "batch",
                 "pass_sizes", "lr", "momentum", "updates", "warmup")

    def __init__(self, index, obj):
        self.index = index
        try:
            self.start_update = int(obj["start_update"])
            self.end_update = int(obj["end_update"])
            self.start_sample = int(obj["start_sample"])
            self.end_sample = int(obj["end_sample"])
            self.batch = int(obj["batch"])
            self.pass_sizes = [int(x) for x in obj["pass_sizes"]]
            self.lr = float(obj["lr"])
            self.momentum = float(obj["momentum"])
            self.updates = int(obj["updates"])
            self.warmup = bool(obj.get("warmup", False))
        except (KeyError, TypeError, ValueError) as error:
            raise SchedcError("plan phase %d is malformed: %s" % (index + 1, error))


class Plan:
    """A plan JSON document (version 1): what every engine runs. `text` is kept for its hash."""

    def __init__(self, obj, text):
        if not isinstance(obj, dict) or obj.get("format") != PLAN_FORMAT:
            raise SchedcError("not a schedc plan: the first key must be \"format\": \"%s\" "
                              "(write one with `schedc plan --format json FILE.sched`)" % PLAN_FORMAT)
        version = obj.get("version")
        if version not in PLAN_VERSIONS:
            raise SchedcError("plan version %r is not one this engine reads (it reads version %s); "
                              "use the schedc_torch.py that `schedc export` writes beside the plan"
                              % (version, ", ".join(map(str, PLAN_VERSIONS))))
        self.raw = obj
        self.text = text
        self.sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
        try:
            self.schedule = obj["schedule"]
            self.dataset = obj["dataset"]
            self.dataset_size = int(obj["dataset_size"])
            self.subset = obj.get("subset")
            self.model = obj.get("model")
            self.optimizer = obj.get("optimizer") or {"kind": "sgd", "weight_decay": 0}
            self.seed = int(obj.get("seed", 1))
            self.epochs = int(obj["epochs"])
            self.max_batch = int(obj["max_batch"])
            self.micro_batch = obj["micro_batch"]
            self.ghost_batch = obj["ghost_batch"]
            warmup = obj.get("warmup")
            self.warmup_updates = int(warmup["updates"]) if warmup else None
            self.total_updates = int(obj["total_updates"])
            self.phases = [Phase(i, p) for i, p in enumerate(obj["phases"])]
        except (KeyError, TypeError, ValueError) as error:
            raise SchedcError("plan is missing or has a malformed key: %s" % error)
        self.weight_decay = float(self.optimizer.get("weight_decay", 0) or 0)
        self.validate()

    @staticmethod
    def load(path):
        try:
            with open(path, "r", encoding="utf-8") as f:
                text = f.read()
        except OSError as error:
            raise SchedcError("cannot read the plan %s: %s" % (path, error.strerror))
        return Plan.parse(text, origin=path)

    @staticmethod
    def parse(text, origin="plan"):
        try:
            obj = json.loads(text)
        except ValueError as error:
            raise SchedcError("%s is not JSON: %s" % (origin, error))
        return Plan(obj, text)

    def validate(self):
        """The invariants `Clock` relies on (the Swift `Plan.validate()`)."""
        n = self.dataset_size
        if n < 1 or self.epochs < 1 or not self.phases:
            raise SchedcError("plan: dataset_size and epochs must be at least 1 and there must be a phase")
        sample = update = 0
        for p in self.phases:
            name = "phase %d" % (p.index + 1)
            if p.start_sample != sample or p.start_update != update:
                raise SchedcError("plan: %s does not start where the previous one ends" % name)
            if not 1 <= p.batch <= self.max_batch:
                raise SchedcError("plan: %s: batch must be in 1...max_batch" % name)
            if sum(p.pass_sizes) != p.batch or any(s < 1 for s in p.pass_sizes):
                raise SchedcError("plan: %s: pass_sizes must be positive sizes summing to the batch" % name)
            counted = advance_to_sample(p.start_sample, p.end_sample, p.batch, n)
            if counted != (p.end_sample, p.updates) or p.end_update != p.start_update + p.updates:
                raise SchedcError("plan: %s: its update count does not follow the counting rule" % name)
            sample, update = p.end_sample, p.end_update
        if sample != n * self.epochs or update != self.total_updates:
            raise SchedcError("plan: the phases do not cover all %d epochs" % self.epochs)


# ---------------------------------------------------------------------------------------------
# The clock (ports of Sources/SchedulePlanner: CountingRule.swift, MicroBatching.swift, PlanSteps.swift)

def ceil_div(a, b):
    return 0 if a == 0 else (a - 1) // b + 1


def advance_to_sample(start, target, batch, n):
    """CountingRule.advance(from:toSample:): from `start` (where an update starts), batches of
    `batch` run until the first update starting at or after `target`; returns (where it starts,
    updates before it)."""
    if target <= start:
        return start, 0
    from_epoch, from_offset = divmod(start, n)
    target_epoch, target_offset = divmod(target, n)
    if target_epoch == from_epoch:
        k = ceil_div(target_offset - from_offset, batch)
        first = from_offset + k * batch
        if first >= n:
            return (from_epoch + 1) * n, ceil_div(n - from_offset, batch)
        return from_epoch * n + first, k
    per_epoch = ceil_div(n, batch)
    updates = ceil_div(n - from_offset, batch) + (target_epoch - from_epoch - 1) * per_epoch
    k = ceil_div(target_offset, batch)
    if k * batch >= n:
        return (target_epoch + 1) * n, updates + per_epoch
    return target_epoch * n + k * batch, updates + k


def pass_sizes(batch, micro_batch, ghost_batch):
    """MicroBatching.passSizes: a batch cut into passes of whole ghost batches (or examples),
    dealt out evenly, larger passes first, the partial unit in the last pass."""
    if batch <= 0:
        return []
    if micro_batch is None or micro_batch >= batch:
        return [batch]
    unit = (ghost_batch if ghost_batch <= micro_batch else 1) if ghost_batch is not None else 1
    units = ceil_div(batch, unit)
    partial = batch % unit
    passes = ceil_div(units, micro_batch // unit)
    base, extra = divmod(units, passes)
    sizes = [(base + 1 if i < extra else base) * unit for i in range(passes)]
    if partial > 0:
        sizes[-1] -= unit - partial
    return sizes


class Step:
    """One update as the embedded runtime runs it (`PlannedStep`)."""

    __slots__ = ("update", "epoch", "phase", "start", "end", "pass_sizes", "lr", "momentum", "weight_decay")

    def __init__(self, update, epoch, phase, start, end, sizes, lr, momentum, weight_decay):
        self.update, self.epoch, self.phase = update, epoch, phase
        self.start, self.end = start, end  # positions in the epoch's shuffle
        self.pass_sizes, self.lr, self.momentum, self.weight_decay = sizes, lr, momentum, weight_decay

    @property
    def batch(self):
        return self.end - self.start

    def samples_before(self, n):
        """Consumed samples before this update: the clock's reading when it starts."""
        return self.epoch * n + self.start

    def as_dict(self):
        return {"update": self.update, "epoch": self.epoch, "phase": self.phase, "start": self.start,
                "end": self.end, "pass_sizes": list(self.pass_sizes), "lr": self.lr, "momentum": self.momentum,
                "weight_decay": self.weight_decay}



def _last_index_at_or_before(phases, key, value):
    """Index of the last phase whose `key` (start_sample or start_update) is <= value (0 if none)."""
    low, high = 0, len(phases) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if getattr(phases[mid], key) <= value:
            low = mid
        else:
            high = mid - 1
    return low


class Clock:
    """The schedule as a function of consumed samples.

    Boundary rule (the counting rule's): a phase applies from the first update whose first
    sample is at or past its `start_sample`; updates never cross an epoch, the last update of an
    epoch (or of a phase's part of it) takes the examples left. ε is the phase's, times
    (u + 1)/warmup.updates while u < warmup.updates. Weight decay is the optimiser's, constant.
    """

    def __init__(self, plan):
        self.plan = plan
        self.n = plan.dataset_size
        self._cache = {}

    def lr_at_update(self, update, phase):
        w = self.plan.warmup_updates
        if w is not None and update < w:
            return phase.lr * float(update + 1) / float(w)
        return phase.lr

    def phase_index_at_sample(self, sample):
        return _last_index_at_or_before(self.plan.phases, "start_sample", sample)

    def phase_index_at_update(self, update):
        if update < 0 or update >= self.plan.total_updates:
            return None
        return _last_index_at_or_before(self.plan.phases, "start_update", update)

    def steps(self, epoch):
        """The updates of `epoch`, in order: `Plan.steps(inEpoch:)`."""
        if epoch in self._cache:
            return self._cache[epoch]
        plan, n = self.plan, self.n
        if epoch < 0 or epoch >= plan.epochs:
            return []
        epoch_start, epoch_end = epoch * n, epoch * n + n
        steps = []
        index = self.phase_index_at_sample(epoch_start)
        while index < len(plan.phases) and plan.phases[index].start_sample < epoch_end:
            phase = plan.phases[index]
            lo, hi = max(phase.start_sample, epoch_start), min(phase.end_sample, epoch_end)
            update = phase.start_update + advance_to_sample(phase.start_sample, lo, phase.batch, n)[1]
            offset, stop = lo - epoch_start, hi - epoch_start
            while offset < stop:
                size = min(phase.batch, stop - offset)
                sizes = phase.pass_sizes if size == phase.batch else pass_sizes(size, plan.micro_batch, plan.ghost_batch)
                steps.append(Step(update, epoch, index, offset, offset + size, list(sizes),
                                  self.lr_at_update(update, phase), phase.momentum, plan.weight_decay))
                offset += size
                update += 1
            index += 1
        if len(self._cache) > 4:
            self._cache.clear()
        self._cache[epoch] = steps
        return steps

    def step_at(self, consumed):
        """The update that starts after `consumed` samples; None at the end of the run. A count
        that is not where an update starts is refused (it is not a state the run can be in)."""
        if consumed >= self.n * self.plan.epochs:
            return None
        epoch, offset = divmod(consumed, self.n)
        for step in self.steps(epoch):
            if step.start == offset:
                return step
        raise SchedcError("no update starts after %d consumed samples" % consumed)

    def at(self, consumed):
        """Phase, global batch, pass sizes, lr, momentum and weight decay of the update that
        starts at `consumed` samples (see `step_at`), as a dict."""
        step = self.step_at(consumed)
        if step is None:
            return None
        d = step.as_dict()
        d["batch"] = step.batch
        d["samples"] = consumed
        d["phase_batch"] = self.plan.phases[step.phase].batch
        return d


# ---------------------------------------------------------------------------------------------
# The epoch shuffle (ports of Sources/Training/Random.swift and Data/Batching.swift)

class DeterministicRandom:
    """xoshiro256** seeded through SplitMix64, with Swift's 64-bit wrap-around arithmetic."""

    def __init__(self, seed, stream=0):
        x = (seed ^ ((stream * 0x9E3779B97F4A7C15) & MASK64)) & MASK64
        state = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            state.append(z ^ (z >> 31))
        self.s0, self.s1, self.s2, self.s3 = state

    def next(self):
        s0, s1, s2, s3 = self.s0, self.s1, self.s2, self.s3
        r = (s1 * 5) & MASK64
        result = ((((r << 7) & MASK64) | (r >> 57)) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = ((s3 << 45) & MASK64) | (s3 >> 19)
        self.s0, self.s1, self.s2, self.s3 = s0, s1, s2, s3
        return result

    def unbiased_index(self, bound):
        """Uniform in 0..<bound: Lemire's multiply-shift with rejection (`nextUnbiasedIndex`)."""
        product = self.next() * bound
        low = product & MASK64
        if low < bound:
            threshold = ((-bound) & MASK64) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & MASK64
        return product >> 64

    def normal(self):
        """`nextNormal`: Box–Muller in double, one value per call, rounded to float32."""
        u1 = float(self.next() >> 11) * (1.0 / float(1 << 53))
        if u1 < 1e-300:
            u1 = 1e-300
        u2 = float(self.next() >> 11) * (1.0 / float(1 << 53))
        return to_float32(math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2))


EPOCH_STREAM_BASE = 0x5348554600000000  # "SHUF": epoch e shuffles with stream base + e


def epoch_order(count, seed, epoch):
    """`EpochOrder.shuffled(count:seed:epoch:)`: Fisher–Yates from the epoch's own stream."""
    random = DeterministicRandom(seed & MASK64, (EPOCH_STREAM_BASE + epoch) & MASK64)
    order = list(range(count))
    for i in range(count - 1, 0, -1):
        j = random.unbiased_index(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def to_float32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


# ---------------------------------------------------------------------------------------------
# The distributed sampler

def split_pass(size, world_size, unit):
    """How a pass of `size` examples is shared among `world_size` ranks: [(start, end)] per rank,
    contiguous and in rank order. The pass is cut into units (ghost batches for a model with
    batch norm, so no ghost batch is split across ranks; single examples otherwise) and rank r
    takes units ⌊r·U/W⌋ ..< ⌊(r+1)·U/W⌋; the last unit may be partial. When W does not divide the
    pass, shares differ by one unit (the uneven split; see `loss_weight`), and a rank may get
    none when the pass has fewer units than ranks."""
    units = ceil_div(size, unit)
    shares = []
    for r in range(world_size):
        a = min(size, (r * units // world_size) * unit)
        b = min(size, ((r + 1) * units // world_size) * unit)
        shares.append((a, b))
    return shares


def loss_weight(world_size, batch):
    """Each rank's summed loss is scaled by W/B: DDP averages the ranks' gradients (sum / W), so
    the update gets Σ_examples ∇loss / B — the global batch mean, whatever the shares."""
    return float(world_size) / float(batch)


class RankPass:
    """This rank's share of one pass: dataset indices, and where they sit in the pass."""

    __slots__ = ("indices", "size", "share")

    def __init__(self, indices, size, share):
        self.indices, self.size, self.share = indices, size, share


class RankUpdate:
    """One update as this rank sees it: the plan's step and this rank's share of each pass."""

    __slots__ = ("step", "samples", "passes", "global_indices")

    def __init__(self, step, samples, passes, global_indices):
        self.step, self.samples, self.passes, self.global_indices = step, samples, passes, global_indices


class PlanSampler:
    """A deterministic distributed batch sampler driven by the clock.

    Iterating yields, per update, this rank's share of every pass of the global batch; each
    example is seen exactly once per epoch across the ranks, and epoch e's order is
    `epoch_order(N, seed, e)` — the embedded runtime's — so no `set_epoch` can be forgotten. The
    state is consumed samples (plus epoch and seed, checked on load); it advances as updates
    are yielded, so `state_dict()` taken after an update resumes at the next one.
    """

    def __init__(self, plan, rank=0, world_size=1, unit=1, seed=None):
        if world_size < 1 or not 0 <= rank < world_size:
            raise UsageError("rank %d of world size %d" % (rank, world_size))
        self.plan = plan
        self.clock = Clock(plan)
        self.rank, self.world_size, self.unit = rank, world_size, max(1, unit)
        self.seed = plan.seed if seed is None else seed
        self.consumed = 0
        self._order = None
        self._order_epoch = None

    @property
    def epoch(self):
        return self.consumed // self.clock.n

    def order(self, epoch):
        if self._order_epoch != epoch:
            self._order = epoch_order(self.clock.n, self.seed, epoch)
            self._order_epoch = epoch
        return self._order

    def update_at(self, consumed):
        step = self.clock.step_at(consumed)
        if step is None:
            return None
        order = self.order(step.epoch)
        passes, offset = [], step.start
        for size in step.pass_sizes:
            a, b = split_pass(size, self.world_size, self.unit)[self.rank]
            passes.append(RankPass(order[offset + a:offset + b], size, (a, b)))
            offset += size
        return RankUpdate(step, consumed, passes, order[step.start:step.end])

    def next_update(self):
        """The next update (None at the end of the run); the state moves past it."""
        update = self.update_at(self.consumed)
        if update is not None:
            self.consumed += update.step.batch
        return update

    def __iter__(self):
        while True:
            update = self.next_update()
            if update is None:
                return
            yield update

    def state_dict(self):
        return {"consumed_samples": self.consumed, "epoch": self.epoch, "seed": self.seed}

    def load_state_dict(self, state):
        if int(state["seed"]) != self.seed:
            raise SchedcError("the sampler state is of seed %s, this run's seed is %d" % (state["seed"], self.seed))
        consumed = int(state["consumed_samples"])
        if consumed // self.clock.n != int(state["epoch"]):
            raise SchedcError("the sampler state is inconsistent: %d samples is not in epoch %s" % (consumed, state["epoch"]))
        if consumed < self.clock.n * self.plan.epochs:
            self.clock.step_at(consumed)  # refuses a count where no update starts
        self.consumed = consumed


# ---------------------------------------------------------------------------------------------
# Hyperparameters and the optimiser (Sources/Training/Optimizer.swift)

def apply_hyperparameters(optimizer, lr, momentum=None, weight_decay=None):
    """Sets the clock's lr, momentum and weight decay on every parameter group of any torch
    optimiser, before an update. Momentum goes to `momentum` where the group has it (SGD) and is
    left alone for Adam-style `betas` (the embedded Adam keeps β₁ fixed). Weight decay applies
    only to groups whose "decays" is true (default true: build the groups with
    `parameter_groups` to leave biases and batch-norm γ, β undecayed, as the embedded runtime does)."""
    for group in optimizer.param_groups:
        group["lr"] = lr
        if momentum is not None and "momentum" in group:
            group["momentum"] = momentum
        if weight_decay is not None and "weight_decay" in group:
            group["weight_decay"] = weight_decay if group.get("decays", True) else 0.0


def parameter_groups(model):
    """Two parameter groups: conv and linear weights (decayed) and the rest (not decayed)."""
    decayed = [p for p in model.parameters() if getattr(p, "schedc_decays", p.dim() > 1)]
    kept = [p for p in model.parameters() if not getattr(p, "schedc_decays", p.dim() > 1)]
    return [{"params": decayed, "decays": True}, {"params": kept, "decays": False}]


if torch is not None:
    class SchedcOptimizer(torch.optim.Optimizer):
        """The embedded runtime's update rules, element for element, in float32:

        sgd:      g ← g + λ·w (decayed groups only);  A ← m·A + g;  w ← w − ε·A
        nesterov: g ← g + λ·w;  A ← m·A + g;  w ← w − ε·(g + m·A)
        adam:     g ← g + λ·w;  M ← β₁M + (1−β₁)g;  V ← β₂V + (1−β₂)g²;
                  w ← w − ε·(M/(1−Πβ₁)) / (√(V/(1−Πβ₂)) + δ)   (Adam with L2, not AdamW)

        torch.optim.SGD computes the same sgd and nesterov rules (dampening 0: buf = m·buf + g,
        the first buf = g, which is m·0 + g); this class exists for Adam, whose bias corrections
        the embedded runtime keeps as running products Πβ (exact if β changes) where torch uses
        β^t, and so that one class covers all three with the same float32 operations.
        """

        def __init__(self, params, kind="sgd", lr=0.1, momentum=0.0, weight_decay=0.0,
                     beta1=0.9, beta2=0.999, epsilon=1e-8):
            if kind not in ("sgd", "nesterov", "adam"):
                raise SchedcError("unknown optimizer kind %r (sgd, nesterov, adam)" % kind)
            defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay, decays=True,
                            beta1=beta1, beta2=beta2, epsilon=epsilon)
            super().__init__(params, defaults)
            self.kind = kind
            self.state["schedc"] = {"steps": 0, "beta1_product": 1.0, "beta2_product": 1.0}

        @torch.no_grad()
        def step(self, closure=None):
            counters = self.state["schedc"]
            counters["steps"] += 1
            for group in self.param_groups:
                lr = group["lr"]
                m = group["momentum"]
                lam = group["weight_decay"] if group.get("decays", True) else 0.0
                if self.kind == "adam":
                    b1, b2, delta = group["beta1"], group["beta2"], group["epsilon"]
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    g = p.grad if lam == 0 else p.grad.add(p, alpha=lam)
                    state = self.state[p]
                    if self.kind in ("sgd", "nesterov"):
                        if "accumulator" not in state:
                            state["accumulator"] = torch.zeros_like(p)
                        a = state["accumulator"]
                        a.mul_(m).add_(g)
                        if self.kind == "sgd":
                            p.sub_(a * lr)
                        else:
                            p.sub_((g + a * m) * lr)
                    else:
                        if "m" not in state:
                            state["m"] = torch.zeros_like(p)
                            state["v"] = torch.zeros_like(p)
                        first, second = state["m"], state["v"]
                        first.mul_(b1).add_(g * to_float32(1 - to_float32(b1)))
                        second.mul_(b2).add_(g * g * to_float32(1 - to_float32(b2)))
            if self.kind == "adam":
                # One pair of products for the whole optimiser, as the embedded runtime keeps.
                group0 = self.param_groups[0]
                counters["beta1_product"] *= float(to_float32(group0["beta1"]))
                counters["beta2_product"] *= float(to_float32(group0["beta2"]))
                c1 = to_float32(1 / (1 - counters["beta1_product"]))
                c2 = to_float32(1 / (1 - counters["beta2_product"]))
                for group in self.param_groups:
                    lr, delta = group["lr"], group["epsilon"]
                    for p in group["params"]:
                        if p.grad is None:
                            continue
                        state = self.state[p]
                        p.sub_((state["m"] * c1) * lr / ((state["v"] * c2).sqrt() + delta))
            return None


# ---------------------------------------------------------------------------------------------
# The models (Sources/Training/ModelBuilder.swift and the layers)
#
# Weights-file mapping (names are the embedded runtime's checkpoint names):
#   NAME.weight of a convolution: stored [out, kh, kw, in] (NHWC kernels) → torch [out, in, kh, kw]
#     (permute(0, 3, 1, 2));
#   NAME.weight / NAME.bias of a linear layer: [out, in] / [out], as torch's;
#   NAME.gamma / NAME.beta / NAME.running_mean / NAME.running_var of a batch norm: torch's
#     weight / bias / running_mean / running_var, [C] each.
# The embedded layers run NHWC, so a linear layer after a flatten reads features in (h, w, c)
# order; the torch models run NCHW and permute to NHWC just before flattening, so the linear
# weights need no reordering. Conv layers have no bias (batch norm follows), as in Swift.

if torch is not None:
    class GhostBatchNorm(torch.nn.Module):
        """Batch norm over channels with ghost batches, as the embedded runtime's: in training,
        statistics over each run of `ghost` consecutive examples (the whole input when ghost is
        None; a shorter last one), normalised with the biased variance, ε 1e-5. The running
        statistics are not touched in forward: each ghost batch's (mean, unbiased variance) is
        recorded, and `fold` applies them later in the embedded runtime's order (α = 0.1 per
        ghost batch), after they have been gathered from every rank."""

        def __init__(self, name, channels, ghost, relu=False):
            super().__init__()
            self.schedc_name = name
            self.ghost = ghost
            self.relu = relu
            self.eps = 1e-5
            self.momentum = 0.1
            self.weight = torch.nn.Parameter(torch.ones(channels))
            self.bias = torch.nn.Parameter(torch.zeros(channels))
            self.weight.schedc_decays = False
            self.bias.schedc_decays = False
            self.register_buffer("running_mean", torch.zeros(channels))
            self.register_buffer("running_var", torch.ones(channels))
            self.recording = True
            self.pending = []  # per training forward: tensor [groups, 2, C] (mean, unbiased variance)

        def forward(self, x):
            if not self.training:
                y = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps)
                return F.relu(y) if self.relu else y
            ghost = self.ghost or x.shape[0]
            pieces, stats = [], []
            for chunk in torch.split(x, ghost, dim=0):
                pieces.append(F.batch_norm(chunk, None, None, self.weight, self.bias, True, 0.0, self.eps))
                if self.recording:
                    with torch.no_grad():
                        dims = [0] + list(range(2, chunk.dim()))
                        count = chunk.numel() // chunk.shape[1]
                        mean = chunk.mean(dim=dims)
                        variance = chunk.var(dim=dims, unbiased=False)
                        if count > 1:
                            variance = variance * to_float32(count / (count - 1))
                        stats.append(torch.stack([mean, variance]))
            if stats:
                self.pending.append(torch.stack(stats))
            y = pieces[0] if len(pieces) == 1 else torch.cat(pieces, dim=0)
            return F.relu(y) if self.relu else y

        @torch.no_grad()
        def fold(self, stats):
            """running ← (1 − α)·running + α·statistic, for each ghost batch of `stats` [G, 2, C] in order."""
            keep = torch.tensor(to_float32(1 - to_float32(self.momentum)))
            alpha = torch.tensor(to_float32(self.momentum))
            for g in range(stats.shape[0]):
                self.running_mean.copy_(keep * self.running_mean + alpha * stats[g, 0])
                self.running_var.copy_(keep * self.running_var + alpha * stats[g, 1])

    def _conv(name, cin, cout, kernel, stride=1, padding=0):
        layer = torch.nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
        layer.schedc_name = name
        layer.weight.schedc_decays = True
        return layer

    def _linear(name, fin, fout):
        layer = torch.nn.Linear(fin, fout)
        layer.schedc_name = name
        layer.weight.schedc_decays = True
        layer.bias.schedc_decays = False
        return layer

    class MLP(torch.nn.Module):
        def __init__(self, features, hidden, classes):
            super().__init__()
            sizes = [features] + list(hidden) + [classes]
            self.layers = torch.nn.ModuleList(_linear("fc%d" % (i + 1), sizes[i], sizes[i + 1])
                                              for i in range(len(sizes) - 1))

        def forward(self, x):
            x = x.permute(0, 2, 3, 1).flatten(1)
            for i, layer in enumerate(self.layers):
                x = layer(x)
                if i + 1 < len(self.layers):
                    x = F.relu(x)
            return x

    class CNN(torch.nn.Module):
        """conv3×3 C→32, BN, ReLU, max-pool 2, conv3×3 32→64, BN, ReLU, max-pool 2, fc → 128, ReLU, fc."""

        def __init__(self, channels, height, width, classes, ghost):
            super().__init__()
            self.conv1 = _conv("conv1", channels, 32, 3, padding=1)
            self.bn1 = GhostBatchNorm("bn1", 32, ghost, relu=True)
            self.conv2 = _conv("conv2", 32, 64, 3, padding=1)
            self.bn2 = GhostBatchNorm("bn2", 64, ghost, relu=True)
            self.fc1 = _linear("fc1", (height // 4) * (width // 4) * 64, 128)
            self.fc2 = _linear("fc2", 128, classes)

        def forward(self, x):
            x = F.max_pool2d(self.bn1(self.conv1(x)), 2)
            x = F.max_pool2d(self.bn2(self.conv2(x)), 2)
            x = F.relu(self.fc1(x.permute(0, 2, 3, 1).flatten(1)))
            return self.fc2(x)

    class ResidualBlock(torch.nn.Module):
        """Pre-activation basic block: a = relu(bn1(x)); y = conv2(relu(bn2(conv1(a)))) + shortcut."""

        def __init__(self, name, cin, cout, stride, ghost):
            super().__init__()
            self.bn1 = GhostBatchNorm(name + ".bn1", cin, ghost, relu=True)
            self.conv1 = _conv(name + ".conv1", cin, cout, 3, stride=stride, padding=1)
            self.bn2 = GhostBatchNorm(name + ".bn2", cout, ghost, relu=True)
            self.conv2 = _conv(name + ".conv2", cout, cout, 3, padding=1)
            self.shortcut = _conv(name + ".shortcut", cin, cout, 1, stride=stride) if cin != cout or stride != 1 else None

        def forward(self, x):
            a = self.bn1(x)
            y = self.conv2(self.bn2(self.conv1(a)))
            return y + (self.shortcut(a) if self.shortcut is not None else x)

    class WRN(torch.nn.Module):
        def __init__(self, channels, classes, depth, widen, ghost):
            super().__init__()
            n = (depth - 4) // 6
            widths = [16, 16 * widen, 32 * widen, 64 * widen]
            self.conv1 = _conv("conv1", channels, widths[0], 3, padding=1)
            blocks, cin = [], widths[0]
            for group in range(3):
                for block in range(n):
                    blocks.append(ResidualBlock("group%d.block%d" % (group + 1, block + 1), cin, widths[group + 1],
                                                2 if block == 0 and group > 0 else 1, ghost))
                    cin = widths[group + 1]
            self.blocks = torch.nn.ModuleList(blocks)
            self.bn = GhostBatchNorm("bn", cin, ghost, relu=True)
            self.fc = _linear("fc", cin, classes)

        def forward(self, x):
            x = self.conv1(x)
            for block in self.blocks:
                x = block(x)
            return self.fc(self.bn(x).mean(dim=(2, 3)))


def model_layers(model):
    """The layers that own state, in the embedded runtime's parameter order."""
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, CNN):
        return [model.conv1, model.bn1, model.conv2, model.bn2, model.fc1, model.fc2]
    layers = [model.conv1]
    for block in model.blocks:
        layers += [block.bn1, block.conv1, block.bn2, block.conv2] + ([block.shortcut] if block.shortcut is not None else [])
    return layers + [model.bn, model.fc]


def named_state(model):
    """[(embedded name, torch tensor, "param" | "buffer", is_conv)] in the weights-file order:
    every parameter in layer order, then every buffer (Swift `Model.stateTensors`)."""
    params, buffers = [], []
    for layer in model_layers(model):
        name = layer.schedc_name
        if isinstance(layer, GhostBatchNorm):
            params += [(name + ".gamma", layer.weight, False), (name + ".beta", layer.bias, False)]
            buffers += [(name + ".running_mean", layer.running_mean, False), (name + ".running_var", layer.running_var, False)]
        elif isinstance(layer, torch.nn.Conv2d):
            params.append((name + ".weight", layer.weight, True))
        else:
            params += [(name + ".weight", layer.weight, False), (name + ".bias", layer.bias, False)]
    return [(n, t, "param", c) for n, t, c in params] + [(n, t, "buffer", c) for n, t, c in buffers]


def batch_norms(model):
    return [m for m in model_layers(model) if isinstance(m, GhostBatchNorm)]


def build_model(spec, channels, height, width, classes, ghost_batch):
    """The plan's model object → a torch module (nothing initialised yet: see `initialise`)."""
    if not isinstance(spec, dict) or "kind" not in spec:
        raise SchedcError("the plan names no runnable model (its \"model\" is %s)" % json.dumps(spec))
    kind = spec["kind"]
    if kind == "mlp":
        return MLP(channels * height * width, spec.get("hidden") or [512, 512], classes)
    if kind == "cnn":
        return CNN(channels, height, width, classes, ghost_batch)
    if kind == "wrn":
        return WRN(channels, classes, int(spec.get("depth", 16)), int(spec.get("width", 4)), ghost_batch)
    raise SchedcError("unknown model kind %r (mlp, cnn, wrn)" % kind)


def to_swift_layout(tensor, is_conv):
    return tensor.detach().permute(0, 2, 3, 1).contiguous() if is_conv else tensor.detach().contiguous()


def initialise(model, seed):
    """The embedded runtime's initial weights, computed here: He-normal weights, each weight
    tensor (each residual block) drawing from DeterministicRandom(seed, stream 1 + its position),
    biases and β zero, γ one. Matches `ModelBuilder` bit for bit (Box–Muller in double through
    the C library's log and cos, as Swift's). Slow in pure Python for big models; pass the
    weights file (`--initial-weights`) when schedc exported one."""
    with torch.no_grad():
        _initialise(model, seed)


def _initialise(model, seed):
    stream = 1
    generators = {}
    for layer in model_layers(model):
        if isinstance(layer, GhostBatchNorm):
            continue
        weight = layer.weight
        # A residual block's convolutions share the block's generator, in order.
        block = layer.schedc_name.rsplit(".", 1)[0] if layer.schedc_name.startswith("group") else layer.schedc_name
        if block not in generators:
            generators[block] = DeterministicRandom(seed, stream)
            stream += 1
        random = generators[block]
        swift_shape = list(weight.shape) if weight.dim() == 2 else [weight.shape[0], weight.shape[2], weight.shape[3], weight.shape[1]]
        fan_in = 1
        for d in swift_shape[1:]:
            fan_in *= d
        std = to_float32(math.sqrt(to_float32(2.0 / fan_in)))
        count = weight.numel()
        values = torch.tensor([random.normal() for _ in range(count)], dtype=torch.float32) * std
        values = values.reshape(swift_shape)
        weight.copy_(values.permute(0, 3, 1, 2) if weight.dim() == 4 else values)
        if getattr(layer, "bias", None) is not None:
            layer.bias.zero_()


def load_weights_file(model, path, plan):
    """Loads a schedc weights file (W.json + its float32 data) into `model`; every tensor must be
    present with the embedded runtime's shape."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            header = json.load(f)
    except (OSError, ValueError) as error:
        raise SchedcError("cannot read the weights file %s: %s" % (path, error))
    if header.get("format") != WEIGHTS_FORMAT or header.get("version") not in WEIGHTS_VERSIONS:
        raise SchedcError("%s is not a schedc weights file of version 1" % path)
    if plan.model is not None and header.get("model") != plan.model:
        raise SchedcError("the weights file is for model %s, the plan runs %s"
                          % (json.dumps(header.get("model")), json.dumps(plan.model)))
    data_path = os.path.join(os.path.dirname(os.path.abspath(path)), header["data"])
    try:
        with open(data_path, "rb") as f:
            blob = f.read()
    except OSError as error:
        raise SchedcError("cannot read the weights data %s: %s" % (data_path, error.strerror))
    entries = {t["name"]: t for t in header["tensors"]}
    with torch.no_grad():
        for name, tensor, _, is_conv in named_state(model):
            entry = entries.pop(name, None)
            if entry is None:
                raise SchedcError("the weights file has no tensor %s" % name)
            expected = list(to_swift_layout(tensor, is_conv).shape)
            if list(entry["shape"]) != expected or int(entry["count"]) != tensor.numel():
                raise SchedcError("weights tensor %s has shape %s, the model expects %s" % (name, entry["shape"], expected))
            offset, count = int(entry["offset"]), int(entry["count"])
            if offset + 4 * count > len(blob):
                raise SchedcError("weights tensor %s lies past the end of %s" % (name, data_path))
            values = torch.tensor(struct.unpack_from("<%df" % count, blob, offset), dtype=torch.float32).reshape(expected)
            tensor.copy_(values.permute(0, 3, 1, 2) if is_conv else values)
    if entries:
        raise SchedcError("the weights file holds tensors the model does not have: %s" % ", ".join(sorted(entries)))


def parameters_sha256(model):
    """sha256 of the float32 little-endian bytes of the parameters in the weights-file order."""
    digest = hashlib.sha256()
    for _, tensor, kind, is_conv in named_state(model):
        if kind == "param":
            values = to_swift_layout(tensor, is_conv).float().flatten().tolist()
            digest.update(struct.pack("<%df" % len(values), *values))
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------------
# Data (Sources/Training/Data: MNISTFormat, DataLocator, PixelConversion)

MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
DATASETS = {  # name → (folder names under a data root, full train size, full test size, system directory)
    "fashion_mnist": (("fashion-mnist", "fashion_mnist"), 60000, 10000, "/usr/share/datasets/fashion-mnist"),
    "mnist": (("mnist",), 60000, 10000, None),
}
SHIPPED_SUBSET = os.path.join("Samples", "data", "fashion-mnist-subset")
SHIPPED_SUBSET_SIZE = (10000, 2000)
SUBSET_TEST_COUNT = 2000  # a subset run evaluates on the first 2 000 test images (DataRequest.subset)


def _data_file(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.isfile(path):
            return path
    return None


def _probe(root, dataset):
    """The directory under `root` holding all the files (root itself or a folder named for the
    data set); None if none holds any; an error for a directory with only some of them."""
    for candidate in [root] + [os.path.join(root, f) for f in DATASETS[dataset][0]]:
        if not os.path.isdir(candidate):
            continue
        missing = [f for f in MNIST_FILES if _data_file(candidate, f) is None]
        if not missing:
            return candidate
        if len(missing) < len(MNIST_FILES):
            raise SchedcError("%s: incomplete %s directory: missing %s"
                              % (candidate, dataset, ", ".join(m + "[.gz]" for m in missing)))
    return None


def _ancestors(path):
    path = os.path.abspath(path)
    while True:
        yield path
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def locate_data(dataset, train_count, test_count, explicit=None):
    """DataLocator's search order: --data DIR (must hold the data set), $SCHEDC_DATA_DIR, the
    system package's directory, then for Fashion-MNIST the subset shipped in the repository
    (looked for above the current directory and above this file) when the run needs at most
    its 10 000 training and 2 000 test images."""
    if dataset not in DATASETS:
        raise SchedcError("the PyTorch engine loads fashion_mnist and mnist; the plan's data set is %s" % json.dumps(dataset))
    if explicit is not None:
        found = _probe(explicit, dataset)
        if found is None:
            raise SchedcError("%s: the --data directory holds no %s files (%s[.gz])"
                              % (explicit, dataset, "[.gz], ".join(MNIST_FILES)))
        return found
    looked = []
    environment = os.environ.get("SCHEDC_DATA_DIR")
    if environment:
        found = _probe(environment, dataset)
        if found:
            return found
        looked.append("$SCHEDC_DATA_DIR (%s)" % environment)
    system = DATASETS[dataset][3]
    if system:
        found = _probe(system, dataset)
        if found:
            return found
        looked.append(system)
    if dataset == "fashion_mnist" and train_count <= SHIPPED_SUBSET_SIZE[0] and test_count <= SHIPPED_SUBSET_SIZE[1]:
        roots = list(_ancestors(os.getcwd())) + list(_ancestors(os.path.dirname(os.path.abspath(__file__))))
        for root in roots:
            candidate = os.path.join(root, SHIPPED_SUBSET)
            if os.path.isdir(candidate):
                found = _probe(candidate, dataset)
                if found:
                    return found
        looked.append(SHIPPED_SUBSET)
    raise SchedcError("%s: data set not found (looked in %s); pass --data DIR or set $SCHEDC_DATA_DIR"
                      % (dataset, ", ".join(looked) or "no directory"))


def _read_idx(path, rank, limit):
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            header = f.read(4 + 4 * rank)
            if len(header) < 4 + 4 * rank or header[:2] != b"\0\0" or header[2] != 8 or header[3] != rank:
                raise SchedcError("%s: not an IDX file of unsigned bytes with %d dimensions" % (path, rank))
            dims = list(struct.unpack(">%dI" % rank, header[4:]))
            count = dims[0] if limit is None else min(limit, dims[0])
            item = 1
            for d in dims[1:]:
                item *= d
            body = f.read(count * item)
    except OSError as error:
        raise SchedcError("%s: %s" % (path, error))
    if len(body) < count * item:
        raise SchedcError("%s: the file ends before its %d items" % (path, count))
    return dims, count, body


def load_mnist_part(directory, images_name, labels_name, count):
    """images float32 [count, 1, H, W] = byte / 255 (as the embedded runtime), labels int64."""
    _, n_labels, label_bytes = _read_idx(_data_file(directory, labels_name), 1, count)
    dims, n_images, image_bytes = _read_idx(_data_file(directory, images_name), 3, count)
    if n_images != n_labels:
        raise SchedcError("%s: %d images but %d labels" % (directory, n_images, n_labels))
    images = torch.frombuffer(bytearray(image_bytes), dtype=torch.uint8).to(torch.float32)
    images = (images / 255).reshape(n_images, 1, dims[1], dims[2])
    labels = torch.frombuffer(bytearray(label_bytes), dtype=torch.uint8).to(torch.int64)
    if int(labels.max()) >= 10:
        raise SchedcError("%s: a label is out of range (labels are 0 to 9)" % directory)
    return images, labels


def load_data(plan, explicit=None):
    """The training set (the first `subset` examples, else all) and test set of the plan."""
    if plan.dataset is None:
        raise SchedcError("the plan has no named data set (`data size N`); the PyTorch engine trains on fashion_mnist or mnist")
    full_train, full_test = DATASETS.get(plan.dataset, (None, 0, 0, None))[1:3]
    train_count = plan.subset if plan.subset is not None else full_train
    test_count = SUBSET_TEST_COUNT if plan.subset is not None else full_test
    directory = locate_data(plan.dataset, train_count, test_count, explicit)
    train = load_mnist_part(directory, MNIST_FILES[0], MNIST_FILES[1], train_count)
    test = load_mnist_part(directory, MNIST_FILES[2], MNIST_FILES[3], test_count)
    if train[0].shape[0] != plan.dataset_size:
        raise SchedcError("the plan trains on %d examples per epoch, %s holds %d"
                          % (plan.dataset_size, directory, train[0].shape[0]))
    return train, test, directory


# ---------------------------------------------------------------------------------------------
# Training (the rank entry point)

class Files:
    """Rank 0's outputs in the run directory."""

    def __init__(self, out):
        self.out = out
        self.metrics = os.path.join(out, "metrics.jsonl")
        self.updates = os.path.join(out, "updates.jsonl")
        self.checkpoint = os.path.join(out, "checkpoint.pt")
        self.summary = os.path.join(out, "torch-summary.json")

    def samples(self, rank):
        return os.path.join(self.out, "samples.rank%d.jsonl" % rank)


def append_line(path, obj):
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(obj, separators=(",", ":")) + "\n")


def keep_lines(path, keep):
    """Rewrites a JSON-lines file with the complete lines `keep(record)` accepts (a resume drops
    what was logged after its checkpoint, and a line cut short by a kill)."""
    if not os.path.exists(path):
        return
    kept = []
    with open(path, "r", encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break
            try:
                record = json.loads(line)
            except ValueError:
                break
            if keep(record):
                kept.append(line)
    write_atomically(path, "".join(kept).encode("utf-8"))


def write_atomically(path, data):
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


class AllReduceTimer:
    """A DDP communication hook that runs each gradient bucket's all-reduce synchronously and
    times it: `seconds` is the wall time spent in the gradient all-reduces (waiting for the
    slower rank included). Synchronous means no overlap with the backward, which on CPUs with
    gloo hides little anyway; the mean is DDP's (sum, then ÷ world size)."""

    def __init__(self, world_size):
        self.world_size = world_size
        self.seconds = 0.0

    @staticmethod
    def hook(timer, bucket):
        """The hook itself (a plain function: DDP checks the hook's name and signature); DDP
        passes the timer as its state."""
        buffer = bucket.buffer() if hasattr(bucket, "buffer") else bucket.get_tensor()
        start = time.perf_counter()
        dist.all_reduce(buffer)
        timer.seconds += time.perf_counter() - start
        buffer.div_(timer.world_size)
        future = torch.futures.Future()
        future.set_result(buffer)
        return future


class StopRequest:
    """SIGTERM sets it; the ranks agree on it after each update (so all stop at the same one)."""

    def __init__(self):
        self.requested = False

    def install(self):
        signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame):
        self.requested = True


def environment_ranks():
    try:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError:
        raise UsageError("RANK, WORLD_SIZE and LOCAL_RANK must be integers")
    if world < 1 or not 0 <= rank < world:
        raise UsageError("RANK %d is not in 0..<WORLD_SIZE %d" % (rank, world))
    return rank, world, local


def evaluate(model, images, labels, batch=500):
    """Evaluation-mode mean loss and accuracy (running batch-norm statistics)."""
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, images.shape[0], batch):
            logits = model(images[start:start + batch])
            y = labels[start:start + batch]
            loss_sum += float(F.cross_entropy(logits, y, reduction="none").double().sum())
            correct += int((logits.argmax(dim=1) == y).sum())
    model.train()
    count = images.shape[0]
    return loss_sum / count, correct / count


def run_passes(network, norms, update, images, labels, world, distributed):
    """Forward and backward of this rank's share of each pass of `update`, gradients accumulated
    (DDP all-reduces once, in the last pass's backward). Returns the share's summed loss
    (float64), its correct predictions, and per pass the batch-norm statistics it recorded (one
    [groups, 2, C] tensor per batch-norm layer; None for a pass without examples)."""
    device = images.device
    weight = loss_weight(world, update.step.batch)
    loss_sum, correct, pass_stats = torch.zeros((), dtype=torch.float64), 0, []
    for k, share in enumerate(update.passes):
        last = k == len(update.passes) - 1
        context = network.no_sync() if distributed and not last else contextlib.nullcontext()
        with context:
            if share.indices:
                index = torch.tensor(share.indices, dtype=torch.int64, device=device)
                logits = network(images[index])
                y = labels[index]
                losses = F.cross_entropy(logits, y, reduction="none")
                (losses.sum() * weight).backward()
                loss_sum += losses.detach().double().sum().cpu()
                correct += int((logits.detach().argmax(dim=1) == y).sum())
                pass_stats.append([bn.pending.pop() for bn in norms])
            else:
                # No examples for this rank in this pass: a zero-weighted forward of one example
                # joins DDP's all-reduce (every rank must) without adding to the gradient.
                for bn in norms:
                    bn.recording = False
                logits = network(images[update.global_indices[:1]])
                (logits.sum() * 0.0).backward()
                for bn in norms:
                    bn.recording = True
                pass_stats.append(None)
    return loss_sum, correct, pass_stats


def fold_running_statistics(norms, pass_stats, distributed, world, device):
    """Every rank folds every rank's ghost-batch statistics in the embedded runtime's order
    (pass by pass, rank by rank, ghost batch by ghost batch), so the running statistics agree
    on all ranks without a buffer broadcast."""
    gathered = [pass_stats]
    if distributed:
        gathered = [None] * world
        dist.all_gather_object(gathered, [[t.cpu() for t in p] if p is not None else None for p in pass_stats])
    for k in range(len(pass_stats)):
        for rank_stats in gathered:
            if rank_stats[k] is not None:
                for bn, stats in zip(norms, rank_stats[k]):
                    bn.fold(stats.to(device))


def make_optimizer(plan, model):
    spec = plan.optimizer
    kind = spec.get("kind", "sgd")
    return SchedcOptimizer(parameter_groups(model), kind=kind, lr=plan.phases[0].lr,
                           momentum=float(spec.get("momentum", plan.phases[0].momentum) or 0),
                           weight_decay=plan.weight_decay, beta1=float(spec.get("beta1", 0.9)),
                           beta2=float(spec.get("beta2", 0.999)), epsilon=float(spec.get("epsilon", 1e-8)))


def train(args):
    if torch is None:
        raise SchedcError("torch is not installed for %s (Debian: apt-get install python3-torch)" % sys.executable)
    plan = Plan.load(args.plan)
    rank, world, local_rank = environment_ranks()
    distributed = world > 1 or "MASTER_ADDR" in os.environ
    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(plan.seed)
    backend = None
    if distributed:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(local_rank)
        dist.init_process_group(backend, rank=rank, world_size=world)
    device = torch.device("cuda", local_rank) if backend == "nccl" else torch.device("cpu")
    stop = StopRequest()
    stop.install()
    files = Files(args.out)
    if rank == 0:
        os.makedirs(args.out, exist_ok=True)

    (train_images, train_labels), (test_images, test_labels), _ = load_data(plan, args.data)
    channels, height, width = train_images.shape[1:]
    model = build_model(plan.model, channels, height, width, 10, plan.ghost_batch)
    if args.initial_weights:
        load_weights_file(model, args.initial_weights, plan)
    else:
        initialise(model, plan.seed)
    model.to(device)
    optimizer = make_optimizer(plan, model)
    norms = batch_norms(model)
    unit = plan.ghost_batch if norms and plan.ghost_batch else 1
    if norms and plan.ghost_batch is None and world > 1 and rank == 0:
        print("schedc_torch: warning: the plan sets no ghost_batch, so each rank's batch norm normalises over its own "
              "share of a pass where the embedded runtime uses the whole pass; set ghost_batch for the same training",
              file=sys.stderr)
    sampler = PlanSampler(plan, rank, world, unit)

    updates_done, seconds_before, allreduce_before = 0, 0.0, 0.0
    epoch_loss, epoch_correct, epoch_seconds_before = 0.0, 0, 0.0
    final_accuracy = None
    resumed = False
    if args.resume and os.path.exists(files.checkpoint):
        checkpoint = torch.load(files.checkpoint, map_location=device)
        if checkpoint["plan_sha256"] != plan.sha256:
            raise SchedcError("%s belongs to another plan (its plan hash differs); start a new run directory" % files.checkpoint)
        model.load_state_dict(checkpoint["model"])
        optimizer.load_state_dict(checkpoint["optimizer"])
        optimizer.state["schedc"] = dict(checkpoint["optimizer_counters"])
        sampler.load_state_dict(checkpoint["sampler"])
        updates_done = checkpoint["updates"]
        seconds_before, allreduce_before = checkpoint["seconds"], checkpoint["allreduce_seconds"]
        epoch_loss, epoch_correct = checkpoint["epoch_loss_sum"], checkpoint["epoch_correct"]
        epoch_seconds_before = checkpoint["epoch_seconds"]
        final_accuracy = checkpoint.get("test_accuracy")
        resumed = True
    elif args.resume and rank == 0:
        print("schedc_torch: no checkpoint in %s yet; starting from the beginning" % args.out, file=sys.stderr)
    if rank == 0:
        # What was logged after the checkpoint is logged again, identically, by this run.
        done_epochs = sampler.consumed // plan.dataset_size
        keep_lines(files.updates, lambda r: resumed and r["update"] < updates_done)
        keep_lines(files.metrics, lambda r: resumed and r["epoch"] <= done_epochs)
    if args.log_samples:
        keep_lines(files.samples(rank), lambda r: resumed and r["update"] < updates_done)

    timer = AllReduceTimer(world)
    network = model
    if distributed:
        network = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[local_rank] if backend == "nccl" else None, broadcast_buffers=False)
        network.register_comm_hook(timer, AllReduceTimer.hook)
    train_images, train_labels = train_images.to(device), train_labels.to(device)
    model.train()

    def save_checkpoint(test_accuracy):
        if rank != 0:
            return
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "optimizer_counters": dict(optimizer.state["schedc"]), "sampler": sampler.state_dict(),
                 "updates": updates_done, "epoch": sampler.epoch, "seed": sampler.seed, "plan_sha256": plan.sha256,
                 "seconds": seconds_before + (time.perf_counter() - session_start),
                 "allreduce_seconds": allreduce_before + timer.seconds, "epoch_loss_sum": epoch_loss,
                 "epoch_correct": epoch_correct, "epoch_seconds": epoch_seconds_before + (time.perf_counter() - epoch_start),
                 "test_accuracy": test_accuracy}
        temporary = files.checkpoint + ".tmp"
        torch.save(state, temporary)
        os.replace(temporary, files.checkpoint)

    session_start = epoch_start = time.perf_counter()
    n = plan.dataset_size
    stopped = None
    while True:
        if args.max_updates is not None and updates_done >= args.max_updates:
            stopped = "max-updates"
            break
        update = sampler.next_update()
        if update is None:
            break
        step = update.step
        if step.update != updates_done:
            raise SchedcError("the clock is at update %d, the run at %d" % (step.update, updates_done))
        update_start = time.perf_counter()
        allreduce_start = timer.seconds
        apply_hyperparameters(optimizer, step.lr, step.momentum, plan.weight_decay)
        optimizer.zero_grad(set_to_none=False)
        loss_sum, correct, pass_stats = run_passes(network, norms, update, train_images, train_labels, world,
                                                   distributed)
        if norms:
            fold_running_statistics(norms, pass_stats, distributed, world, device)
        totals = torch.tensor([float(loss_sum), float(correct), 1.0 if stop.requested else 0.0], dtype=torch.float64,
                              device=device)
        if distributed:
            dist.all_reduce(totals)
        optimizer.step()
        updates_done += 1
        epoch_loss += float(totals[0])
        epoch_correct += int(totals[1])
        mean_loss = float(totals[0]) / step.batch
        if not math.isfinite(mean_loss):
            raise SchedcError("training diverged at update %d: the loss is %s (lr %g, batch %d)"
                              % (step.update + 1, mean_loss, step.lr, step.batch))
        if rank == 0:
            append_line(files.updates, {
                "update": step.update, "epoch": step.epoch, "samples": update.samples, "batch": step.batch,
                "lr": step.lr, "momentum": step.momentum, "weight_decay": plan.weight_decay, "loss": mean_loss,
                "allreduce_seconds": round(timer.seconds - allreduce_start, 6),
                "seconds": round(time.perf_counter() - update_start, 6)})
        if args.log_samples:
            append_line(files.samples(rank), {"update": step.update, "indices": [i for p in update.passes for i in p.indices]})
        if step.end == n:  # the epoch is complete: metrics, test evaluation, checkpoint
            test_loss = test_accuracy = None
            if rank == 0:
                test_loss, test_accuracy = evaluate(model, test_images.to(device), test_labels.to(device))
                final_accuracy = test_accuracy
                now = time.perf_counter()
                append_line(files.metrics, {
                    "epoch": step.epoch + 1, "updates": updates_done, "samples": (step.epoch + 1) * n, "lr": step.lr,
                    "batch": plan.phases[step.phase].batch, "momentum": step.momentum, "train_loss": epoch_loss / n,
                    "test_loss": test_loss, "test_accuracy": test_accuracy,
                    "seconds": round(seconds_before + now - session_start, 3), "phase": step.phase,
                    "train_accuracy": epoch_correct / n,
                    "epoch_seconds": round(epoch_seconds_before + now - epoch_start, 3),
                    "engine": "torch", "world_size": world})
            epoch_loss, epoch_correct, epoch_seconds_before = 0.0, 0, 0.0
            epoch_start = time.perf_counter()
            save_checkpoint(final_accuracy)
        if float(totals[2]) > 0:
            stopped = "sigterm"
            if step.end != n:
                save_checkpoint(final_accuracy)
            break
    if stopped == "max-updates":
        save_checkpoint(final_accuracy)
    if rank == 0:
        summary = {"engine": "torch", "world_size": world, "backend": backend or "none",
                   "torch_version": torch.__version__, "updates": updates_done,
                   "completed": updates_done == plan.total_updates,
                   "seconds": round(seconds_before + time.perf_counter() - session_start, 3),
                   "allreduce_seconds": round(allreduce_before + timer.seconds, 6),
                   "final_test_accuracy": final_accuracy, "final_weights_sha256": parameters_sha256(model)}
        write_atomically(files.summary, (json.dumps(summary, indent=2) + "\n").encode("utf-8"))
    if distributed:
        dist.barrier()
        dist.destroy_process_group()
    if stopped == "sigterm":
        raise SchedcError("stopped by SIGTERM after update %d; the checkpoint is written, continue with --resume" % updates_done)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="schedc_torch.py", description="Run a schedc plan on PyTorch (one rank).")
    commands = parser.add_subparsers(dest="command")
    t = commands.add_parser("train", help="train one rank of the plan (environment: RANK, WORLD_SIZE, MASTER_ADDR, ...)")
    t.add_argument("--plan", required=True)
    t.add_argument("--out", required=True)
    t.add_argument("--data")
    t.add_argument("--initial-weights")
    t.add_argument("--resume", action="store_true")
    t.add_argument("--max-updates", type=int)
    t.add_argument("--log-samples", action="store_true")
    t.add_argument("--threads", type=int, default=1)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return 2 if exit.code else 0
    if args.command != "train":
        parser.print_usage(sys.stderr)
        return 2
    try:
        return train(args)
    except SchedcError as error:
        print("schedc_torch: %s" % error, file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
