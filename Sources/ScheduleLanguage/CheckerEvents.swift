/// Checks of event statements: targets and operators (S116–S119), values (S105, S106, S111),
/// units and times (S112, S113), order (S114), conflicts (S115) and `every` expansion (S120).
struct CheckedEvent: Sendable {
    var event: ScheduleEvent
    /// Index of the statement in the tree (source order).
    var statement: Int
    /// Position in epochs for epoch and percentage times (nil when `epochs` is invalid);
    /// nil for step times.
    var epoch: Double?
    var step: Int?
    /// How the time reads in a message; an `every` event's words are made only when a message
    /// needs them (formatting ten thousand times per statement was most of the checker's time).
    var time: TimeText

    enum TimeText: Sendable {
        case written(String)
        case every(unit: String, time: Double)
    }

    /// "epoch 60", "step 1000", "50% (epoch 100)".
    var timeDescription: String {
        switch time {
        case .written(let text): return text
        case .every(let unit, let time): return "\(unit) \(NumberLiteral.describe(time))"
        }
    }
}

extension Checker {
    /// The most events one `every` statement may expand to.
    static let maximumExpansion = 10_000

    mutating func checkEvents() {
        var latestEpoch: (time: Double, description: String, range: SourceRange)?
        var latestStep: (time: Int, description: String, range: SourceRange)?
        events.reserveCapacity(tree.statements.count)
        // Statements are written in the order of their first times (within a unit: steps and
        // epochs are not comparable before planning). A list may reach past the next statement:
        // `at epoch 10, 100: ...` then `at epoch 50: ...` is fine.
        func checkOrder(of checked: Range<Int>, statementRange: SourceRange) {
            guard !checked.isEmpty else { return }
            let first = events[checked.lowerBound]
            if let epoch = first.epoch {
                if let latest = latestEpoch, epoch < latest.time - 1e-9 {
                    reportOutOfOrder(first, after: latest.description, at: latest.range)
                } else {
                    latestEpoch = (epoch, first.timeDescription, statementRange)
                }
            } else if let step = first.step {
                if let latest = latestStep, step < latest.time {
                    reportOutOfOrder(first, after: latest.description, at: latest.range)
                } else {
                    latestStep = (step, first.timeDescription, statementRange)
                }
            }
        }
        for index in tree.statements.indices {
            // A statement the last version checked: its conclusions, without reading its syntax.
            if let reused = reuseCheck(ofStatement: index) {
                if let events = reused.events, reused.isAt { checkOrder(of: events, statementRange: reused.range) }
                continue
            }
            switch tree.statements[index] {
            case .at(let syntax) where syntax.isComplete:
                guard let checked = appendCheckedEvents(ofStatement: index, range: syntax.range, isAt: true,
                                                        rereadsOtherStatements: Checker.rereadsOtherStatements(syntax.action),
                                                        { $0.checkAt(syntax, statement: index) }) else { continue }
                checkOrder(of: checked, statementRange: syntax.range)
            case .every(let syntax) where syntax.isComplete:
                _ = appendCheckedEvents(ofStatement: index, range: syntax.range, isAt: false,
                                        rereadsOtherStatements: Checker.rereadsOtherStatements(syntax.action),
                                        { $0.checkEvery(syntax, statement: index) })
            default:
                continue
            }
        }
        checkConflicts()
    }

    mutating func reportOutOfOrder(_ event: CheckedEvent, after earlier: String, at range: SourceRange) {
        error(.eventsOutOfOrder, "this event (\(event.timeDescription)) is written after an event at \(earlier)", at: event.event.timeRange,
              notes: [.init("the later event is here; write 'at' statements in the order of their first times", range: range)])
    }

    // MARK: - at

