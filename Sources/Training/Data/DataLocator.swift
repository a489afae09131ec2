import Glibc

/// Where a data set's files were found, and by which rule.
public struct DataLocation: Equatable, Sendable, CustomStringConvertible {
    public enum Origin: Equatable, Sendable {
        /// The directory the program was given (`schedc run --data DIR`).
        case explicit
        /// `$SCHEDC_DATA_DIR`.
        case environment
        /// A system package's directory (Debian's dataset-fashion-mnist).
        case system
        /// The Fashion-MNIST subset shipped in the repository.
        case shippedSubset
    }

    public var directory: String
    public var origin: Origin

    public init(directory: String, origin: Origin) {
        self.directory = directory
        self.origin = origin
    }

    public var description: String {
        switch origin {
        case .explicit: return "\(directory) (the --data directory)"
        case .environment: return "\(directory) (from $\(DataLocator.environmentVariable))"
        case .system: return "\(directory) (a system package)"
        case .shippedSubset: return "\(directory) (the subset shipped in the repository)"
        }
    }
}

/// Finds a data set's directory. The search order:
///
/// 1. the explicit directory (`--data DIR`): it must hold the data set, or loading fails;
/// 2. `$SCHEDC_DATA_DIR`;
/// 3. the system package's directory (`/usr/share/datasets/fashion-mnist`);
/// 4. for Fashion-MNIST, the subset shipped in the repository — only when the request asks
///    for at most its 10 000 training and 2 000 test images.
///
/// A directory D "holds" a data set when D itself, or one of its folders named for the data set
/// (`D/fashion-mnist`, `D/mnist`, `D/cifar-10-batches-bin` …), has all the data set's files,
/// each plain or gzipped. A directory with only some of them is an error, not a miss: it is
/// almost certainly a broken copy the user means to use.
public struct DataLocator: Sendable {
    public static let environmentVariable = "SCHEDC_DATA_DIR"
    /// The shipped subset, relative to the repository root.
    public static let shippedSubsetPath = "Samples/data/fashion-mnist-subset"
    /// What the shipped subset holds: the first examples of each Fashion-MNIST split.
    public static let shippedSubsetSize = (train: 10_000, test: 2_000)

    public var explicitDirectory: String?
    public var environmentDirectory: String?
    /// System package directories by data set.
    public var systemDirectories: [LoadableDataset: String]
    public var shippedSubsetDirectory: String?

    public init(explicitDirectory: String? = nil, environmentDirectory: String? = nil,
                systemDirectories: [LoadableDataset: String] = [:], shippedSubsetDirectory: String? = nil) {
        self.explicitDirectory = explicitDirectory
        self.environmentDirectory = environmentDirectory
        self.systemDirectories = systemDirectories
        self.shippedSubsetDirectory = shippedSubsetDirectory
    }

    /// This machine's locator: the environment variable, the system packages' directories and
    /// the shipped subset as found by `findShippedSubset()`.
    public static func standard(explicitDirectory: String? = nil) -> DataLocator {
        var system: [LoadableDataset: String] = [:]
        for dataset in LoadableDataset.allCases { system[dataset] = dataset.systemDirectory }
        let environment = getenv(environmentVariable).map { String(cString: $0) }
        return DataLocator(explicitDirectory: explicitDirectory,
                           environmentDirectory: environment?.isEmpty == false ? environment : nil,
                           systemDirectories: system,
                           shippedSubsetDirectory: findShippedSubset())
    }

    /// The directory holding `dataset` for `request`, by the search order above.
    public func locate(_ dataset: LoadableDataset, request: DataRequest) throws -> DataLocation {
        var looked: [String] = []
        if let explicitDirectory {
            if let found = try probe(explicitDirectory, for: dataset) {
                return DataLocation(directory: found, origin: .explicit)
            }
            guard isDirectory(explicitDirectory) else {
                throw DataError(.notFound, path: explicitDirectory, fileExists(explicitDirectory)
                                ? "the --data path is a file, expected a directory" : "the --data directory does not exist")
            }
            throw DataError(.notFound, path: explicitDirectory,
                            "the --data directory holds no \(dataset.rawValue) files: looked for \(fileList(dataset)) "
                            + "in it and in \(dataset.folderNames.map { "\($0)/" }.joined(separator: ", "))")
        }
        if let environmentDirectory {
            if let found = try probe(environmentDirectory, for: dataset) {
                return DataLocation(directory: found, origin: .environment)
            }
            looked.append("$\(DataLocator.environmentVariable) (\(environmentDirectory))")
        }
        if let system = systemDirectories[dataset] {
            if let found = try probe(system, for: dataset) {
                return DataLocation(directory: found, origin: .system)
            }
            looked.append(system)
        }
        var subsetNote = ""
        if dataset == .fashionMNIST && shippedSubsetDirectory == nil {
            subsetNote = "; the subset shipped in the repository (\(DataLocator.shippedSubsetPath)) is not under the current "
                + "directory nor beside the program"
        }
        if dataset == .fashionMNIST, let subset = shippedSubsetDirectory {
            let (train, test) = request.counts(of: dataset)
            let size = DataLocator.shippedSubsetSize
            if train <= size.train && test <= size.test {
                if let found = try probe(subset, for: dataset) {
                    return DataLocation(directory: found, origin: .shippedSubset)
                }
                looked.append(subset)
            } else {
                subsetNote = "; the subset shipped in the repository holds only the first \(size.train) training and "
                    + "\(size.test) test images, and this needs \(train) and \(test)"
            }
        }
        let places = looked.isEmpty ? "no directory to search" : "looked in " + looked.joined(separator: ", ")
        throw DataError(.notFound, path: dataset.rawValue,
                        "data set not found (\(places))\(subsetNote); \(installAdvice(dataset))")
    }

