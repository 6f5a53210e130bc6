// Golden files for ReportTests. Regenerate by running `sandbox-run report`
// over the inputs and reviewing the diff; never accept output unread.

import Foundation

enum ReportFixtures {
    /// Input events.
    static let auditLog = #"""
{"v":1,"ts":"2026-11-22T05:02:51.123456Z","sandbox":"a1b2c3d4e5","seq":0,"type":"sandbox.start","actor":"gh/acme/app/build#42","command":["npm","ci"],"cwd":"/src/app","profile":{"name":"ci","sources":[]},"policy":{"namespaces":["user","net"],"network":"audit","egress":{"allow":["registry.npmjs.org"],"dns_upstreams":["10.0.0.53"]},"workspace":"/src/app","workspace_mode":"rw","uid":1000,"gid":1000,"hostname":"sandbox","seccomp":{"default":"deny:EPERM","rules":300,"digest":"sha256:00","instructions":600},"limits":{"kill_after_s":10},"env":{"passed":[],"set":[],"scrubbed":[]}},"kernel":{"release":"6.18.0","features":{"user_namespaces":true,"seccomp_notify":true,"pidfd":true,"landlock":6,"cgroup":"hybrid"}},"pid":100}
{"v":1,"ts":"2026-11-22T05:02:51.200000Z","sandbox":"a1b2c3d4e5","seq":1,"type":"sandbox.ready","actor":"gh/acme/app/build#42","setup_ms":40.5,"pid":101}
{"v":1,"ts":"2026-11-22T05:02:52.000000Z","sandbox":"a1b2c3d4e5","seq":2,"type":"dns.query","actor":"gh/acme/app/build#42","name":"registry.npmjs.org","qtype":"A","decision":"allow","rule":"registry.npmjs.org","answers":["104.16.1.34"]}
{"v":1,"ts":"2026-11-22T05:02:52.000100Z","sandbox":"a1b2c3d4e5","seq":3,"type":"dns.query","actor":"gh/acme/app/build#42","name":"registry.npmjs.org","qtype":"AAAA","decision":"allow","rule":"registry.npmjs.org"}
{"v":1,"ts":"2026-11-22T05:02:53.000000Z","sandbox":"a1b2c3d4e5","seq":4,"type":"dns.query","actor":"gh/acme/app/build#42","name":"codeload.github.com","qtype":"A","decision":"audit","reason":"not_allowlisted","answers":["140.82.121.9"]}
{"v":1,"ts":"2026-11-22T05:02:53.100000Z","sandbox":"a1b2c3d4e5","seq":5,"type":"net.denied","actor":"gh/acme/app/build#42","proto":"tcp","dst":"140.82.121.9","port":443,"name":"codeload.github.com","enforced":false}
{"v":1,"ts":"2026-11-22T05:02:54.000000Z","sandbox":"a1b2c3d4e5","seq":6,"type":"dns.query","actor":"gh/acme/app/build#42","name":"git.internal.example","qtype":"A","decision":"audit","reason":"not_allowlisted","answers":["203.0.113.7"]}
{"v":1,"ts":"2026-11-22T05:02:54.100000Z","sandbox":"a1b2c3d4e5","seq":7,"type":"net.denied","actor":"gh/acme/app/build#42","proto":"tcp","dst":"203.0.113.7","port":8443,"name":"git.internal.example","enforced":false}
{"v":1,"ts":"2026-11-22T05:02:54.200000Z","sandbox":"a1b2c3d4e5","seq":8,"type":"net.denied","actor":"gh/acme/app/build#42","proto":"tcp","dst":"203.0.113.7","port":8443,"name":"git.internal.example","enforced":false}
{"v":1,"ts":"2026-11-22T05:02:55.000000Z","sandbox":"a1b2c3d4e5","seq":9,"type":"dns.query","actor":"gh/acme/app/build#42","name":"telemetry.example.net","qtype":"TXT","decision":"deny","reason":"qtype_not_allowed"}
{"v":1,"ts":"2026-11-22T05:02:56.000000Z","sandbox":"a1b2c3d4e5","seq":10,"type":"syscall.denied","actor":"gh/acme/app/build#42","syscall":"ptrace","nr":101,"arch":"x86_64","errno":"EPERM","pid":7}
{"v":1,"ts":"2026-11-22T05:02:56.100000Z","sandbox":"a1b2c3d4e5","seq":11,"type":"syscall.denied","actor":"gh/acme/app/build#42","syscall":"personality","nr":135,"arch":"x86_64","errno":"EPERM","pid":7}
{"v":1,"ts":"2026-11-22T05:02:56.200000Z","sandbox":"a1b2c3d4e5","seq":12,"type":"syscall.denied","actor":"gh/acme/app/build#42","syscall":"ptrace","nr":101,"arch":"x86_64","errno":"EPERM","pid":8}
{"v":1,"ts":"2026-11-22T05:02:57.000000Z","sandbox":"a1b2c3d4e5","seq":13,"type":"future.event","actor":"gh/acme/app/build#42"}
{"v":1,"ts":"2026-11-22T05:03:10.000000Z","sandbox":"a1b2c3d4e5","seq":14,"type":"sandbox.end","actor":"gh/acme/app/build#42","exit_reason":"exit","exit_status":0,"duration_ms":18876.5,"peak_memory_bytes":314572800,"cpu_time_ms":9021.25,"pids_peak":12,"denials":{"syscalls":3,"by_syscall":{"personality":1,"ptrace":2},"limits":0},"network":{"mode":"audit","queries_allowed":2,"queries_denied":3,"packets_denied":3,"suggested_allow":["codeload.github.com","git.internal.example:8443"]}}
"""#

    /// Input events.
    static let hostileLog = #"""
{"v":1,"ts":"2026-11-22T05:02:51.123456Z","sandbox":"0000000001","seq":0,"type":"sandbox.start","actor":"ci|evil <b>x</b>","command":["sh","-c","echo `id` | tee [x](http://evil) \u001b[31m"],"cwd":"/w","profile":{"name":"strict","sources":[]},"policy":{"namespaces":["user"],"network":"filtered","egress":{"allow":["*.example.com"],"dns_upstreams":["10.0.0.53"]},"workspace":null,"workspace_mode":"none","uid":1,"gid":1,"hostname":"sandbox","seccomp":{"default":"deny:EPERM","rules":1,"digest":"sha256:00","instructions":6},"limits":{"kill_after_s":5},"env":{"passed":[],"set":[],"scrubbed":[]}},"kernel":{"release":"6.18.0","features":{"user_namespaces":true,"seccomp_notify":true,"pidfd":true,"landlock":0,"cgroup":"v2"}},"pid":100}
{"v":1,"ts":"2026-11-22T05:02:52.000000Z","sandbox":"0000000001","seq":1,"type":"dns.query","actor":"ci|evil <b>x</b>","name":"[click](https://evil.example)","qtype":"A","decision":"deny","reason":"not_allowlisted"}
{"v":1,"ts":"2026-11-22T05:02:52.100000Z","sandbox":"0000000001","seq":2,"type":"dns.query","actor":"ci|evil <b>x</b>","name":"a.example.com","qtype":"A","decision":"allow","rule":"*.example.com"}
{"v":1,"ts":"2026-11-22T05:02:52.200000Z","sandbox":"0000000001","seq":3,"type":"net.denied","actor":"ci|evil <b>x</b>","proto":"udp","dst":"192.0.2.1","port":53,"enforced":true}
{"v":1,"ts":"2026-11-22T05:02:52.300000Z","sandbox":"0000000001","seq":4,"type":"sandbox.warning","actor":"ci|evil <b>x</b>","code":"fail_on_deny","message":"the workload exited 0 but the sandbox denied 1 DNS query, 1 packet; --fail-on-deny exits 1"}
{"v":1,"ts":"2026-11-22T05:02:52.400000Z","sandbox":"0000000001","seq":5,"type":"sandbox.end","actor":"ci|evil <b>x</b>","exit_reason":"exit","exit_status":1,"duration_ms":412.4,"cpu_time_ms":3.5,"denials":{"syscalls":0,"by_syscall":{},"limits":0},"network":{"mode":"filtered","queries_allowed":1,"queries_denied":1,"packets_denied":1}}
{"v":1,"ts":"2026-11-22T05:03:00.000000Z","sandbox":"0000000002","seq":0,"type":"sandbox.error","actor":"ci","step":"profile","code":"not_found","message":"profile error: no profile 'nope'"}
{"v":1,"ts":"2026-11-22T05:03:00.000001Z","sandbox":"0000000002","seq":1,"type":"sandbox.end","actor":"ci","exit_reason":"setup_failed","exit_status":125,"duration_ms":0.0,"cpu_time_ms":0.0,"denials":{"syscalls":0,"by_syscall":{},"limits":0}}
"""#

    /// Input events.
    static let docsExampleLog = #"""
{"v":1,"ts":"2026-11-22T05:02:51.123456Z","sandbox":"sbx-7f3a9c","seq":0,"type":"sandbox.start","actor":"ci/build-1234","command":["make","test"],"cwd":"/work/repo","profile":{"name":"ci","sources":[{"path":"/etc/stockade/ci.yaml","sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"}]},"policy":{"namespaces":["user","mount","pid","uts","ipc","cgroup","net"],"network":"none","workspace":"/work/repo","workspace_mode":"rw","uid":1000,"gid":1000,"hostname":"sandbox","seccomp":{"default":"errno:EPERM","rules":312,"digest":"sha256:5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269","instructions":640},"limits":{"memory_bytes":2147483648,"pids":512,"timeout_s":600,"kill_after_s":5},"env":{"passed":["PATH","HOME","LANG"],"set":["CI"],"scrubbed":["GITHUB_TOKEN"]}},"kernel":{"release":"6.18.0","features":{"user_namespaces":true,"seccomp_notify":true,"pidfd":true,"landlock":6,"cgroup":"hybrid"}},"pid":31337}
{"v":1,"ts":"2026-11-22T05:02:51.165102Z","sandbox":"sbx-7f3a9c","seq":1,"type":"sandbox.ready","actor":"ci/build-1234","setup_ms":41.6,"pid":31340}
{"v":1,"ts":"2026-11-22T05:03:02.004871Z","sandbox":"sbx-7f3a9c","seq":2,"type":"syscall.denied","actor":"ci/build-1234","syscall":"ptrace","nr":101,"arch":"x86_64","errno":"EPERM","pid":57}
{"v":1,"ts":"2026-11-22T05:12:51.165330Z","sandbox":"sbx-7f3a9c","seq":3,"type":"timeout","actor":"ci/build-1234","after_s":600.0,"signal":"SIGTERM","phase":"term"}
{"v":1,"ts":"2026-11-22T05:12:56.166012Z","sandbox":"sbx-7f3a9c","seq":4,"type":"timeout","actor":"ci/build-1234","after_s":605.0,"signal":"SIGKILL","phase":"kill"}
{"v":1,"ts":"2026-11-22T05:12:56.171499Z","sandbox":"sbx-7f3a9c","seq":5,"type":"sandbox.end","actor":"ci/build-1234","exit_reason":"timeout","exit_status":124,"signal":"SIGKILL","duration_ms":605048.0,"peak_memory_bytes":734003200,"cpu_time_ms":1183204.5,"pids_peak":37,"denials":{"syscalls":1,"by_syscall":{"ptrace":1},"limits":0}}
"""#

    static let auditMarkdown = #"""
### Sandbox report: `npm ci`

| | |
|---|---|
| Result | passed |
| Exit | `exit, status 0` |
| Command | `npm ci` |
| Profile | `ci` |
| Actor | `gh/acme/app/build#42` |
| Sandbox | `a1b2c3d4e5` |
| Network | `audit` |
| Duration | 18.88 s |
| Peak memory | 300.0 MiB |
| CPU time | 9.02 s |
| Peak tasks | 12 |
| Denials | 4 |
| Audit findings | 5 (let through; see below) |

#### Domains allowed

| name | rule | queries |
|---|---|---:|
| `registry.npmjs.org` | `registry.npmjs.org` | 2 |

#### Domains denied (decision audit: would be denied, let through)

| name | decision | reason | queries |
|---|---|---|---:|
| `codeload.github.com` | `audit` | `not_allowlisted` | 1 |
| `git.internal.example` | `audit` | `not_allowlisted` | 1 |
| `telemetry.example.net` | `deny` | `qtype_not_allowed` | 1 |

#### Connections denied (enforced no: would be dropped, let through)

| destination | port | proto | name | enforced | count |
|---|---:|---|---|---|---:|
| `140.82.121.9` | 443 | tcp | `codeload.github.com` | no | 1 |
| `203.0.113.7` | 8443 | tcp | `git.internal.example` | no | 2 |

#### Denied system calls

| syscall | count |
|---|---:|
| `ptrace` | 2 |
| `personality` | 1 |

#### Suggested allowlist

- `codeload.github.com`
- `git.internal.example:8443`

"""#

    static let auditTable = #"""
Sandbox report: npm ci
======================

Result:          passed
Exit:            exit, status 0
Command:         npm ci
Profile:         ci
Actor:           gh/acme/app/build#42
Sandbox:         a1b2c3d4e5
Network:         audit
Duration:        18.88 s
Peak memory:     300.0 MiB
CPU time:        9.02 s
Peak tasks:      12
Denials:         4
Audit findings:  5 (let through; see below)

Domains allowed
---------------
name                rule                queries
registry.npmjs.org  registry.npmjs.org        2

Domains denied (decision audit: would be denied, let through)
-------------------------------------------------------------
name                   decision  reason             queries
codeload.github.com    audit     not_allowlisted          1
git.internal.example   audit     not_allowlisted          1
telemetry.example.net  deny      qtype_not_allowed        1

Connections denied (enforced no: would be dropped, let through)
---------------------------------------------------------------
destination   port  proto  name                  enforced  count
140.82.121.9   443  tcp    codeload.github.com   no            1
203.0.113.7   8443  tcp    git.internal.example  no            2

Denied system calls
-------------------
syscall      count
ptrace           2
personality      1

Suggested allowlist
-------------------
- codeload.github.com
- git.internal.example:8443

"""#

    static let auditSuggest = #"""
# Suggested by `sandbox-run report --suggest`.
# From sandbox a1b2c3d4e5 (network audit): npm ci
# Review every name before enforcing it.
extends: ci
network:
  mode: filtered
  allow:
    - codeload.github.com
    - git.internal.example:8443
    - registry.npmjs.org
# System calls the seccomp filter denied. Allowing one widens the kernel
# surface the workload reaches: a security decision, not a fix. Uncomment
# only what the step really needs (often it copes with the error).
# seccomp:
#   allow:
#     - personality  # denied 1 time
#     - ptrace       # denied 2 times

"""#

    /// The same suggestion rebuilt from the events when the log has no `sandbox.end`:
    /// only the provenance note differs, so derive it rather than keep a second copy.
    static let auditCutSuggest = auditSuggest.replacingOccurrences(
        of: "# Review every name before enforcing it.\n",
        with: "# No sandbox.end suggestion in the log (cut short?): rebuilt from the events.\n# Review every name before enforcing it.\n")

    static let hostileMarkdown = #"""
### Sandbox report: ``sh -c echo `id` | tee [x](http://evil) \u{1b}[31m``

| | |
|---|---|
| Result | failed: the sandbox denied something (--fail-on-deny) |
| Exit | `exit, status 1` |
| Command | ``sh -c echo `id` \| tee [x](http://evil) \u{1b}[31m`` |
| Profile | `strict` |
| Actor | `ci\|evil <b>x</b>` |
| Sandbox | `0000000001` |
| Network | `filtered` |
| Duration | 412 ms |
| CPU time | 4 ms |
| Denials | 2 |

#### Domains allowed

| name | rule | queries |
|---|---|---:|
| `a.example.com` | `*.example.com` | 1 |

#### Domains denied

| name | decision | reason | queries |
|---|---|---|---:|
| `[click](https://evil.example)` | `deny` | `not_allowlisted` | 1 |

#### Connections denied

| destination | port | proto | name | enforced | count |
|---|---:|---|---|---|---:|
| `192.0.2.1` | 53 | udp |  | yes | 1 |

#### Warnings

- `fail_on_deny`: the workload exited 0 but the sandbox denied 1 DNS query, 1 packet; --fail-on-deny exits 1

### Sandbox report: `0000000002`

| | |
|---|---|
| Result | sandbox not built |
| Exit | `setup_failed, status 125` |
| Actor | `ci` |
| Sandbox | `0000000002` |
| Duration | 0 ms |
| CPU time | 0 ms |
| Denials | none |

#### Errors

- `profile: not_found`: profile error: no profile 'nope'

"""#

    static let hostileTable = #"""
Sandbox report: sh -c echo `id` | tee [x](http://evil) \u{1b}[31m
=================================================================

Result:    failed: the sandbox denied something (--fail-on-deny)
Exit:      exit, status 1
Command:   sh -c echo `id` | tee [x](http://evil) \u{1b}[31m
Profile:   strict
Actor:     ci|evil <b>x</b>
Sandbox:   0000000001
Network:   filtered
Duration:  412 ms
CPU time:  4 ms
Denials:   2

Domains allowed
---------------
name           rule           queries
a.example.com  *.example.com        1

Domains denied
--------------
name                           decision  reason           queries
[click](https://evil.example)  deny      not_allowlisted        1

Connections denied
------------------
destination  port  proto  name  enforced  count
192.0.2.1      53  udp          yes           1

Warnings
--------
- fail_on_deny: the workload exited 0 but the sandbox denied 1 DNS query, 1 packet; --fail-on-deny exits 1

Sandbox report: 0000000002
==========================

Result:    sandbox not built
Exit:      setup_failed, status 125
Actor:     ci
Sandbox:   0000000002
Duration:  0 ms
CPU time:  0 ms
Denials:   none

Errors
------
- profile: not_found: profile error: no profile 'nope'

"""#

    static let hostileSuggest = #"""
# Suggested by `sandbox-run report --suggest`.
# From sandbox 0000000001 (network filtered): sh -c echo `id` | tee [x](http://evil) \u{1b}[31m
# From sandbox 0000000002 (network unknown)
# Not an audit run: names the allowlist refused stopped the run there,
# so enforcing this may reveal more. Rerun with --net audit to learn them all.
# Review every name before enforcing it.
extends: strict
# skipped, not a valid rule: [click](https://evil.example)
network:
  mode: filtered
  allow:
    - "*.example.com"
# Connections to addresses that no DNS answer named cannot be allowed by name:
#   192.0.2.1:53

"""#

    static let docsExampleMarkdown = #"""
### Sandbox report: `make test`

| | |
|---|---|
| Result | timed out |
| Exit | `timeout, status 124, SIGKILL` |
| Command | `make test` |
| Profile | `ci` |
| Actor | `ci/build-1234` |
| Sandbox | `sbx-7f3a9c` |
| Network | `none` |
| Duration | 10m 05s |
| Peak memory | 700.0 MiB |
| CPU time | 19m 43s |
| Peak tasks | 37 |
| Denials | 1 |

#### Denied system calls

| syscall | count |
|---|---:|
| `ptrace` | 1 |

#### Limits hit

| limit | value | count |
|---|---|---:|
| timeout | after 10m 00s, SIGTERM | 1 |
| timeout | after 10m 05s, SIGKILL | 1 |

_3 lines could not be read as events and were skipped._

"""#

}