    mutating func checkAt(_ syntax: AtEventSyntax, statement: Int) -> [CheckedEvent]? {
        let action = syntax.action!
        let change = checkAction(action)
        let epochs = values.epochs
        var checked: [CheckedEvent] = []
        var ok = change != nil
        var previous: (value: Double, syntax: TimeSyntax)?
        for time in syntax.times where !time.number.isMalformed {
            let value = time.number.value
            var eventTime: EventTime?
            var epoch: Double?
            var step: Int?
            var description = ""
            if time.isPercent {
                description = "\(NumberLiteral.describe(value))%"
                if value >= 100 {
                    error(.outsideTheRun, "\(description) is not within the run", at: time.range,
                          notes: [.init("a percentage of the run is at least 0% and less than 100%")])
                    ok = false
                    continue
                }
                eventTime = .fraction(value / 100)
                if let epochs {
                    epoch = value * Double(epochs) / 100
                    description += " (epoch \(NumberLiteral.describe(epoch!)))"
                }
            } else if syntax.unit!.unit == .epoch {
                description = "epoch \(NumberLiteral.describe(value))"
                if let epochs, value >= Double(epochs) {
                    error(.outsideTheRun, "\(description) is not within the run (\(English.count(epochs, "epoch")))", at: time.range,
                          notes: [.init("events happen at epoch 0 up to, but not at, the end of the run", range: written["epochs"]?.range)])
                    ok = false
                    continue
                }
                eventTime = .epoch(value)
                epoch = value
            } else {
                guard let steps = wholeSteps(time.number, "a step") else {
                    ok = false
                    continue
                }
                description = "step \(steps)"
                if let limit = maximumUpdates(), steps >= limit {
                    error(.outsideTheRun, "\(description) is after the end of the run", at: time.range,
                          notes: [.init("\(values.epochs!) epochs of N = \(values.dataset!.trainingSize) examples take fewer than \(limit) updates at any batch size")])
                    ok = false
                    continue
                }
                eventTime = .step(steps)
                step = steps
            }
            let comparable = epoch ?? step.map(Double.init) ?? value
            if let previous {
                if comparable == previous.value {
                    error(.eventsOutOfOrder, "\(description) is listed twice", at: time.range,
                          fixIts: [.remove(SourceRange(start: previous.syntax.range.end, end: time.range.end), "remove the repeated time")])
                    ok = false
                    continue
                } else if comparable < previous.value {
                    error(.eventsOutOfOrder, "times must increase: \(description) follows a later time", at: time.range,
                          notes: [.init("the later time", range: previous.syntax.range)])
                    ok = false
                    continue
                }
            }
            previous = (comparable, time)
            if let change, let eventTime {
                checked.append(CheckedEvent(
                    event: ScheduleEvent(time: eventTime, target: change.target, operation: change.operation,
                                         keepNoise: change.keepNoise, range: syntax.range, timeRange: time.range),
                    statement: statement, epoch: epoch, step: step, time: .written(description)))
            }
        }
        return ok ? checked : nil
    }

    /// An upper bound on the number of updates in the run (every batch holds at least one
    /// example): step times at or past it are certainly outside the run. The planner knows
    /// the exact count.
    func maximumUpdates() -> Int? {
        guard let epochs = values.epochs, let size = values.dataset?.trainingSize else { return nil }
        let (product, overflow) = epochs.multipliedReportingOverflow(by: size)
        return overflow ? nil : product
    }

    // MARK: - every

