"""secretscan: checks that output and logs carry no secret.

    import secretscan
    secretscan.assert_clean(self, r.stdout + r.stderr, secrets=[secret_key, token])

Fails the test, naming what leaked and where (without printing the
secret itself), if the text contains any of the given secrets (and their
URL-encoded forms), or anything that looks like signing material:
an Authorization header, a SigV4 signature, an X-Amz-Security-Token
header or query parameter, or a presigned URL signature.

Used by tests/integration/test_aws_secrets.py on the debug log of every
kind of AWS call; other tests (a whole apply) call it on their own logs.
"""

import re
import urllib.parse

PATTERNS = [
    ("an Authorization header", re.compile(r"authorization\s*[:=]", re.I)),
    ("a SigV4 credential scope", re.compile(r"AWS4-HMAC-SHA256\s+Credential=", re.I)),
    ("a SigV4 signature", re.compile(r"Signature=[0-9a-f]{64}", re.I)),
    ("a presigned URL signature", re.compile(r"X-Amz-Signature", re.I)),
    ("a session token header", re.compile(r"x-amz-security-token", re.I)),
]


def find(text, secrets=()):
    """Returns a list of (what, offset) for everything that leaked."""
    found = []
    for s in secrets:
        if not s:
            continue
        for form in {s, urllib.parse.quote(s, safe=""), urllib.parse.quote_plus(s)}:
            i = text.find(form)
            if i >= 0:
                found.append(("a secret (%d chars, starting %r)" % (len(s), s[:3]), i))
                break
    for what, rx in PATTERNS:
        m = rx.search(text)
        if m:
            found.append((what, m.start()))
    return found


def assert_clean(case, text, secrets=()):
    leaks = find(text, secrets)
    if leaks:
        lines = []
        for what, off in leaks:
            line = text.count("\n", 0, off) + 1
            lines.append("%s on line %d" % (what, line))
        case.fail("secret material in the output: " + "; ".join(lines))
