#!/usr/bin/env python3
"""The policy benchmark: every built-in pack over a generated stack of
10,000 resources (bench/policy/gen.py), through `cairn check`.

    python3 bench/policy/run.py [N]      (default 10000; run from the repo root)

Prints, for a stack document of every type the packs judge and for a
template of buckets and keys (which adds loading and evaluating the
template), the wall and CPU time, check calls (policy x resource), calls
per CPU second, and the peak memory of the cairn process, as measured in
this one run, and the ratio of the wall time to the 2-second target.
The machine is shared: compare CPU time when the load average is high."""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAIRN = os.environ.get("CAIRN") or os.path.join(ROOT, "cairn")
GEN = os.path.join(ROOT, "bench", "policy", "gen.py")


def measure(args):
    t0 = time.monotonic()
    r = subprocess.run([CAIRN, "check", "--format", "json"] + args, capture_output=True, text=True)
    secs = time.monotonic() - t0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 3):
        sys.exit("cairn check failed (%d): %s" % (r.returncode, r.stderr[-2000:]))
    out = json.loads(r.stdout)
    return secs, ru.ru_utime + ru.ru_stime, out, ru.ru_maxrss


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    tmp = tempfile.mkdtemp(prefix="cairn-bench-policy-")
    doc, tpl = os.path.join(tmp, "bench.json"), os.path.join(tmp, "bench.yaml")
    with open(doc, "w") as f:
        subprocess.run([sys.executable, GEN, "document", str(n)], stdout=f, check=True)
    with open(tpl, "w") as f:
        subprocess.run([sys.executable, GEN, "template", str(n)], stdout=f, check=True)
    print("policy benchmark: %d resources, cairn %s" % (n, CAIRN))
    print("load average %.2f (wall time includes waiting for a CPU; CPU time does not)" %
          os.getloadavg()[0])
    print("%-30s %7s %7s %7s %9s %8s %8s %8s" % ("input", "wall s", "CPU s", "calls", "calls/CPU s",
                                                "findings", "peak MiB", "wall/2s"))
    # Each measurement in a fresh child so that ru_maxrss is that run's.
    for label, args in (("stack document, all types", ["--document", doc]),
                        ("template, buckets and keys", [tpl])):
        pid = os.fork()
        if pid == 0:
            secs, cpu, out, peak = measure(args)
            s = out["summary"]
            print("%-30s %7.2f %7.2f %7d %11.0f %8d %8.1f %8.2f" % (
                label, secs, cpu, s["evaluations"], s["evaluations"] / cpu, s["failed"],
                peak / 1024.0, secs / 2.0))
            sys.stdout.flush()
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        if status:
            sys.exit(1)
    for p in (doc, tpl):
        os.unlink(p)
    os.rmdir(tmp)


if __name__ == "__main__":
    main()
