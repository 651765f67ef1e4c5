#!/usr/bin/env python3
"""bench/apply: how close cairn apply comes to the critical-path bound.

A generated stack of W chains of depth D: each chain is a KMS key, then
D-1 buckets, each tagged with the Ref of the one before (so each level
waits for the previous). With unlimited parallelism and no overhead, an
apply takes

    bound = t(create key) + (D - 1) * t(create bucket)

where t(...) is the latency of the AWS calls a create makes, measured in
the same run, through the same client, one call at a time:
    create key    = CreateKey
    create bucket = HeadBucket (404) + CreateBucket + PutBucketTagging
The service floor is what moto and the proxy allow whatever the graph:
the same key and bucket creates made by W tasks at once, without cairn's engine
(cairn __aws-lua). The report gives the apply's wall time (from the first "Creating..." line
to the last "Creation complete" line, as printed) against the bound, as a
ratio (1.00 = as fast as the dependency graph allows), against the larger
of the bound and the floor, and the same for
destroy (bound: D-1 DeleteBucket + ScheduleKeyDeletion).

Everything goes through tests/proxy/faultproxy.py, which adds a fixed
latency to every call, so that the graph, not moto's speed (~200 requests
a second on this machine), dominates. Not part of `make test`.

    python3 bench/apply/run.py [--latency-ms 50] [--config W,D ...]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "proxy"))
import faultproxy  # noqa: E402

CAIRN = os.environ.get("CAIRN") or os.path.join(ROOT, "cairn")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    env = dict(os.environ, MOTO_ALLOW_NONEXISTENT_REGION="true")
    log = tempfile.TemporaryFile()
    p = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(port)], stdout=log,
                         stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).read()
            return p, url
        except Exception:
            time.sleep(0.1)
    p.kill()
    raise SystemExit("moto_server did not start")


def env_for(endpoint):
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    e.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION="us-east-1",
             AWS_ENDPOINT_URL=endpoint, AWS_EC2_METADATA_DISABLED="true", NO_COLOR="1")
    return e


LATENCY_LUA = r"""
local aws = require "cairn.aws"
local n = tonumber(arg and arg[1]) or 10
local t = { key = 0, head = 0, create = 0, tag = 0, delete = 0, schedule = 0 }
for i = 1, n do
  local name = ("bench-latency-%d-%d"):format(i, math.floor(clock() * 1000) % 100000)
  local c = clock()
  pcall(aws.s3.HeadBucket, { Bucket = name }); t.head = t.head + clock() - c
  c = clock(); aws.s3.CreateBucket { Bucket = name }; t.create = t.create + clock() - c
  c = clock()
  aws.s3.PutBucketTagging { Bucket = name, Tagging = { TagSet = { { Key = "k", Value = "v" } } } }
  t.tag = t.tag + clock() - c
  c = clock(); aws.s3.DeleteBucket { Bucket = name }; t.delete = t.delete + clock() - c
  c = clock(); local k = aws.kms.CreateKey { Description = "bench" }; t.key = t.key + clock() - c
  c = clock()
  aws.kms.ScheduleKeyDeletion { KeyId = k.KeyMetadata.KeyId, PendingWindowInDays = 7 }
  t.schedule = t.schedule + clock() - c
end
for k, v in pairs(t) do t[k] = v / n end
return t
"""


THROUGHPUT_LUA = r"""
local aws = require "cairn.aws"
local W, D = %d, %d
local tag = { TagSet = { { Key = "k", Value = "v" } } }
local t0 = clock()
local function chain(w)
  aws.kms.CreateKey { Description = "bench" }
  for d = 1, D do
    local name = ("bench-tput-%%d-%%d-%%d"):format(w, d, math.floor(t0 * 1000) %% 100000)
    pcall(aws.s3.HeadBucket, { Bucket = name })
    aws.s3.CreateBucket { Bucket = name }
    aws.s3.PutBucketTagging { Bucket = name, Tagging = tag }
  end
end
for w = 2, W do spawn(chain, w) end
chain(1)
while true do
  -- the main task ends last: wait for the others through a cheap timer
  aws.sleep(0.01)
  if clock() - t0 > 600 then break end
  local ok, r = pcall(aws.s3.HeadBucket, { Bucket = ("bench-tput-%%d-%%d-%%d"):format(W, D, math.floor(t0 * 1000) %% 100000) })
  if ok then break end
