#!/usr/bin/env python3
"""Stands in for a user's terminal: runs a command on a fresh pty pair as
its controlling terminal (the command is the foreground job, as if typed at a
shell), plays a script against it, and reports what the terminal saw.

argv[1]: JSON {"argv": [...], "winsize": [rows, cols], "script": [step...],
               "tcoff": bool, "limit": seconds,
               "stdin_file": PATH, "stdout_file": PATH}
step: {"expect": TEXT} then any of {"send": TEXT}, {"winsize": [r, c]},
      {"signal": "TERM"}
Prints JSON: rc, out, same_modes, caller_input (bytes the caller's side
would read as typed input after the run), script_done.
"""
import fcntl, json, os, select, signal, struct, subprocess, sys, termios, time, tty

cfg = json.loads(sys.argv[1])
master, slave = os.openpty()
rows, cols = cfg.get("winsize", [24, 80])
fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
before = termios.tcgetattr(slave)


def become_foreground():
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)


# Optional redirections, as `cmd < in > out` typed at a shell would make.
stdin = open(cfg["stdin_file"], "rb") if "stdin_file" in cfg else slave
stdout = open(cfg["stdout_file"], "wb") if "stdout_file" in cfg else slave
proc = subprocess.Popen(cfg["argv"], stdin=stdin, stdout=stdout, stderr=slave,
                        preexec_fn=become_foreground, close_fds=True, pass_fds=(slave,))
if cfg.get("tcoff"):
    # The caller's terminal stops taking output (what ^S or a hung
    # terminal does): whoever writes to it must not block on it.
    termios.tcflow(slave, termios.TCOOFF)

out = b""
script = list(cfg.get("script", []))
deadline = time.time() + cfg.get("limit", 60)
master_open = True
while time.time() < deadline:
    if script and script[0]["expect"].encode() in out:
        step = script.pop(0)
        out_mark = len(out)
        if "winsize" in step:
            r, c = step["winsize"]
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", r, c, 0, 0))
        if "send" in step:
            os.write(master, step["send"].encode())
        if "signal" in step:
            proc.send_signal(getattr(signal, "SIG" + step["signal"]))
    ready = select.select([master], [], [], 0.05)[0] if master_open else []
    if ready:
        try:
            data = os.read(master, 65536)
            out += data
        except OSError:
            master_open = False
    elif proc.poll() is not None:
        break
else:
    proc.kill()

rc = proc.wait()
if cfg.get("tcoff"):
    termios.tcflow(slave, termios.TCOON)
after = termios.tcgetattr(slave)
# Whatever sits in the caller's input queue now would be read by the
# caller's shell as typed: switch to non-canonical mode to see all of it.
tty.setraw(slave)
fl = fcntl.fcntl(slave, fcntl.F_GETFL)
fcntl.fcntl(slave, fcntl.F_SETFL, fl | os.O_NONBLOCK)
try:
    pending = os.read(slave, 4096)
except BlockingIOError:
    pending = b""
print(json.dumps({
    "rc": rc,
    "out": out.decode(errors="replace"),
    "same_modes": before == after,
    "caller_input": pending.decode(errors="replace"),
    "script_done": not script,
}))