    /// The directory under `root` holding all of `dataset`'s files, nil if none holds any.
    /// Throws when a candidate holds only some of them.
    public func probe(_ root: String, for dataset: LoadableDataset) throws -> String? {
        for candidate in [root] + dataset.folderNames.map({ joinPath(root, $0) }) where isDirectory(candidate) {
            let files = dataset.requiredFiles
            let missing = files.filter { dataFile(named: $0, in: candidate) == nil }
            if missing.isEmpty { return candidate }
            if missing.count < files.count {
                throw DataError(.unreadable, path: candidate,
                                "incomplete \(dataset.rawValue) directory: missing \(missing.map { "\($0)[.gz]" }.joined(separator: ", "))")
            }
        }
        return nil
    }

    private func fileList(_ dataset: LoadableDataset) -> String {
        dataset.requiredFiles.map { "\($0)[.gz]" }.joined(separator: ", ")
    }

    private func installAdvice(_ dataset: LoadableDataset) -> String {
        let place = "pass --data DIR or set $\(DataLocator.environmentVariable) to a directory holding \(fileList(dataset))"
        switch dataset {
        case .fashionMNIST: return "install Debian's dataset-fashion-mnist, or " + place
        case .mnist, .cifar10: return place
        }
    }

    /// The shipped subset's directory, found by trying in order: the current directory and its
    /// parents, the running executable's directory and its parents (`.build/debug/schedc`, test
    /// bundles), and the source tree this library was compiled from. nil if none has it.
    public static func findShippedSubset() -> String? {
        var roots = ancestors(of: currentDirectory())
        if let executable = executablePath() { roots += ancestors(of: parentPath(executable)) }
        roots.append(sourceTreeRoot())
        let locator = DataLocator()
        for root in roots {
            let candidate = joinPath(root, shippedSubsetPath)
            if (try? locator.probe(candidate, for: .fashionMNIST)) == candidate { return candidate }
        }
        return nil
    }

    /// The repository root as seen when this file was compiled (Sources/Training/Data/<file>).
    static func sourceTreeRoot(_ file: String = #filePath) -> String {
        var path = file
        for _ in 0..<4 { path = parentPath(path) }
        return path
    }
}

/// `name` or `name.gz` in `directory`, whichever exists (the plain file first); nil if neither.
func dataFile(named name: String, in directory: String) -> String? {
    for candidate in [joinPath(directory, name), joinPath(directory, name + ".gz")] where fileExists(candidate) {
        return candidate
    }
    return nil
}

func joinPath(_ directory: String, _ name: String) -> String {
    if directory.isEmpty { return name }
    return directory.hasSuffix("/") ? directory + name : directory + "/" + name
}

/// The path without its last component ("/" stays "/").
func parentPath(_ path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
}

/// `path` and each of its parents up to "/".
func ancestors(of path: String) -> [String] {
    var result = [path]
    var current = path
    while current != "/" && current != "." {
        current = parentPath(current)
        result.append(current)
    }
    return result
}

func isDirectory(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) == S_IFDIR
}

func fileExists(_ path: String) -> Bool {
    var status = stat()
    return stat(path, &status) == 0 && (status.st_mode & S_IFMT) != S_IFDIR
}

func currentDirectory() -> String {
    guard let pointer = getcwd(nil, 0) else { return "." }
    defer { free(pointer) }
    return String(cString: pointer)
}

/// The running executable (Linux's /proc/self/exe), or nil where that does not exist.
func executablePath() -> String? {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    guard length > 0 else { return nil }
    return String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
