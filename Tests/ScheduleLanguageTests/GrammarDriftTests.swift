import TestSupport
import XCTest
@testable import ScheduleLanguage

/// Grammar/sched.ebnf is normative. These tests read it with a recogniser written
/// independently of the parser (Support/EBNF.swift) and fail when the two disagree, in both
/// directions:
/// - every sample and every golden case without a declared syntax error is accepted by the
///   grammar AND parses without syntax errors; golden cases declaring one are rejected by both;
/// - sentences generated at random from the grammar parse without syntax errors;
/// - on thousands of token-level mutations, on every one-token substitution of every
///   statement form, and on every single character in several contexts, "the grammar
///   accepts" ⇔ "the parser reports no syntax error".
final class GrammarDriftTests: XCTestCase {
    let grammar = TestFiles.grammar

    func parserAccepts(_ text: String) -> Bool {
        !Parser.parse(SourceFile(path: "t", text: text)).hasSyntaxErrors
    }

    func testTheGrammarFileIsWellFormed() {
        XCTAssertEqual(grammar.startSymbol, "file")
        // Every syntactic rule is reachable from the start symbol (no dead rules to drift).
        var reached: Set<String> = []
        var pending = [grammar.startSymbol]
        while let name = pending.popLast() {
            guard reached.insert(name).inserted else { continue }
            pending += references(in: grammar.rules[name]!)
        }
        for name in grammar.order where !EBNFGrammar.isLexical(name) {
            XCTAssertTrue(reached.contains(name), "rule '\(name)' is unreachable")
        }
    }

    func references(in expression: EBNFGrammar.Expression) -> [String] {
        switch expression {
        case .alternatives(let items), .sequence(let items): return items.flatMap(references(in:))
        case .optional(let e), .repetition(let e), .notFollowedBy(let e): return references(in: e)
        case .except(let a, let b): return references(in: a) + references(in: b)
        case .reference(let name): return [name]
        default: return []
        }
    }

    func testSamplesAreAcceptedByTheGrammarAndTheParser() {
        XCTAssertGreaterThanOrEqual(TestFiles.samples.count, 7)
        for url in TestFiles.samples {
            let text = TestFiles.read(url)
            XCTAssertTrue(grammar.accepts(text), "the grammar rejects \(url.lastPathComponent)")
            XCTAssertTrue(parserAccepts(text), "the parser rejects \(url.lastPathComponent)")
        }
    }

    func testGoldenCasesAgreeWithTheirDeclaredSyntax() {
        let cases = TestFiles.diagnosticCases
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for golden in cases {
            let expectsValid = !golden.expectsSyntaxError
            if golden.exceedsImplementationLimit {
                XCTAssertTrue(grammar.accepts(golden.text), "\(golden.name): an implementation limit, not a grammar rule")
                XCTAssertFalse(parserAccepts(golden.text), golden.name)
                continue
            }
            XCTAssertEqual(grammar.accepts(golden.text), expectsValid,
                           "\(golden.name): the grammar \(expectsValid ? "rejects" : "accepts") it")
            XCTAssertEqual(parserAccepts(golden.text), expectsValid,
                           "\(golden.name): the parser \(expectsValid ? "rejects" : "accepts") it")
        }
        for url in TestFiles.formatCases {
            let text = TestFiles.read(url)
            XCTAssertTrue(grammar.accepts(text) && parserAccepts(text), url.lastPathComponent)
        }
    }

    func testGeneratedSentencesParseWithoutSyntaxErrors() {
        var generator = SentenceGenerator(grammar: grammar, seed: 2018)
        for index in 0..<300 {
            let text = generator.file()
            XCTAssertTrue(grammar.accepts(text), "generator produced a sentence the grammar rejects (#\(index)):\n\(text)")
            let tree = Parser.parse(SourceFile(path: "generated", text: text))
            XCTAssertEqual(tree.diagnostics.map { "\($0.code) \($0.message)" }, [], "sentence #\(index):\n\(text)")
            XCTAssertEqual(tree.reconstructedText(), text)
            _ = ScheduleCompiler.compile(SourceFile(path: "generated", text: text)) // must not crash
        }
        for name in grammar.order where !EBNFGrammar.isLexical(name) {
            XCTAssertGreaterThan(generator.expansions[name] ?? 0, 0, "the generator never reached '\(name)'")
        }
    }

