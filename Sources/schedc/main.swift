import Foundation
import SchedulePlanner
import ScheduleRunner
import TensorKernels

// Unbuffered-enough output for progress lines; exit code is the command's.
setvbuf(stdout, nil, _IOLBF, 0)
// A closed pipe (`schedc run … | head`) must not kill a training run: writes then fail with
// EPIPE and the output streams stop (Terminal.swift, OutputStreams).
signal(SIGPIPE, SIG_IGN)
// Memory the estimate did not foresee (S308 refuses what it does): an error, not a trap.
TensorMemory.allocationFailureHandler = { bytes in
    let size = MemoryEstimate.describe(bytes)
    let message = "out of memory allocating \(size) of tensor storage"
    if let directory = RunDirectory.active {
        directory.markFailed(message)
        printError("schedc run: \(message); the last checkpoint is intact: reduce micro_batch (or the batch), then "
                   + "'schedc run --resume \(directory.path)'")
    } else {
        printError("schedc: \(message)")
    }
    exit(ExitCode.failure)
}
exit(SchedcCLI.main(Array(CommandLine.arguments.dropFirst())))
