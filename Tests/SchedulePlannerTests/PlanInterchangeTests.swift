import Foundation
import JSONSupport
import ScheduleLanguage
@testable import SchedulePlanner
import TestSupport
import XCTest

/// The plan JSON as an interchange: `Plan → JSON → Plan` is exact, every plan the planner writes
/// matches docs/plan.schema.json, and the reader refuses what it cannot run with a clear message.
final class PlanInterchangeTests: XCTestCase {
    static let schemaURL = SampleSchedules.directory.deletingLastPathComponent().appendingPathComponent("docs/plan.schema.json")

    func validator() throws -> SchemaValidator {
        try SchemaValidator(schemaText: String(contentsOf: Self.schemaURL, encoding: .utf8))
    }

    /// Every sample's plan, with the hand-built oddities of the golden tests.
    func samplePlans() throws -> [Plan] {
        try SampleSchedules.allPaths.map { try Planner.plan(SampleSchedules.program($0)) }
            + GoldenPlanTests.oddities.map { try Planner.plan($0) }
    }

    /// Random schedules under every policy, with the facts no random program varies (seed,
    /// model, subset, optimizer constants) drawn at random too.
    func randomPlans() throws -> [Plan] {
        try (PlannerPropertyTests.programs(.anything) + PlannerPropertyTests.programs(.policyEquivalent)).map { seed, program in
            var rng = TestRandom(seed: seed ^ 0x9E37_79B9)
            var plan = try Planner.plan(program)
            plan.seed = rng.next()
            plan.model = rng.pick([nil, .cnn, .mlp(hidden: [rng.int(1...600)]), .mlp(hidden: [64, 32]),
                                   .wrn(depth: rng.int(1...40), width: rng.int(1...10))])
            plan.subset = rng.chance(0.5) ? plan.datasetSize : nil
            plan.dataset = rng.pick([nil, "fashion_mnist", "cifar10"])
            plan.optimizer = PlanOptimizer(kind: rng.pick(PlanOptimizer.Kind.allCases), momentum: plan.optimizer.momentum,
                                           weightDecay: rng.double(0...0.01), beta1: rng.double(0...0.99),
                                           beta2: rng.double(0.9...0.9999), epsilon: rng.double(1e-10...1e-6))
            return plan
        }
    }

    func testEverySamplePlanRoundTripsExactly() throws {
        for plan in try samplePlans() {
            let text = plan.jsonText()
            let read = try Plan(jsonText: text)
            XCTAssertEqual(read, plan, plan.schedule)
            XCTAssertEqual(read.jsonText(), text, plan.schedule)
        }
    }

    func testRandomPlansRoundTripExactly() throws {
        for plan in try randomPlans() {
            let text = plan.jsonText()
            XCTAssertEqual(try Plan(jsonText: text), plan, plan.schedule)
        }
    }

    func testEveryPlanMatchesTheSchema() throws {
        let schema = try validator()
        for plan in try samplePlans() + randomPlans() {
            XCTAssertEqual(try schema.errors(in: plan.jsonText()), [], plan.schedule)
        }
    }

    /// The validator is not vacuous: a plan broken in each way the schema can see fails it.
    func testTheSchemaRejectsBrokenPlans() throws {
        let schema = try validator()
        let text = try Planner.plan(CIFAR10Samples.quickstart).jsonText()
        let broken = [
            text.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2"),
            text.replacingOccurrences(of: "\"seed\": 1,\n", with: ""),
            text.replacingOccurrences(of: "\"seed\": 1,", with: "\"seed\": 1, \"extra\": true,"),
            text.replacingOccurrences(of: "\"kind\": \"sgd\"", with: "\"kind\": \"rmsprop\""),
            text.replacingOccurrences(of: "\"model\": {\"kind\": \"cnn\"}", with: "\"model\": {\"kind\": \"mlp\"}"),
            text.replacingOccurrences(of: "\"max_batch\": 512", with: "\"max_batch\": 0"),
            text.replacingOccurrences(of: "\"max_batch\": 512", with: "\"max_batch\": 51.2"),
            text.replacingOccurrences(of: "\"reason\": \"noise_event\"", with: "\"reason\": \"whim\""),
            text.replacingOccurrences(of: "\"pass_sizes\": [32]", with: "\"pass_sizes\": [\"32\"]"),
            text.replacingOccurrences(of: "\"micro_batch\": null", with: "\"micro_batch\": \"none\""),
        ]
        for (index, text) in broken.enumerated() {
            XCTAssertFalse(try schema.errors(in: text).isEmpty, "broken plan \(index) passes the schema")
        }
    }

