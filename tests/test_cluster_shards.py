#!/usr/bin/python3
"""test_cluster_shards: scripts/cluster.sh up --shards 3, through HAProxy.

Usage: test_cluster_shards.py SOURCE_DIR BUILD_DIR

- the same ids, order, totals, facets and corrections through the load
  balancer (front ends on three shards behind xapian-tcpsrv) as one
  kb-serve on a plain index of the same content, in several locales;
- an article added to DIR/content and reindexed by an author through the
  load balancer is served by every node within 5 s of the job's end;
- kill -9 of one replica of a shard (its xapian-tcpsrv and the children
  it forked) under search load: no failed request;
- SIGSTOP of a replica of another shard: every answer within 2 s;
- `down` leaves no process.

Exits 77 (skipped) when haproxy, xapian-tools or PostgreSQL are missing,
or when not root (PostgreSQL runs as the user postgres).
"""
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

SRC, BUILD = sys.argv[1], sys.argv[2]
passed = failed = 0
T0 = time.time()


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL ({time.time() - T0:.1f} s):", what, flush=True)


def get(url, timeout=10, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    t = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read()), time.time() - t
    except urllib.error.HTTPError as e:
        return e.code, {}, time.time() - t


def post(url, body, headers):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers=dict(headers, **{"Content-Type": "application/json"}))
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read())


def free_port():
    """A free port on 127.0.0.1 below 60000 (cluster.sh uses P..P+3)."""
    for _ in range(50):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p < 60000:
            return p
    return 18180


QUERIES = [
    ("invoice", "en-us"), ("late fee", "en-us"), ("pasword reset", "en-us"),
    ("invoce", "en-us"), ("счет", "ru-ru"), ("invoice", "ru-ru"), ("发票", "zh-cn"),
    ("billing", "zh-cn"), ("account", "en-us"), ("Rechnung", "de-de"),
]


def shape(answer):
    return {
        "hits": [(h["id"], h["locale"], (h.get("section") or {}).get("anchor"),
                  float(f"{h['score']:.12g}")) for h in answer.get("hits", [])],
        "total": answer.get("total"), "facets": answer.get("facets"),
        "corrected": answer.get("corrected"), "locale": answer.get("locale"),
    }


