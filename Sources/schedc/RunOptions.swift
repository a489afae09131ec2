import Foundation
import ScheduleAnalysis
import ScheduleLanguage
import SchedulePlanner
import ScheduleRunner

/// The options `schedc run` and `schedc compare` share: quick-trial overrides of the schedule
/// (`--epochs-scale`, `--subset`, `--seed`, and plan's `--max-batch`, `--micro-batch`,
/// `--policy`) and the run's environment (`--threads`, `--data`, `--quiet`).
///
/// Schedule overrides are written into the source text and the text is compiled again, like
/// `schedc plan`'s (`SettingOverride`): they pass the checker's own rules, and the run
/// directory's schedule.sched is exactly what ran.
struct RunOptions {
    var seed: UInt64?
    var threads: Int
    var dataDirectory: String?
    var epochsScale: Double?
    var subset: Int?
    /// `--max-batch`, `--micro-batch`, `--policy`.
    var settings: [SettingOverride]
    var quiet: Bool

    static let flags: Set<String> = ["--quiet"]
    static let options: Set<String> = Set(["--seed", "--threads", "--data", "--epochs-scale", "--subset"]
                                           + SettingOverride.options.map(\.option))

    init(_ parsed: ParsedArguments) throws {
        if let text = parsed.value("--seed") {
            guard let seed = UInt64(text) else { throw CLIError("option '--seed' needs a whole number ≥ 0, not '\(text)'") }
            self.seed = seed
        }
        threads = try parsed.integer("--threads", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256)!
        if let directory = parsed.value("--data") {
            guard !directory.isEmpty else { throw CLIError("option '--data' needs a directory") }
            dataDirectory = directory
        }
        if let text = parsed.value("--epochs-scale") {
            guard let scale = Double(text), scale.isFinite, scale > 0, scale <= 1000 else {
                throw CLIError("option '--epochs-scale' needs a number greater than 0 and at most 1000 (0.1 runs a tenth of the epochs), not '\(text)'")
            }
            epochsScale = scale
        }
        subset = try parsed.integer("--subset")
        settings = try SettingOverride.parse(parsed)
        quiet = parsed.has("--quiet")
    }

    /// Whether any option changes the schedule (as opposed to where and how it runs).
    var changesSchedule: Bool { seed != nil || epochsScale != nil || subset != nil || !settings.isEmpty }

    /// The command-line spelling of the schedule-changing options given.
    var scheduleOptionNames: [String] {
        var names: [String] = []
        if epochsScale != nil { names.append("--epochs-scale") }
        if subset != nil { names.append("--subset") }
        if seed != nil { names.append("--seed") }
        return names + settings.map(\.option)
    }
}

/// A schedule compiled for a run: the source as compiled (overrides written in), the program
/// and its plan, and the overrides in words for run.json.
struct CompiledSchedule {
    var source: SourceFile
    var program: CheckedProgram
    var plan: Plan
    var overrides: [String]
}

enum ScheduleCompilation {
    enum Outcome {
        case compiled(CompiledSchedule)
        /// Diagnostics were printed; the command exits with this status.
        case failed(Int32)
    }

    /// Compiles `source`, applies `options`' overrides and plans it. Errors in the file are
    /// printed as `schedc check` prints them (exit 1); an override that breaks a rule prints
    /// the diagnostics of the rewritten text and is a usage error (exit 2).
    /// With `memoryLimit` (commands that train on the embedded runtime), a plan that needs more
    /// memory than that is refused here, before anything is allocated (S308).
    static func compile(_ source: SourceFile, options: RunOptions, command: String, memoryLimit: Int? = nil) throws -> Outcome {
        // The file as it is; with overrides, the same file rewritten and analysed again.
        let analysis = Analysis(Document(source), options: options.changesSchedule ? .check : .plan)
        guard let program = analysis.program else {
            DiagnosticsDriver.emit([(analysis.source, analysis.errors)], json: false)
            return .failed(ExitCode.failure)
        }
        var final = analysis
        var described: [String] = []
        if options.changesSchedule {
            // Stage 1: event times (epoch scaling edits numbers inside event statements).
            var stage = analysis
            if let scale = options.epochsScale {
                let edited = EpochScaling.scaleEventTimes(in: analysis.syntax, program: program, scale: scale)
                if edited.changed {
                    stage = Analysis(Document(edited.source), options: .check)
                    described.append(edited.description)
                }
            }
            // Stage 2: settings, written where the file has them.
            var overrides: [SettingOverride] = []
            if let scale = options.epochsScale {
                overrides += EpochScaling.settingOverrides(program: program, scale: scale)
            }
            if let subset = options.subset {
                guard let known = program.dataset.known else {
                    throw CLIError("\(source.path): '--subset' needs a named data set; the file says 'data size \(program.dataset.trainingSize)'")
                }
                overrides.append(SettingOverride(setting: "data", option: "--subset \(subset) →", value: "\(known.rawValue)(subset: \(subset))"))
            }
            if let seed = options.seed {
                overrides.append(SettingOverride(setting: "seed", option: "--seed", value: String(seed)))
            }
            overrides += options.settings
            let rewritten = Analysis(Document(SettingOverride.apply(overrides, to: stage.syntax)), options: .plan)
            described = overrides.map { SettingOverride.describe([$0], in: stage.syntax) } + described
            guard rewritten.program != nil else {
                DiagnosticsDriver.emit([(rewritten.source, rewritten.errors)], json: false)
                let names = options.scheduleOptionNames.map { "'\($0)'" }.joined(separator: ", ")
                throw CLIError("\(source.path): cannot \(command) with \(names): the result breaks the rules above")
            }
            final = rewritten
        }
        guard let finalProgram = final.program, let plan = final.plan else {
            // The program checks but cannot be planned (S300).
            DiagnosticsDriver.emit([(final.source, final.errors)], json: false)
            return .failed(ExitCode.failure)
        }
        if let memoryLimit, let diagnostic = plan.memoryDiagnostic(program: finalProgram, limit: memoryLimit) {
            DiagnosticsDriver.emit([(final.source, [diagnostic])], json: false)
            return .failed(ExitCode.failure)
        }
        return .compiled(CompiledSchedule(source: final.source, program: finalProgram, plan: plan, overrides: described))
    }

