internal import CMnl

/// Sends ``NftBatch``es over a `NETLINK_NETFILTER` socket and checks every acknowledgement.
public struct NftExecutor: Sendable {
    /// `NETLINK_NETFILTER` (linux/netlink.h).
    public static let netlinkProtocol: Int32 = NETLINK_NETFILTER

    public let socket: NetlinkSocket

    /// Uses `socket`, which must be a `NETLINK_NETFILTER` socket in the namespace whose
    /// ruleset is to change.
    public init(socket: NetlinkSocket) {
        self.socket = socket
    }

    /// Applies `batch` atomically. Throws the first message the kernel rejected (step
    /// `kernel`, its errno, its summary as target); nothing of the batch is applied then.
    public func apply(_ batch: NftBatch) throws(NetlinkError) {
        let target = batch.messages.first?.summary ?? "empty batch"
        try socket.send(batch.bytes, target: target)
        // nfnetlink processes the whole batch inside sendto(), so every answer is already
        // queued: read until the queue is empty instead of waiting.
        var acknowledged = Set<UInt32>()
        var firstError: NetlinkError?
        while let datagram = try socket.receive(wait: false, target: target) {
            for message in NetlinkMessage.split(datagram) {
                guard let code = message.ackErrno else { continue }
                if code == 0 {
                    acknowledged.insert(message.sequence)
                } else if firstError == nil {
                    let summary = batch.summary(forSequence: message.sequence) ?? "batch (sequence \(message.sequence))"
                    firstError = NetlinkError(step: .kernel, errno: code, target: summary)
                }
            }
        }
        if let firstError { throw firstError }
        if let missing = batch.messages.first(where: { !acknowledged.contains($0.sequence) }) {
            throw NetlinkError(step: .receive, errno: 0, target: "no acknowledgement for \(missing.summary)")
        }
    }
}
