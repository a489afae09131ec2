import Foundation
import XCTest
@testable import ScheduleLanguage

/// The front end never crashes, always terminates, and always answers: a program, or at
/// least one error. Fed with ≥ 10 000 token-level mutations of the samples and the golden
/// cases (deleted, duplicated, swapped and replaced tokens, random characters, truncation)
/// and with pathological inputs.
final class RobustnessTests: XCTestCase {
    /// Runs `work` on a thread with a deadline, so a non-terminating loop fails the test
    /// instead of hanging the suite. `progress` says how far it got.
    func withDeadline(seconds: Double, _ work: @escaping (_ progress: @escaping (String) -> Void) -> Void) {
        final class Progress: @unchecked Sendable {
            let lock = NSLock()
            var last = "nothing yet"
            func set(_ note: String) { lock.lock(); last = note; lock.unlock() }
            func get() -> String { lock.lock(); defer { lock.unlock() }; return last }
        }
        let done = DispatchSemaphore(value: 0)
        let progress = Progress()
        let thread = Thread {
            work { progress.set($0) }
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
        if done.wait(timeout: .now() + seconds) == .timedOut {
            XCTFail("the front end did not finish within \(seconds) s; last input: \(progress.get())")
        }
    }

    func testTenThousandMutantsNeverCrashAndAlwaysAnswer() {
        var inputs = TestFiles.samples.map(TestFiles.read)
        inputs += TestFiles.diagnosticCases.map(\.text)
        XCTAssertGreaterThan(inputs.count, 40)
        var failures: [String] = []
        let lock = NSLock()
        withDeadline(seconds: 300) { progress in
            var mutator = Mutator(seed: 2017)
            for index in 0..<10_000 {
                let text = mutator.mutate(inputs[index % inputs.count])
                progress("mutant #\(index): \(text.debugDescription)")
                let problem = self.check(text)
                if let problem {
                    lock.lock()
                    failures.append("mutant #\(index): \(problem)\n\(text)")
                    lock.unlock()
                }
            }
        }
        XCTAssertEqual(failures.prefix(5), [], "\(failures.count) mutants failed")
    }

    /// What must hold for any input; a description of the first violation, or nil.
    func check(_ text: String) -> String? {
        let source = SourceFile(path: "mutant.sched", text: text)
        let result = ScheduleCompiler.compile(source)
        if (result.program == nil) != result.diagnostics.contains(where: { $0.severity == .error }) {
            return "a program must come exactly when there is no error"
        }
        if result.syntax.reconstructedText() != text { return "the syntax tree lost text" }
        let size = source.bytes.count
        for diagnostic in result.diagnostics {
            let ranges = [diagnostic.range] + diagnostic.notes.compactMap(\.range) + diagnostic.fixIts.flatMap(\.edits).map(\.range)
            for range in ranges where range.start < 0 || range.end > size || source.scalarBoundary(atOrBefore: range.start) != range.start {
                return "\(diagnostic.code) has a range outside the file or inside a character: \(range)"
            }
            if diagnostic.message.isEmpty { return "\(diagnostic.code) has no message" }
            _ = source.location(of: diagnostic.range.start)
            _ = source.position(of: diagnostic.range.end, in: .utf16)
        }
        if !result.syntax.hasSyntaxErrors {
            guard let once = try? ScheduleFormatter.format(source) else { return "the formatter refused a file without syntax errors" }
            guard let twice = try? ScheduleFormatter.format(SourceFile(path: "f", text: once)), twice == once else {
                return "formatting is not idempotent"
            }
        }
        return nil
    }

    func testPathologicalInputs() {
        let inputs: [String] = [
            String(repeating: "(", count: 100_000),
            "lr " + String(repeating: "[", count: 50_000),
            "model mlp(hidden: " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + ")",
            String(repeating: "at epoch 1, ", count: 5_000),
            String(repeating: "\n", count: 100_000),
            String(repeating: "# comment ε\n", count: 10_000),
            String(repeating: "9", count: 10_000),
            "every 1e-300 epochs: noise /= 2\nschedule s\ndata cifar10\nepochs 10\nlr 1\nbatch 1\n",
            "schedule s\ndata cifar10\nepochs 10\nlr 1\nbatch 1\nevery 9000000000000000000 steps from 9000000000000000000 until 9223372036854775807: lr *= 2\n",
            "schedule s\ndata cifar10\nepochs 10\nlr 1\nbatch 999999999999999999\nghost_batch 999999999999999998\n",
            "schedule s\ndata cifar10\nepochs 10\nlr 1\nbatch 128\nmodel wrn(9223372036854775807, 1)\n",
            "schedule s\ndata size 9223372036854775807\nepochs 9223372036854775807\nlr 1\nbatch 9223372036854775807\nmicro_batch 2\nat step 9223372036854775806: lr = 1\n",
            "\u{0}\u{1}\u{7F}\r\r\r\u{FEFF}\u{FEFF}",
        ]
        withDeadline(seconds: 60) { progress in
            for (index, text) in inputs.enumerated() {
                progress("pathological input #\(index)")
                if let problem = self.check(text) { XCTFail("input #\(index): \(problem)") }
            }
        }
    }

    func testBracketsNestedTooDeeplyAreAnErrorNotACrash() {
        let text = "lr " + String(repeating: "[", count: 40) + "\n"
        let tree = Parser.parse(SourceFile(path: "deep", text: text))
        XCTAssertEqual(tree.diagnostics.map(\.code), [.nestingTooDeep])
    }
}
