import Foundation
import StockadeEvents
import Testing

/// Real programs work under the shipped profiles.
@Suite("Compatibility", .enabled(if: Harness.requireRoot()))
struct CompatibilityTests {
    static let profiles = ["default", "agent"]

    /// Runs `command` under `profile` in a fresh workspace the test UID owns, after
    /// `setup` has written any input files there; the workspace is gone afterwards.
    private func inWorkspace(
        profile: String, extra: [String] = [], _ command: [String],
        setup: (String) throws -> Void = { _ in },
        check: (Harness.Result, String) throws -> Void
    ) throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try setup(ws)
        let r = try Harness.sandbox(["--profile", profile] + extra + ["--workspace", ws, "--"] + command, cwd: ws)
        try check(r, ws)
    }

    @Test("sh and coreutils", arguments: profiles)
    func coreutils(profile: String) throws {
        let script = "mkdir -p d && echo one > d/a && cp d/a d/b && sort d/a d/b | uniq -c | tr -s ' ' && ls -la d | wc -l && date +%Y >/dev/null && id -u && hostname"
        try inWorkspace(profile: profile, extra: ["--hostname", "box-test"], ["/bin/sh", "-c", script]) { r, ws in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("2 one"))
            #expect(r.stdout.contains("\(Harness.testUID)"))
            #expect(r.stdout.contains("box-test"))
            // The copy landed in the host's workspace, not in a throwaway layer.
            #expect(FileManager.default.fileExists(atPath: ws + "/d/b"))
        }
    }

    @Test("python3 with threads and subprocesses", arguments: profiles)
    func python(profile: String) throws {
        let py = """
        import threading, subprocess, concurrent.futures, sys
        def work(n): return sum(range(n))
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            print("threads", sum(ex.map(work, [1000]*8)))
        out = subprocess.run(["/bin/echo", "child"], capture_output=True, text=True).stdout.strip()
        print("subprocess", out)
        import multiprocessing
        with multiprocessing.Pool(2) as p: print("pool", sum(p.map(abs, [-1, -2, -3])))
        """
        try inWorkspace(profile: profile, ["/usr/bin/python3", "t.py"], setup: { ws in
            try py.write(toFile: ws + "/t.py", atomically: false, encoding: .utf8)
        }) { r, _ in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("threads 3996000"))
            #expect(r.stdout.contains("subprocess child"))
            #expect(r.stdout.contains("pool 6"))
        }
    }

    @Test("git init and commit in the workspace", arguments: profiles)
    func git(profile: String) throws {
        let script = "git init -q . && echo hi > f && git add f && git -c user.name=t -c user.email=t@e commit -qm first && git log --oneline | wc -l"
        try inWorkspace(profile: profile, ["/bin/sh", "-c", script]) { r, ws in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
            #expect(FileManager.default.fileExists(atPath: ws + "/.git/HEAD"))
        }
    }

    @Test("gcc compiles and runs a C program; make drives it", arguments: profiles)
    func gccAndMake(profile: String) throws {
        try inWorkspace(profile: profile, ["make", "-s"], setup: { ws in
            try "#include <stdio.h>\nint main(void){printf(\"built %d\\n\", 6*7);return 0;}\n".write(toFile: ws + "/m.c", atomically: false, encoding: .utf8)
            try "all: m\n\t./m\nm: m.c\n\tcc -O1 -o m m.c\n".write(toFile: ws + "/Makefile", atomically: false, encoding: .utf8)
        }) { r, ws in
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("built 42"))
            // The binary the compiler wrote is visible on the host side of the workspace.
            #expect(FileManager.default.isExecutableFile(atPath: ws + "/m"))
        }
    }
}


/// Programs that size themselves from their sandbox, and everyday developer
/// tools, under the shipped profiles (issue 11). Nothing here uses the network.
@Suite("Compatibility: runtimes and tools", .enabled(if: Harness.requireRoot()))
struct RuntimeCompatibilityTests {
    static let profiles = ["default", "agent"]
    static let limits = ["--memory", "256m", "--pids-limit", "64", "--cpus", "1"]

    private func run(_ profile: String, extra: [String] = [], _ script: String, setup: (String) throws -> Void = { _ in }) throws -> Harness.Result {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        try setup(ws)
        return try Harness.sandbox(["--profile", profile] + extra + ["--workspace", ws, "--", "/bin/sh", "-c", script], cwd: ws)
    }

    static func exists(_ path: String, _ what: String) -> Bool {
        if FileManager.default.isExecutableFile(atPath: path) { return true }
        print("SKIP: \(what): \(path) is not installed (make deps installs it)")
        return false
    }

