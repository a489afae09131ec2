#!/usr/bin/env python3
"""PyTorch on the CPU, measured the way `schedc bench train` measures schedc's runtime.

The reference docs/performance.md puts beside `schedc bench train`: the same models (mlp
784-512-512-10; cnn conv3x3 1->32, BN, ReLU, max-pool 2, conv3x3 32->64, BN, ReLU, max-pool
2, linear 3136->128, ReLU, linear 128->10), SGD with momentum 0.9 and weight decay 5e-4,
softmax cross-entropy, consecutive batches of 10 000 synthetic 28x28x1 images with 10 classes.
One training step = forward, backward and optimiser step. Each figure is the best of --repeat
rounds of at least --seconds after one warm-up step, the rounds going round-robin over the
batch sizes (as schedc's bench does). PyTorch's batch norm uses whole-batch statistics (no
ghost batches). Not part of the test suite; PyTorch is not a dependency of schedc.

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch
    /tmp/torchenv/bin/python docs/reference/pytorch_train.py --threads 2
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def model(name):
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                             nn.Linear(512, 10))
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--batches", default="32,128,512,2048")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--format", choices=["text", "json"], default="text")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = torch.rand(10_000, 1, 28, 28)
    labels = torch.randint(0, 10, (10_000,))
    loss_function = nn.CrossEntropyLoss()
    records = []
    for name in args.models.split(","):
        batches = [int(b) for b in args.batches.split(",")]
        setups = {}
        for batch in batches:
            net = model(name)
            optimiser = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
            setups[batch] = [net, optimiser, 0]

        def step(batch):
            net, optimiser, start = setups[batch]
            if start + batch > len(images):
                start = 0
            x, y = images[start:start + batch], labels[start:start + batch]
            setups[batch][2] = start + batch
            optimiser.zero_grad(set_to_none=True)
            loss_function(net(x), y).backward()
            optimiser.step()

        rounds = {batch: [] for batch in batches}
        for batch in batches:
            step(batch)  # warm-up
        for _ in range(args.repeat):
            for batch in batches:
                steps, began = 0, time.perf_counter()
                while True:
                    step(batch)
                    steps += 1
                    elapsed = time.perf_counter() - began
                    if elapsed >= args.seconds:
                        break
                rounds[batch].append(steps * batch / elapsed)
        for batch in batches:
            record = {"model": name, "batch": batch, "threads": args.threads,
                      "samples_per_second": round(max(rounds[batch])),
                      "train_rounds": [round(r) for r in rounds[batch]]}
            records.append(record)
            if args.format == "text":
                print(f"{name:4} {batch:6} {args.threads:3}  {record['samples_per_second']:8}  rounds {record['train_rounds']}",
                      flush=True)
    if args.format == "json":
        print(json.dumps(records, indent=1))


if __name__ == "__main__":
    main()
