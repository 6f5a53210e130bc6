import CStockadeSys
import Glibc
import StockadeAddress

/// One direction of a relayed connection: bytes move `source` → pipe →
/// `destination` with splice(2), never through user space.
struct SpliceLane {
    var pipeRead: Int32 = -1
    var pipeWrite: Int32 = -1
    /// Bytes in the pipe not yet spliced out.
    var buffered = 0
    /// The source said EOF (or failed); nothing more will enter the pipe.
    var sourceDone = false
    /// `shutdown(SHUT_WR)` was sent to the destination after the last byte.
    var finished = false

    static let pipeSize: Int32 = 512 * 1024

    mutating func open() -> Bool {
        var fds: [Int32] = [-1, -1]
        guard stk_relay_pipe(&fds, Self.pipeSize) == 0 else { return false }
        pipeRead = fds[0]
        pipeWrite = fds[1]
        return true
    }

    mutating func close() {
        if pipeRead >= 0 { Glibc.close(pipeRead) }
        if pipeWrite >= 0 { Glibc.close(pipeWrite) }
        pipeRead = -1
        pipeWrite = -1
    }

    enum Step { case progressed, blocked, failed }

    /// Moves what it can without blocking. Returns whether anything moved,
    /// and `.failed` on an error of either socket (the caller resets both).
    mutating func pump(from source: Int32, to destination: Int32) -> Step {
        var moved = false
        while true {
            if buffered > 0 {
                let n = stk_splice(pipeRead, destination, buffered)
                if n > 0 {
                    buffered -= n
                    moved = true
                    continue
                }
                if n == -Int(EAGAIN) { return moved ? .progressed : .blocked }
                if n == -Int(EINTR) { continue }
                return .failed
            }
            if sourceDone {
                if !finished {
                    _ = shutdown(destination, Int32(SHUT_WR))
                    finished = true
                    moved = true
                }
                return moved ? .progressed : .blocked
            }
            let n = stk_splice(source, pipeWrite, Int(Self.pipeSize))
            if n > 0 {
                buffered += n
                moved = true
                continue
            }
            if n == 0 {
                sourceDone = true
                continue
            }
            if n == -Int(EAGAIN) { return moved ? .progressed : .blocked }
            if n == -Int(EINTR) { continue }
            return .failed
        }
    }

    /// The poll events this lane wants on its source and destination.
    /// `pump` reads the source only once the pipe is empty, so asking for
    /// POLLIN while bytes wait would wake the loop for nothing, again and
    /// again, whenever the destination stops reading.
    var sourceEvents: Int16 { sourceDone || buffered > 0 ? 0 : Int16(POLLIN) }
    var destinationEvents: Int16 { buffered > 0 ? Int16(POLLOUT) : 0 }
}

/// A connection the nat redirect handed to the relay, from accept to close.
final class RelayConnection {
    enum Phase {
        /// Reading the client's first bytes (on name-checked ports).
        case firstFlight
        /// Connecting out; `head` holds the bytes already read from the client.
        case connecting
        /// Splicing both ways (after `head` went out).
        case relaying
    }

    let id: UInt64
    let client: Int32
    let destination: IPAddress
    let port: UInt16
    let expecting: FirstFlightProtocol?
    var phase: Phase
    var deadline: Double
    var upstream: Int32 = -1
    /// Client bytes read before the decision, sent upstream first.
    var head: [UInt8] = []
    var headSent = 0
    var up = SpliceLane()
    var down = SpliceLane()
    /// The name the connection was allowed for (or audited under).
    var name: String?
    /// When it was accepted (monotonic), for the time-to-first-byte figure.
    let accepted: Double

    init(id: UInt64, client: Int32, destination: IPAddress, port: UInt16, expecting: FirstFlightProtocol?, deadline: Double, now: Double) {
        self.id = id
        self.client = client
        self.destination = destination
        self.port = port
        self.expecting = expecting
        self.phase = expecting == nil ? .connecting : .firstFlight
        self.deadline = deadline
        self.accepted = now
    }

    /// Descriptors and events to poll for this connection.
    var pollDescriptors: [pollfd] {
        switch phase {
        case .firstFlight:
            return [pollfd(fd: client, events: Int16(POLLIN), revents: 0)]
        case .connecting:
            return upstream >= 0 ? [pollfd(fd: upstream, events: Int16(POLLOUT), revents: 0)] : []
        case .relaying:
            let headPending = headSent < head.count
            let clientEvents = (headPending ? 0 : up.sourceEvents) | down.destinationEvents
            let upstreamEvents = down.sourceEvents | (headPending ? Int16(POLLOUT) : up.destinationEvents)
            // A descriptor with nothing to wait for is left out: poll(2)
            // reports hang-ups even for zero events, and a peer that has
            // closed its side would otherwise wake the loop on every pass
            // while the other lane waits. Until the connection is done, one
            // lane always waits for something, and an error of either
            // socket surfaces at its next splice.
            return [pollfd(fd: client, events: clientEvents, revents: 0),
                    pollfd(fd: upstream, events: upstreamEvents, revents: 0)].filter { $0.events != 0 }
        }
    }

    var isDone: Bool { up.finished && down.finished && up.buffered == 0 && down.buffered == 0 }

    func closeAll(reset: Bool) {
        if reset { stk_close_reset(client) } else { close(client) }
        if upstream >= 0 {
            if reset { stk_close_reset(upstream) } else { close(upstream) }
            upstream = -1
        }
        up.close()
        down.close()
    }
}
