#!/usr/bin/python3
"""test_shards: kb-serve on three shards served by xapian-tcpsrv.

Usage: test_shards.py SOURCE_DIR BUILD_DIR

- kb-index --shards 3 and a plain kb-index of the same content (content/
  plus a German translation and an internal Russian one): the same ids,
  order, scores, totals, facets, locale fallback and spelling correction,
  and the same best suggestion and total (as you type) from kb-serve on the
  remote shards (a stub file with the
  auxiliary database) as from kb-serve on the plain index, for anonymous
  readers and for an agent, in en-us, ru-ru, zh-cn and de-de;
- kill -9 of one replica of a shard (every xapian-tcpsrv process of it)
  under search load: no failed request;
- SIGSTOP of a shard's replica while the other runs: answers within 2 s;
- kill -9 of a shard with no other replica: 503 shard_unavailable within
  2 s, and answers again once it is back; SIGSTOP of it: 503 within 2 s;
- connections xapian-tcpsrv dropped as idle (--idle-timeout 1500 ms
  here): the next search answers.  KB_TEST_IDLE=1 also waits 61 s with
  xapian-tcpsrv's default idle timeout (60 s; slow, so not in CI).

Exits 77 (skipped) when xapian-tcpsrv is missing.
"""
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
    """(status, JSON body, seconds taken); an HTTP error's status and body too."""
    req = urllib.request.Request(url, headers=headers or {})
    t = time.time()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read()), time.time() - t
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}"), time.time() - t


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


GERMAN = """---
title: Ihre Rechnung verstehen
description: Was auf Ihrer monatlichen Rechnung steht und wie Säumnisgebühren entstehen.
topic: conceptual
product: billing
---

# Ihre Rechnung verstehen

Jede Rechnung listet alle Gebühren des Monats. Säumnisgebühren kommen hinzu,
wenn eine Rechnung nach 30 Tagen nicht bezahlt ist.

## Rechnung herunterladen

Öffnen Sie Abrechnung und wählen Sie PDF herunterladen.
"""

RUSSIAN_INTERNAL = """---
title: Почему деньги списали дважды
description: Внутренняя памятка для агентов о двойном списании.
topic: troubleshooting
product: billing
audience: internal
---

# Почему деньги списали дважды

Проверьте платежи клиента и оформите возврат двойного списания.
"""

# (query, locale, as an agent)
QUERIES = [
    ("invoice", "en-us", False), ("late fee", "en-us", False), ("pasword reset", "en-us", False),
    ("invoce", "en-us", False), ("счет", "ru-ru", False), ("invoice", "ru-ru", False),
    ("发票", "zh-cn", False), ("billing", "zh-cn", False), ("Rechnung", "de-de", False),
    ("Säumnisgebühren", "de-de", False), ("invoice", "de-de", False),
    ("charged twice", "ru-ru", False), ("charged twice", "ru-ru", True),
    ("списали дважды", "ru-ru", True), ("списали дважды", "ru-ru", False), ("escalation playbook", "en-us", False),
    ("escalation playbook", "en-us", True), ("escalaton", "en-us", True),
    ("topic:how-to password", "en-us", False), ("\"late fee\"", "en-us", False),
]


def rounded(v):
    """v with every float to 12 significant digits: shards' weights may
    differ from one index's in the last bit (the statistics are summed
    over the shards)."""
    if isinstance(v, float):
        return float(f"{v:.12g}")
    if isinstance(v, list):
        return [rounded(x) for x in v]
    if isinstance(v, dict):
        return {k: rounded(x) for k, x in v.items()}
    return v


def shape(answer):
    return {
        "hits": [(h["id"], h["locale"], (h.get("section") or {}).get("anchor"),
                  rounded(h.get("score"))) for h in answer.get("hits", [])],
        "total": answer.get("total"), "facets": answer.get("facets"),
        "corrected": answer.get("corrected"), "suggestion": answer.get("suggestion"),
        "locale": answer.get("locale"),
    }


ARTICLES = ["billing/understand-your-invoice", "billing/charged-twice", "billing/tax-and-vat",
            "sign-in-and-mfa/reset-password", "faq/billing-faq", "settings/export-your-data"]


def shard_of(article_id, n):
    """kb_shard_of: FNV-1a of the id, modulo the number of shards."""
    h = 1469598103934665603
    for c in article_id.encode():
        h = ((h ^ c) * 1099511628211) % (1 << 64)
    return h % n


