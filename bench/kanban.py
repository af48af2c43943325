"""kanban.py: the hermes-kanban benchmark; run by bench/kanban.sh."""
import os, sqlite3, subprocess, sys, tempfile, time

top = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="hermes-bench.")
home = os.path.join(tmp, "home")
os.makedirs(home)
env = dict(os.environ, HERMES_HOME=home, PATH=top + "/bin:" + os.environ["PATH"])


def fill(n, status):
    """n tasks straight into the table (the schema made by one add)."""
    db = os.path.join(home, "kanban.db")
    subprocess.run(["hermes-kanban", "add", "seed"], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    c = sqlite3.connect(db)
    now = int(time.time())
    c.executemany("INSERT INTO tasks (id, title, status, created, updated)"
                  " VALUES (?, ?, ?, ?, ?)",
                  [("t_%08x" % (i + 1), "task %d" % i, status, now, now)
                   for i in range(n)])
    c.commit()
    c.close()


def claims(workers, per):
    sh = "i=0; while [ $i -lt %d ]; do hermes-kanban claim --next >/dev/null" \
         " || break; i=$((i + 1)); done" % per
    t0 = time.perf_counter()
    ps = [subprocess.Popen(["sh", "-c", sh], env=env) for _ in range(workers)]
    for p in ps:
        p.wait()
    return workers * per / (time.perf_counter() - t0)


fill(2000, "ready")
print("claims/s, 1 claimer:   %.0f" % claims(1, 300))
print("claims/s, 16 claimers: %.0f" % claims(16, 60))

subprocess.run(["rm", "-rf", home])
os.makedirs(home)
fill(10000, "done")
t0 = time.perf_counter()
subprocess.run(["hermes-kanban", "claim", "--next"], env=env, check=True,
               stdout=subprocess.DEVNULL)   # take the seed: nothing ready
walls = []
for _ in range(5):
    t0 = time.perf_counter()
    subprocess.run(["hermes-kanban", "dispatch", "--once"], env=env,
                   check=True, cwd=tmp)
    walls.append(time.perf_counter() - t0)
walls.sort()
print("dispatch --once, 10,000 tasks, none ready: median %.1f ms"
      % (walls[2] * 1e3))
t0 = time.perf_counter()
subprocess.run(["hermes-kanban", "list"], env=env, check=True,
               stdout=subprocess.DEVNULL)
print("list, 10,001 tasks: %.1f ms" % ((time.perf_counter() - t0) * 1e3))
subprocess.run(["rm", "-rf", tmp])
