// swift-tools-version:6.0
// schedc — a compiler for training schedules. No third-party packages: the toolchain and zlib only.
import PackageDescription

// The numerical targets are always compiled optimised for the host's vector units, in debug
// builds too: `swift run` is what users type, and baseline x86-64 has no FMA (GEMM ~100× slower).
// `-Ounchecked` comes after SwiftPM's `-Onone`, so it wins; `-target-cpu native` lets
// SIMD8<Float> lower to AVX2 + FMA. CI builds on the same kind of machine it runs on.
let optimisedForHost: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-target-cpu", "native"]),
]

// Swift 5 language mode: the kernels share raw buffers between worker threads by design
// (disjoint tiles); strict-concurrency checking would only add @unchecked annotations.
let language: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "schedc",
    products: [
        .executable(name: "schedc", targets: ["schedc"]),
    ],
    targets: [
        // JSON text: the one encoder (key order kept, shortest exact numbers) and a parser. Below
        // everything that reads or writes JSON, so the diagnostics output need not import the runner.
        .target(name: "JSONSupport", swiftSettings: language),
        // Stage 1: source text → checked program + diagnostics; formatter.
        .target(name: "ScheduleLanguage", swiftSettings: language),
        // Stage 2: checked program → timeline IR → plan of phases under B_max.
        .target(name: "SchedulePlanner", dependencies: ["ScheduleLanguage", "Charts", "JSONSupport"], swiftSettings: language),
        // The analysis core every front end calls: document text → tokens, tree, every
        // diagnostic, checked program and plan. No I/O, no state between calls.
        .target(name: "ScheduleAnalysis", dependencies: ["ScheduleLanguage", "SchedulePlanner", "ScheduleEngines"], swiftSettings: language),
        // `schedc lsp`: JSON-RPC over a byte stream, documents and versions, and one thin handler
        // per LSP method that converts positions and calls the analysis. Foundation only.
        .target(name: "LanguageServer", dependencies: ["ScheduleAnalysis", "ScheduleLanguage", "SchedulePlanner", "JSONSupport"],
                swiftSettings: language),
        // SVG line charts (log axes), shared by `plan --svg` and the run plots.
        .target(name: "Charts", swiftSettings: language),
        // zlib from the system, for gzipped IDX files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Stage 3a: tensors, GEMM, convolution, element-wise kernels, thread pool.
        .target(name: "KernelSIMD", swiftSettings: language + optimisedForHost),
        // A cache prefetch for the GEMM micro-kernels (a static inline C function; Swift has none).
        .target(name: "CPrefetch"),
        .target(name: "TensorKernels", dependencies: ["KernelSIMD", "CPrefetch"], swiftSettings: language + optimisedForHost),
        // Stage 3b: layers, models, losses, optimisers, data sets.
        .target(name: "Training", dependencies: ["TensorKernels", "CZlib"], swiftSettings: language + optimisedForHost),
        // Stage 4: executes a Plan on the runtime; run directories, metrics, checkpoints, plots. It
        // reads only the plan (never a CheckedProgram), and parses files, so it is not `-Ounchecked`.
        .target(name: "ScheduleRunner", dependencies: ["SchedulePlanner", "TensorKernels", "Training", "Charts", "JSONSupport"],
                swiftSettings: language),
        // Other engines: the plan's limits on each, Megatron-LM arguments, DeepSpeed batch
        // schedules, the weights file, and the PyTorch module (Python/, a resource).
        .target(name: "ScheduleEngines", dependencies: ["SchedulePlanner", "ScheduleLanguage", "JSONSupport"],
                resources: [.copy("Python")], swiftSettings: language),
        // What `schedc bench` measures: GEMM beside numpy, training throughput, front-end speed.
        .target(name: "Benchmarks", dependencies: ["ScheduleLanguage", "LanguageServer", "TensorKernels", "Training"], swiftSettings: language),
        // The command line: argument parsing, output formats, exit codes, progress display.
        .executableTarget(
            name: "schedc",
            dependencies: ["ScheduleLanguage", "SchedulePlanner", "ScheduleAnalysis", "LanguageServer", "Charts", "TensorKernels",
                           "Training", "ScheduleRunner", "ScheduleEngines", "Benchmarks", "JSONSupport"],
            swiftSettings: language),

        // Helpers shared by the test targets: golden files, a seeded generator, XML summaries.
        // Fuzzing (Tests/Fuzz/run.sh builds these with -sanitize=fuzzer; a plain build replays files).
        .target(name: "CFuzzDriver"),
        .target(name: "FuzzTargets", dependencies: ["CFuzzDriver", "ScheduleAnalysis", "ScheduleLanguage", "SchedulePlanner",
                                                    "ScheduleRunner", "Training"], swiftSettings: language),
        .executableTarget(name: "FuzzFrontEnd", dependencies: ["FuzzTargets"], swiftSettings: language),
        .executableTarget(name: "FuzzPlanJSON", dependencies: ["FuzzTargets"], swiftSettings: language),
        .executableTarget(name: "FuzzCheckpoint", dependencies: ["FuzzTargets"], swiftSettings: language),
        .executableTarget(name: "FuzzIDX", dependencies: ["FuzzTargets"], swiftSettings: language),

        .target(name: "TestSupport", dependencies: ["JSONSupport"], path: "Tests/TestSupport", swiftSettings: language),
        // Golden/ holds test inputs and expected outputs, read by path (not bundled resources).
        .testTarget(name: "ScheduleLanguageTests", dependencies: ["ScheduleLanguage", "TestSupport"], exclude: ["Golden"],
                    swiftSettings: language),
        .testTarget(name: "SchedulePlannerTests", dependencies: ["SchedulePlanner", "ScheduleLanguage", "Charts", "JSONSupport", "TestSupport"],
                    exclude: ["Golden"], swiftSettings: language),
        // Reads the language's golden cases (Tests/ScheduleLanguageTests/Golden) by path.
        .testTarget(name: "ScheduleAnalysisTests", dependencies: ["ScheduleAnalysis", "ScheduleLanguage", "SchedulePlanner", "TestSupport"],
                    swiftSettings: language),
        // Transcripts of whole sessions with the server; clients/ holds the real-editor tests (Python, Neovim).
        .testTarget(name: "LanguageServerTests", dependencies: ["LanguageServer", "ScheduleAnalysis", "ScheduleLanguage", "TestSupport", "JSONSupport"],
                    exclude: ["clients"], swiftSettings: language),
        .testTarget(name: "ChartsTests", dependencies: ["Charts", "TestSupport"], exclude: ["Golden"], swiftSettings: language),
        .testTarget(name: "TensorKernelsTests", dependencies: ["TensorKernels", "TestSupport"], swiftSettings: language),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "TensorKernels"], swiftSettings: language),
        .testTarget(name: "ScheduleRunnerTests", dependencies: ["ScheduleRunner", "SchedulePlanner", "ScheduleLanguage", "Training", "JSONSupport",
                                                            "TestSupport"],
                    swiftSettings: language),
        // python/ holds the PyTorch module's own unittest files, run from an XCTest wrapper.
        .testTarget(name: "ScheduleEnginesTests", dependencies: ["ScheduleEngines", "SchedulePlanner", "ScheduleLanguage", "TestSupport"],
                    exclude: ["python"], swiftSettings: language),
        .testTarget(name: "FuzzTargetsTests", dependencies: ["FuzzTargets"], swiftSettings: language),
        .testTarget(name: "SchedcCLITests", dependencies: ["schedc", "Benchmarks", "TestSupport"], exclude: ["Golden"], swiftSettings: language),
    ]
)
