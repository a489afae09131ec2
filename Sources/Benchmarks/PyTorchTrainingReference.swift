import Training

/// PyTorch on the CPU training the same models the way `TrainingBenchmark` trains ours: what
/// `schedc bench train --torch PYTHON` puts beside each figure, measured in the same run.
///
/// The models are the mlp (784-512-512-10) and the cnn (conv3×3 1→32, batch norm, ReLU,
/// max-pool 2, conv3×3 32→64, batch norm, ReLU, max-pool 2, linear 3136→128, ReLU, linear
/// 128→10); SGD with momentum 0.9 and weight decay 5e-4, softmax cross-entropy, consecutive
/// batches of 10 000 synthetic 28×28×1 images with 10 classes. One step is forward, backward
/// and optimiser step; each figure is the best of the rounds, a round being as many steps as
/// fill the seconds after one warm-up step, the rounds going round-robin over the batch sizes.
/// PyTorch's batch norm uses whole-batch statistics (no ghost batches). PyTorch is a
/// reference, never a dependency: any interpreter with torch will do.
public struct PyTorchTrainingReference {
    /// The interpreter: the `python` of an environment with torch (`pip install torch`), or
    /// Debian's python3 with python3-torch.
    public var python: String

    public init(python: String) {
        self.python = python
    }

    /// The script's name for `architecture`, nil for one it does not build (its mlp is
    /// 784-512-512-10, the benchmark's; no wrn).
    public static func scriptModel(for architecture: ModelArchitecture) -> String? {
        switch architecture {
        case .mlp(hidden: [512, 512]): "mlp"
        case .cnn: "cnn"
        default: nil
        }
    }

    /// Samples/s by batch size for `architecture` (one `scriptModel` builds) on `threads`
    /// threads (`torch.set_num_threads`); throws `ReferenceUnavailable` when torch cannot be
    /// run or says something else.
    public func samplesPerSecond(_ architecture: ModelArchitecture, threads: Int, batches: [Int], seconds: Double,
                                 rounds: Int) throws -> [Int: Double] {
        guard let model = Self.scriptModel(for: architecture) else {
            throw ReferenceUnavailable(description: "the PyTorch reference builds the mlp (784-512-512-10) and the cnn, not \(architecture)")
        }
        let arguments = ["--model", model, "--threads", "\(threads)", "--batches", batches.map(String.init).joined(separator: ","),
                         "--seconds", "\(seconds)", "--repeat", "\(rounds)"]
        let environment = ["OMP_NUM_THREADS": "\(threads)", "MKL_NUM_THREADS": "\(threads)"]
        let text = try PythonReference.output(python: python, script: Self.script, arguments: arguments, environment: environment)
        var figures: [Int: Double] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let batch = Int(fields[0]), let samples = Double(fields[1]), samples > 0 else {
                throw ReferenceUnavailable(description: "\(python) printed '\(line.prefix(80))', not 'batch samples/s'")
            }
            figures[batch] = samples
        }
        guard batches.allSatisfy({ figures[$0] != nil }) else {
            throw ReferenceUnavailable(description: "\(python) gave no figure for some of the batches \(batches)")
        }
        return figures
    }

    /// Prints one line per batch size: "batch samples_per_second".
    static let script = """
    import argparse, time
    import torch
    import torch.nn as nn

    parser = argparse.ArgumentParser()
    parser.add_argument("--model")
    parser.add_argument("--threads", type=int)
    parser.add_argument("--batches")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--repeat", type=int)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    images = torch.rand(10_000, 1, 28, 28)
    labels = torch.randint(0, 10, (10_000,))
    loss_function = nn.CrossEntropyLoss()

    def model():
        if args.model == "mlp":
            return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                                 nn.Linear(512, 10))
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))

    batches = [int(b) for b in args.batches.split(",")]
    setups = {}
    for batch in batches:
        net = model()
        setups[batch] = [net, torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4), 0]

    def step(batch):
        net, optimiser, start = setups[batch]
        if start + batch > len(images):
            start = 0
        x, y = images[start:start + batch], labels[start:start + batch]
        setups[batch][2] = start + batch
        optimiser.zero_grad(set_to_none=True)
        loss_function(net(x), y).backward()
        optimiser.step()

    best = {batch: 0.0 for batch in batches}
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
            best[batch] = max(best[batch], steps * batch / elapsed)
    for batch in batches:
        print(batch, round(best[batch]))
    """
}