    mutating func checkEvery(_ syntax: EveryEventSyntax, statement: Int) -> [CheckedEvent]? {
        let change = checkAction(syntax.action!)
        let unit = syntax.unit.unit
        var ok = change != nil
        func read(_ number: NumberSyntax, _ subject: String, positive: Bool) -> Double? {
            if number.isMalformed { return nil }
            if unit == .step {
                guard let steps = wholeSteps(number, subject) else { return nil }
                if positive, steps < 1 {
                    error(.outOfRange, "\(subject) must be positive, found 0", at: number.range)
                    return nil
                }
                return Double(steps)
            }
            return positive ? real(number, subject, greaterThan: 0) : real(number, subject, atLeast: 0)
        }
        let interval = read(syntax.interval, "the interval", positive: true)
        let from = syntax.from.map { read($0, "'from'", positive: false) } ?? interval
        var until: Double?
        if let untilSyntax = syntax.until {
            until = read(untilSyntax, "'until'", positive: false)
            if let value = until, unit == .epoch, let epochs = values.epochs, value > Double(epochs) {
                error(.outsideTheRun, "until \(NumberLiteral.describe(value)) is after the end of the run (\(English.count(epochs, "epoch")))", at: untilSyntax.range,
                      fixIts: [.replace(untilSyntax.range, with: String(epochs), "end at the end of the run")])
                ok = false
            }
            if let value = until, unit == .step, let limit = maximumUpdates(), value > Double(limit) {
                error(.outsideTheRun, "until step \(NumberLiteral.describe(value)) is after the end of the run", at: untilSyntax.range,
                      notes: [.init("\(values.epochs!) epochs of N = \(values.dataset!.trainingSize) examples take fewer than \(limit) updates at any batch size")])
                ok = false
            }
        } else if unit == .epoch {
            until = values.epochs.map(Double.init)
        } else {
            error(.every, "'every ... steps' needs 'until'", at: syntax.clauseRange,
                  notes: [.init("the run's length in steps is known only after planning; write e.g. 'every 500 steps until 5000'")])
            ok = false
        }
        guard ok, let interval, let from, let until else { return nil }
        let unitName = unit == .epoch ? "epoch" : "step"
        if let fromSyntax = syntax.from, unit == .epoch, let epochs = values.epochs, from >= Double(epochs) {
            error(.outsideTheRun, "from \(NumberLiteral.describe(from)) is not within the run (\(English.count(epochs, "epoch")))", at: fromSyntax.range)
            return nil
        }
        let tolerance = 1e-9 * max(1, abs(until))
        guard from < until - tolerance else {
            error(.every, "this 'every' produces no events: it starts at \(unitName) \(NumberLiteral.describe(from)), which is not before its end (\(NumberLiteral.describe(until)))",
                  at: syntax.clauseRange,
                  notes: [.init("'every I from F until U' happens at F, F + I, F + 2I, ... while the time is less than U")])
            return nil
        }
        let estimate = ((until - tolerance - from) / interval).rounded(.down) + 1
        guard estimate <= Double(Checker.maximumExpansion) else {
            error(.every, "this 'every' expands to \(NumberLiteral.describe(estimate)) events; at most \(Checker.maximumExpansion) are allowed",
                  at: syntax.clauseRange)
            return nil
        }
        let count = Int(estimate)
        guard let change else { return nil }
        var expanded: [CheckedEvent] = []
        for k in 0..<count {
            let time = from + Double(k) * interval
            if time >= until - tolerance { break }
            let eventTime: EventTime = unit == .epoch ? .epoch(time) : .step(Int(time))
            expanded.append(CheckedEvent(
                event: ScheduleEvent(time: eventTime, target: change.target, operation: change.operation,
                                     keepNoise: change.keepNoise, range: syntax.range, timeRange: syntax.clauseRange),
                statement: statement, epoch: unit == .epoch ? time : nil, step: unit == .step ? Int(time) : nil,
                time: .every(unit: unitName, time: time)))
        }
        return expanded
    }

    // MARK: - Actions

