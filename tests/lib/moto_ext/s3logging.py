"""moto_ext.s3logging: a TEST DOUBLE correction to moto 5.x's
PutBucketLogging, which the seed stacks need (their access-log buckets
have policies with more than one statement).

What AWS documents ("Permissions for log delivery", S3 User Guide): the
target bucket's policy must allow the service principal
logging.s3.amazonaws.com s3:PutObject on the target (prefix) objects.
moto checks that, but reads the policy wrongly, and answers HTTP 500 for a
valid policy:

  - a statement whose Principal is the string "*" (a Deny of insecure
    transport, which every CIS-compliant bucket policy has) makes it call
    .get on a string;
  - Action and Resource written as one string or as a list are both valid
    IAM; moto compares the list form of Action and the string form of
    Resource only;
  - a Resource is an IAM pattern ("arn:aws:s3:::logs/access-logs/*" covers
    the target prefix access-logs/models/); moto compares it as a literal.

This module replaces FakeBucket._log_permissions_enabled_policy with the
same rule read correctly: some Allow statement for that service principal
(a string or a list of them) has s3:PutObject (or s3:*, *) among its
actions and a resource pattern (IAM wildcards * and ?) that covers the
objects written under the target prefix. Everything else is
moto. Nothing here is cairn: it stands in for AWS.
"""
import json
import re

from moto.s3 import models

_SERVICE = "logging.s3.amazonaws.com"


def _as_list(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _log_permissions_enabled_policy(target_bucket, target_prefix):
    policy = target_bucket.policy
    if not policy:
        return False
    doc = json.loads(policy.decode() if isinstance(policy, bytes) else policy)
    base = "arn:%s:s3:::%s" % (target_bucket.partition, target_bucket.name)
    obj = base + "/" + (target_prefix or "") + "2026-01-01-00-00-00-0123456789ABCDEF"
    for stmt in _as_list(doc.get("Statement")):
        if not isinstance(stmt, dict) or stmt.get("Effect") != "Allow":
            continue
        principal = stmt.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, dict) else []
        if _SERVICE not in services:
            continue
        actions = _as_list(stmt.get("Action"))
        if not any(a in ("s3:PutObject", "s3:*", "*") for a in actions):
            continue
        if any(_covers(r, obj) for r in _as_list(stmt.get("Resource"))):
            return True
    return False


def _covers(pattern, arn):
    """IAM resource matching: * any run of characters, ? one character."""
    if not isinstance(pattern, str):
        return False
    rx = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(rx, arn) is not None


models.FakeBucket._log_permissions_enabled_policy = staticmethod(_log_permissions_enabled_policy)
