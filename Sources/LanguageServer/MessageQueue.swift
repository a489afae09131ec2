import Foundation

/// The messages read but not yet handled, shared by the thread that reads the input and the one
/// that serves. Reading ahead is what makes cancellation and dropping stale work possible: a
/// `$/cancelRequest` is noted as soon as it is read, before the server reaches the request it
/// cancels, and a change followed by a newer change to the same document need not be analysed.
public final class MessageQueue: @unchecked Sendable {
    public enum Item: Sendable {
        case message(IncomingMessage)
        case framingError(FramingError)
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var head = 0
    private var closed = false
    private var cancelled: Set<RequestID> = []

    public init() {}

    /// Queues one framed item (decoding the message's envelope on the caller's thread).
    public func push(_ framed: FramedItem) {
        let item: Item
        switch framed {
        case .message(let body): item = .message(IncomingMessage(body: body))
        case .error(let error): item = .framingError(error)
        }
        condition.lock()
        if case .message(let message) = item, let id = message.cancelledID { cancelled.insert(id) }
        items.append(item)
        condition.signal()
        condition.unlock()
    }

    /// No more input: `pop` returns nil once the queue is empty.
    public func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next item, waiting for one; nil at the end of the input.
    public func pop() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while head == items.count, !closed { condition.wait() }
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 1024, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }

    /// The next item if one is waiting, without waiting (for tests that feed the queue by hand).
    public func popAvailable() -> Item? {
        condition.lock()
        let waiting = head < items.count
        condition.unlock()
        return waiting ? pop() : nil
    }

    /// Whether the client cancelled request `id`; the cancellation is used up (an id may be reused later).
    public func takeCancellation(of id: RequestID) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled.remove(id) != nil
    }

    /// Whether a change to (or the closing of) `uri` is waiting: the current version is stale then.
    public func hasPendingChange(to uri: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return items[head...].contains { item in
            guard case .message(let message) = item, message.documentURI == uri else { return false }
            return message.method == "textDocument/didChange" || message.method == "textDocument/didClose"
        }
    }
}