end
return { seconds = clock() - t0, calls = W * (D * 3 + 1) }
"""


def measure_throughput(endpoint, work, width, depth):
    """Seconds for width tasks each making a key then depth buckets (the
    calls of those creates) at once: what moto and the proxy allow, with no
    engine, graph or state."""
    script = os.path.join(work, "tput.lua")
    with open(script, "w") as f:
        f.write(THROUGHPUT_LUA % (width, depth))
    r = subprocess.run([CAIRN, "__aws-lua", script], capture_output=True, text=True,
                       env=env_for(endpoint), timeout=900)
    if r.returncode != 0:
        raise SystemExit("throughput probe failed: " + r.stderr)
    return json.loads(r.stdout)


def measure_latency(endpoint, work, n=10):
    script = os.path.join(work, "latency.lua")
    with open(script, "w") as f:
        f.write(LATENCY_LUA.replace("tonumber(arg and arg[1]) or 10", str(n)))
    r = subprocess.run([CAIRN, "__aws-lua", script], capture_output=True, text=True,
                       env=env_for(endpoint), timeout=600)
    if r.returncode != 0:
        raise SystemExit("latency probe failed: " + r.stderr)
    return json.loads(r.stdout)


def template(width, depth):
    out = ["Resources:"]
    for w in range(width):
        out += ["  K%d:" % w, "    Type: AWS::KMS::Key", "    Properties: {Description: chain %d}" % w]
        prev = "K%d" % w
        for d in range(1, depth):
            name = "B%dL%d" % (w, d)
            out += ["  %s:" % name, "    Type: AWS::S3::Bucket", "    Properties:",
                    "      Tags: [{Key: prev, Value: !Ref %s}]" % prev]
            prev = name
    return "\n".join(out) + "\n"


def timed(args, endpoint, cwd, start_word, done_word):
    """Runs cairn; returns (wall of the whole command, seconds from the
    first line containing start_word to the last containing done_word)."""
    t0 = time.monotonic()
    p = subprocess.Popen([CAIRN] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env_for(endpoint), cwd=cwd, bufsize=1)
    first = last = None
    for line in p.stdout:
        now = time.monotonic()
        if start_word in line and first is None:
            first = now
        if done_word in line:
            last = now
    err = p.stderr.read()
    p.wait()
    if p.returncode != 0:
        raise SystemExit("cairn %s failed:\n%s" % (" ".join(args), err))
    return time.monotonic() - t0, (last - first) if first and last else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency-ms", type=float, default=50)
    ap.add_argument("--config", action="append", help="W,D (chains, depth); repeatable")
    ap.add_argument("--parallelism", type=int, default=0)
    a = ap.parse_args()
    configs = [tuple(int(x) for x in c.split(",")) for c in (a.config or ["1,10", "8,6", "24,4"])]

    moto, url = start_moto()
    proxy = faultproxy.FaultProxy(url, latency_ms=a.latency_ms)
    proxy.start()
    endpoint = "http://127.0.0.1:%d" % proxy.port
    work = tempfile.mkdtemp(prefix="cairn-bench-apply-")
    try:
        lat = measure_latency(endpoint, work)
        t_key = lat["key"]
        t_bucket = lat["head"] + lat["create"] + lat["tag"]
        t_del = lat["delete"]
        print("cairn apply benchmark: moto behind a proxy adding %.0f ms per call" % a.latency_ms)
        print("measured per-call latency (sequential, through cairn's client): "
              "CreateKey %.1f ms, HeadBucket %.1f ms, CreateBucket %.1f ms, PutBucketTagging %.1f ms,"
              " DeleteBucket %.1f ms, ScheduleKeyDeletion %.1f ms"
              % (lat["key"] * 1e3, lat["head"] * 1e3, lat["create"] * 1e3, lat["tag"] * 1e3,
                 lat["delete"] * 1e3, lat["schedule"] * 1e3))
        print()
        print("| chains x depth | resources | calls | apply wall | graph bound | ratio | service floor | ratio to max(bound, floor) | destroy wall | destroy bound | ratio |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        rows = []
        for w, d in configs:
            cwd = tempfile.mkdtemp(dir=work)
            t = os.path.join(cwd, "chain.yaml")
            with open(t, "w") as f:
                f.write(template(w, d))
            extra = ["--parallelism", str(a.parallelism)] if a.parallelism else []
            urllib.request.urlopen(urllib.request.Request(
                "http://127.0.0.1:%d/__proxy/reset" % proxy.port, method="POST")).read()
            _, apply_s = timed(["apply", "--auto-approve"] + extra + [t], endpoint, cwd,
                               "Creating...", "Creation complete")
            stats = json.loads(urllib.request.urlopen(
                "http://127.0.0.1:%d/__proxy/stats" % proxy.port).read())
            _, destroy_s = timed(["destroy", "--auto-approve"] + extra + [t], endpoint, cwd,
                                 "Destroying...", "Destruction complete")
            bound = t_key + (d - 1) * t_bucket
            dbound = (d - 1) * t_del + lat["schedule"]
            floor = measure_throughput(endpoint, work, w, d - 1)["seconds"]
            row = (w, d, w * d, stats.get("requests", 0), apply_s, bound, apply_s / bound,
                   floor, apply_s / max(bound, floor), destroy_s, dbound, destroy_s / dbound)
            rows.append(row)
            print("| %d x %d | %d | %d | %.2f s | %.2f s | %.2f | %.2f s | %.2f | %.2f s | %.2f s | %.2f |"
                  % row)
        print()
        print("calls: requests through the proxy during apply (the refresh of an empty state "
              "makes none; STS GetCallerIdentity is one). service floor: the same key and bucket "
              "creates made by W tasks at once with no graph and no state (what moto and the "
              "proxy can serve).")
    finally:
        proxy.stop()
        moto.terminate()
        try:
            moto.wait(10)
        except subprocess.TimeoutExpired:
            moto.kill()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
