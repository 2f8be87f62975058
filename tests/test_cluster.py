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
- kill -9 of the PostgreSQL primary while events and cases are POSTed
  through the load balancer, then `cluster.sh failover`: every answer is
  201, 503 with Retry-After or 429 (never a false 2xx, never a 500),
  searches answer meanwhile, writes resume within 60 s of the kill, and
  every acknowledged event and case is in the database afterwards;
- `down` leaves no process: none of those it started, and none whose
  command line or working folder is in DIR (a process scan);
- `up` again on the same DIR keeps the database: every acknowledged
  event is there, the promoted standby is the primary with a new
  synchronous standby, and an event is acknowledged; `down` again.

Exits 77 (skipped) when haproxy, xapian-tools or PostgreSQL are missing
or PostgreSQL cannot run here (not root).  KB_CLUSTER_LONG=1 is the
longer run: 20 s of search load around the front end's death, 20 s of
POSTs after writes resume, three reindexes, then 61 s idle and a search
and an event.
"""
import faulthandler
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
LONG = os.environ.get("KB_CLUSTER_LONG") == "1"
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


def post_answer(url, body, headers):
    """(status, JSON body or None, Retry-After) of a POST, whatever the status."""
    try:
        st, b = post(url, body, headers)
        return st, b, None
    except urllib.error.HTTPError as e:
        try:
            b = json.loads(e.read())
        except ValueError:
            b = None
        return e.code, b, e.headers.get("Retry-After")


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


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is no process
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def processes_in(folder):
    """Every live process whose command line or working folder names folder."""
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
        if (folder in cmd or cwd == folder or cwd.startswith(folder + "/")) and pid_alive(pid):
            found.append((pid, cmd.strip()[:80] or cwd))
    return found


def reindex_reaches_every_node(info, lb, auth, word):
    """An article added to DIR/content, reindexed by an author through the
    load balancer, is served by every node within 5 s of the job's end."""
    art = os.path.join(info["content"], "en-us", f"cluster-{word}.md")
    with open(art, "w") as f:
        f.write(f"---\ntitle: {word.capitalize()} migration\n---\n\nThe {word} cluster test article.\n")
    st, job = post(lb + "/api/admin/reindex", {"full": False}, auth)
    check(st == 202, "reindex accepted through the LB")
    deadline = time.time() + 120
    while time.time() < deadline:
        job = get(lb + "/api/admin/reindex/" + job["id"], headers=auth)[1]
        if job["state"] != "running":
            break
        time.sleep(0.05)
    check(job["state"] == "done", f"reindex done: {job.get('state')}")
    ended = time.time()
    pending = {n["url"] for n in info["nodes"]} | {info["indexer"]["url"]}
    served = {}
    while pending and time.time() < ended + 5:
        for u in list(pending):
            if search(u, word, "en-us")["total"] >= 1:
                pending.discard(u)
                served[u] = time.time() - ended
        time.sleep(0.05)
    delays = ", ".join(f"{u.split('//')[1]} {d:.2f} s" for u, d in sorted(served.items()))
    print(f"reindex of '{word}': served after the job's end by {delays}", flush=True)
    check(not pending, f"new article served by every node within 5 s (missing: {pending})")


