"""ask.py: the hermes-ask benchmark; run by bench/ask.sh (make bench)."""
import json, os, resource, statistics, subprocess, sys, tempfile, time

top = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="hermes-bench.")
home = os.path.join(tmp, "home")
os.makedirs(home)
env = dict(os.environ, HERMES_HOME=home, PATH=top + "/bin:" + os.environ["PATH"])
for k in ("HERMES_PROFILE", "HERMES_PROVIDER", "OPENROUTER_API_KEY"):
    env.pop(k, None)


def fake(steps):
    script = os.path.join(tmp, "s.json")
    with open(script, "w") as f:
        json.dump(steps, f)
    pf = os.path.join(tmp, "port")
    if os.path.exists(pf):
        os.unlink(pf)
    p = subprocess.Popen([sys.executable, "-S", top + "/tests/fakes/llm.py",
                          "--script", script, "--log", os.path.join(tmp, "log"),
                          "--port-file", pf, "--timeout", "300"])
    for _ in range(200):
        if os.path.exists(pf):
            break
        time.sleep(0.02)
    port = open(pf).read().strip()
    env.update(HERMES_BASE_URL="http://127.0.0.1:%s/v1" % port,
               HERMES_API_KEY="sk-bench", HERMES_MODEL="fake-model")
    return p


def run(args):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(["hermes-ask", "-q"] + args, env=env, check=True,
                   stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    t1 = time.perf_counter()
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return t1 - t0, cpu, r1.ru_maxrss


srv = fake([{"text": "hi", "repeat": 1000}])
walls, rss = [], 0
for i in range(50):
    w, c, m = run(["say", "hi"])
    walls.append(w)
    rss = max(rss, m)
srv.terminate(); srv.wait()
print("one prompt:        median %.2f ms, min %.2f ms (50 runs); peak RSS %.1f MB"
      % (statistics.median(walls) * 1e3, min(walls) * 1e3, rss / 1024))

steps = [{"tool_calls": [{"name": "session_search", "arguments": {"query": "step"}}],
          "repeat": 100}, {"text": "done"}]
srv = fake(steps)
w100, c100, _ = run(["--max-turns", "200", "loop"])
srv.terminate(); srv.wait()
srv = fake([{"text": "done"}])
w1, c1, _ = run(["once"])
srv.terminate(); srv.wait()
print("100-step tool loop: %.1f ms wall, %.1f ms CPU in hermes-ask;"
      " per step %.3f ms wall, %.3f ms CPU (fake server included in wall)"
      % (w100 * 1e3, c100 * 1e3, (w100 - w1) / 100 * 1e3, (c100 - c1) / 100 * 1e3))

out = subprocess.run(["hermes-ask", "--dry-run", "hi"], env=env, check=True,
                     capture_output=True, text=True)
print("first request:     " + out.stderr.strip().split(": ", 2)[2])
subprocess.run(["rm", "-rf", tmp])
