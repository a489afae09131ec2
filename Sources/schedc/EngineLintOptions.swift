import ScheduleEngines
import ScheduleLanguage
import SchedulePlanner

/// `schedc lint --engine E --world-size W [--micro-batch M]`: the engine-limit lints (S4xx)
/// as one more lint source. The options are taken out of the command line before the shared
/// diagnostics options are parsed, so `check` and `lint` keep their parser.
enum EngineLintOptions {
    static let options: Set<String> = ["--engine", "--world-size", "--micro-batch"]

    static let help = """
      --engine E              also report what engine E cannot run of each plan (S4xx):
                              pytorch (torch), megatron, deepspeed (docs/engines.md)
      --world-size W          the engine's data-parallel ranks (default 1)
      --micro-batch M         the per-rank micro batch (default: the largest that divides
                              every update and fits the plan's micro_batch)
    """

    /// The target the arguments name (nil without --engine) and the other arguments.
    static func extract(_ arguments: [String]) throws -> (target: EngineTarget?, rest: [String]) {
        var values: [String: String] = [:]
        var rest: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--" {
                rest += arguments[(index - 1)...]
                break
            }
            let name = argument.split(separator: "=", maxSplits: 1).first.map(String.init) ?? argument
            guard options.contains(name) else {
                rest.append(argument)
                continue
            }
            if name != argument {
                values[name] = String(argument.dropFirst(name.count + 1))
            } else {
                guard index < arguments.count else { throw CLIError("option '\(name)' needs a value") }
                values[name] = arguments[index]
                index += 1
            }
        }
        guard let engineName = values["--engine"] else {
            if let given = values.keys.sorted().first { throw CLIError("'\(given)' needs --engine E") }
            return (nil, rest)
        }
        guard let engine = Engine(name: engineName) else {
            throw CLIError("option '--engine' takes one of \(Engine.names.joined(separator: ", ")), not '\(engineName)'")
        }
        func positive(_ option: String) throws -> Int? {
            guard let text = values[option] else { return nil }
            guard let number = Int(text), number >= 1 else {
                throw CLIError("option '\(option)' needs an integer in 1..., not '\(text)'")
            }
            return number
        }
        return (EngineTarget(engine: engine, worldSize: try positive("--world-size") ?? 1,
                             microBatch: try positive("--micro-batch")), rest)
    }
}
