import Foundation
import TestSupport
import XCTest

/// What one run of the built `schedc` executable did.
struct SchedcResult {
    var status: Int32
    var stdout: String
    var stderr: String

    /// Standard error without `bench`'s notes that the FMA peak moved during a run: they are
    /// about the machine at that minute (a shared one may slow down), not about the command.
    var stderrWithoutPeakNotes: String {
        stderr.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("the FMA peak on") }
            .joined(separator: "\n")
    }
}

/// The repository root (Samples/, docs/ ... are found from here).
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `schedc` executable SwiftPM built next to this test bundle.
let schedcExecutable: URL = {
    var directory = Bundle(for: SchedcProcessAnchor.self).bundleURL
    while directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
    return directory.appendingPathComponent("schedc")
}()

private final class SchedcProcessAnchor {}

/// Runs `schedc` with `arguments` (in `directory`, default the repository root), feeding
/// `stdin`, with `environment` added to a clean one (no colour, no terminal).
func runSchedc(_ arguments: [String], stdin: String? = nil, in directory: URL? = nil,
               environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> SchedcResult {
    let process = Process()
    process.executableURL = schedcExecutable
    process.arguments = arguments
    process.currentDirectoryURL = directory ?? repositoryRoot
    var env = ProcessInfo.processInfo.environment
    env["NO_COLOR"] = "1"
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let outPipe = Pipe(), errPipe = Pipe(), inPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    process.standardInput = inPipe
    try process.run()
    if let stdin { inPipe.fileHandleForWriting.write(stdin.data(using: .utf8)!) }
    try inPipe.fileHandleForWriting.close()
    // Read both pipes before waiting, so a large output cannot block the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let out = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { out.data = outPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let errData = errPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let outData = out.data
    process.waitUntilExit()
    return SchedcResult(status: process.terminationStatus,
                        stdout: String(decoding: outData, as: UTF8.self),
                        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs the shell `command` (from the repository root) under util-linux's script(1), which
/// gives it a pseudo-terminal: TERM=xterm, NO_COLOR unset, then `environment` added. Returns
/// its exit status and everything it printed (stdout and stderr share the terminal).
func runUnderTerminal(_ command: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let script = "/usr/bin/script"
    guard FileManager.default.isExecutableFile(atPath: script) else {
        throw NSError(domain: "SchedcCLITests", code: 1, userInfo: [NSLocalizedDescriptionKey:
            "this test needs util-linux's script(1) (Debian: bsdutils; .ci/run installs it)"])
    }
    var environment = environment
    environment["TERM"] = environment["TERM"] ?? "xterm"
    let result = try ChildProcess.run(URL(fileURLWithPath: script), ["-qec", command, "/dev/null"], in: repositoryRoot,
                                      environment: environment, removing: ["NO_COLOR"])
    return (result.status, result.output)
}

/// The bodies of the fenced blocks of `language` (```console, ```json …) in a Markdown `text`.
func fencedBlocks(_ language: String, in text: String) -> [String] {
    var blocks: [String] = []
    var current: [Substring]?
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if current == nil, line == "```" + language {
            current = []
        } else if current != nil, line == "```" {
            blocks.append(current!.joined(separator: "\n") + "\n")
            current = nil
        } else {
            current?.append(line)
        }
    }
    return blocks
}

/// A stand-in for a reference's Python interpreter: an executable shell script `body` in a
/// temporary directory of its own (removed when the value goes), so the benchmarks' reference
/// columns can be tested with known answers. `file(_:)` names another file in that directory.
final class StandInInterpreter {
    let directory: URL
    let path: String

    init(_ body: String) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("schedc-stand-in-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("python").path
        try ("#!/bin/sh\n" + body).write(toFile: path, atomically: true, encoding: .utf8)
        guard chmod(path, 0o755) == 0 else { throw CocoaError(.fileWriteNoPermission) }
    }

    func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: directory) }
}
