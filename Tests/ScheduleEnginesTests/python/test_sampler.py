"""The distributed sampler's split rule, the uneven-split weighting, the optimiser rules, the
hyperparameter hook and the initial weights (in one process; test_ddp.py runs real ranks)."""

import unittest

from support import load_plan, swift_steps, schedc_torch as st

torch = st.torch


class SplitTests(unittest.TestCase):
    def test_even_split_in_ghost_batches(self):
        self.assertEqual(st.split_pass(128, 2, 32), [(0, 64), (64, 128)])

    def test_uneven_split_differs_by_one_unit(self):
        self.assertEqual(st.split_pass(60, 2, 20), [(0, 20), (20, 60)])
        self.assertEqual(st.split_pass(7, 3, 1), [(0, 2), (2, 4), (4, 7)])

    def test_partial_last_unit_and_a_rank_without_examples(self):
        self.assertEqual(st.split_pass(10, 2, 20), [(0, 0), (0, 10)])
        self.assertEqual(st.split_pass(50, 2, 20), [(0, 20), (20, 50)])

    def test_every_example_once_per_epoch_across_ranks(self):
        plan = load_plan("ramp")
        for world in (1, 2, 3):
            samplers = [st.PlanSampler(plan, r, world, unit=plan.ghost_batch) for r in range(world)]
            per_epoch = {}
            for updates in zip(*samplers):
                step = updates[0].step
                for update in updates:
                    self.assertEqual(update.step.update, step.update)
                    for share in update.passes:
                        per_epoch.setdefault(step.epoch, []).extend(share.indices)
            for epoch, seen in per_epoch.items():
                self.assertEqual(sorted(seen), list(range(plan.dataset_size)), "world %d epoch %d" % (world, epoch))
                self.assertNotEqual(seen, list(range(plan.dataset_size)))

    def test_order_is_the_embedded_runtimes(self):
        plan = load_plan("small")
        sampler = st.PlanSampler(plan, 0, 1)
        order = st.epoch_order(plan.dataset_size, plan.seed, 1)
        for update in sampler:
            if update.step.epoch == 1:
                self.assertEqual(update.passes[0].indices, order[update.step.start:update.step.end])

    def test_state_dict_resumes_at_the_next_update(self):
        plan = load_plan("ramp")
        straight = [(u.step.update, [s.indices for s in u.passes]) for u in st.PlanSampler(plan, 1, 2, 16)]
        first = st.PlanSampler(plan, 1, 2, 16)
        head = []
        for u in first:
            head.append((u.step.update, [s.indices for s in u.passes]))
            if len(head) == 31:
                break
        state = first.state_dict()
        self.assertEqual(state["epoch"], swift_steps("ramp")[31]["epoch"])
        second = st.PlanSampler(plan, 1, 2, 16)
        second.load_state_dict(state)
        tail = [(u.step.update, [s.indices for s in u.passes]) for u in second]
        self.assertEqual(head + tail, straight)

    def test_state_dict_refuses_another_seed_or_a_count_between_updates(self):
        plan = load_plan("ramp")
        sampler = st.PlanSampler(plan)
        with self.assertRaisesRegex(st.SchedcError, "seed"):
            sampler.load_state_dict({"consumed_samples": 0, "epoch": 0, "seed": plan.seed + 1})
        with self.assertRaisesRegex(st.SchedcError, "no update starts"):
            sampler.load_state_dict({"consumed_samples": 5, "epoch": 0, "seed": plan.seed})


class WeightingTests(unittest.TestCase):
    def test_uneven_split_averages_to_the_global_mean_gradient(self):
        # Each rank scales its summed loss by W/B; DDP's all-reduce takes the mean over ranks.
        torch.manual_seed(0)
        x, y = torch.randn(7, 5, dtype=torch.float64), torch.randint(0, 3, (7,))
        w = torch.randn(3, 5, dtype=torch.float64, requires_grad=True)
        full = torch.autograd.grad(torch.nn.functional.cross_entropy(x @ w.t(), y), w)[0]
        world = 3
        grads = []
        for a, b in st.split_pass(7, world, 1):
            loss = torch.nn.functional.cross_entropy(x[a:b] @ w.t(), y[a:b], reduction="sum") * st.loss_weight(world, 7)
            grads.append(torch.autograd.grad(loss, w)[0])
        self.assertTrue(torch.allclose(sum(grads) / world, full, rtol=0, atol=1e-12))


