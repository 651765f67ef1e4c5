"""Hostile policies through the command line: `cairn check --policies
tests/policy/hostile` on a template with one bucket. Each hostile policy
(one file each: os.execute, io.open, require "os", a module path outside
the library, a binary chunk, string.rep, concatenation and table memory
bombs, an endless loop, loops that catch the budget error with pcall or
coroutines, deep Lua and C recursion, pattern, table.move and table.sort
CPU bombs, a __gc finalizer, an error object whose __tostring loops,
changing the shared tables, leaving values for another policy, repeating
document conversions to grow the memory they are exempt from) ends as an
error naming its file and line, or (those that only look) passes; the
run goes on, ends promptly, touches nothing outside, and exits 1."""
import json
import os
import time

import cairntest

HOSTILE = os.path.join(cairntest.ROOT, "tests", "policy", "hostile")
TEMPLATE = """Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: victim
"""

EXPECT_ERROR = {
    "os-execute": "attempt to index a nil value (global 'os')",
    "io-open": "attempt to index a nil value (global 'io')",
    "require-os": "module 'os' is not available",
    "require-path": "is not available: policies may only require the policy library",
    "binary-chunk": "attempt to load a binary chunk (mode is 't')",
    "string-rep-bomb": "memory cap of",
    "concat-bomb": "memory cap of",
    "table-bomb": "memory cap of",
    "endless-loop": "instruction budget of",
    "pcall-loop": "instruction budget of",
    "coroutine-loop": "instruction budget of",
    "deep-recursion": ("stack overflow", "memory cap of"),
    "c-recursion": "C stack overflow",
    "pattern-bomb": "instruction budget of",
    "table-move-bomb": "instruction budget of",
    "sort-bomb": "instruction budget of",
    "gc-finalizer": "__gc metamethods are not allowed",
    "error-object": "error object is a table value",
    "shared-tables": "could not change the shared tables",
    "exempt-bypass": "memory cap of",
}
EXPECT_PASS = ["rep-empty", "aa-stash", "ab-seek", "zz-canary"]


class TestHostilePolicies(cairntest.CairnTestCase):
    needs_moto = False
    report = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.canary = "/tmp/cairn-pwned"
        if os.path.exists(cls.canary):
            os.unlink(cls.canary)

    def run_hostile(self):
        path = self.write("victim.yaml", TEMPLATE)
        t0 = time.time()
        r = self.cairn("check", "--format", "json", "--policies", HOSTILE, path,
                       env={"CAIRN_POLICY_MEMORY": "32", "CAIRN_POLICY_INSTRUCTIONS": "4000000"})
        return r, time.time() - t0

    def results(self):
        # One run serves every test of the class (the bombs take seconds).
        if TestHostilePolicies.report is None:
            r, secs = self.run_hostile()
            self.assertEqual(r.returncode, 1, "hostile policies are errors: exit 1\n" + r.stderr)
            TestHostilePolicies.report = (json.loads(r.stdout), secs)
        out, secs = TestHostilePolicies.report
        by = {}
        for x in out["results"]:
            by.setdefault(x["policy"], []).append(x)
        return by, out, secs

    def test_each_hostile_policy_is_contained(self):
        by, out, secs = self.results()
        for pid, text in sorted(EXPECT_ERROR.items()):
            with self.subTest(policy=pid):
                got = by.get(pid, [])
                self.assertEqual(len(got), 1, got)
                self.assertEqual(got[0]["status"], "error")
                texts = text if isinstance(text, tuple) else (text,)
                self.assertTrue(any(t in got[0]["message"] for t in texts), got[0]["message"])
                self.assertIn(os.path.join(HOSTILE, pid + ".lua") + ":", got[0]["message"])

    def test_the_others_run_and_are_untouched(self):
        by, out, secs = self.results()
        policies = {p["id"]: p for p in out["policies"]}
        for pid in EXPECT_PASS:
            with self.subTest(policy=pid):
                self.assertNotIn(pid, by, "no finding and no error")
                self.assertEqual(policies[pid]["results"]["passed"], 1)
        # the built-in packs ran on the same bucket
        self.assertIn("cis-2.1.4", by)
        self.assertFalse(os.path.exists(self.canary), "os.execute ran")
        self.assertLess(secs, 60, "the bombs were stopped quickly")

    def test_text_report_names_files_and_lines(self):
        path = self.write("victim.yaml", TEMPLATE)
        r = self.cairn("check", "--policies", HOSTILE, path,
                       env={"CAIRN_POLICY_MEMORY": "32", "CAIRN_POLICY_INSTRUCTIONS": "4000000"})
        self.assertEqual(r.returncode, 1)
        self.assertIn(os.path.join(HOSTILE, "endless-loop.lua") + ":12: instruction budget of 4000000",
                      r.stdout)
        self.assertIn("memory cap of 32 MiB exceeded", r.stdout)
        self.assertIn("result: ERROR", r.stdout)
        r = self.cairn("check", path, env={"CAIRN_POLICY_MEMORY": "lots"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("CAIRN_POLICY_MEMORY must be a number of MiB", r.stderr)


if __name__ == "__main__":
    cairntest.main()