    static func formatOption(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }
}

/// `--epochs-scale F`: the schedule shrunk (or stretched) in time. epochs becomes
/// max(1, round(epochs·F)); every time then scales by r = new epochs / old epochs, so events
/// keep their place relative to the run: epoch times and an epoch warm-up by r exactly (kept
/// to 12 significant digits), step times, step intervals and a step warm-up by r rounded to
/// whole updates (intervals and the warm-up at least 1). Percentages already scale.
enum EpochScaling {
    static func ratio(program: CheckedProgram, scale: Double) -> (epochs: Int, ratio: Double) {
        let epochs = max(1, Int((Double(program.epochs) * scale).rounded()))
        return (epochs, Double(epochs) / Double(program.epochs))
    }

    /// The `epochs` and `warmup` settings, scaled. The option reads "--epochs-scale 0.5 →", so
    /// the rewritten line says `epochs 3  # --epochs-scale 0.5 → 3 (the file says 6)`.
    static func settingOverrides(program: CheckedProgram, scale: Double) -> [SettingOverride] {
        let (epochs, r) = ratio(program: program, scale: scale)
        let option = "--epochs-scale \(ScheduleCompilation.formatOption(scale)) →"
        var overrides = [SettingOverride(setting: "epochs", option: option, value: String(epochs))]
        if let warmup = program.warmup {
            let value = warmup.unit == .epoch ? "\(decimal(warmup.length * r)) epochs"
                : "\(max(1, Int((warmup.length * r).rounded()))) steps"
            overrides.append(SettingOverride(setting: "warmup", option: option, value: value))
        }
        return overrides
    }

    /// The source with every epoch- and step-timed event time scaled.
    static func scaleEventTimes(in tree: SyntaxTree, program: CheckedProgram, scale: Double)
        -> (source: SourceFile, changed: Bool, description: String) {
        let r = ratio(program: program, scale: scale).ratio
        var replacements: [(range: SourceRange, text: String)] = []
        func scaled(_ number: NumberSyntax, unit: TimeUnit, isInterval: Bool) {
            guard !number.isMalformed, !number.isNegative, number.value.isFinite else { return }
            let text: String
            switch unit {
            case .epoch: text = decimal(number.value * r)
            case .step: text = String(max(isInterval ? 1 : 0, Int((number.value * r).rounded())))
            }
            if text != tree.source.slice(number.range) { replacements.append((number.range, text)) }
        }
        for statement in tree.statements {
            switch statement {
            case .at(let event):
                guard let unit = event.unit?.unit else { continue }  // percentages scale by themselves
                for time in event.times where !time.isPercent { scaled(time.number, unit: unit, isInterval: false) }
            case .every(let event):
                scaled(event.interval, unit: event.unit.unit, isInterval: true)
                if let from = event.from { scaled(from, unit: event.unit.unit, isInterval: false) }
                if let until = event.until { scaled(until, unit: event.unit.unit, isInterval: false) }
            default:
                continue
            }
        }
        // Each edit replaces one number token, so the edits are disjoint and on token bounds.
        let edits = replacements.map { TextEdit(range: $0.range, newText: $0.text) }
        let text: String
        do {
            text = try TextEdit.apply(edits, to: tree.source.text).text
        } catch {
            preconditionFailure("epoch scaling produced conflicting edits: \(error)")
        }
        let source = SourceFile(path: tree.source.path, text: text)
        return (source, !edits.isEmpty, "event times × \(decimal(r)) (--epochs-scale)")
    }

    /// A time as source text: 12 significant digits, no exponent, no trailing zeros.
    static func decimal(_ value: Double) -> String {
        let cleaned = Double(String(format: "%.12g", value)) ?? value
        if cleaned == cleaned.rounded(), abs(cleaned) < 1e15 { return String(Int64(cleaned)) }
        var text = String(format: "%.12f", cleaned)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text += "0" }
        return text
    }
}
