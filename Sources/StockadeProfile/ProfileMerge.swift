/// How a child profile is laid over its parent chain.
///
/// Lists append (parent first) with duplicates removed; scalars set in the
/// child win; `env.set` and `limits.rlimits` entries replace same-named
/// parent entries; the seccomp section merges as `SeccompFragment.applied`.
enum ProfileMerge {
    static func merge(parent: Profile, child: ProfileDocument) -> Profile {
        var merged = parent
        let c = child.profile
        merged.name = c.name
        merged.description = c.description ?? parent.description
        merged.actor = c.actor ?? parent.actor

        merged.filesystem.readOnly.appendUnique(contentsOf: c.filesystem.readOnly)
        merged.filesystem.readWrite.appendUnique(contentsOf: c.filesystem.readWrite)
        merged.filesystem.tmpfs.appendUnique(contentsOf: c.filesystem.tmpfs)
        merged.filesystem.hide.appendUnique(contentsOf: c.filesystem.hide)
        merged.filesystem.mask.appendUnique(contentsOf: c.filesystem.mask)
        merged.filesystem.workspace = c.filesystem.workspace ?? parent.filesystem.workspace
        merged.filesystem.requireLandlock = c.filesystem.requireLandlock ?? parent.filesystem.requireLandlock
        merged.filesystem.unmask.appendUnique(contentsOf: c.filesystem.unmask)

        merged.env.pass.appendUnique(contentsOf: c.env.pass)
        merged.env.secret.appendUnique(contentsOf: c.env.secret)
        for assignment in c.env.set {
            if let index = merged.env.set.firstIndex(where: { $0.name == assignment.name }) {
                merged.env.set[index].value = assignment.value
            } else {
                merged.env.set.append(assignment)
            }
        }

        merged.process.user = c.process.user ?? parent.process.user
        merged.process.group = c.process.group ?? parent.process.group
        merged.process.hostname = c.process.hostname ?? parent.process.hostname

        merged.limits.memoryBytes = c.limits.memoryBytes ?? parent.limits.memoryBytes
        merged.limits.pids = c.limits.pids ?? parent.limits.pids
        merged.limits.cpus = c.limits.cpus ?? parent.limits.cpus
        merged.limits.timeoutSeconds = c.limits.timeoutSeconds ?? parent.limits.timeoutSeconds
        merged.limits.killAfterSeconds = c.limits.killAfterSeconds ?? parent.limits.killAfterSeconds
        merged.limits.require = c.limits.require ?? parent.limits.require
        for setting in c.limits.rlimits {
            if let index = merged.limits.rlimits.firstIndex(where: { $0.name == setting.name }) {
                merged.limits.rlimits[index] = setting
            } else {
                merged.limits.rlimits.append(setting)
            }
        }

        merged.network.mode = c.network.mode ?? parent.network.mode
        merged.network.allow.appendUnique(contentsOf: c.network.allow)
        merged.network.presets.appendUnique(contentsOf: c.network.presets)
        merged.network.dnsUpstream = c.network.dnsUpstream ?? parent.network.dnsUpstream
        merged.network.allowPrivate.appendUnique(contentsOf: c.network.allowPrivate)
        merged.network.dnsTimeoutSeconds = c.network.dnsTimeoutSeconds ?? parent.network.dnsTimeoutSeconds
        merged.network.allowECH.appendUnique(contentsOf: c.network.allowECH)

        if let fragment = child.seccomp {
            merged.seccomp.policy = fragment.applied(to: parent.seccomp.policy)
            if let oci = fragment.oci {
                merged.seccomp.skippedSyscalls = oci.skippedSyscalls
            }
        }
        for setting in c.events.rateLimits {
            merged.events.rateLimits.removeAll { $0.type == setting.type }
            merged.events.rateLimits.append(setting)
        }
        merged.sources.appendUnique(contentsOf: c.sources)
        return merged
    }
}
