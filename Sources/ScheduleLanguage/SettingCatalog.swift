/// The settings a `.sched` file may contain: names, whether required, and the placeholder a
/// "missing setting" fix-it inserts. docs/language.md has the same table with defaults.
public struct SettingSpec: Sendable {
    public var name: String
    public var isRequired: Bool
    /// What the value looks like, for messages ("a number greater than 0").
    public var expects: String
    /// Inserted by the S103 fix-it; the papers' CIFAR-10 values where one is needed.
    public var placeholder: String
}

public enum SettingCatalog {
    public static let all: [SettingSpec] = [
        SettingSpec(name: "schedule", isRequired: true, expects: "a name", placeholder: "my_schedule"),
        SettingSpec(name: "data", isRequired: true,
                    expects: "a data set name (\(KnownDataset.allCases.map(\.rawValue).joined(separator: ", "))) or 'size N'",
                    placeholder: "cifar10"),
        SettingSpec(name: "model", isRequired: false, expects: "cnn, mlp(hidden: [...]) or wrn(DEPTH, WIDTH)", placeholder: "cnn"),
        SettingSpec(name: "epochs", isRequired: true, expects: "a whole number of epochs", placeholder: "200"),
        SettingSpec(name: "optimizer", isRequired: false, expects: "sgd, nesterov or adam, with options in parentheses",
                    placeholder: "sgd(momentum: 0.9)"),
        SettingSpec(name: "lr", isRequired: true, expects: "a learning rate greater than 0", placeholder: "0.1"),
        SettingSpec(name: "batch", isRequired: true, expects: "a batch size (a whole number)", placeholder: "128"),
        SettingSpec(name: "max_batch", isRequired: false, expects: "the largest batch the hardware takes", placeholder: "5120"),
        SettingSpec(name: "micro_batch", isRequired: false, expects: "the largest batch one pass holds", placeholder: "512"),
        SettingSpec(name: "ghost_batch", isRequired: false, expects: "the ghost batch-norm size", placeholder: "128"),
        SettingSpec(name: "policy", isRequired: false, expects: "increase_batch, decay_lr, hybrid(K) or adabatch(R)",
                    placeholder: "increase_batch"),
        SettingSpec(name: "warmup", isRequired: false, expects: "a length such as '5 epochs' or '500 steps'", placeholder: "5 epochs"),
        SettingSpec(name: "seed", isRequired: false, expects: "a whole number", placeholder: "0"),
        SettingSpec(name: "weight_decay", isRequired: false, expects: "a number of at least 0", placeholder: "5e-4"),
        SettingSpec(name: "adapt", isRequired: false, expects: "batch(every: ...) with labelled arguments",
                    placeholder: "batch(every: 1 epoch)"),
    ]

    public static let names: [String] = all.map(\.name)

    public static func spec(_ name: String) -> SettingSpec? { all.first { $0.name == name } }

    /// Names people write for our settings (other frameworks' spellings), for "did you mean".
    static let aliases: [String: String] = [
        "learning_rate": "lr", "learningrate": "lr", "lr_rate": "lr", "eta": "lr",
        "batch_size": "batch", "batchsize": "batch", "bs": "batch", "initial_batch": "batch",
        "max_batch_size": "max_batch", "bmax": "max_batch", "b_max": "max_batch", "batch_max": "max_batch",
        "micro_batch_size": "micro_batch", "microbatch": "micro_batch", "accumulate": "micro_batch",
        "ghost_batch_size": "ghost_batch", "ghostbatch": "ghost_batch", "ghost_bn": "ghost_batch",
        "dataset": "data", "data_set": "data", "num_epochs": "epochs", "n_epochs": "epochs", "epoch": "epochs",
        "name": "schedule", "title": "schedule", "wd": "weight_decay", "l2": "weight_decay", "weightdecay": "weight_decay",
        "optimiser": "optimizer", "optim": "optimizer", "opt": "optimizer",
        "lr_warmup": "warmup", "warm_up": "warmup", "warmup_epochs": "warmup",
        "random_seed": "seed", "network": "model", "net": "model", "arch": "model", "architecture": "model",
        "lowering": "policy", "strategy": "policy",
        "adaptive": "adapt", "adaptive_batch": "adapt", "adapt_batch": "adapt",
    ]

    /// The setting `name` was probably meant to be: an alias, or the closest known name.
    static func suggestion(for name: String) -> String? {
        if let alias = aliases[name.lowercased()] { return alias }
        // A typo of a setting or of an alias (`lerning_rate` → `learning_rate` → `lr`).
        guard let closest = Suggestion.closest(to: name, in: names + aliases.keys.sorted()) else { return nil }
        return aliases[closest] ?? closest
    }

    /// The canonical line `name value` (values aligned as `schedc fmt` writes them).
    public static func line(_ name: String, _ value: String) -> String {
        if name == "schedule" { return "schedule \(value)" }
        let padding = max(1, ScheduleFormatter.settingValueColumn - name.count)
        return name + String(repeating: " ", count: padding) + value
    }
}
