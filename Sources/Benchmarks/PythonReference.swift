import Foundation

/// Why a reference library could not be measured (python, numpy, MKL or torch missing, the
/// script failed). The benchmark says so once and goes on without that reference.
public struct ReferenceUnavailable: Error, CustomStringConvertible {
    public var description: String
}

/// Runs a reference script (`python -c script arguments…`) and returns what it printed.
/// References are measured, never depended on: every failure is a `ReferenceUnavailable`
/// with the reason in one line.
enum PythonReference {
    static func output(python: String, script: String, arguments: [String], environment extra: [String: String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(extra) { _, new in new }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ReferenceUnavailable(description: "cannot run \(python) (\(error.localizedDescription))")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 127 { throw ReferenceUnavailable(description: "\(python) is not on PATH") }
        guard process.terminationStatus == 0 else {
            let lastLine = errorText.split(separator: "\n").last.map(String.init) ?? "exit status \(process.terminationStatus)"
            if lastLine.contains("No module named") {
                throw ReferenceUnavailable(description: "a module is missing for \(python) (\(lastLine))")
            }
            throw ReferenceUnavailable(description: "\(python) failed: \(lastLine)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