    /// The files a JVM, Go, .NET or libuv read, at the paths they read them,
    /// with the values given on the command line; /proc/self/cgroup maps
    /// each hierarchy to the root of what /sys/fs/cgroup shows.
    @Test("a program reads its own cgroup limits back", arguments: profiles)
    func cgroupLimits(profile: String) throws {
        let script = """
        set -e
        if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
          echo "mem=$(cat /sys/fs/cgroup/memory.max)"; echo "pids=$(cat /sys/fs/cgroup/pids.max)"; echo "cpu=$(cat /sys/fs/cgroup/cpu.max)"
        else
          echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"; echo "pids=$(cat /sys/fs/cgroup/pids/pids.max)"
          echo "cpu=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)"
        fi
        grep -E '^0::|:(memory|pids|cpu[^:]*):' /proc/self/cgroup | sed 's/^[0-9]*:/cg=/'
        echo "online=$(cat /sys/devices/system/cpu/online)"
        touch /sys/fs/cgroup/x 2>/dev/null && echo WROTE || echo readonly
        """
        let r = try run(profile, extra: Self.limits, script)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("mem=268435456\n"))
        #expect(r.stdout.contains("pids=64\n"))
        #expect(r.stdout.contains("cpu=100000 100000\n"))
        #expect(r.stdout.contains("online=0"))
        #expect(r.stdout.contains("readonly"))
        #expect(r.stdout.contains("cg="), "no cgroup lines to check: \(r.stdout)")
        for line in r.stdout.split(separator: "\n") where line.hasPrefix("cg=") {
            #expect(line.hasSuffix(":/"), "not rooted at the sandbox's cgroup: \(line)")
        }
    }

    @Test("the masked parts of /sys are empty, and /sys is read-only", arguments: profiles)
    func sysMasks(profile: String) throws {
        let script = """
        for d in /sys/firmware /sys/kernel/security /sys/kernel/debug /sys/power /sys/devices/virtual/powercap; do
          [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ] && echo "VISIBLE $d"
        done
        ls /sys/class/net
        echo 1 > /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null && echo WROTE
        echo end
        """
        let r = try run(profile, script)
        #expect(r.stdout.contains("end"), "\(r.stderr)")
        #expect(!r.stdout.contains("VISIBLE"), "\(r.stdout)")
        #expect(!r.stdout.contains("WROTE"))
        // A fresh sysfs in the sandbox's network namespace: only its loopback.
        #expect(r.stdout.contains("lo\n"))
        #expect(!r.stdout.contains("eth0"))
    }

    @Test("the JVM sizes itself from the sandbox's limits", arguments: profiles)
    func jvm(profile: String) throws {
        guard Self.exists("/usr/bin/java", "JVM test") else { return }
        let r = try run(profile, extra: Self.limits, "java -XshowSettings:system -version 2>&1")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("Memory Limit: 256.00M"), "\(r.stdout)")
        #expect(r.stdout.contains("Maximum Processes Limit: 64"))
        #expect(r.stdout.contains("CPU Quota: 100000us"))
    }

    @Test("node runs, and libuv sees the memory limit", arguments: profiles)
    func node(profile: String) throws {
        guard Self.exists("/usr/bin/node", "node test") else { return }
        let js = "const os=require('os');console.log('constrained', typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 'unsupported');console.log('sum', [1,2,3].reduce((a,b)=>a+b));require('child_process').execFileSync('/bin/true')"
        let r = try run(profile, extra: Self.limits, "node -e \"\(js)\"")
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("sum 6"))
        if r.stdout.contains("constrained unsupported") {
            print("SKIP: this node has no process.constrainedMemory (added in node 19.6); only the run is checked")
        } else {
            #expect(r.stdout.contains("constrained 268435456"), "\(r.stdout)")
        }
    }

    @Test("pip installs a local wheel into a venv, offline", arguments: profiles)
    func pipWheel(profile: String) throws {
        guard Self.exists("/usr/bin/python3", "pip test") else { return }
        // The wheel is written by hand (a zip with the package and its
        // dist-info), so nothing needs a build backend or an index.
        let make = """
        import base64, hashlib, zipfile
        files = {"tinypkg/__init__.py": b"ANSWER = 42\\n",
                 "tinypkg-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\\nName: tinypkg\\nVersion: 1.0\\n",
                 "tinypkg-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\\nGenerator: hand\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
        def h(b): return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(b).digest()).rstrip(b"=").decode()
        record = "".join(f"{n},{h(b)},{len(b)}\\n" for n, b in files.items()) + "tinypkg-1.0.dist-info/RECORD,,\\n"
        with zipfile.ZipFile("tinypkg-1.0-py3-none-any.whl", "w") as z:
            for n, b in files.items(): z.writestr(n, b)
            z.writestr("tinypkg-1.0.dist-info/RECORD", record)
        """
        let script = """
        set -e
        export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
        /usr/bin/python3 mkwheel.py
        /usr/bin/python3 -m venv venv
        venv/bin/pip install --no-index --no-cache-dir ./tinypkg-1.0-py3-none-any.whl
        venv/bin/python -c 'import tinypkg; print("answer", tinypkg.ANSWER)'
        """
        let r = try run(profile, script, setup: { ws in
            try make.write(toFile: ws + "/mkwheel.py", atomically: false, encoding: .utf8)
        })
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("answer 42"))
    }

    @Test("python multiprocessing with the spawn start method", arguments: profiles)
    func multiprocessingSpawn(profile: String) throws {
        let py = """
        import multiprocessing as mp
        def sq(x): return x * x
        if __name__ == "__main__":
            mp.set_start_method("spawn")
            with mp.Pool(2) as p: print("spawned", sum(p.map(sq, range(10))))
            q = mp.Queue(); pr = mp.Process(target=q.put, args=("via-queue",)); pr.start(); print(q.get()); pr.join()
        """
        let r = try run(profile, "/usr/bin/python3 mp.py", setup: { ws in
            try py.write(toFile: ws + "/mp.py", atomically: false, encoding: .utf8)
        })
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("spawned 285"))
        #expect(r.stdout.contains("via-queue"))
    }

    @Test("make drives a C++ build", arguments: profiles)
    func cxxMake(profile: String) throws {
        guard Self.exists("/usr/bin/g++", "C++ test") else { return }
        let r = try run(profile, "make -s -j2 && ./app", setup: { ws in
            try "#include <string>\nstd::string greet();\n".write(toFile: ws + "/greet.h", atomically: false, encoding: .utf8)
            try "#include \"greet.h\"\nstd::string greet() { return std::string(\"hello \") + std::to_string(6 * 7); }\n".write(toFile: ws + "/greet.cpp", atomically: false, encoding: .utf8)
            try "#include <iostream>\n#include <thread>\n#include \"greet.h\"\nint main() { std::thread t([] { std::cout << greet() << std::endl; }); t.join(); }\n".write(toFile: ws + "/main.cpp", atomically: false, encoding: .utf8)
            try "app: main.o greet.o\n\tg++ -pthread -o $@ $^\n%.o: %.cpp greet.h\n\tg++ -std=c++17 -O1 -c $<\n".write(toFile: ws + "/Makefile", atomically: false, encoding: .utf8)
        })
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("hello 42"))
    }

    @Test("git: init, commit, branch, diff", arguments: profiles)
    func git(profile: String) throws {
        let script = """
        set -e
        git init -q -b main . && git config user.name t && git config user.email t@e
        echo one > f && git add f && git commit -qm one
        git checkout -qb topic && echo two >> f && git commit -qam two
        git checkout -q main && git merge -q --ff-only topic && git diff HEAD~1 --stat | tail -1
        git log --oneline | wc -l
        """
        let r = try run(profile, script)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("1 file changed"))
    }
}

