#!/usr/bin/env python3
"""serializers: cairn's wire protocols against botocore's serializers.

For every operation compiled into cairn (data/models/*.json), generates
parameter sets from the operation's input shape (every member, nested
structures, lists of one and two, maps, enums, numbers, booleans,
timestamps, blobs, strings with reserved and non-ASCII characters), has
`cairn __aws-build` serialise them and botocore's serializer for the same
protocol too, and compares method, path, query, the headers botocore
sets, and the body (form fields, JSON, XML trees or raw payloads).

botocore's event handlers (not its serializers) add a few things cairn
also does (S3 EncodingType=url, Content-MD5, generated idempotency
tokens): tokens are always given, and headers and query parameters that
only cairn sends are reported only if botocore sends them differently.

    python3 tests/botocore/serializers.py [--cairn PATH] [--sets N] [--seed N]
"""

import argparse
import base64
import datetime
import json
import os
import random
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import botocore.session
from botocore.serialize import create_serializer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODELS = os.path.join(ROOT, "data", "models")
TEXT = ["plain", "with space", "a/b", "x+y=z&w", "naïve", "ሴ", "tilde~dash-dot.", "q?h#p%", "*",
        "UPPER", "colon:at@", "comma,semi;"]
SKIP_MEMBERS = {"ContentMD5", "ChecksumAlgorithm", "ChecksumCRC32", "ChecksumCRC32C", "ChecksumSHA1",
                "ChecksumSHA256", "ChecksumCRC64NVME", "SSECustomerKey", "SSECustomerKeyMD5",
                "CopySourceSSECustomerKey", "CopySourceSSECustomerKeyMD5",
                "ExpectedBucketOwner", "ExpectedSourceBucketOwner"}
# cairn URL-encodes these as botocore's handlers do; give plain values
PLAIN = {"CopySource": "source-bucket/key.txt"}


def gen(shape, rng, depth, blob_mode):
    """(cairn value, botocore value) for a shape."""
    t = shape.type_name
    if t == "structure":
        c, b = {}, {}
        for name, m in shape.members.items():
            if name in SKIP_MEMBERS or m.serialization.get("jsonvalue") or m.type_name == "document":
                continue
            if m.serialization.get("location") == "headers":
                continue
            if depth > 3 and name not in shape.required_members:
                continue
            if name not in shape.required_members and rng.random() < 0.35:
                continue
            if name in PLAIN:
                c[name] = b[name] = PLAIN[name]
                continue
            c[name], b[name] = gen(m, rng, depth + 1, blob_mode)
        return c, b
    if t == "list":
        n = rng.choice([1, 1, 2]) if depth < 5 else 1
        n = max(n, shape.metadata.get("min", 0) or 0)
        pairs = [gen(shape.member, rng, depth + 1, blob_mode) for _ in range(n)]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if t == "map":
        c, b = {}, {}
        for i in range(rng.choice([1, 2])):
            k = "key%d" % i
            c[k], b[k] = gen(shape.value, rng, depth + 1, blob_mode)
        return c, b
    if t == "string":
        if shape.enum:
            v = rng.choice(shape.enum)
        else:
            v = rng.choice(TEXT)
            mn = shape.metadata.get("min") or 0
            if len(v) < mn:
                v = v + "x" * (mn - len(v))
        return v, v
    if t in ("integer", "long"):
        lo = shape.metadata.get("min", 0) or 0
        v = int(lo) + rng.randint(0, 50)
        return v, v
    if t in ("float", "double"):
        v = rng.choice([0.5, 1.25, 3.0])
        return v, v
    if t == "boolean":
        v = rng.random() < 0.5
        return v, v
    if t == "timestamp":
        secs = 1700000000 + rng.randint(0, 10 ** 7)
        d = datetime.datetime.fromtimestamp(secs, tz=datetime.timezone.utc)
        return d.strftime("%Y-%m-%dT%H:%M:%SZ"), d
    if t == "blob":
        raw = rng.choice([b"bytes", b"\x01\x02binary\xff", b"hello world"])
        if shape.serialization.get("streaming"):
            raw = b"streamed body"
            return raw.decode(), raw
        return base64.b64encode(raw).decode(), raw
    return None, None


def norm_query(pairs):
    return sorted((k, "" if v is None else str(v)) for k, v in pairs)


def botocore_query(serialized):
    path = serialized["url_path"]
    pairs = []
    if "?" in path:
        path, static = path.split("?", 1)
        for part in static.split("&"):
            k, _, v = part.partition("=")
            pairs.append((k, v))
    qs = serialized.get("query_string") or {}
    if isinstance(qs, dict):
        for k, v in qs.items():
            for x in (v if isinstance(v, list) else [v]):
                pairs.append((k, x))
    return path, pairs


