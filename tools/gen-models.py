#!/usr/bin/env python3
"""gen-models.py: trims botocore's service models to the operations cairn uses.

Reads data/models/operations.txt ("service Operation" per line, # comments),
loads each service's newest service-2.json(.gz) from the installed botocore,
keeps the listed operations and every shape they reach (input, output and
the modeled errors marked retryable), drops documentation, examples and
validation-only traits (enum, pattern, min, max), and writes
data/models/<service>.json. Services no longer listed are removed.

    python3 tools/gen-models.py            regenerate
    python3 tools/gen-models.py --check    fail if the committed models differ

The models are compiled into cairn (tools/embed); the copyright of the
model data is Amazon's, under the Apache License 2.0 (data/models/LICENSE,
data/models/NOTICE).
"""

import gzip
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "data", "models")
LIST = os.path.join(OUT, "operations.txt")

META_KEYS = ["apiVersion", "endpointPrefix", "globalEndpoint", "jsonVersion", "protocol",
             "serviceId", "signatureVersion", "signingName", "targetPrefix", "uid",
             "xmlNamespace", "awsQueryCompatible", "checksumFormat"]
OP_KEYS = ["name", "http", "input", "output", "errors", "httpChecksumRequired",
           "httpChecksum", "authtype", "endpoint", "unsignedPayload"]
DROP_SHAPE_KEYS = {"documentation", "documentationUrl", "enum", "pattern", "min", "max",
                   "deprecated", "deprecatedMessage", "box", "wrapper",
                   "deprecatedSince"}
DROP_MEMBER_KEYS = {"documentation", "deprecated", "deprecatedMessage", "box",
                    "deprecatedSince", "contextParam"}


def botocore_data():
    import botocore
    return os.path.join(os.path.dirname(botocore.__file__), "data")


def load_json(base, name):
    for fn in (name, name + ".gz"):
        p = os.path.join(base, fn)
        if os.path.exists(p):
            opener = gzip.open if fn.endswith(".gz") else open
            with opener(p, "rt", encoding="utf-8") as f:
                return json.load(f)
    return None


def deep_merge(into, extra):
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(into.get(k), dict):
            deep_merge(into[k], v)
        else:
            into[k] = v


def load_service(name):
    """The model as botocore's loader sees it: service-2.json with its
    service-2.sdk-extras.json merged in (S3's Expires is a timestamp)."""
    base = os.path.join(botocore_data(), name)
    if not os.path.isdir(base):
        sys.exit("gen-models: botocore has no service '%s'" % name)
    version = sorted(os.listdir(base))[-1]
    model = load_json(os.path.join(base, version), "service-2.json")
    if model is None:
        sys.exit("gen-models: no service-2.json for '%s'" % name)
    extras = load_json(os.path.join(base, version), "service-2.sdk-extras.json")
    if extras:
        deep_merge(model, extras.get("merge", {}))
    return model, version


def read_list():
    wanted = {}
    with open(LIST) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 2:
                sys.exit("%s:%d: expected 'service Operation'" % (LIST, n))
            wanted.setdefault(parts[0], [])
            if parts[1] not in wanted[parts[0]]:
                wanted[parts[0]].append(parts[1])
    return wanted


def trim(service, model, ops):
    shapes = model["shapes"]
    keep = set()

    def reach(name):
        if name in keep:
            return
        keep.add(name)
        s = shapes[name]
        for m in s.get("members", {}).values():
            reach(m["shape"])
        for k in ("member", "key", "value"):
            if k in s:
                reach(s[k]["shape"])

    out_ops = {}
    for op in ops:
        if op not in model["operations"]:
            sys.exit("gen-models: %s has no operation '%s'" % (service, op))
        o = model["operations"][op]
        t = {k: o[k] for k in OP_KEYS if k in o}
        for k in ("input", "output"):
            if k in t:
                t[k] = {kk: vv for kk, vv in t[k].items() if kk != "documentation"}
                reach(t[k]["shape"])
        errs = []
        for e in o.get("errors", []):
            es = shapes[e["shape"]]
            if "retryable" in es:
                errs.append({"shape": e["shape"]})
                reach(e["shape"])
        if errs:
            t["errors"] = errs
        else:
            t.pop("errors", None)
        out_ops[op] = t

    out_shapes = {}
    for name in sorted(keep):
        s = {k: v for k, v in shapes[name].items() if k not in DROP_SHAPE_KEYS}
        if "members" in s:
            s["members"] = {mn: {k: v for k, v in m.items() if k not in DROP_MEMBER_KEYS}
                            for mn, m in s["members"].items()}
        for k in ("member", "key", "value"):
            if k in s:
                s[k] = {kk: vv for kk, vv in s[k].items() if kk not in DROP_MEMBER_KEYS}
        out_shapes[name] = s

    meta = {k: model["metadata"][k] for k in META_KEYS if k in model["metadata"]}
    return {"metadata": meta, "operations": out_ops, "shapes": out_shapes}


def main():
    check = "--check" in sys.argv[1:]
    wanted = read_list()
    changed = []
    for service, ops in sorted(wanted.items()):
        model, version = load_service(service)
        t = trim(service, model, ops)
        t["metadata"]["cairnSource"] = "botocore %s data/%s/%s/service-2.json" % (
            __import__("botocore").__version__, service, version)
        text = json.dumps(t, indent=1, sort_keys=True) + "\n"
        path = os.path.join(OUT, service + ".json")
        old = open(path).read() if os.path.exists(path) else None
        if old != text:
            changed.append(path)
            if not check:
                with open(path, "w") as f:
                    f.write(text)
    for fn in sorted(os.listdir(OUT)):
        if fn.endswith(".json") and fn[:-5] not in wanted:
            changed.append(os.path.join(OUT, fn))
            if not check:
                os.unlink(os.path.join(OUT, fn))
    if check and changed:
        sys.exit("gen-models: out of date: " + ", ".join(os.path.relpath(p, ROOT) for p in changed))
    if not check:
        for p in changed:
            print("wrote", os.path.relpath(p, ROOT))


if __name__ == "__main__":
    main()
