"""gateway.py: the hermes-gateway benchmark; run by bench/gateway.sh.

N messages (default 10,000) from 100 chats wait in a fake Telegram; one
gateway answers them all through hermes-ask turns against the fake
provider, which answers at once.  Prints messages a second (first poll
to last reply) and the gateway's RSS sampled along the way: flat means
no per-message growth."""
import json, os, subprocess, sys, tempfile, time

top, total = sys.argv[1], int(sys.argv[2])
chats = 100
tmp = tempfile.mkdtemp(prefix="hermes-bench.")
home = os.path.join(tmp, "home")
os.makedirs(home)
env = dict(os.environ, HERMES_HOME=home, PATH=top + "/bin:" + os.environ["PATH"])
for k in ("HERMES_PROFILE", "HERMES_PROVIDER", "OPENROUTER_API_KEY"):
    env.pop(k, None)
turns = os.environ.get("BENCH_TURNS", "16")
with open(os.path.join(home, "config"), "w") as f:
    f.write("gateway.allow_all = true\ngateway.max_turns = %s\n" % turns)


def start(argv, pf):
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    for _ in range(500):
        if os.path.exists(pf) and open(pf).read().strip():
            return p, open(pf).read().strip()
        time.sleep(0.02)
    sys.exit("bench: %s did not start" % argv[1])


script = os.path.join(tmp, "llm.json")
with open(script, "w") as f:
    json.dump([{"text": "ok", "repeat": total + 10}], f)
llm, lport = start([sys.executable, "-S", top + "/tests/fakes/llm.py",
                    "--script", script, "--log", os.devnull,
                    "--port-file", os.path.join(tmp, "lport"),
                    "--timeout", "3600"], os.path.join(tmp, "lport"))
tg_script = os.path.join(tmp, "tg.json")
with open(tg_script, "w") as f:
    json.dump({"updates": [{"text": "message %d" % i, "chat": 1000 + i % chats,
                            "user": 1000 + i % chats}
                           for i in range(total)]}, f)
tglog = os.path.join(tmp, "tg.log")
tg, tport = start([sys.executable, "-S", top + "/tests/fakes/telegram.py",
                   "--script", tg_script, "--log", tglog,
                   "--port-file", os.path.join(tmp, "tport"),
                   "--token", "1:bench", "--timeout", "3600"],
                  os.path.join(tmp, "tport"))
env.update(HERMES_BASE_URL="http://127.0.0.1:%s/v1" % lport,
           HERMES_API_KEY="sk-bench", HERMES_MODEL="fake-model",
           HERMES_GATEWAY_TELEGRAM_API="http://127.0.0.1:%s" % tport,
           TELEGRAM_BOT_TOKEN="1:bench")


def sent():
    n = 0
    with open(tglog) as f:
        for line in f:
            if '"sendMessage"' in line:
                n += 1
    return n


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


t0 = time.perf_counter()
gw = subprocess.Popen(["hermes-gateway", "run", "--platform", "telegram"],
                      env=env, stdin=subprocess.DEVNULL)
samples = []
done = 0
next_mark = total // 10
while done < total:
    time.sleep(0.5)
    done = sent()
    if gw.poll() is not None:
        sys.exit("bench: the gateway exited %d" % gw.returncode)
    if done >= next_mark:
        samples.append((done, rss(gw.pid)))
        next_mark += total // 10
    if time.perf_counter() - t0 > 3600:
        sys.exit("bench: timed out at %d" % done)
wall = time.perf_counter() - t0
samples.append((done, rss(gw.pid)))
gw.terminate()
gw.wait()
tg.terminate()
llm.terminate()
print("gateway: %d messages from %d chats, max_turns %s: %.1f s, %.0f msgs/s"
      % (total, chats, turns, wall, total / wall))
print("gateway RSS (KiB) by messages answered: " +
      ", ".join("%d: %d" % s for s in samples))
subprocess.run(["rm", "-rf", tmp])