    /// What an action changes and how; nil after reporting what is wrong with it.
    mutating func checkAction(_ action: ActionSyntax) -> (target: EventTarget, operation: EventOperation, keepNoise: Bool)? {
        guard let target = EventTarget(rawValue: action.target.text) else {
            let names = EventTarget.allCases.map(\.rawValue)
            let suggestion = Suggestion.closest(to: action.target.text, in: names)
                ?? ["learning_rate": "lr", "batch_size": "batch", "bs": "batch", "m": "momentum", "g": "noise",
                    "noise_scale": "noise", "temperature": "noise"][action.target.text.lowercased()]
            error(.unknownEventTarget, "unknown event target '\(action.target.text)'", at: action.target.range,
                  notes: [.init("an event changes noise, lr, batch or momentum")],
                  fixIts: suggestion.map { [.replace(action.target.range, with: $0, "did you mean '\($0)'?")] } ?? [])
            return nil
        }
        var ok = true
        switch (target, action.operation) {
        case (.noise, .assign):
            error(.operatorNotAllowedForTarget, "the noise scale can only be multiplied or divided", at: action.operatorRange,
                  notes: [.init("g = εN/(B(1 − m)) has no meaningful absolute value in a schedule; write e.g. 'noise /= 5'")])
            ok = false
        case (.momentum, .multiply), (.momentum, .divide):
            error(.operatorNotAllowedForTarget, "momentum can only be set, e.g. 'momentum = 0.95'", at: action.operatorRange)
            ok = false
        default:
            break
        }
        if target == .momentum, values.optimizer?.kind == .adam {
            error(.momentumUnderAdam, "adam has no momentum to change", at: action.target.range,
                  notes: [.init("Adam's beta1 is not the momentum m of the noise scale g = εN/(B(1 − m)); schedule lr or noise instead"),
                          .init("the optimizer is set here", range: written["optimizer"]?.range)])
            ok = false
        }
        if let keep = action.keepNoise, target == .noise || target == .batch {
            let why = target == .noise ? "a noise event changes the noise scale itself"
                : "a batch event changes B directly; 'keep noise' rescales B to hold the noise while lr or momentum changes"
            error(.keepNoiseOnNoiseOrBatch, "'keep noise' applies only to lr and momentum events", at: keep,
                  notes: [.init(why)], fixIts: [.remove(keep, "remove ', keep noise'")])
            ok = false
        }
        guard ok else { return nil }
        let number = action.value
        if number.isMalformed { return nil }
        let operation: EventOperation
        switch (target, action.operation) {
        case (_, .multiply), (_, .divide):
            guard let factor = real(number, "the factor", greaterThan: 0) else { return nil }
            operation = action.operation == .multiply ? .multiply(factor) : .divide(factor)
        case (.lr, .assign):
            guard let lr = real(number, "the learning rate", greaterThan: 0) else { return nil }
            operation = .set(lr)
        case (.momentum, .assign):
            guard let m = real(number, "momentum", atLeast: 0, below: 1) else { return nil }
            operation = .set(m)
        case (.batch, .assign):
            guard let batch = integer(number, "the batch size", atLeast: 1) else { return nil }
            if let ghost = values.ghost, batch % ghost != 0 {
                error(.ghostBatchDoesNotDivide, "ghost_batch \(ghost) does not divide batch \(batch)", at: number.range,
                      notes: [.init("ghost_batch is set here", range: written["ghost_batch"]?.range)])
                return nil
            }
            if !checkBatchEventLimit(batch, action: action) { return nil }
            operation = .set(Double(batch))
        default:
            return nil
        }
        return (target, operation, action.keepNoise != nil)
    }

    /// `batch = B` above max_batch (or above N without one) is an error like the setting (S109),
    /// not a silent clamp: the fix is a larger max_batch, or a noise change, which the policy
    /// can split between B (up to max_batch) and ε. The noise factor is only offered while the
    /// batch in force is the `batch` setting (no earlier event changed B or the noise).
    mutating func checkBatchEventLimit(_ batch: Int, action: ActionSyntax) -> Bool {
        let size = values.dataset?.trainingSize
        let limit: Int, limitName: String
        if let maxBatch = values.maxBatch {
            (limit, limitName) = (maxBatch, "max_batch \(maxBatch)")
        } else if let size {
            (limit, limitName) = (size, "the data set (N = \(size))")
        } else {
            return true
        }
        guard batch > limit else { return true }
        var notes: [Diagnostic.Note] = []
        var fixIts: [Diagnostic.FixIt] = []
        if let maxBatchRange = valueRange("max_batch") {
            notes.append(.init("max_batch, the largest batch the hardware takes, is set here", range: written["max_batch"]?.range))
            if size.map({ batch <= $0 }) ?? true {
                fixIts.append(.replace(maxBatchRange, with: String(batch), "raise max_batch to \(batch)"))
            }
        } else {
            notes.append(.init("max_batch defaults to N; a batch cannot hold more than the whole training set"))
        }
        let changedBefore = events.contains { $0.event.target == .batch || $0.event.target == .noise || $0.event.keepNoise }
        if let initial = values.batch, !changedBefore {
            let factor = NumberLiteral.describe(Double(batch) / Double(initial))
            fixIts.append(.replace(action.range, with: "noise /= \(factor)",
                                   "write it as a noise change: the policy grows B up to max_batch and lowers ε for the rest"))
        }
        error(.batchEventAboveMaxBatch, "batch \(batch) is larger than \(limitName)", at: action.value.range, notes: notes,
              fixIts: fixIts)
        return false
    }