    func testEveryCharacterInSeveralContexts() {
        var characters = (0..<128).map { String(Unicode.Scalar(UInt8($0))) }
        characters += ["é", "ε", "×", "−", "中", "😀", "\u{FEFF}", "\u{A0}", "\u{301}", "\r\n"]
        let contexts = ["x #", "lr 1#5\n", "#", "at epoch 1#: noise /= 2\n", "at 5#: lr = 1\n", "data a(b: #)\n",
                        "every 2 epochs #from 1: lr *= 2\n", "m [1#, 2]\n", "a -#1\n", "at step 1: b /= 1#, keep noise\n"]
        for context in contexts {
            for character in characters {
                let text = context.replacingOccurrences(of: "#", with: character)
                XCTAssertEqual(grammar.accepts(text), parserAccepts(text), "disagreement on \(text.debugDescription)")
            }
        }
    }

    func testMutatedSamplesAgree() {
        let inputs = TestFiles.samples.map(TestFiles.read)
        var mutator = Mutator(seed: 11)
        var accepted = 0
        for index in 0..<1500 {
            let text = mutator.mutate(inputs[index % inputs.count])
            let byGrammar = grammar.accepts(text)
            if byGrammar { accepted += 1 }
            XCTAssertEqual(byGrammar, parserAccepts(text), "disagreement on mutant #\(index):\n\(text)")
        }
        // Both verdicts occur, or the comparison says little.
        XCTAssertGreaterThan(accepted, 100)
        XCTAssertLessThan(accepted, 1400)
    }

    /// Every statement form the project writes (samples, golden cases, the forms below), with
    /// each token replaced in turn by each keyword or punctuation mark: catches a keyword or
    /// form one side knows and the other does not, which random mutation rarely produces.
    func testOneTokenSubstitutionsAgree() {
        var lines: Set<String> = [
            "at step 100: lr = 0.1", "at steps 100, 200: batch *= 2", "at epochs 1.5: momentum = 0.9, keep noise",
            "every 2 steps from 4 until 10: lr /= 2", "every 1 epoch until 3: noise *= 0.5", "at 10%, 20%: noise /= 2",
            "data size 50k", "warmup 5 epochs", "model mlp(hidden: [1, 2])", "optimizer adam(beta1: 0.9, beta2: 0.99)",
            "lr -5e-4", "policy hybrid(1)", "x a(b, c: [d, -1], [])",
            "adapt batch(every: 50 steps, gap: 1 epoch, keep: lr)", "adapt x(7, x: -7 epochs, x: [7], x: x(7))",
        ]
        let files = TestFiles.samples.map(TestFiles.read)
            + TestFiles.diagnosticCases.filter { !$0.expectsSyntaxError }.map(\.text)
        let words = ["at", "every", "adapt", "epoch", "epochs", "step", "steps", "from", "until", "keep", "noise", "size",
                     ":", ",", "(", ")", "[", "]", "=", "*=", "/=", "*", "/", "+", "-", "%", "7", "0.5", "1.", "x"]
        // One line per shape: names that are not keywords become `x`, numbers `7`.
        for text in files {
            for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
                let source = SourceFile(path: "l", text: String(line))
                let shape = Lexer.tokenize(source).filter { !$0.isLineEnd }.map { token -> String in
                    let text = source.slice(token.range)
                    switch token.kind {
                    case .identifier: return words.contains(text) ? text : "x"
                    case .number: return "7"
                    default: return text
                    }
                }
                lines.insert(shape.joined(separator: " "))
            }
        }
        var checked = 0
        for line in lines.sorted() {
            let source = SourceFile(path: "l", text: line)
            let tokens = Lexer.tokenize(source).filter { !$0.isLineEnd }
            guard tokens.count <= 24 else { continue } // the forms, not the stress cases
            for (index, token) in tokens.enumerated() {
                for word in words {
                    var pieces = tokens.map { source.slice($0.range) }
                    pieces[index] = word
                    let text = pieces.joined(separator: " ") + "\n"
                    XCTAssertEqual(grammar.accepts(text), parserAccepts(text), "disagreement on \(text.debugDescription)")
                    checked += 1
                }
                _ = token
            }
        }
        XCTAssertGreaterThan(checked, 1000)
    }
}
