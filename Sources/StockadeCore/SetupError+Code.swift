import StockadeNet

extension SetupError {
    /// Stable snake_case codes of `sandbox.error`; events, tests and
    /// docs/events.md ("Error codes") key on the raw values.
    public enum Code: String, Equatable, Sendable, CaseIterable, Codable {
        // The supervisor's own steps.
        case registry = "registry"
        case limitsUnenforceable = "limits_unenforceable"
        case cgroup = "cgroup"
        case pipe = "pipe"
        case clone = "clone"
        case handshake = "handshake"
        case idMap = "id_map"
        case setup = "setup"
        case commandNotFound = "command_not_found"
        case commandNotExecutable = "command_not_executable"
        case relay = "relay"
        case seccompListener = "seccomp_listener"
        case socketHandoff = "socket_handoff"
        case landlockUnavailable = "landlock_unavailable"
        case landlockPartial = "landlock_partial"

        // Bind sources, opened by the parent before clone.
        case bindSource = "bind_source"
        case bindSourceMissing = "bind_source_missing"
        case bindSourceDenied = "bind_source_denied"
        case bindSourceChanged = "bind_source_changed"
        case bindAttributes = "bind_attributes"
        case bindDevice = "bind_device"
        case untrustedSymlink = "untrusted_symlink"
        case pathUnresolvable = "path_unresolvable"
        case callerIdentity = "caller_identity"

        // The egress runtime.
        case egress = "egress"
        case egressFiles = "egress_files"
        case egressFilesDirectory = "egress_files_directory"
        case invalidCIDR = "invalid_cidr"
        case invalidDomain = "invalid_domain"
        case dnsListen = "dns_listen"
        case dnsUpstream = "dns_upstream"
        /// A DNS proxy socket call failed (`dns_proxy_<step>`).
        case dnsProxy = "dns_proxy"
        case dnsProxyUDPListen = "dns_proxy_udp_listen"
        case dnsProxyTCPListen = "dns_proxy_tcp_listen"
        case dnsProxyUDPListenSocket = "dns_proxy_udp_listen_socket"
        case dnsProxyTCPListenSocket = "dns_proxy_tcp_listen_socket"
        case dnsProxyUpstreamUDPSocket = "dns_proxy_upstream_udp_socket"
        case dnsProxyUpstreamTCPSocket = "dns_proxy_upstream_tcp_socket"
        case dnsProxyUpstreamUDPConnect = "dns_proxy_upstream_udp_connect"
        case dnsProxyUpstreamTCPConnect = "dns_proxy_upstream_tcp_connect"
        // Netlink (`netlink_<step>`, NetlinkError.Step).
        case netlinkOpenSocket = "netlink_open_socket"
        case netlinkEnterNamespace = "netlink_enter_namespace"
        case netlinkBuild = "netlink_build"
        case netlinkSend = "netlink_send"
        case netlinkReceive = "netlink_receive"
        case netlinkKernel = "netlink_kernel"
        case netlinkParse = "netlink_parse"

        // The C child's steps: the code is the step's name (stk_step_name).
        // The reserved steps (STK_STEP_WAIT_GO, STK_STEP_SIGNALS) have none:
        // nothing reports them.
        case unknown = "unknown"
        case none = "none"
        case pdeathsig = "pdeathsig"
        case closeFds = "close_fds"
        case unshareCgroup = "unshare_cgroup"
        case securebitsEarly = "securebits_early"
        case setgroups = "setgroups"
        case setgid = "setgid"
        case setuid = "setuid"
        case mountPrivate = "mount_private"
        case mountRoot = "mount_root"
        case mountOp = "mount_op"
        case pivotRoot = "pivot_root"
        case detachOldRoot = "detach_old_root"
        case hostname = "hostname"
        case loopback = "loopback"
        case rlimit = "rlimit"
        case chdir = "chdir"
        case capsBounding = "caps_bounding"
        case capsAmbient = "caps_ambient"
        case securebits = "securebits"
        case capset = "capset"
        case noNewPrivs = "no_new_privs"
        case dumpable = "dumpable"
        case seccomp = "seccomp"
        case listenerHandoff = "listener_handoff"
        case fork = "fork"
        case exec = "exec"
        case pty = "pty"
        case landlockRuleset = "landlock_ruleset"
        case landlockRule = "landlock_rule"
        case landlockRestrict = "landlock_restrict"
        case netSockets = "net_sockets"
        case setsid = "setsid"

        /// The code of a failed child step, named by stk_step_name. A name
        /// this enum lacks (a step added in C only, or a reserved one)
        /// becomes `unknown`; a test walks every STK_STEP so that does not
        /// happen unnoticed.
        public init(childStep name: String) {
            self = Code(rawValue: name) ?? .unknown
        }
    }
}

extension NetlinkError {
    /// The `sandbox.error` code: `netlink_<step>`.
    var setupCode: SetupError.Code {
        switch step {
        case .openSocket: return .netlinkOpenSocket
        case .enterNamespace: return .netlinkEnterNamespace
        case .build: return .netlinkBuild
        case .send: return .netlinkSend
        case .receive: return .netlinkReceive
        case .kernel: return .netlinkKernel
        case .parse: return .netlinkParse
        }
    }
}

extension DNSServerError {
    /// The `sandbox.error` code: `dns_proxy_<step>`, or `dns_proxy` for a
    /// step this enum does not name.
    var setupCode: SetupError.Code {
        SetupError.Code(rawValue: code) ?? .dnsProxy
    }
}