def suggested(answer):
    """What must agree for as-you-type: the best article and the total.  The
    partial word expands to several terms weighed as one (OP_SYNONYM),
    whose frequency Xapian estimates shard by shard, so the order may
    differ slightly from one index's (README, "Shards")."""
    hits = answer.get("hits", [])
    return {"first": (hits[0]["id"], hits[0]["locale"]) if hits else None,
            "total": answer.get("total"), "corrected": answer.get("corrected")}


class Shard:
    """One replica of one shard: xapian-tcpsrv in a session of its own, so
    that a signal reaches it and the children it forks per connection."""

    def __init__(self, path, port, idle_ms=None):
        self.path, self.port, self.idle_ms = path, port, idle_ms
        self.proc = None
        self.start()

    def start(self):
        cmd = ["xapian-tcpsrv", "--interface", "127.0.0.1", "--port", str(self.port)]
        if self.idle_ms:
            cmd += ["--idle-timeout", str(self.idle_ms)]
        self.proc = subprocess.Popen(cmd + [self.path], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)

    def signal(self, sig):
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        if sig == signal.SIGKILL:
            self.proc.wait()


def serve(index, work, name):
    p = subprocess.Popen([os.path.join(BUILD, "kb-serve"), "--index", index, "--listen",
                          "127.0.0.1:0", "--db", os.path.join(work, name + ".db")],
                         stdout=subprocess.PIPE, stderr=open(os.path.join(work, name + ".log"), "w"),
                         text=True)
    line = p.stdout.readline()
    return p, "http://" + line.split("http://", 1)[1].split()[0].rstrip("/")


def agent_token(work, name):
    db = os.path.join(work, name + ".db")
    kb_user = os.path.join(BUILD, "kb-user")
    subprocess.run([kb_user, "--db", db, "add", "agent1", "--role", "agent"],
                   input="correct horse battery\n", text=True, capture_output=True, check=True)
    tok = subprocess.run([kb_user, "--db", db, "token", "agent1"], capture_output=True, text=True,
                         check=True)
    return {"Authorization": "Bearer " + tok.stdout.strip().splitlines()[-1]}