    func testTheReaderRefusesOtherFormatsAndVersions() throws {
        let text = try Planner.plan(CIFAR10Samples.quickstart).jsonText()
        func message(_ text: String) -> String {
            do {
                _ = try Plan(jsonText: text)
                return "read without an error"
            } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"version\": 1", with: "\"version\": 2")),
                       "plan version 2 is not supported: this schedc reads plan version 1 (plan the schedule again with this schedc)")
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"format\": \"schedc-plan\",\n", with: "")),
                       "not a schedc plan: its \"format\" is not \"schedc-plan\" (write one with `schedc plan --format json FILE`)")
        XCTAssertEqual(message("schedule x\n"), "not valid JSON")
        XCTAssertEqual(message("[1, 2]"),
                       "not a schedc plan: the file holds no JSON object (write one with `schedc plan --format json FILE`)")
        XCTAssertEqual(message(text.replacingOccurrences(of: "  \"seed\": 1,\n", with: "")), "not a valid plan: seed is missing")
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"policy\": \"increase_batch\"", with: "\"policy\": \"grow\"")),
                       "not a valid plan: policy: unknown policy 'grow' (increase_batch, decay_lr, hybrid(K) or adabatch(R))")
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"total_updates\": 2472", with: "\"total_updates\": 2471")),
                       "not a valid plan: total_updates does not match the phases")
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"micro_batch\": 32,", with: "\"micro_batch\": 16,")),
                       "not a valid plan: phase 1: micro_batch must be its largest pass, and no pass larger than the plan's micro_batch")
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"micro_batch\": null", with: "\"micro_batch\": 100")),
                       "not a valid plan: phase 2: micro_batch must be its largest pass, and no pass larger than the plan's micro_batch")
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"max_batch\": 512", with: "\"max_batch\": 0")),
                       "not a valid plan: max_batch must be at least 1, not 0")
        XCTAssertEqual(message(text.replacingOccurrences(of: "\"changed\": [{\"quantity\": \"batch\", \"from\": 32, \"to\": 128}]",
                                                         with: "\"changed\": []")),
                       "not a valid plan: change 1: 'changed' must list the quantities that differ between 'before' and 'after'")
    }

    func testChangesSayWhyAndWhatChanged() throws {
        let plan = try Planner.plan(GoldenPlanTests.oddities[0])  // micro_and_steps
        XCTAssertEqual(plan.changes.map(\.reason), [.warmupEnd, .noiseEvent, .noiseEvent, .explicit, .keepNoise, .explicit])
        XCTAssertEqual(plan.changes.map { $0.changed.map(\.quantity) }, [[], [.batch], [.batch], [.batch], [.lr, .momentum], []])
        XCTAssertEqual(plan.changes[3].changed, [QuantityChange(quantity: .batch, from: 900, to: 3000)])
        XCTAssertEqual(plan.changes[4].changed[1], QuantityChange(quantity: .momentum, from: 0.9, to: 0.95))
    }

    func testPolicySpellingsReadBack() throws {
        let policies: [Policy] = [.increaseBatch, .decayLearningRate, .hybrid(k: 0), .hybrid(k: 3), .adabatch(r: 2),
                                  .adabatch(r: 1.5), .adabatch(r: 1.2345678901234)]
        XCTAssertEqual(policies.map(\.spelling), ["increase_batch", "decay_lr", "hybrid(0)", "hybrid(3)", "adabatch(2)",
                                                  "adabatch(1.5)", "adabatch(1.2345678901234)"])
        for policy in policies { XCTAssertEqual(Policy(spelling: policy.spelling), policy) }
        for text in ["", "hybrid", "hybrid(x)", "adabatch(nan)", "adabatch(2", "decay"] { XCTAssertNil(Policy(spelling: text), text) }
        XCTAssertEqual(policies.map(\.growsBatch), [true, false, false, true, true, true, true])
        XCTAssertFalse(Policy.adabatch(r: 1).growsBatch)
        XCTAssertEqual(Policy(LoweringPolicy.hybrid(k: 2)), .hybrid(k: 2))
    }
}
