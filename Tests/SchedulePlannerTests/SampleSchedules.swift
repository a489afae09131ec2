import Foundation
import ScheduleLanguage

/// The repository's Samples/*.sched compiled by the front end (`ScheduleCompiler`): the
/// planner's tests take the paper's schedules from the files users run, so a sample that
/// drifts from the paper fails here. Hand-built programs (`makeProgram`) remain for what no
/// sample shows (step-timed events, clamped batches, random schedules, invalid values).
enum SampleSchedules {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples")

    struct Sample {
        let source: SourceFile
        let program: CheckedProgram

        /// The source text a range covers (what a diagnostic underlines).
        func text(_ range: SourceRange) -> String { source.slice(range) }
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Compiles `Samples/<path>`; a sample with errors is a test failure naming them.
    static func load(_ path: String) throws -> Sample {
        let url = directory.appendingPathComponent(path)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw Failure(description: "cannot read \(url.path)")
        }
        let result = ScheduleCompiler.compile(SourceFile(path: "Samples/" + path, text: text))
        guard let program = result.program else {
            let errors = result.errors.map { "\($0.code) \($0.message)" }.joined(separator: "; ")
            throw Failure(description: "Samples/\(path) does not compile: \(errors)")
        }
        return Sample(source: result.source, program: program)
    }

    static func program(_ path: String) throws -> CheckedProgram { try load(path).program }

    /// Every `.sched` file under Samples/, relative to it, sorted.
    static var allPaths: [String] {
        let enumerator = FileManager.default.enumerator(atPath: directory.path)
        return (enumerator?.compactMap { $0 as? String } ?? []).filter { $0.hasSuffix(".sched") }.sorted()
    }
}

/// The CIFAR-10 schedules of Smith et al. 2018 (and AdaBatch's) as Samples/cifar10/ writes
/// them, plus Samples/quickstart.sched.
enum CIFAR10Samples {
    static var decayingLR: CheckedProgram { get throws { try SampleSchedules.program("cifar10/decaying_lr.sched") } }
    static var increasingBatch: CheckedProgram { get throws { try SampleSchedules.program("cifar10/increasing_batch.sched") } }
    static var hybrid: CheckedProgram { get throws { try SampleSchedules.program("cifar10/hybrid.sched") } }
    static var increasedLR: CheckedProgram { get throws { try SampleSchedules.program("cifar10/increased_lr.sched") } }
    static var increasedMomentum: CheckedProgram { get throws { try SampleSchedules.program("cifar10/increased_momentum.sched") } }
    static var adabatch: CheckedProgram { get throws { try SampleSchedules.program("cifar10/adabatch.sched") } }
    static var quickstart: CheckedProgram { get throws { try SampleSchedules.program("quickstart.sched") } }

    static var all: [CheckedProgram] {
        get throws { [try decayingLR, try increasingBatch, try hybrid, try increasedLR, try increasedMomentum, try adabatch, try quickstart] }
    }
}
