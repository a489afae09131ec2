import Foundation
import ScheduleLanguage
import SchedulePlanner
import TestSupport

/// The repository root (Samples/ is found from here).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The program and plan of `text`, which must compile and plan.
func planned(_ text: String, path: String = "test.sched") throws -> (program: CheckedProgram, plan: Plan) {
    let compiled = ScheduleCompiler.compile(SourceFile(path: path, text: text))
    guard let program = compiled.program else {
        throw NSError(domain: "EngineTests", code: 1, userInfo: [NSLocalizedDescriptionKey:
            "\(path) does not compile: \(compiled.errors.map(\.message))"])
    }
    return (program, try Planner.plan(program))
}

/// Every schedule in Samples/, planned.
func samplePlans() throws -> [(name: String, program: CheckedProgram, plan: Plan)] {
    let samples = repositoryRoot.appendingPathComponent("Samples")
    let enumerator = FileManager.default.enumerator(atPath: samples.path)!
    var out: [(String, CheckedProgram, Plan)] = []
    for case let relative as String in enumerator where relative.hasSuffix(".sched") {
        let text = try String(contentsOf: samples.appendingPathComponent(relative), encoding: .utf8)
        let (program, plan) = try planned(text, path: relative)
        out.append((relative, program, plan))
    }
    return out.sorted { $0.0 < $1.0 }
}

/// A random schedule as source text: any data size, batch, max_batch, micro and ghost batch,
/// warm-up and policy, noise/lr/momentum/batch events at epoch, percentage and step times.
/// Some do not check (an event past the end, a ghost batch that does not divide the micro
/// batch): callers plan those that do.
func randomScheduleText(_ rng: inout TestRandom) -> String {
    let n = rng.int(40...6000)
    let epochs = rng.int(1...12)
    let batch = rng.int(1...max(1, n / 6))
    let maxBatch = rng.chance(0.2) ? batch : rng.int(batch...n)
    var lines = ["schedule random", "data size \(n)", "epochs \(epochs)", "lr 0.1", "batch \(batch)", "max_batch \(maxBatch)",
                 "optimizer sgd(momentum: \(rng.pick(["0", "0.5", "0.9"])))",
                 "policy \(rng.pick(["increase_batch", "decay_lr", "hybrid(1)", "adabatch(2)"]))"]
    let ghost = rng.chance(0.4) ? rng.pick([1, 2, 4, 8, 16]) : nil
    if let ghost { lines.append("ghost_batch \(ghost)") }
    if rng.chance(0.5) {
        let unit = ghost ?? 1
        lines.append("micro_batch \(unit * rng.int(1...max(1, maxBatch / unit)))")
    }
    if rng.chance(0.3) { lines.append(rng.chance(0.5) ? "warmup \(rng.int(1...epochs)) epochs" : "warmup \(rng.int(1...200)) steps") }
    for _ in 0..<rng.int(0...5) {
        let time: String
        switch rng.int(0...5) {
        case 0...2: time = "epoch \(rng.int(1...epochs))"
        case 3: time = "epoch \(String(format: "%.2f", rng.double(0.1...Double(epochs))))"
        case 4: time = "\(rng.int(1...99))%"
        default: time = "step \(rng.int(1...400))"
        }
        let action = rng.pick(["noise /= 2", "noise /= 4", "noise /= 5", "lr *= 0.5", "momentum = 0.95", "batch *= 2",
                               "lr = 0.05, keep noise"])
        lines.append("at \(time): \(action)")
    }
    return lines.joined(separator: "\n") + "\n"
}

/// Random schedules that check and plan, `count` of them, reproducible from `seed`.
func randomPlans(count: Int, seed: UInt64) -> [(text: String, plan: Plan)] {
    var rng = TestRandom(seed: seed)
    var out: [(String, Plan)] = []
    var attempts = 0
    while out.count < count, attempts < count * 20 {
        attempts += 1
        let text = randomScheduleText(&rng)
        if let result = try? planned(text) { out.append((text, result.plan)) }
    }
    return out
}