    // MARK: - Conflicts

    /// Two events on the same target at the same time (S115), and a 'keep noise' rescaling of
    /// the batch at a time another event changes it.
    mutating func checkConflicts() {
        var reported: Set<Int> = []
        // Events that share a time, found by sorting typed keys first (events come nearly in time
        // order, so the sort is a pass): the string keys below (whose order decides which event
        // of a statement is reported) are built only for those.
        var keys: [(isStep: Bool, time: UInt64, event: Int)] = []
        keys.reserveCapacity(events.count)
        for index in events.indices {
            if let epoch = events[index].epoch {
                keys.append((false, (epoch * 1e6).rounded().bitPattern, index))
            } else if let step = events[index].step {
                keys.append((true, UInt64(bitPattern: Int64(step)), index))
            }
        }
        keys.sort { ($0.isStep ? 1 : 0, $0.time) < ($1.isStep ? 1 : 0, $1.time) }
        var sharesATime = [Bool](repeating: false, count: events.count)
        for position in keys.indices.dropFirst() where keys[position].isStep == keys[position - 1].isStep && keys[position].time == keys[position - 1].time {
            sharesATime[keys[position].event] = true
            sharesATime[keys[position - 1].event] = true
        }
        var groups: [String: [CheckedEvent]] = [:]
        var byTime: [String: [CheckedEvent]] = [:]
        for index in events.indices where sharesATime[index] {
            let event = events[index]
            let timeKey: String
            if let epoch = event.epoch {
                timeKey = "e\((epoch * 1e6).rounded())"
            } else if let step = event.step {
                timeKey = "s\(step)"
            } else {
                continue
            }
            groups[timeKey + event.event.target.rawValue, default: []].append(event)
            byTime[timeKey, default: []].append(event)
        }
        for key in groups.keys.sorted() {
            let group = groups[key]!
            guard let first = group.first else { continue }
            for later in group.dropFirst() where later.statement != first.statement && !reported.contains(later.statement) {
                reported.insert(later.statement)
                let target = later.event.target.rawValue
                var message = "\(target) is changed twice at \(later.timeDescription)"
                if case .set(let a) = first.event.operation, case .set(let b) = later.event.operation, a != b {
                    message = "contradictory events: \(target) is set to \(NumberLiteral.describe(a)) and to \(NumberLiteral.describe(b)) at \(later.timeDescription)"
                }
                error(.conflictingEvents, message, at: later.event.timeRange,
                      notes: [.init("the other event is here; write one event per target and time", range: first.event.range)])
            }
        }
        for key in byTime.keys.sorted() {
            let group = byTime[key]!
            guard let keep = group.first(where: { $0.event.keepNoise }),
                  let batch = group.first(where: { $0.event.target == .batch }) else { continue }
            let later = keep.statement > batch.statement ? keep : batch
            let other = keep.statement > batch.statement ? batch : keep
            guard !reported.contains(later.statement) else { continue }
            reported.insert(later.statement)
            error(.conflictingEvents, "'keep noise' rescales the batch at \(later.timeDescription), where another event also changes it",
                  at: later.event.timeRange, notes: [.init("the other event is here", range: other.event.range)])
        }
    }

    /// Events for the program: epoch and percentage times sorted by time (source order within
    /// equal times), then step times sorted by step.
    func orderedEvents(epochs: Int) -> [ScheduleEvent] {
        // Sorts (time, index) keys rather than the events: moving an event costs reference
        // counting, and a sort moves each one about log n times.
        var epochLike: [(time: Double, index: Int)] = [], stepped: [(time: Int, index: Int)] = []
        epochLike.reserveCapacity(events.count)
        for (index, event) in events.enumerated() {
            if let step = event.step { stepped.append((step, index)) } else { epochLike.append((event.epoch ?? 0, index)) }
        }
        epochLike.sort { $0.time != $1.time ? $0.time < $1.time : $0.index < $1.index }
        stepped.sort { $0.time != $1.time ? $0.time < $1.time : $0.index < $1.index }
        return epochLike.map { events[$0.index].event } + stepped.map { events[$0.index].event }
    }
}
