"""cron.py: the hermes-cron benchmark; run by bench/cron.sh (make bench)."""
import json, os, statistics, subprocess, sys, tempfile, time

top = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="hermes-bench.")
home = os.path.join(tmp, "home")
os.makedirs(os.path.join(home, "cron"))
env = dict(os.environ, HERMES_HOME=home, TZ="UTC",
           PATH=top + "/bin:" + os.environ["PATH"])
for k in ("HERMES_PROFILE", "HERMES_PROVIDER", "OPENROUTER_API_KEY"):
    env.pop(k, None)


def jobs(n, due):
    """n jobs at 09:00 daily; the first `due` of them at 08:00 instead."""
    out = []
    for i in range(n):
        hour = 8 if i < due else 9
        out.append({"id": "c_%08x" % i, "schedule": "0 %d * * *" % hour,
                    "canon": "0 %d * * *" % hour, "prompt": "job %d" % i,
                    "deliver": "local", "skills": [], "paused": False,
                    "created": "2030-01-01T00:00:00+00:00"})
    with open(os.path.join(home, "cron", "jobs.json"), "w") as f:
        json.dump({"jobs": out}, f)
    for p in ("cron.db", "cron.db-wal", "cron.db-shm"):
        try:
            os.unlink(os.path.join(home, "cron", p))
        except FileNotFoundError:
            pass


def tick(now):
    t0 = time.perf_counter()
    subprocess.run(["hermes-cron", "tick", "--now", now], env=env, check=True,
                   stdin=subprocess.DEVNULL)
    return time.perf_counter() - t0


jobs(1000, 0)
tick("2030-01-01T00:30:00+00:00")   # first sight: 1,000 state rows
walls = [tick("2030-01-01T07:00:00+00:00") for _ in range(20)]
print("tick, 1,000 jobs, none due: median %.1f ms, min %.1f ms (20 runs)"
      % (statistics.median(walls) * 1e3, min(walls) * 1e3))

script = os.path.join(tmp, "s.json")
with open(script, "w") as f:
    json.dump([{"text": "done", "repeat": 1000}], f)
pf = os.path.join(tmp, "port")
srv = subprocess.Popen([sys.executable, "-S", top + "/tests/fakes/llm.py",
                        "--script", script, "--log", os.path.join(tmp, "log"),
                        "--port-file", pf, "--timeout", "600"])
for _ in range(200):
    if os.path.exists(pf):
        break
    time.sleep(0.02)
env.update(HERMES_BASE_URL="http://127.0.0.1:%s/v1" % open(pf).read().strip(),
           HERMES_API_KEY="sk-bench", HERMES_MODEL="fake-model")
jobs(1000, 100)
tick("2030-01-01T00:30:00+00:00")
w = tick("2030-01-01T08:00:30+00:00")
srv.terminate()
srv.wait()
ok = subprocess.run(["hermes-cron", "log"], env=env, capture_output=True,
                    text=True).stdout.count("\tok\t")
print("tick, 1,000 jobs, 100 due (instant fake provider): %.2f s, %.1f ms a run,"
      " %d ok" % (w, w * 1e3 / 100, ok))
subprocess.run(["rm", "-rf", tmp])
