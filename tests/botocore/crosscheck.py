#!/usr/bin/env python3
"""crosscheck: cairn's SigV4 signer against botocore's, on generated requests.

Generates requests with awkward paths (dot segments, repeated and trailing
slashes, percent-encoded and non-ASCII bytes, sub-delimiters), query
strings (repeated keys, empty values, keys without '=', reserved and
non-ASCII characters), headers (mixed case, duplicates, runs of spaces and
tabs, leading and trailing blanks, unsigned ones) and bodies (empty, JSON,
form-encoded, non-ASCII), for S3 and non-S3 services, with and without a
session token. Each is signed by `cairn __sigv4` and by botocore
(SigV4Auth / S3SigV4Auth with the Authorization header, SigV4QueryAuth /
S3SigV4QueryAuth presigned) at the same instant, and the signatures, the
Authorization headers and the canonical requests must be identical.

    python3 tests/botocore/crosscheck.py [--cairn PATH] [--count N] [--seed N]

Prints a one-line summary; exits 1 and shows the first differences if any
request disagrees.
"""

import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import urllib.parse
from unittest import mock

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SEGMENTS = ["a", "b c", "%20", "x%2Fy", "%E1%88%B4", ".", "..", "", "~user", "!$&'()*+,;=:@",
            "key.json", "UPPER", "v1", "%25", "caf%C3%A9", "-_.~", "a+b", "%2B"]
QCHARS = ["a", "b", "A", "Z", "0", " ", "/", "?", "=", "&", "+", "%", "~", "-", "_", ".", "*", "'",
          "(", ")", "!", "é", "ሴ", ":", "@", ",", ";", "$", "[", "]"]
HNAMES = ["X-Amz-Meta-Name", "x-custom", "Content-Type", "X-Amz-Target", "My-Header1",
          "x-amz-server-side-encryption", "Cache-Control", "If-None-Match", "X-Amz-Acl",
          "User-Agent", "Expect", "X-Amzn-Trace-Id"]
HVALUES = ["value", "  padded  ", "multiple   spaces", "tab\tinside", "a,b,c", "\"quoted\"",
           "application/x-amz-json-1.1", "TrentService.CreateKey", "", "*", "100-continue",
           "Root=1-5759e988-bd862e3fe1be46a994272793", "ünïcödé"]
BODIES = ["", "{}", '{"KeyId": "abc", "Tags": [{"TagKey": "k", "TagValue": "v"}]}',
          "Action=ListUsers&Version=2010-05-08", "<Tagging><TagSet/></Tagging>", "naïve ሴ body",
          "x" * 1000]
SERVICES = [("iam", "us-east-1", "iam.amazonaws.com"), ("kms", "eu-west-1", "kms.eu-west-1.amazonaws.com"),
            ("sagemaker", "us-west-2", "api.sagemaker.us-west-2.amazonaws.com"),
            ("execute-api", "ap-south-1", "abc.execute-api.ap-south-1.amazonaws.com"),
            ("s3", "us-east-1", "bucket.s3.us-east-1.amazonaws.com"),
            ("s3", "eu-central-1", "s3.eu-central-1.amazonaws.com"),
            ("ec2", "cn-north-1", "ec2.cn-north-1.amazonaws.com.cn"),
            ("sts", "us-gov-west-1", "sts.us-gov-west-1.amazonaws.com")]
KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TOKEN = "IQoJb3JpZ2luX2VjEPT//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with+specials=="


def rand_path(rng):
    n = rng.randint(0, 5)
    segs = [rng.choice(SEGMENTS) for _ in range(n)]
    p = "/" + "/".join(segs)
    if rng.random() < 0.3:
        p += "/"
    if rng.random() < 0.1:
        p = "/" + p  # a leading double slash
    return p


def rand_text(rng, lo=0, hi=8):
    return "".join(rng.choice(QCHARS) for _ in range(rng.randint(lo, hi)))


def rand_query(rng, unique=False):
    q = []
    for _ in range(rng.randint(0, 5)):
        k = rand_text(rng, 1, 6)
        if unique and any(k == x[0] for x in q):
            continue
        v = None if rng.random() < 0.15 and not unique else rand_text(rng)
        q.append([k, v])
        if not unique and rng.random() < 0.15:
            q.append([k, rand_text(rng)])  # a repeated key
    return q


def rand_headers(rng, s3):
    hs = []
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(HNAMES)
        if rng.random() < 0.3:
            name = name.upper() if rng.random() < 0.5 else name.lower()
        if s3 and name.lower() == "content-md5":
            continue
        hs.append([name, rng.choice(HVALUES)])
    return hs


