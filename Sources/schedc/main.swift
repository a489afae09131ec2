import Foundation

// Unbuffered-enough output for progress lines; exit code is the command's.
setvbuf(stdout, nil, _IOLBF, 0)
// A closed pipe (`schedc run … | head`) must not kill a training run: writes then fail with
// EPIPE and the output streams stop (Terminal.swift, OutputStreams).
signal(SIGPIPE, SIG_IGN)
exit(SchedcCLI.main(Array(CommandLine.arguments.dropFirst())))
