import Foundation

/// The PyTorch engine's Python module, `schedc_torch.py`, shipped as a resource of this target
/// (standard library and torch only). `schedc export` copies it beside the plan and
/// `schedc run --engine torch` runs it.
public enum PythonModule {
    public static let fileName = "schedc_torch.py"

    /// The module's text. The resource bundle is looked up beside the executable (and the test
    /// bundle) rather than through `Bundle.module`, whose accessor stops the process when the
    /// bundle has moved; a missing bundle is an error the command reports.
    public static func source() throws -> String {
        for url in candidates() {
            if let text = try? String(contentsOf: url, encoding: .utf8) { return text }
        }
        throw PythonModuleError(message: "the PyTorch engine's module \(fileName) is missing: it ships in "
                                + "\(bundleName)/Python beside the schedc executable; rebuild schedc (swift build)")
    }

    static let bundleName = "schedc_ScheduleEngines.resources"

    static func candidates() -> [URL] {
        var directories: [URL] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        directories.append(executable.deletingLastPathComponent())
        directories.append(Bundle.main.bundleURL)
        if let resources = Bundle.main.resourceURL { directories.append(resources) }
        for bundle in Bundle.allBundles { directories.append(bundle.bundleURL.deletingLastPathComponent()) }
        return directories.map {
            $0.appendingPathComponent(bundleName).appendingPathComponent("Python").appendingPathComponent(fileName)
        }
    }
}

public struct PythonModuleError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
