/// What a golden diagnostics case (Tests/ScheduleLanguageTests/Golden/diagnostics/NAME.sched)
/// declares in its first lines:
///
///     # expect: S101 S103     the codes the analysis reports without planning ("clean": none)
///     # expect-plan: S301     the codes planning adds (S300, or the S3xx lints)
///     # fix-its: clean        applying the fix-its leaves no diagnostic
///
/// Codes stay strings here (this target knows no language types); each test target maps them.
public struct GoldenCaseHeader: Equatable {
    public var expected: [String] = []
    public var expectedFromPlanning: [String] = []
    public var fixItsClean = false
    public var hasExpectLine = false

    public init(_ text: String) {
        for line in text.split(whereSeparator: \.isNewline).prefix(6) {
            func codes(after prefix: String) -> [String] {
                line.dropFirst(prefix.count).split(separator: " ").map(String.init).filter { $0 != "clean" }.sorted()
            }
            if line.hasPrefix("# expect:") {
                expected = codes(after: "# expect:")
                hasExpectLine = true
            } else if line.hasPrefix("# expect-plan:") {
                expectedFromPlanning = codes(after: "# expect-plan:")
            } else if line.hasPrefix("# fix-its: clean") {
                fixItsClean = true
            }
        }
    }
}