def main():
    if not shutil.which("xapian-tcpsrv"):
        print("skip: xapian-tcpsrv missing (KB_WITH_CLUSTER=1 scripts/install-deps.sh)")
        return 77
    work = tempfile.mkdtemp(prefix="kb-shards-")
    procs, shards = [], []
    try:
        content = os.path.join(work, "content")
        shutil.copytree(os.path.join(SRC, "content"), content)
        os.makedirs(os.path.join(content, "de-de", "billing"))
        with open(os.path.join(content, "de-de", "billing", "understand-your-invoice.md"), "w") as f:
            f.write(GERMAN)
        with open(os.path.join(content, "ru-ru", "billing", "charged-twice.md"), "w") as f:
            f.write(RUSSIAN_INTERNAL)
        kb_index = os.path.join(BUILD, "kb-index")
        sharded, plain = os.path.join(work, "sharded"), os.path.join(work, "plain")
        r = subprocess.run([kb_index, "--content", content, "--index", sharded, "--shards", "3",
                            "--quiet"], capture_output=True, text=True)
        check(r.returncode == 0, f"kb-index --shards 3: {r.stderr}")
        subprocess.run([kb_index, "--content", content, "--index", plain, "--quiet"], check=True)
        check(all(os.path.isdir(os.path.join(sharded, d)) for d in ("shard1", "shard2", "shard3", "aux"))
              and os.path.isfile(os.path.join(sharded, "XAPIANDB")), "three shards, aux and stub")
        r = subprocess.run([kb_index, "--content", content, "--index", sharded, "--shards", "2",
                            "--quiet"], capture_output=True, text=True)
        check(r.returncode == 3 and "3 shard(s), not 2" in r.stderr,
              f"another number of shards is refused: {r.returncode} {r.stderr}")

        # Shards 1 and 2 have two replicas each, shard 3 one; the replicas
        # of shard 1 drop idle connections after 1.5 s.
        stub = os.path.join(work, "remote.stub")
        with open(stub, "w") as f:
            f.write(f"# three shards\naux {sharded}/aux\n")
            for s in (1, 2, 3):
                reps = []
                for _ in range(2 if s < 3 else 1):
                    sh = Shard(os.path.join(sharded, f"shard{s}"), free_port(),
                               1500 if s == 1 else None)
                    shards.append((s, sh))
                    reps.append(f":127.0.0.1:{sh.port}")
                f.write("remote " + " ".join(reps) + "\n")
        rp, remote = serve(stub, work, "remote")
        lp, local = serve(plain, work, "local")
        procs += [rp, lp]
        auth = {remote: agent_token(work, "remote"), local: agent_token(work, "local")}

        nonce = [0]

        def ask(base, q, loc, staff, path="/api/search", fresh=False):
            """fresh: a text no search had (trailing spaces), so that no
            answer comes from kb-serve's result cache."""
            if fresh:
                nonce[0] += 1
                q += " " * nonce[0]
            qs = urllib.parse.urlencode({"q": q, "locale": loc})
            return get(f"{base}{path}?{qs}", headers=auth[base] if staff else None)

        for q, loc, staff in QUERIES:
            (sa, a, _), (sb, b, _) = ask(remote, q, loc, staff), ask(local, q, loc, staff)
            same = sa == sb == 200 and shape(a) == shape(b)
            if not same:
                print("remote:", sa, json.dumps(shape(a))[:800], "\nlocal: ", sb,
                      json.dumps(shape(b))[:800])
            check(same, f"same answer from 3 remote shards as from one index: {q!r} {loc} staff={staff}")
            for k in range(1, 4):
                prefix = q[: max(2, len(q) * k // 4)]
                (_, a, _), (_, b, _) = (ask(remote, prefix, loc, staff, "/api/suggest"),
                                        ask(local, prefix, loc, staff, "/api/suggest"))
                sa, sb = suggested(a), suggested(b)
                if len(prefix) < 4:  # "cha": many completions, close weights
                    sa["first"] = sb["first"] = None
                check(sa == sb, f"same suggestions for {prefix!r} {loc}: {sa} {sb}")
        # What the comparison covers actually happens.
        _, a, _ = ask(remote, "charged twice", "ru-ru", False)
        check(any(h["id"] == "billing/charged-twice" and h["locale"] == "en-us" for h in a["hits"]),
              "anonymous: the internal Russian translation is not there (English instead)")
        _, a, _ = ask(remote, "charged twice", "ru-ru", True)
        check(not any(h["id"] == "billing/charged-twice" for h in a["hits"]),
              "an agent: not in English, there is a Russian translation")
        _, a, _ = ask(remote, "списали дважды", "ru-ru", True)
        check(any(h["id"] == "billing/charged-twice" and h["locale"] == "ru-ru" for h in a["hits"]),
              "an agent gets the internal Russian translation")
        _, a, _ = ask(remote, "invoce", "en-us", False)
        check(a.get("corrected") == "invoice", f"spelling corrected on shards: {a.get('corrected')}")
        _, a, _ = ask(remote, "Rechnung", "de-de", False)
        check(a["locale"] == "de-de" and a["hits"] and a["hits"][0]["locale"] == "de-de",
              "German found in German")
        _, a, _ = ask(remote, "invoice", "de-de", False)
        inv = [h["locale"] for h in a["hits"] if h["id"] == "billing/understand-your-invoice"]
        check(a["facets"]["locale"].get("en-us", 0) > 0 and inv in ([], ["de-de"]),
              f"English fallback counted, none for the German article: {inv}")
        _, a, _ = ask(remote, "escalation playbook", "en-us", False)
        check(all("internal" not in h["id"] for h in a["hits"]), "no internal hit for anonymous")
        st, h, _ = get(remote + "/healthz")
        _, hl, _ = get(local + "/healthz")
        check(st == 200 and h.get("revision") == hl.get("revision") == 1,
              f"revision from the metadata: {h.get('revision')} {hl.get('revision')}")

        # Idle connections dropped by shard 1's servers (1.5 s).
        time.sleep(2.5)
        st, _, took = ask(remote, "invoice", "en-us", False, fresh=True)
        check(st == 200, f"a search after the shards dropped idle connections: {st}")
        st, h, _ = get(remote + "/healthz")
        check(st == 200 and h.get("articles", 0) > 0, f"healthz after idle connections dropped: {st}")

        # kill -9 of one replica of shard 1 under search load.
        stop = threading.Event()
        counts = {"ok": 0, "failed": 0, "slowest": 0.0}
        lock = threading.Lock()

        def load(k):
            i = 0
            while not stop.is_set():
                q, loc, staff = QUERIES[(i + k) % len(QUERIES)]
                i += 1
                st, _, took = ask(remote, f"{q} zq{k}x{i}", loc, staff)  # never cached
                with lock:
                    counts["ok" if st == 200 else "failed"] += 1
                    counts["slowest"] = max(counts["slowest"], took)

        threads = [threading.Thread(target=load, args=(k,)) for k in range(3)]
        for t in threads:
            t.start()
        time.sleep(1)
        shards[0][1].signal(signal.SIGKILL)
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join()
        print(f"load while a replica of shard 1 was killed: {counts}", flush=True)
        check(counts["failed"] == 0 and counts["ok"] > 10,
              f"no failed request while a shard replica died: {counts}")

        # SIGSTOP of shard 2's first replica: the other answers, in time.
        s2 = [sh for s, sh in shards if s == 2]
        s2[0].signal(signal.SIGSTOP)
        for q in ("invoice", "late fee", "account"):
            st, _, took = ask(remote, q, "en-us", False, fresh=True)
            check(st == 200 and took < 2, f"stopped replica, other one answers: {st} in {took:.2f} s")
        s2[0].signal(signal.SIGCONT)

        # Shard 3 has no other replica: 503 within 2 s, never a hang.
        s3 = [sh for s, sh in shards if s == 3][0]
        s3.signal(signal.SIGKILL)
        for q in ("invoice", "billing"):
            st, body, took = ask(remote, q, "en-us", False, fresh=True)
            check(st == 503 and body.get("error") == "shard_unavailable" and took < 2,
                  f"dead shard: {st} {body} in {took:.2f} s")
        in3 = [i for i in ARTICLES if shard_of(i, 3) == 2][0]
        st, body, took = get(f"{remote}/api/articles/{in3}?locale=en-us")
        check(st == 503 and body.get("error") == "shard_unavailable" and took < 2,
              f"an article of the dead shard: {st} {body} in {took:.2f} s")
        in1 = [i for i in ARTICLES if shard_of(i, 3) == 0][0]
        st, body, took = get(f"{remote}/api/articles/{in1}?locale=en-us")
        check(st == 503 and took < 2, f"any article while a shard is dead: {st} in {took:.2f} s")
        # kb-serve starts while the shard is down, and answers once it is back.
        lp2, late = serve(stub, work, "late")
        procs.append(lp2)
        st, body, took = get(f"{late}/api/search?q=invoice")
        check(st == 503 and took < 2, f"started with a shard down: {st} in {took:.2f} s")
        s3.start()
        st, _, took = ask(remote, "invoice", "en-us", False, fresh=True)
        check(st == 200, f"answers again once the shard is back: {st}")
        st, _, took = get(f"{late}/api/search?q=invoice+late")
        check(st == 200, f"the server started with a shard down answers once it is back: {st}")
        s3.signal(signal.SIGSTOP)
        for q in ("invoice", "refund"):
            st, body, took = ask(remote, q, "en-us", False, fresh=True)
            check(st == 503 and took < 2, f"stopped shard: {st} in {took:.2f} s")
        s3.signal(signal.SIGCONT)
        time.sleep(0.2)
        st, _, _ = ask(remote, "invoice", "en-us", False, fresh=True)
        check(st == 200, f"answers again once the shard runs: {st}")
        st, _, _ = ask(remote, "invoice", "en-us", False)
        check(st == 200, f"a cached answer too: {st}")
        st, _, _ = get(remote + "/healthz")
        check(st == 200, "healthz with every shard back")

        if os.environ.get("KB_TEST_IDLE") == "1":
            print("waiting 61 s (KB_TEST_IDLE=1)", flush=True)
            time.sleep(61)
            st, _, took = ask(remote, "invoice", "en-us", False, fresh=True)
            check(st == 200, f"a search after 61 s idle: {st} in {took:.2f} s")
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        for _, sh in shards:
            sh.signal(signal.SIGCONT)
            sh.signal(signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{passed} passed, {failed} failed ({time.time() - T0:.1f} s)")
    return 1 if failed else 0


sys.exit(main())