/// Bad input: clear messages and the documented exit statuses.
@Suite("Bad input", .enabled(if: Harness.requireRoot()))
struct BadInputTests {
    @Test("a command that does not exist exits 127")
    func notFound() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "no-such-command-xyz"])
        #expect(r.status == 127)
        #expect(r.stderr.contains("not found"))
    }

    @Test("a directory as command exits 126")
    func notExecutable() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.sandbox(["--workspace", ws, "--", "/usr"])
        #expect(r.status == 126)
    }

    @Test("a missing profile exits 125 and names it")
    func missingProfile() throws {
        let r = try Harness.sandbox(["--profile", "/nonexistent/p.yaml", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("/nonexistent/p.yaml"))
        #expect(r.exitReason == "setup_failed")
    }

    @Test("an unreadable or missing workspace exits 125")
    func badWorkspace() throws {
        let r = try Harness.sandbox(["--workspace", "/nonexistent-ws", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("/nonexistent-ws"))
    }

    @Test("conflicting options exit 125 with a message")
    func conflicting() throws {
        let r = try Harness.runProcess([Harness.binary, "--workspace", "/tmp", "--workspace-mode", "none", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("conflict"))
    }

    @Test("a bare word that is not a verb says to use --")
    func bareWord() throws {
        let r = try Harness.runProcess([Harness.binary, "make", "test"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("--"))
        #expect(r.stderr.contains("not a sandbox-run verb"))
    }

    @Test("a bad size is rejected before anything runs")
    func badSize() throws {
        let r = try Harness.runProcess([Harness.binary, "--memory", "lots", "--", "/bin/true"])
        #expect(r.status == 125)
        #expect(r.stderr.contains("--memory"))
    }

    @Test("dry-run prints the plan and runs nothing")
    func dryRun() throws {
        let ws = Harness.makeWorkspace()
        defer { Harness.removeTree(ws) }
        let r = try Harness.runProcess([Harness.binary, "--dry-run", "--profile", "strict", "--workspace", ws, "--", "/bin/sh", "-c", "touch \(ws)/ran"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\"mounts\""))
        #expect(!FileManager.default.fileExists(atPath: ws + "/ran"))
    }
}
