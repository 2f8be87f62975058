#!/usr/bin/python3
"""test_cluster: scripts/cluster.sh end to end, through HAProxy.

Usage: test_cluster.py SOURCE_DIR BUILD_DIR

- the same queries (several locales, a typo, facets) give the same ids,
  order, totals, facets and suggestion through the load balancer as a
  one-node kb-serve on a local index of the same content;
- an article added to DIR/content and reindexed by an author through
  the load balancer is served by every node within 5 s of the job's end;
- kill -9 of one front-end node under continuous search load: no failed
  request;
- `down` leaves no process.

Exits 77 (skipped) when haproxy or xapian-tools are missing.
"""
import faulthandler
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
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def post(url, body, headers):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers=dict(headers, **{"Content-Type": "application/json"}))
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read())


def free_port():
    """A port free on 127.0.0.1 with the next two free too (cluster.sh uses P..P+3)."""
    for _ in range(50):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p < 60000:
            return p
    return 18080


QUERIES = [
    ("invoice", "en-us"), ("late fee", "en-us"), ("pasword reset", "en-us"),
    ("invoce", "en-us"), ("счет", "ru-ru"), ("invoice", "ru-ru"), ("发票", "zh-cn"),
    ("billing", "zh-cn"), ("account", "en-us"),
]


def shape(answer):
    """What must agree between two servers: ids, order, totals, facets, suggestion."""
    return {
        "hits": [(h["id"], h["locale"], (h.get("section") or {}).get("anchor")) for h in answer["hits"]],
        "total": answer["total"], "facets": answer.get("facets"),
        "suggestion": answer.get("suggestion"), "locale": answer["locale"],
    }


def search(base, q, locale, extra=""):
    qs = urllib.parse.urlencode({"q": q, "locale": locale})
    return get(f"{base}/api/search?{qs}{extra}")[1]


def main():
    faulthandler.register(signal.SIGTERM, all_threads=True)
    for prog in ("haproxy", "xapian-replicate", "xapian-replicate-server", "xapian-tcpsrv"):
        if not shutil.which(prog):
            print(f"skip: {prog} missing (KB_WITH_CLUSTER=1 scripts/install-deps.sh)")
            return 77
    work = tempfile.mkdtemp(prefix="kb-cluster-")
    cdir = os.path.join(work, "c")
    port = free_port()
    cluster = [os.path.join(SRC, "scripts", "cluster.sh")]
    local = None
    try:
        up = subprocess.run(cluster + ["up", cdir, "--port", str(port), "--build", BUILD],
                            capture_output=True, text=True, timeout=300)
        if up.returncode != 0:
            print(up.stdout, up.stderr)
            check(False, "cluster.sh up")
            return 1
        info = json.loads(up.stdout.strip().splitlines()[-1])
        check(set(info) >= {"url", "nodes", "indexer", "content", "db", "postgres", "shards"},
              "up's last line has every key")
        lb = info["url"]
        check(len(info["nodes"]) == 2 and all(n["pid"] > 0 for n in info["nodes"]), "two nodes")

        # One node on a local index of the same content.
        lix = os.path.join(work, "local-index")
        subprocess.run([os.path.join(BUILD, "kb-index"), "--content", info["content"], "--index",
                        lix, "--quiet"], check=False, timeout=300)
        local = subprocess.Popen([os.path.join(BUILD, "kb-serve"), "--index", lix, "--listen",
                                  "127.0.0.1:0", "--db", os.path.join(work, "local.db")],
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = local.stdout.readline()
        lurl = "http://" + line.split("http://", 1)[1].split()[0].rstrip("/")
        for q, loc in QUERIES:
            a, b = search(lb, q, loc), search(lurl, q, loc)
            check(shape(a) == shape(b), f"same answer through the LB as one node: {q!r} {loc}")
        check(any(search(lb, q, l)["total"] > 0 for q, l in QUERIES), "the queries find something")
        # The master's revision on every node.
        rev = get(info["indexer"]["url"] + "/healthz")[1]["revision"]
        for n in info["nodes"]:
            check(get(n["url"] + "/healthz")[1]["revision"] == rev, "a node has the master's revision")

        # An author's reindex through the load balancer reaches every node.
        tok = subprocess.run([os.path.join(BUILD, "kb-user"), "--db", info["db"], "token", "ann"],
                             capture_output=True, text=True)
        if tok.returncode != 0:
            subprocess.run([os.path.join(BUILD, "kb-user"), "--db", info["db"], "add", "ann",
                            "--role", "author"], input="correct horse battery\n", text=True,
                           capture_output=True, check=True)
            tok = subprocess.run([os.path.join(BUILD, "kb-user"), "--db", info["db"], "token",
                                  "ann"], capture_output=True, text=True, check=True)
        auth = {"Authorization": "Bearer " + tok.stdout.strip().splitlines()[-1]}
        art = os.path.join(info["content"], "en-us", "cluster-zebrafinch.md")
        with open(art, "w") as f:
            f.write("---\ntitle: Zebrafinch migration\n---\n\nThe zebrafinch cluster test article.\n")
        st, job = post(lb + "/api/admin/reindex", {"full": False}, auth)
        check(st == 202, "reindex accepted through the LB")
        deadline = time.time() + 120
        while time.time() < deadline:
            job = get(lb + "/api/admin/reindex/" + job["id"], headers=auth)[1]
            if job["state"] != "running":
                break
            time.sleep(0.2)
        check(job["state"] == "done", f"reindex done: {job.get('state')}")
        ended = time.time()
        pending = {n["url"] for n in info["nodes"]} | {info["indexer"]["url"]}
        while pending and time.time() < ended + 5:
            for u in list(pending):
                if search(u, "zebrafinch", "en-us")["total"] >= 1:
                    pending.discard(u)
            time.sleep(0.1)
        check(not pending, f"new article served by every node within 5 s (missing: {pending})")

        # kill -9 of a front end under continuous search load.
        stop = threading.Event()
        counts = {"ok": 0, "failed": 0}
        lock = threading.Lock()

        def load(k):
            i = 0
            while not stop.is_set():
                q, loc = QUERIES[(i + k) % len(QUERIES)]
                i += 1
                try:
                    st = get(f"{lb}/api/search?q={urllib.parse.quote(q)}&locale={loc}&n={k}-{i}",
                             timeout=10)[0]
                    ok = st == 200
                except Exception as e:  # noqa: BLE001 -- every failure counts
                    ok = False
                    print("request failed:", e, flush=True)
                with lock:
                    counts["ok" if ok else "failed"] += 1

        threads = [threading.Thread(target=load, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        time.sleep(2)
        os.kill(info["nodes"][0]["pid"], signal.SIGKILL)
        time.sleep(4)
        stop.set()
        for t in threads:
            t.join()
        print(f"load while node 1 was killed ({time.time() - T0:.1f} s): {counts}", flush=True)
        check(counts["failed"] == 0 and counts["ok"] > 20,
              f"no failed request while a front end died: {counts}")
    finally:
        if local:
            local.terminate()
            local.wait()
        pids = []
        try:
            with open(os.path.join(cdir, "pids")) as f:
                pids = [int(l.split()[0]) for l in f if l.strip()]
        except OSError:
            pass
        print(f"down at {time.time() - T0:.1f} s", flush=True)
        down = subprocess.run(cluster + ["down", cdir], stdout=subprocess.DEVNULL, timeout=60)
        check(down.returncode == 0, "cluster.sh down")
        alive = []
        for p in pids:
            try:
                os.kill(p, 0)
                alive.append(p)
            except ProcessLookupError:
                pass
        check(not alive, f"down leaves no process: {alive}")
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main())
