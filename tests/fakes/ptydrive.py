"""ptydrive.py: drive a program on a pseudo-terminal, like expect(1).

    python3 ptydrive.py SCRIPT -- COMMAND [ARG...]

SCRIPT lines: "expect REGEX" waits (10 s at most) for REGEX in the
output since the last match; "send TEXT" types TEXT and a newline;
"ctrl-c" / "ctrl-d" send those keys; "raw" waits (10 s at most) until
the program has taken the terminal out of canonical mode (libedit may
print its prompt first, and a Ctrl-D typed before then is an end of
file to the cooked line discipline, never read by the editor); "sleep
S".  Everything the program printed goes to stdout at the end; the exit
status is the program's, or 3 when an expect or a raw timed out.
"""
import os, pty, re, select, sys, termios, time

script = open(sys.argv[1]).read().splitlines()
argv = sys.argv[sys.argv.index("--") + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, seen = b"", 0


def pump(timeout):
    global out
    r, _, _ = select.select([fd], [], [], timeout)
    if r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        out += data
    return True


status = 0
for line in script:
    cmd, _, arg = line.partition(" ")
    if cmd == "expect":
        end = time.time() + 10
        pat = re.compile(arg.encode())
        while True:
            m = pat.search(out, seen)
            if m:
                seen = m.end()
                break
            if time.time() > end or not pump(0.1) and time.time() > end:
                sys.stdout.write(out.decode(errors="replace"))
                sys.stdout.write("\n[ptydrive.py: timed out waiting for %r]\n" % arg)
                os.kill(pid, 9)
                sys.exit(3)
    elif cmd == "send":
        os.write(fd, arg.encode() + b"\r")
    elif cmd == "ctrl-c":
        os.write(fd, b"\x03")
    elif cmd == "ctrl-d":
        os.write(fd, b"\x04")
    elif cmd == "raw":
        end = time.time() + 10
        while termios.tcgetattr(fd)[3] & termios.ICANON:
            if time.time() > end:
                sys.stdout.write(out.decode(errors="replace"))
                sys.stdout.write("\n[ptydrive.py: timed out waiting for raw mode]\n")
                os.kill(pid, 9)
                sys.exit(3)
            pump(0.01)
    elif cmd == "sleep":
        end = time.time() + float(arg)
        while time.time() < end:
            pump(0.05)
# Let it finish on its own for up to 10 s, then kill it: never hang.
st = None
end = time.time() + 10
while time.time() < end:
    pump(0.05)
    wpid, wst = os.waitpid(pid, os.WNOHANG)
    if wpid:
        st = wst
        break
if st is None:
    sys.stdout.write("\n[ptydrive.py: the program did not exit; killed]\n")
    os.kill(pid, 9)
    _, st = os.waitpid(pid, 0)
    status = 4
while True:
    try:
        if not pump(0):
            break
        r, _, _ = select.select([fd], [], [], 0)
        if not r:
            break
    except OSError:
        break
sys.stdout.write(out.decode(errors="replace"))
sys.exit(status or os.waitstatus_to_exitcode(st))
