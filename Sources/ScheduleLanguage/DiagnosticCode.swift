/// Every diagnostic code schedc reports. The raw value is the stable code users see ("S101")
/// in text and JSON output; the case name says what it is about where it is emitted.
///
/// S0xx are lexical and syntax errors, S1xx semantic errors, S2xx static lints (warnings),
/// S3xx the planner's (S300 an error, the plan-based lints warnings or information), S4xx the
/// engine limits' (what another engine cannot run of a plan), S5xx why `schedc run` cannot
/// run a schedule or plan that checks (no model, no loadable or usable data, a refused plan).
/// `catalog` gives each one's default severity, title and entry in docs/language.md.
public enum DiagnosticCode: String, CaseIterable, Hashable, Sendable, Comparable, CustomStringConvertible {
    // Lexical and syntax errors.
    case unexpectedCharacter = "S001"
    case malformedNumber = "S002"
    case notAStatement = "S003"
    case missingValue = "S004"
    case extraTokens = "S005"
    case unclosedBracket = "S006"
    case missingComma = "S007"
    case missingColon = "S008"
    case timeUnit = "S009"
    case missingTimeOrNumber = "S010"
    case missingTarget = "S011"
    case wrongOperator = "S012"
    case afterComma = "S013"
    case settingWithEqualsOrColon = "S014"
    case nestingTooDeep = "S015"
    // Semantic errors.
    case unknownSetting = "S101"
    case duplicateSetting = "S102"
    case missingRequiredSetting = "S103"
    case wrongKindOfValue = "S104"
    case outOfRange = "S105"
    case notAWholeNumber = "S106"
    case unknownName = "S107"
    case arguments = "S108"
    case batchLargerThanMaxBatch = "S109"
    case maxBatchLargerThanDataSet = "S110"
    case ghostBatchDoesNotDivide = "S111"
    case units = "S112"
    case outsideTheRun = "S113"
    case eventsOutOfOrder = "S114"
    case conflictingEvents = "S115"
    case momentumUnderAdam = "S116"
    case keepNoiseOnNoiseOrBatch = "S117"
    case unknownEventTarget = "S118"
    case operatorNotAllowedForTarget = "S119"
    case every = "S120"
    case wideResNetDepth = "S121"
    case batchEventAboveMaxBatch = "S122"
    case adaptiveGrowthNotAboveOne = "S123"
    case adaptiveBoundOutsideBatches = "S124"
    case nothingToEstimateFrom = "S125"
    // Static lints.
    case largeInitialBatch = "S201"
    case noiseRaised = "S202"
    case policyCannotGrowBatch = "S203"
    case batchNormNotGhosted = "S204"
    case microBatchDoesNotDivideBatch = "S205"
    case degenerateHybrid = "S206"
    case microBatchNeverUsed = "S207"
    case adabatchFactorTooLarge = "S208"
    case eventWithoutEffect = "S209"
    case adaptiveTriggerBelowOne = "S210"
    case adaptiveUnderAdam = "S211"
    // The planner's.
    case cannotBePlanned = "S300"
    case batchPastTenthOfDataSet = "S301"
    case momentumLag = "S302"
    case decayCannotGrowBatch = "S303"
    case explicitBatchClamped = "S304"
    case keepNoiseCapped = "S305"
    case eventAfterEnd = "S306"
    case partialGhostBatch = "S307"
    case doesNotFitInMemory = "S308"
    // S4xx: what another engine cannot run of a plan (`schedc lint --engine`, `schedc export`).
    case indivisibleBatch = "S401"
    case microBatchOverLimit = "S402"
    case shortUpdates = "S403"
    case notALinearRamp = "S404"
    // S5xx: `schedc run` cannot run what checks (reported without a source position, as
    // `schedc run: FILE: message [S501]`; the runner's `RunError.Refusal` says which).
    case noModelToRun = "S501"
    case dataSetWithoutLoader = "S502"
    case dataSetNotFound = "S503"
    case unusableData = "S504"
    case planRefused = "S505"

    public var description: String { rawValue }

    public static func < (a: DiagnosticCode, b: DiagnosticCode) -> Bool { a.rawValue < b.rawValue }

    /// What the code is, for people and tools: its default severity, a one-line title (the
    /// heading of its entry in docs/language.md, after the code) and that entry's anchor.
    public struct Entry: Hashable, Sendable {
        public let code: DiagnosticCode
        public let severity: Diagnostic.Severity
        public let title: String

        /// The heading's anchor as Markdown renderers (GitHub's) make it: lowercase, spaces
        /// as hyphens, punctuation other than `-` and `_` dropped ("s101-unknown-setting").
        public var documentationAnchor: String { DiagnosticCode.anchor(ofHeading: "\(code.rawValue) \(title)") }
        /// Where the entry is, relative to the repository root.
        public var documentation: String { "docs/language.md#" + documentationAnchor }
    }

    public var entry: Entry { Entry(code: self, severity: defaultSeverity, title: title) }

    /// Every code's entry, in code order.
    public static var catalog: [Entry] { allCases.map(\.entry) }

