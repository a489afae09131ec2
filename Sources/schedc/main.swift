import Foundation

// Unbuffered-enough output for progress lines; exit code is the command's.
setvbuf(stdout, nil, _IOLBF, 0)
exit(SchedcCLI.main(Array(CommandLine.arguments.dropFirst())))