def search(base, q, locale):
    qs = urllib.parse.urlencode({"q": q, "locale": locale})
    return get(f"{base}/api/search?{qs}")


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def processes_in(folder):
    found = []
    for d in glob.glob("/proc/[0-9]*"):
        pid = int(d[6:])
        if pid == os.getpid():
            continue
        try:
            with open(d + "/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(d + "/cwd")
        except OSError:
            continue
        if (folder in cmd or cwd == folder or cwd.startswith(folder + "/")) and alive(pid):
            found.append((pid, cmd.strip()[:80] or cwd))
    return found


def main():
    for prog in ("haproxy", "xapian-tcpsrv"):
        if not shutil.which(prog):
            print(f"skip: {prog} missing (KB_WITH_CLUSTER=1 scripts/install-deps.sh)")
            return 77
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") or os.geteuid() != 0:
        print("skip: PostgreSQL is missing or this is not root")
        return 77
    work = tempfile.mkdtemp(prefix="kb-cluster-shards-")
    os.chmod(work, 0o755)
    cdir = os.path.join(work, "c")
    port = free_port()
    cluster = [os.path.join(SRC, "scripts", "cluster.sh")]
    local = None
    try:
        os.makedirs(os.path.join(cdir, "content"))
        shutil.copytree(os.path.join(SRC, "content"), os.path.join(cdir, "content"),
                        dirs_exist_ok=True)
        os.makedirs(os.path.join(cdir, "content", "de-de", "billing"))
        with open(os.path.join(cdir, "content", "de-de", "billing", "understand-your-invoice.md"),
                  "w") as f:
            f.write("---\ntitle: Ihre Rechnung verstehen\ntopic: conceptual\nproduct: billing\n"
                    "---\n\nJede Rechnung listet alle Gebühren des Monats.\n")
        up = subprocess.run(cluster + ["up", cdir, "--shards", "3", "--port", str(port),
                                       "--build", BUILD], capture_output=True, text=True,
                            timeout=300)
        if up.returncode != 0:
            print(up.stdout, up.stderr)
            check(False, "cluster.sh up --shards 3")
            return 1
        info = json.loads(up.stdout.strip().splitlines()[-1])
        lb = info["url"]
        check(info["shards"] == 3, "up says 3 shards")
        check(all(os.path.isdir(os.path.join(cdir, "master", "index", f"shard{s}"))
                  for s in (1, 2, 3)), "the master index is three shards")

        lix = os.path.join(work, "local-index")
        subprocess.run([os.path.join(BUILD, "kb-index"), "--content", info["content"], "--index",
                        lix, "--quiet"], check=False, timeout=300)
        local = subprocess.Popen([os.path.join(BUILD, "kb-serve"), "--index", lix, "--listen",
                                  "127.0.0.1:0", "--db", os.path.join(work, "local.db")],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = local.stdout.readline()
        lurl = "http://" + line.split("http://", 1)[1].split()[0].rstrip("/")
        for q, loc in QUERIES:
            (sa, a, _), (sb, b, _) = search(lb, q, loc), search(lurl, q, loc)
            check(sa == sb == 200 and shape(a) == shape(b),
                  f"same answer through the LB on 3 shards as one index: {q!r} {loc}")
            for n in info["nodes"]:
                check(shape(search(n["url"], q, loc)[1]) == shape(b), f"node {n['url']}: {q!r}")

        # An author's reindex through the load balancer reaches every node.
        kb_user = os.path.join(BUILD, "kb-user")
        subprocess.run([kb_user, "--db", info["db"], "add", "ann", "--role", "author"],
                       input="correct horse battery\n", text=True, capture_output=True)
        tok = subprocess.run([kb_user, "--db", info["db"], "token", "ann"], capture_output=True,
                             text=True, check=True)
        auth = {"Authorization": "Bearer " + tok.stdout.strip().splitlines()[-1]}
        with open(os.path.join(info["content"], "en-us", "cluster-quetzal.md"), "w") as f:
            f.write("---\ntitle: Quetzal migration\n---\n\nThe quetzal shard test article.\n")
        st, job = post(lb + "/api/admin/reindex", {"full": False}, auth)
        check(st == 202, "reindex accepted through the LB")
        deadline = time.time() + 120
        while time.time() < deadline and job.get("state", "running") == "running":
            job = get(lb + "/api/admin/reindex/" + job["id"], headers=auth)[1]
            time.sleep(0.05)
        check(job.get("state") == "done", f"reindex done: {job.get('state')}")
        ended = time.time()
        pending = {n["url"] for n in info["nodes"]} | {info["indexer"]["url"]}
        served = {}
        while pending and time.time() < ended + 5:
            for u in list(pending):
                if search(u, "quetzal", "en-us")[1].get("total", 0) >= 1:
                    pending.discard(u)
                    served[u] = time.time() - ended
            time.sleep(0.05)
        print("reindex served after the job's end by " +
              ", ".join(f"{u.split('//')[1]} {d:.2f} s" for u, d in sorted(served.items())),
              flush=True)
        check(not pending, f"new article served by every node within 5 s (missing: {pending})")

        pids = {}
        with open(os.path.join(cdir, "pids")) as f:
            for l in f:
                pid, name = l.split()
                pids[name] = int(pid)

        # kill -9 of shard 1's first replica under search load; then
        # SIGSTOP of shard 2's first replica.
        stop = threading.Event()
        counts = {"ok": 0, "failed": 0, "slowest": 0.0}
        lock = threading.Lock()

        def load(k):
            i = 0
            while not stop.is_set():
                q, loc = QUERIES[(i + k) % len(QUERIES)]
                i += 1
                try:
                    st, _, took = search(lb, f"{q} zq{k}x{i}", loc)  # never cached
                except Exception as e:  # noqa: BLE001 -- every failure counts
                    st, took = 0, 0
                    print("request failed:", e, flush=True)
                with lock:
                    counts["ok" if st == 200 else "failed"] += 1
                    counts["slowest"] = max(counts["slowest"], took)

        threads = [threading.Thread(target=load, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.5)
        os.killpg(pids["shard1-1"], signal.SIGKILL)
        time.sleep(3)
        with lock:
            killed = dict(counts)
            counts.update(ok=0, failed=0, slowest=0.0)
        os.killpg(pids["shard2-1"], signal.SIGSTOP)
        time.sleep(3)
        stop.set()
        for t in threads:
            t.join()
        os.killpg(pids["shard2-1"], signal.SIGCONT)
        print(f"load while a replica of shard 1 was killed: {killed}; "
              f"while one of shard 2 was stopped: {counts}", flush=True)
        check(killed["failed"] == 0 and killed["ok"] > 10,
              f"no failed request while a shard replica died: {killed}")
        check(counts["failed"] == 0 and counts["ok"] > 3 and counts["slowest"] < 2,
              f"answers within 2 s while a shard replica is stopped: {counts}")
    finally:
        if local:
            local.terminate()
            local.wait()
        down = subprocess.run(cluster + ["down", cdir], stdout=subprocess.DEVNULL, timeout=120)
        check(down.returncode == 0, "cluster.sh down")
        left = processes_in(cdir)
        check(not left, f"down leaves no process: {left}")
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed ({time.time() - T0:.1f} s)")
    return 1 if failed else 0


sys.exit(main())
