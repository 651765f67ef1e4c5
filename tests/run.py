#!/usr/bin/env python3
"""Runs cairn's integration tests: every tests/integration/test_*.py, each
file in its own process, as many at once as there are CPUs (-j N to
change), and fails if any fails. Arguments filter by file name:
    python3 tests/run.py            all of them
    python3 tests/run.py kms s3     files whose name contains kms or s3
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ITEST = os.path.join(ROOT, "tests", "integration")


def run(path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.join(ROOT, "tests", "lib") + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    t0 = time.time()
    try:
        r = subprocess.run([sys.executable, path], capture_output=True, text=True,
                           env=env, cwd=ROOT, timeout=int(os.environ.get("CAIRN_TEST_TIMEOUT", "1800")))
        out, rc = r.stdout + r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out, rc = "timed out\n" + str(e.stdout or "") + str(e.stderr or ""), 124
    return path, rc, out, time.time() - t0


def main(argv):
    jobs = os.cpu_count() or 2
    filters = []
    i = 0
    while i < len(argv):
        if argv[i] == "-j" and i + 1 < len(argv):
            jobs = int(argv[i + 1])
            i += 2
            continue
        if argv[i].startswith("-j") and argv[i][2:].isdigit():
            jobs = int(argv[i][2:])
            i += 1
            continue
        if argv[i].startswith("-"):
            sys.exit("usage: tests/run.py [-j N] [NAME-FILTER...]  (unknown option %s)" % argv[i])
        filters.append(argv[i])
        i += 1
    files = sorted(os.path.join(ITEST, f) for f in os.listdir(ITEST)
                   if f.startswith("test_") and f.endswith(".py")
                   and (not filters or any(x in f for x in filters)))
    if filters and not files:
        sys.exit("tests/run.py: no test file matches %s" % " ".join(filters))
    failed = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for path, rc, out, secs in pool.map(run, files):
            name = os.path.basename(path)
            summary = [l for l in out.splitlines() if l.startswith(("Ran ", "OK", "FAILED"))]
            if rc == 0:
                print("ok   %-40s %6.1fs  %s" % (name, secs, " ".join(summary)))
            else:
                failed.append(name)
                print("FAIL %-40s %6.1fs" % (name, secs))
                print("\n".join("    " + l for l in out.splitlines()))
            sys.stdout.flush()
    print("integration: %d files, %d failed%s" % (len(files), len(failed),
          (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
