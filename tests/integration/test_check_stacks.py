"""The seed stacks in stacks/ pass `cairn check` with every built-in pack:
findings only where the stack writes a waiver (with reason, approver and
expiry), no policy error. Skipped (saying so) while stacks/ has no
templates."""
import glob
import json
import os

import cairntest

STACKS = sorted(glob.glob(os.path.join(cairntest.ROOT, "stacks", "*.yaml")))


class TestSeedStacks(cairntest.CairnTestCase):
    needs_moto = False

    def test_seed_stacks_pass_check(self):
        if not STACKS:
            self.skipTest("no seed stacks in stacks/ yet")
        for path in STACKS:
            with self.subTest(stack=os.path.basename(path)):
                r = self.cairn("check", "--format", "json", "--fail-on", "low", path,
                               cwd=os.path.dirname(path))
                self.assertIn(r.returncode, (0, 3), r.stderr)
                out = json.loads(r.stdout)
                failed = ["%s %s %s:%d %s" % (x["policy"], x["resource"], x["file"], x["line"],
                                              x["message"])
                          for x in out["results"] if x["status"] in ("fail", "error")]
                self.assertEqual(failed, [], "findings without a waiver")
                self.assertEqual(r.returncode, 0)
                for x in out["results"]:
                    if x["status"] == "waived":
                        w = x["waiver"]
                        self.assertTrue(w["reason"] and w["approver"] and w["expires"], x)
                        self.assertFalse(w["expired"], x)


if __name__ == "__main__":
    cairntest.main()