def xml_tree(b):
    def walk(e):
        return (e.tag, sorted(e.attrib.items()), (e.text or "").strip(), [walk(c) for c in e])
    return walk(ET.fromstring(b))


def compare(protocol, mine, theirs):
    """A list of differences (empty when the two requests agree)."""
    diffs = []
    if mine["method"] != theirs["method"]:
        diffs.append("method %s != %s" % (mine["method"], theirs["method"]))
    bpath, bquery = botocore_query(theirs)
    if mine["path"] != bpath:
        diffs.append("path %r != %r" % (mine["path"], bpath))
    mq = norm_query(mine["query"])
    tq = norm_query(bquery)
    extra = [p for p in mq if p not in tq]
    if [p for p in tq if p not in mq] or [p for p in extra if p[0] != "encoding-type"]:
        diffs.append("query %r != %r" % (mq, tq))
    mh = {k.lower(): v for k, v in mine["headers"].items()}
    for k, v in theirs["headers"].items():
        if mh.get(k.lower()) != str(v):
            diffs.append("header %s: %r != %r" % (k, mh.get(k.lower()), v))
    body = theirs["body"]
    if isinstance(body, dict):  # query / ec2 form fields
        mine_form = dict(urllib.parse.parse_qsl(mine["body"], keep_blank_values=True))
        theirs_form = {k: (("true" if v else "false") if isinstance(v, bool) else str(v))
                       for k, v in body.items()}
        if mine_form != theirs_form:
            diffs.append("form %r != %r" % (sorted(mine_form.items()), sorted(theirs_form.items())))
        return diffs
    if isinstance(body, str):
        body = body.encode()
    mb = mine["body"].encode("latin-1") if protocol == "raw" else mine["body"].encode()
    if not body and not mb:
        return diffs
    try:
        if body.lstrip().startswith(b"{") or body.lstrip().startswith(b"["):
            if json.loads(mb) != json.loads(body):
                diffs.append("json %s != %s" % (mb[:300], body[:300]))
        elif body.lstrip().startswith(b"<"):
            if xml_tree(mb) != xml_tree(body):
                diffs.append("xml %s != %s" % (mb[:300], body[:300]))
        elif mb != body:
            diffs.append("body %r != %r" % (mb[:200], body[:200]))
    except ValueError as e:
        diffs.append("body does not parse (%s): %r vs %r" % (e, mb[:200], body[:200]))
    return diffs


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", default=os.environ.get("CAIRN") or os.path.join(ROOT, "cairn"))
    ap.add_argument("--sets", type=int, default=3)
    ap.add_argument("--seed", type=int, default=4)
    a = ap.parse_args(argv)
    rng = random.Random(a.seed)
    session = botocore.session.get_session()
    cases = []
    for fn in sorted(os.listdir(MODELS)):
        if not fn.endswith(".json"):
            continue
        svc = fn[:-5]
        with open(os.path.join(MODELS, fn)) as f:
            ops = sorted(json.load(f)["operations"])
        model = session.get_service_model(svc)
        for op in ops:
            om = model.operation_model(op)
            if om.endpoint or om.input_shape is None:
                continue
            for _ in range(a.sets):
                c, b = gen(om.input_shape, rng, 0, None)
                for name, m in om.input_shape.members.items():
                    if m.metadata.get("idempotencyToken") or m.serialization.get("idempotencyToken"):
                        c[name] = b[name] = "token-%d" % rng.randint(0, 10 ** 6)
                cases.append((svc, op, om, c, b))
    out = subprocess.run([a.cairn, "__aws-build"], capture_output=True, text=True, timeout=600,
                         input=json.dumps([{"service": s, "operation": o, "params": c}
                                           for s, o, _, c, _ in cases]))
    if out.returncode != 0:
        sys.exit("cairn __aws-build failed: %s" % out.stderr)
    mine = json.loads(out.stdout)
    bad = []
    serializers = {}
    for (svc, op, om, c, b), m in zip(cases, mine):
        proto = om.service_model.protocol
        ser = serializers.setdefault(proto, create_serializer(proto, include_validation=False))
        theirs = ser.serialize_to_request(b, om)
        if "error" in m:
            bad.append((svc, op, c, ["cairn refused: %s" % m["error"]]))
            continue
        d = compare(proto, m, theirs)
        if d:
            bad.append((svc, op, c, d))
    nops = len({(s, o) for s, o, _, _, _ in cases})
    print("serializers: %d requests of %d operations in %d services, %d differ"
          % (len(cases), nops, len({s for s, _, _, _, _ in cases}), len(bad)))
    for svc, op, c, d in bad[:8]:
        print("--- %s.%s %s" % (svc, op, json.dumps(c, ensure_ascii=False)[:300]))
        for x in d[:4]:
            print("    " + x)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