def generate(count, seed):
    rng = random.Random(seed)
    reqs = []
    for i in range(count):
        svc, region, host = rng.choice(SERVICES)
        presign = i % 4 == 3
        s3 = svc == "s3"
        method = "GET" if presign else rng.choice(["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"])
        body = "" if presign or method in ("GET", "HEAD") else rng.choice(BODIES)
        headers = rand_headers(rng, s3)
        if presign:
            # botocore's presigner rewrites form content types and bodies
            headers = [h for h in headers if h[0].lower() not in ("content-type",)]
        r = {"method": method, "host": host, "path": rand_path(rng),
             "query": rand_query(rng, unique=presign), "headers": headers, "body": body,
             "service": svc, "region": region, "s3": s3, "presign": presign,
             "time": 1440938160 + rng.randint(0, 10 ** 8),
             "access_key": KEY[0], "secret_key": KEY[1],
             "token": TOKEN if rng.random() < 0.4 else None,
             "expires": rng.choice([60, 3600, 604800])}
        if presign and s3:
            r["payload_hash"] = "UNSIGNED-PAYLOAD"
        reqs.append(r)
    return reqs


def url_of(r):
    q = []
    for k, v in r["query"]:
        e = urllib.parse.quote(k, safe="-_.~")
        if v is not None:
            e += "=" + urllib.parse.quote(v, safe="-_.~")
        q.append(e)
    return "https://%s%s%s" % (r["host"], r["path"], ("?" + "&".join(q)) if q else "")


def botocore_sign(r):
    creds = Credentials(r["access_key"], r["secret_key"], r["token"])
    req = AWSRequest(method=r["method"], url=url_of(r), data=r["body"].encode("utf-8"))
    for k, v in r["headers"]:
        req.headers[k] = v  # HTTPHeaders: a repeated name is kept, in order
    req.context["client_config"] = Config(s3={"payload_signing_enabled": True})
    when = datetime.datetime.fromtimestamp(r["time"], tz=datetime.timezone.utc).replace(tzinfo=None)
    if r["presign"]:
        cls = botocore.auth.S3SigV4QueryAuth if r["s3"] else botocore.auth.SigV4QueryAuth
        auth = cls(creds, r["service"], r["region"], expires=r["expires"])
    else:
        cls = botocore.auth.S3SigV4Auth if r["s3"] else botocore.auth.SigV4Auth
        auth = cls(creds, r["service"], r["region"])
    canonical = None
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        if r["presign"]:
            auth.add_auth(req)
        else:
            # add_auth's steps, keeping the canonical request for messages
            req.context["timestamp"] = when.strftime(botocore.auth.SIGV4_TIMESTAMP)
            auth._modify_request_before_signing(req)
            canonical = auth.canonical_request(req)
            sig = auth.signature(auth.string_to_sign(req, canonical), req)
            auth._inject_signature_to_request(req, sig)
    if r["presign"]:
        qs = urllib.parse.parse_qs(urllib.parse.urlsplit(req.url).query, keep_blank_values=True)
        return {"signature": qs["X-Amz-Signature"][0], "authorization": None, "canonical": None}
    auth_header = req.headers["Authorization"]
    return {"signature": auth_header.rsplit("Signature=", 1)[1], "authorization": auth_header,
            "canonical": canonical}


def cairn_sign(cairn, reqs):
    out = subprocess.run([cairn, "__sigv4"], input=json.dumps(reqs), capture_output=True, text=True,
                         timeout=300)
    if out.returncode != 0:
        sys.exit("cairn __sigv4 failed: %s" % out.stderr)
    return json.loads(out.stdout)


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--cairn", default=os.environ.get("CAIRN") or os.path.join(ROOT, "cairn"))
    ap.add_argument("--count", type=int, default=400)
    ap.add_argument("--seed", type=int, default=20150830)
    a = ap.parse_args(argv)
    reqs = generate(a.count, a.seed)
    mine = cairn_sign(a.cairn, reqs)
    bad = []
    kinds = {"header": 0, "presigned": 0, "s3": 0, "token": 0}
    for i, (r, m) in enumerate(zip(reqs, mine)):
        b = botocore_sign(r)
        kinds["presigned" if r["presign"] else "header"] += 1
        kinds["s3"] += r["s3"]
        kinds["token"] += bool(r["token"])
        same = m["signature"] == b["signature"]
        if same and b["authorization"]:
            same = m["headers"].get("Authorization") == b["authorization"]
        if not same:
            bad.append((i, r, m, b))
    print("crosscheck: %d requests (%d header-signed, %d presigned, %d S3, %d with a session token), "
          "%d differ" % (len(reqs), kinds["header"], kinds["presigned"], kinds["s3"], kinds["token"],
                         len(bad)))
    for i, r, m, b in bad[:5]:
        print("--- request %d: %s" % (i, json.dumps(r, ensure_ascii=False)))
        print("cairn canonical:\n%s" % m["canonical_request"])
        if b["canonical"]:
            print("botocore canonical:\n%s" % b["canonical"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