class OptimizerTests(unittest.TestCase):
    def run_steps(self, optimizer_factory, steps=3):
        torch.manual_seed(1)
        w = torch.nn.Parameter(torch.randn(4, 3))
        b = torch.nn.Parameter(torch.randn(3))
        w.schedc_decays, b.schedc_decays = True, False
        module = torch.nn.Module()
        module.w, module.b = w, b
        optimizer = optimizer_factory(st.parameter_groups(module))
        grads = [(torch.randn(4, 3), torch.randn(3)) for _ in range(steps)]
        for gw, gb in grads:
            st.apply_hyperparameters(optimizer, 0.1, 0.9, 0.01)
            w.grad, b.grad = gw.clone(), gb.clone()
            optimizer.step()
        return w.detach(), b.detach()

    def test_sgd_and_nesterov_match_torch_sgd_with_decay_on_weights_only(self):
        for kind, nesterov in (("sgd", False), ("nesterov", True)):
            ours = self.run_steps(lambda g: st.SchedcOptimizer(g, kind=kind))
            theirs = self.run_steps(lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.9, nesterov=nesterov))
            for a, b in zip(ours, theirs):
                self.assertTrue(torch.allclose(a, b, rtol=1e-6, atol=1e-7), kind)

    def test_adam_with_l2_and_product_bias_corrections(self):
        torch.manual_seed(1)
        w = torch.nn.Parameter(torch.randn(5))
        optimizer = st.SchedcOptimizer([{"params": [w], "decays": True}], kind="adam", beta1=0.9, beta2=0.999)
        expected, m, v, p1, p2 = w.detach().double().clone(), 0.0, 0.0, 1.0, 1.0
        m = torch.zeros(5, dtype=torch.float64)
        v = torch.zeros(5, dtype=torch.float64)
        for _ in range(3):
            g = torch.randn(5)
            st.apply_hyperparameters(optimizer, 0.01, 0.9, 0.1)
            w.grad = g.clone()
            optimizer.step()
            gd = g.double() + 0.1 * expected
            m = 0.9 * m + 0.1 * gd
            v = 0.999 * v + 0.001 * gd * gd
            p1, p2 = p1 * 0.9, p2 * 0.999
            expected = expected - 0.01 * (m / (1 - p1)) / ((v / (1 - p2)).sqrt() + 1e-8)
        self.assertTrue(torch.allclose(w.detach().double(), expected, rtol=1e-5, atol=1e-6))

    def test_hook_sets_every_group_of_a_torch_optimizer(self):
        w, b = torch.nn.Parameter(torch.ones(2, 2)), torch.nn.Parameter(torch.ones(2))
        optimizer = torch.optim.SGD([{"params": [w], "decays": True}, {"params": [b], "decays": False}], lr=1, momentum=0.5)
        st.apply_hyperparameters(optimizer, 0.25, 0.8, 5e-4)
        self.assertEqual([(g["lr"], g["momentum"], g["weight_decay"]) for g in optimizer.param_groups],
                         [(0.25, 0.8, 5e-4), (0.25, 0.8, 0.0)])
        adam = torch.optim.Adam([w], lr=1)
        st.apply_hyperparameters(adam, 0.5, 0.8, 0.0)
        self.assertEqual((adam.param_groups[0]["lr"], adam.param_groups[0]["betas"]), (0.5, (0.9, 0.999)))


class ModelTests(unittest.TestCase):
    def test_initial_weights_are_the_embedded_runtimes(self):
        # conv1 of the cnn draws from DeterministicRandom(seed 1, stream 1), He std √(2/9); the
        # normals are the Swift values of test_shuffle.py, the layout [out, kh, kw, in].
        model = st.build_model({"kind": "cnn"}, 1, 28, 28, 10, 32)
        st.initialise(model, 1)
        std = st.to_float32((st.to_float32(2 / 9)) ** 0.5)
        want = [st.to_float32(st.to_float32(x) * std) for x in (-0.18255633, -1.1615393, 1.2409474, 1.7119725)]
        got = st.to_swift_layout(model.conv1.weight, True).flatten()[:4].tolist()
        self.assertEqual(got, want)
        self.assertEqual(float(model.fc1.bias.abs().sum()), 0.0)

    def test_state_names_follow_the_weights_file_order(self):
        model = st.build_model({"kind": "wrn", "depth": 10, "width": 1}, 3, 8, 8, 10, 4)
        names = [n for n, _, kind, _ in st.named_state(model) if kind == "param"]
        self.assertEqual(names[:6], ["conv1.weight", "group1.block1.bn1.gamma", "group1.block1.bn1.beta",
                                     "group1.block1.conv1.weight", "group1.block1.bn2.gamma", "group1.block1.bn2.beta"])
        self.assertIn("group2.block1.shortcut.weight", names)
        self.assertEqual(names[-4:], ["bn.gamma", "bn.beta", "fc.weight", "fc.bias"])
        self.assertEqual(st.named_state(model)[-1][0], "bn.running_var")

    def test_ghost_batch_norm_statistics_and_fold(self):
        torch.manual_seed(0)
        bn = st.GhostBatchNorm("bn", 3, ghost=4)
        x = torch.randn(10, 3, 2, 2)
        y = bn(x)
        third = x[8:10]
        want = (third - third.mean(dim=(0, 2, 3), keepdim=True)) / (third.var(dim=(0, 2, 3), unbiased=False, keepdim=True) + 1e-5).sqrt()
        self.assertTrue(torch.allclose(y[8:10], want, atol=1e-5))
        stats = bn.pending.pop()
        self.assertEqual(tuple(stats.shape), (3, 2, 3))
        bn.fold(stats)
        mean = torch.zeros(3)
        for g in range(3):
            mean = 0.9 * mean + 0.1 * x[4 * g:4 * g + 4].mean(dim=(0, 2, 3))
        self.assertTrue(torch.allclose(bn.running_mean, mean, atol=1e-6))


if __name__ == "__main__":
    unittest.main()