    /// The severity the code is reported with (each code is reported with one severity).
    public var defaultSeverity: Diagnostic.Severity {
        switch self {
        case .decayCannotGrowBatch, .notALinearRamp: return .information
        case .cannotBePlanned, .doesNotFitInMemory, .indivisibleBatch, .microBatchOverLimit, .shortUpdates: return .error
        default:
            switch rawValue.dropFirst().first {
            case "0", "1", "5": return .error
            default: return .warning
            }
        }
    }

    /// One line, lowercase, as the heading of the code's entry in docs/language.md says it.
    public var title: String {
        switch self {
        case .unexpectedCharacter: return "unexpected character"
        case .malformedNumber: return "malformed number"
        case .notAStatement: return "not a statement"
        case .missingValue: return "missing value"
        case .extraTokens: return "extra tokens"
        case .unclosedBracket: return "unclosed bracket"
        case .missingComma: return "missing comma"
        case .missingColon: return "missing colon"
        case .timeUnit: return "time unit"
        case .missingTimeOrNumber: return "missing time or number"
        case .missingTarget: return "missing target"
        case .wrongOperator: return "operator"
        case .afterComma: return "after a comma"
        case .settingWithEqualsOrColon: return "`=` or `:` in a setting"
        case .nestingTooDeep: return "nesting too deep"
        case .unknownSetting: return "unknown setting"
        case .duplicateSetting: return "duplicate setting"
        case .missingRequiredSetting: return "missing required setting"
        case .wrongKindOfValue: return "wrong kind of value"
        case .outOfRange: return "out of range"
        case .notAWholeNumber: return "not a whole number"
        case .unknownName: return "unknown name"
        case .arguments: return "arguments"
        case .batchLargerThanMaxBatch: return "batch larger than max_batch"
        case .maxBatchLargerThanDataSet: return "max_batch larger than the data set"
        case .ghostBatchDoesNotDivide: return "ghost_batch does not divide"
        case .units: return "units"
        case .outsideTheRun: return "outside the run"
        case .eventsOutOfOrder: return "events out of order"
        case .conflictingEvents: return "conflicting events"
        case .momentumUnderAdam: return "momentum under adam"
        case .keepNoiseOnNoiseOrBatch: return "keep noise on noise or batch"
        case .unknownEventTarget: return "unknown event target"
        case .operatorNotAllowedForTarget: return "operator not allowed for the target"
        case .every: return "every"
        case .wideResNetDepth: return "wide ResNet depth"
        case .batchEventAboveMaxBatch: return "batch event above max_batch"
        case .adaptiveGrowthNotAboveOne: return "adaptive growth not above 1"
        case .adaptiveBoundOutsideBatches: return "adaptive bound outside the batches"
        case .nothingToEstimateFrom: return "nothing to estimate the noise from"
        case .largeInitialBatch: return "large initial batch"
        case .noiseRaised: return "noise raised"
        case .policyCannotGrowBatch: return "policy that can never grow B"
        case .batchNormNotGhosted: return "batch norm not ghosted"
        case .microBatchDoesNotDivideBatch: return "micro_batch does not divide batch"
        case .degenerateHybrid: return "degenerate hybrid"
        case .microBatchNeverUsed: return "micro_batch never used"
        case .adabatchFactorTooLarge: return "AdaBatch factor too large"
        case .eventWithoutEffect: return "event without effect"
        case .adaptiveTriggerBelowOne: return "adaptive trigger below 1"
        case .adaptiveUnderAdam: return "noise estimate under adam"
        case .cannotBePlanned: return "cannot be planned"
        case .batchPastTenthOfDataSet: return "batch grown past ~N/10"
        case .momentumLag: return "momentum loses too many epochs"
        case .decayCannotGrowBatch: return "decay that can no longer grow B"
        case .explicitBatchClamped: return "explicit batch clamped"
        case .keepNoiseCapped: return "keep noise capped"
        case .eventAfterEnd: return "event after the end"
        case .partialGhostBatch: return "partial ghost batch"
        case .doesNotFitInMemory: return "does not fit in memory"
        case .indivisibleBatch: return "batch not a multiple of micro batch × world size"
        case .microBatchOverLimit: return "micro batch over the plan's limit"
        case .shortUpdates: return "short updates"
        case .notALinearRamp: return "not a linear ramp"
        case .noModelToRun: return "no model to train"
        case .dataSetWithoutLoader: return "data set schedc cannot load"
        case .dataSetNotFound: return "data set not found"
        case .unusableData: return "unusable data"
        case .planRefused: return "plan refused"
        }
    }

    /// GitHub's heading anchor: lowercased; letters, digits, spaces, `-` and `_` kept (spaces
    /// become `-`), everything else dropped.
    public static func anchor(ofHeading heading: String) -> String {
        var anchor = ""
        for character in heading.lowercased() {
            if character == " " {
                anchor.append("-")
            } else if character.isLetter || character.isNumber || character == "-" || character == "_" {
                anchor.append(character)
            }
        }
        return anchor
    }
}
