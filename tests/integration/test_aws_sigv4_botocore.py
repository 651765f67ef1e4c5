"""cairn's SigV4 signer agrees with botocore's on every one of 400 generated
requests with awkward paths, query strings, headers and bodies, header
signing and presigning, S3 and other services, with and without a
session token (tests/botocore/crosscheck.py)."""

import os
import sys

import cairntest

sys.path.insert(0, os.path.join(cairntest.ROOT, "tests", "botocore"))
import crosscheck  # noqa: E402


class TestSigV4AgainstBotocore(cairntest.CairnTestCase):
    needs_moto = False

    def test_400_generated_requests_agree(self):
        self.assertEqual(crosscheck.main(["--cairn", cairntest.CAIRN, "--count", "400"]), 0)

    def test_the_comparison_can_fail(self):
        reqs = crosscheck.generate(20, 1)
        mine = crosscheck.cairn_sign(cairntest.CAIRN, reqs)
        for r in reqs:
            r["secret_key"] = "another-secret"
        theirs = [crosscheck.botocore_sign(r) for r in reqs]
        self.assertFalse(any(m["signature"] == t["signature"] for m, t in zip(mine, theirs)))


if __name__ == "__main__":
    cairntest.main()