def primary_death(info, lb, cdir):
    """kill -9 of the PostgreSQL primary while events and cases are POSTed
    through the load balancer, then the operator's failover."""
    visit = {"X-KB-Visit": "vclustertest0123456789"}
    answers = []  # (time, status, kind, key)
    lock = threading.Lock()
    stop = threading.Event()

    def poster(k):
        i = 0
        while not stop.is_set():
            i += 1
            tag = f"c{k}-{i}"
            if i % 4 == 0:
                kind, url = "case", lb + "/api/cases"
                body = {"subject": f"Failover case {tag}", "email": "f@example.com"}
            else:
                kind, url = "event", lb + "/api/events"
                body = {"type": "view", "article": "sign-in-and-mfa/reset-password",
                        "section": tag}
            try:
                st, b, retry = post_answer(url, body, visit)
            except Exception as e:  # noqa: BLE001 -- no answer at all is a failure too
                st, b, retry = f"error {e}", None, None
            if st == 503 and not retry:
                st = "503 without Retry-After"
            key = tag if kind == "event" else (b or {}).get("id")
            with lock:
                answers.append((time.time(), st, kind, key))

    threads = [threading.Thread(target=poster, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    time.sleep(2)
    killed = time.time()
    os.kill(info["postgres"]["primary_pid"], signal.SIGKILL)
    time.sleep(0.5)
    try:
        st = get(f"{lb}/api/search?q=invoice&locale=en-us")[0]
    except Exception as e:  # noqa: BLE001
        st = str(e)
    check(st == 200, f"a search while no primary answers: {st}")
    fo = subprocess.run([os.path.join(SRC, "scripts", "cluster.sh"), "failover", cdir],
                        capture_output=True, text=True, timeout=120)
    check(fo.returncode == 0, f"cluster.sh failover: {fo.stderr.strip()}")
    resumed = None
    while resumed is None and time.time() < killed + 60:
        with lock:
            resumed = next((t for t, st, _, _ in answers if t > killed + 0.2 and st == 201), None)
        time.sleep(0.1)
    time.sleep(20 if LONG else 4)
    stop.set()
    for t in threads:
        t.join()
    if resumed is None:
        check(False, "writes resumed through the LB within 60 s of the primary's kill -9")
    else:
        print(f"writes resumed through the LB {resumed - killed:.2f} s after kill -9 of the "
              "PostgreSQL primary (failover included)", flush=True)
        check(resumed - killed < 60, "writes resumed within 60 s")
    statuses = {}
    for _, st, _, _ in answers:
        statuses[st] = statuses.get(st, 0) + 1
    print(f"POSTs through the LB around the failover: {statuses}", flush=True)
    check(set(statuses) <= {201, 503, 429}, f"only 201, 503 with Retry-After or 429: {statuses}")
    events = {key for _, st, kind, key in answers if st == 201 and kind == "event"}
    cases = {key for _, st, kind, key in answers if st == 201 and kind == "case"}
    check(len(events) >= 5 and len(cases) >= 2, f"acknowledged: {len(events)} events, "
          f"{len(cases)} cases")
    check(any(t > resumed for t, st, _, _ in answers if st == 201) if resumed else False,
          "writes acknowledged after the failover")
    # The standby is the primary now.
    lost_events = events - set(psql_kb(cdir, "STANDBY",
                                       "SELECT section FROM events WHERE section LIKE 'c%'"))
    lost_cases = cases - set(psql_kb(cdir, "STANDBY", "SELECT id FROM cases"))
    print(f"acknowledged {len(events)} events and {len(cases)} cases; missing from the new "
          f"primary: {len(lost_events)} events, {len(lost_cases)} cases", flush=True)
    check(not lost_events, f"every acknowledged event is in the database: {lost_events}")
    check(not lost_cases, f"every acknowledged case is in the database: {lost_cases}")
    return events


def psql_kb(cdir, addr, sql):
    """The lines psql prints for sql on the database kb at addr."""
    env = dict(l.strip().split("=", 1) for l in open(os.path.join(cdir, "pg", "env")) if "=" in l)
    r = subprocess.run(["runuser", "-u", "postgres", "--", "psql", "-X", "-q", "-t", "-A",
                        "-h", env[addr], "-p", env["PORT"], "-d", "kb", "-c", sql],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"psql on {addr}: {r.stderr.strip()}")
    return r.stdout.split()


def down_leaves_nothing(cluster, cdir):
    pids = []
    try:
        with open(os.path.join(cdir, "pids")) as f:
            pids = [int(l.split()[0]) for l in f if l.strip()]
    except OSError:
        pass
    print(f"down at {time.time() - T0:.1f} s", flush=True)
    down = subprocess.run(cluster + ["down", cdir], stdout=subprocess.DEVNULL, timeout=60)
    check(down.returncode == 0, "cluster.sh down")
    alive = [p for p in pids if pid_alive(p)]
    check(not alive, f"down leaves no process: {alive}")
    left = processes_in(cdir)
    check(not left, f"down leaves no process in {cdir}: {left}")


def up_again(cluster, cdir, port, acked):
    """up on the DIR of the run that failed over keeps its database: the
    promoted standby is the primary, a new synchronous standby follows it."""
    up = subprocess.run(cluster + ["up", cdir, "--port", str(port), "--build", BUILD],
                        capture_output=True, text=True, timeout=300)
    check(up.returncode == 0, f"up again on the same DIR: {up.stderr[-500:]}")
    if up.returncode != 0:
        return
    info = json.loads(up.stdout.strip().splitlines()[-1])
    stored = set(psql_kb(cdir, "PRIMARY", "SELECT section FROM events WHERE section LIKE 'c%'"))
    check(acked <= stored, f"up again: {len(acked - stored)} acknowledged events missing")
    check(psql_kb(cdir, "PRIMARY", "SELECT sync_state FROM pg_stat_replication") == ["sync"],
          "up again: the new standby is synchronous")
    st, _, _ = post_answer(info["url"] + "/api/events", {"type": "view", "article":
                           "sign-in-and-mfa/reset-password"}, {"X-KB-Visit": "vclustertest0123456789"})
    check(st == 201, f"up again: an event through the LB: {st}")
    print(f"up again on the same DIR: {len(acked)} acknowledged events all there", flush=True)
    down_leaves_nothing(cluster, cdir)


def main():
    faulthandler.register(signal.SIGTERM, all_threads=True)
    for prog in ("haproxy", "xapian-replicate", "xapian-replicate-server", "xapian-tcpsrv"):
        if not shutil.which(prog):
            print(f"skip: {prog} missing (KB_WITH_CLUSTER=1 scripts/install-deps.sh)")
            return 77
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") or os.geteuid() != 0:
        print("skip: PostgreSQL is missing or this is not root (KB_WITH_CLUSTER=1 "
              "scripts/install-deps.sh; the servers run as the user postgres)")
        return 77
    work = tempfile.mkdtemp(prefix="kb-cluster-")
    os.chmod(work, 0o711)  # the user postgres reaches DIR/pg through it
    cdir = os.path.join(work, "c")
    port = free_port()
    cluster = [os.path.join(SRC, "scripts", "cluster.sh")]
    local = None
    acked = None
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
        pg = info["postgres"]
        check(isinstance(pg["primary_pid"], int) and isinstance(pg["standby_pid"], int)
              and pg["primary_pid"] != pg["standby_pid"], f"both PostgreSQL pids: {pg}")
        check(info["db"].startswith("postgresql://") and info["db"].count(",") == 1
              and "target_session_attrs=read-write" in info["db"],
              f"db is the multi-host DSN: {info['db']}")
        for k in ("primary_pid", "standby_pid"):
            check(pid_alive(pg[k]), f"PostgreSQL {k} runs")

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
        answers = [search(lb, q, l) for q, l in QUERIES]
        check(all(a["total"] > 0 for a in answers), "every query finds something")
        check(any(a.get("suggestion") for a in answers), "a typo's suggestion is compared")
        check(any(any(a.get("facets", {}).get(k) for k in ("topic", "product", "locale"))
                  for a in answers), "facets are compared")
        check({a["locale"] for a in answers} >= {"en-us", "ru-ru", "zh-cn"}, "three locales")
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
        for r in range(3 if LONG else 1):
            reindex_reaches_every_node(info, lb, auth, f"zebrafinch{r}")

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
        time.sleep(18 if LONG else 4)
        stop.set()
        for t in threads:
            t.join()
        print(f"load while node 1 was killed ({time.time() - T0:.1f} s): {counts}", flush=True)
        check(counts["failed"] == 0 and counts["ok"] > 20,
              f"no failed request while a front end died: {counts}")

        acked = primary_death(info, lb, cdir)
        if LONG:
            # Idle connections everywhere (HAProxy's, libpq's) outlive 61 s.
            time.sleep(61)
            try:
                ok = get(f"{lb}/api/search?q=invoice&locale=en-us")[0] == 200
                ok = ok and post_answer(lb + "/api/events", {"type": "view", "article":
                                        "sign-in-and-mfa/reset-password"},
                                        {"X-KB-Visit": "vclustertest0123456789"})[0] == 201
            except Exception as e:  # noqa: BLE001
                print("after 61 s idle:", e)
                ok = False
            check(ok, "a search and an event after 61 s idle")
    finally:
        if local:
            local.terminate()
            local.wait()
        down_leaves_nothing(cluster, cdir)
        if acked:
            up_again(cluster, cdir, port, acked)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


sys.exit(main())
