"""The clock against the Swift planner: every update's samples, batch, passes, lr and momentum."""

import json
import unittest

from support import load_plan, swift_steps, fixture, schedc_torch as st


class ClockTests(unittest.TestCase):
    def check_against_swift(self, name):
        plan = load_plan(name)
        clock = st.Clock(plan)
        expected = swift_steps(name)
        got = [s for e in range(plan.epochs) for s in clock.steps(e)]
        self.assertEqual(len(got), plan.total_updates)
        self.assertEqual(len(got), len(expected))
        for step, want in zip(got, expected):
            d = step.as_dict()
            for key in ("update", "epoch", "phase", "start", "end", "pass_sizes"):
                self.assertEqual(d[key], want[key], "update %d: %s" % (want["update"], key))
            # Swift prints doubles with their shortest round-trip form, so equality is exact.
            self.assertEqual(d["lr"], want["lr"], "update %d: lr" % want["update"])
            self.assertEqual(d["momentum"], want["momentum"], "update %d: momentum" % want["update"])

    def test_mid_epoch_changes_warmup_and_micro_batches(self):
        self.check_against_swift("ramp")

    def test_decaying_lr_with_epoch_warmup(self):
        self.check_against_swift("decay")

    def test_training_fixture(self):
        self.check_against_swift("small")

    def test_reading_at_consumed_samples(self):
        plan = load_plan("ramp")
        clock = st.Clock(plan)
        consumed = 0
        for want in swift_steps("ramp"):
            state = clock.at(consumed)
            self.assertEqual(state["update"], want["update"])
            self.assertEqual(state["batch"], want["end"] - want["start"])
            self.assertEqual(state["lr"], want["lr"])
            self.assertEqual(state["weight_decay"], plan.weight_decay)
            consumed += state["batch"]
        self.assertIsNone(clock.at(consumed))
        with self.assertRaisesRegex(st.SchedcError, "no update starts after 1 consumed samples"):
            clock.at(1)

    def test_boundary_rule(self):
        # A phase applies from the first update whose first sample is at or past its start.
        plan = load_plan("ramp")
        clock = st.Clock(plan)
        for phase in plan.phases:
            steps = [s for e in range(plan.epochs) for s in clock.steps(e) if s.phase == phase.index]
            first = steps[0]
            self.assertEqual(first.update, phase.start_update)
            self.assertGreaterEqual(first.samples_before(plan.dataset_size), phase.start_sample)
            previous = [s for e in range(plan.epochs) for s in clock.steps(e) if s.update == first.update - 1]
            if previous:
                self.assertLess(previous[0].samples_before(plan.dataset_size), phase.start_sample)
            self.assertEqual(len(steps), phase.updates)

    def test_pass_sizes_documented_examples(self):
        self.assertEqual(st.pass_sizes(5120, 1024, None), [1024] * 5)
        self.assertEqual(st.pass_sizes(1280, 1024, None), [640, 640])
        self.assertEqual(st.pass_sizes(1000, 300, None), [250] * 4)
        self.assertEqual(st.pass_sizes(5120, 1000, 128), [896] * 4 + [768] * 2)
        self.assertEqual(st.pass_sizes(100, None, 16), [100])
        self.assertEqual(st.pass_sizes(0, 8, None), [])

    def test_refuses_other_formats_and_versions(self):
        with open(fixture("small.plan.json")) as f:
            obj = json.load(f)
        del obj["format"]
        with self.assertRaisesRegex(st.SchedcError, "not a schedc plan"):
            st.Plan(obj, json.dumps(obj))
        obj["format"] = "schedc-plan"
        obj["version"] = 2
        with self.assertRaisesRegex(st.SchedcError, "plan version 2 is not one this engine reads"):
            st.Plan(obj, json.dumps(obj))

    def test_refuses_a_plan_whose_counts_do_not_follow_the_counting_rule(self):
        with open(fixture("small.plan.json")) as f:
            obj = json.load(f)
        obj["phases"][0]["updates"] += 1
        with self.assertRaisesRegex(st.SchedcError, "phase 1: its update count"):
            st.Plan(obj, json.dumps(obj))


if __name__ == "__main__":
    unittest.main()
