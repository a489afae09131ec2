"""Real two-process DDP over gloo on 127.0.0.1: the per-update log equals the plan, every sample
is seen once per epoch across the ranks, and SIGKILL + --resume gives the same log and weights."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from support import ENGINE, fixture, free_port, load_plan, swift_steps

PLAN = fixture("small.plan.json")
TIMING = ("seconds", "allreduce_seconds", "epoch_seconds")


def start_ranks(out, *extra, world=2):
    port = free_port()
    processes = []
    for rank in range(world):
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port), RANK=str(rank),
                   WORLD_SIZE=str(world), LOCAL_RANK=str(rank), OMP_NUM_THREADS="1")
        processes.append(subprocess.Popen([sys.executable, ENGINE, "train", "--plan", PLAN, "--out", out] + list(extra),
                                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    return processes


def finish(test, processes, timeout=300):
    for p in processes:
        out, err = p.communicate(timeout=timeout)
        test.assertEqual(p.returncode, 0, err.decode())


def read_lines(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def read_json(path):
    with open(path) as f:
        return json.load(f)


def count_lines(path):
    with open(path) as f:
        return sum(1 for _ in f)


def read_json_summary(directory):
    return read_json(os.path.join(directory, "torch-summary.json"))


def without_timing(records):
    return [{k: v for k, v in r.items() if k not in TIMING} for r in records]


class DistributedTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="schedc-torch-test-")
        cls.straight = os.path.join(cls.directory, "straight")
        processes = start_ranks(cls.straight, "--log-samples")
        cls.results = [p.communicate(timeout=300) + (p.returncode,) for p in processes]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.directory, ignore_errors=True)

    def setUp(self):
        for out, err, code in self.results:
            self.assertEqual(code, 0, err.decode())

    def test_updates_log_equals_the_plan(self):
        plan = load_plan("small")
        n = plan.dataset_size
        log = read_lines(os.path.join(self.straight, "updates.jsonl"))
        expected = swift_steps("small")
        self.assertEqual(len(log), plan.total_updates)
        for record, want in zip(log, expected):
            self.assertEqual(record["update"], want["update"])
            self.assertEqual(record["samples"], want["epoch"] * n + want["start"])
            self.assertEqual(record["batch"], want["end"] - want["start"])
            self.assertEqual(record["lr"], want["lr"])
            self.assertEqual(record["momentum"], want["momentum"])
            self.assertEqual(record["weight_decay"], plan.weight_decay)
            self.assertGreater(record["allreduce_seconds"], 0)
            # And against the plan JSON's own phase table (this plan has no warm-up).
            phase = [p for p in plan.raw["phases"] if p["start_update"] <= record["update"] < p["end_update"]][0]
            self.assertEqual((record["lr"], record["momentum"]), (phase["lr"], phase["momentum"]))
            offset = record["samples"] % n
            self.assertEqual(record["batch"], min(phase["batch"], n - offset, phase["end_sample"] - record["samples"]))

    def test_every_sample_once_per_epoch_across_both_ranks(self):
        plan = load_plan("small")
        steps = {s["update"]: s for s in swift_steps("small")}
        seen = {}
        for rank in range(2):
            for record in read_lines(os.path.join(self.straight, "samples.rank%d.jsonl" % rank)):
                seen.setdefault(steps[record["update"]]["epoch"], []).extend(record["indices"])
        self.assertEqual(sorted(seen), list(range(plan.epochs)))
        for epoch, indices in seen.items():
            self.assertEqual(sorted(indices), list(range(plan.dataset_size)), "epoch %d" % epoch)

    def test_outputs(self):
        summary = read_json(os.path.join(self.straight, "torch-summary.json"))
        self.assertEqual((summary["world_size"], summary["backend"], summary["updates"], summary["completed"]),
                         (2, "gloo", 20, True))
        metrics = read_lines(os.path.join(self.straight, "metrics.jsonl"))
        self.assertEqual([m["epoch"] for m in metrics], [1, 2])
        self.assertEqual(metrics[-1]["test_accuracy"], summary["final_test_accuracy"])
        for key in ("epoch", "updates", "samples", "lr", "batch", "momentum", "train_loss", "test_loss",
                    "test_accuracy", "seconds", "phase", "train_accuracy", "epoch_seconds", "engine", "world_size"):
            self.assertIn(key, metrics[0])

    def test_sigkill_and_resume_give_the_same_log_and_weights(self):
        out = os.path.join(self.directory, "killed")
        processes = start_ranks(out)
        checkpoint, updates = os.path.join(out, "checkpoint.pt"), os.path.join(out, "updates.jsonl")
        deadline = time.time() + 240
        # Kill once the first epoch's checkpoint is written and the second epoch is under way.
        while time.time() < deadline:
            if os.path.exists(checkpoint) and os.path.exists(updates) and count_lines(updates) >= 13:
                break
            if any(p.poll() is not None for p in processes):
                self.fail("a rank ended before it could be killed: %s" % processes[0].communicate()[1].decode())
            time.sleep(0.05)
        for p in processes:
            p.send_signal(signal.SIGKILL)
        for p in processes:
            p.communicate()
        self.assertLess(count_lines(updates), 20)
        finish(self, start_ranks(out, "--resume"))
        self.assertEqual(without_timing(read_lines(updates)),
                         without_timing(read_lines(os.path.join(self.straight, "updates.jsonl"))))
        resumed = read_json(os.path.join(out, "torch-summary.json"))
        straight = read_json(os.path.join(self.straight, "torch-summary.json"))
        self.assertEqual(resumed["final_weights_sha256"], straight["final_weights_sha256"])
        self.assertEqual(resumed["final_test_accuracy"], straight["final_test_accuracy"])

    def test_sigterm_stops_both_ranks_at_one_update_and_resumes_mid_epoch(self):
        out = os.path.join(self.directory, "terminated")
        processes = start_ranks(out)
        updates = os.path.join(out, "updates.jsonl")
        deadline = time.time() + 240
        while time.time() < deadline and not (os.path.exists(updates) and count_lines(updates) >= 5):
            time.sleep(0.05)
        for p in processes:
            p.send_signal(signal.SIGTERM)
        results = [p.communicate() + (p.returncode,) for p in processes]
        for out_text, err, code in results:
            self.assertEqual(code, 1, err.decode())
            self.assertIn(b"schedc_torch: stopped by SIGTERM after update", err)
        done = count_lines(updates)
        self.assertLess(done, 11)  # inside the first epoch: the checkpoint is a mid-epoch one
        checkpoint_updates = read_json_summary(out)["updates"]
        self.assertEqual(checkpoint_updates, done)
        finish(self, start_ranks(out, "--resume"))
        self.assertEqual(without_timing(read_lines(updates)),
                         without_timing(read_lines(os.path.join(self.straight, "updates.jsonl"))))
        self.assertEqual(without_timing(read_lines(os.path.join(out, "metrics.jsonl"))),
                         without_timing(read_lines(os.path.join(self.straight, "metrics.jsonl"))))
        self.assertEqual(read_json_summary(out)["final_weights_sha256"],
                         read_json_summary(self.straight)["final_weights_sha256"])

    def test_resume_refuses_a_checkpoint_of_another_plan(self):
        out = os.path.join(self.directory, "other")
        os.makedirs(out)
        shutil.copy(os.path.join(self.straight, "checkpoint.pt"), out)
        other = os.path.join(self.directory, "other.plan.json")
        with open(PLAN) as f:
            obj = json.load(f)
        obj["seed"] = 4
        with open(other, "w") as f:
            json.dump(obj, f)
        result = subprocess.run([sys.executable, ENGINE, "train", "--plan", other, "--out", out, "--resume",
                                 "--max-updates", "1"], capture_output=True, env=dict(os.environ, WORLD_SIZE="1"))
        self.assertEqual(result.returncode, 1)
        self.assertIn(b"schedc_torch: ", result.stderr)
        self.assertIn(b"belongs to another plan", result.stderr)


if __name__ == "__main__":
    unittest.main()
