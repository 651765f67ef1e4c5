"""The state file and its lock: format, mode 0600, lineage and serial; the
lock held by a real cairn (waiting at its confirmation prompt on a
terminal) makes a second apply fail at once naming the holder; a killed
holder leaves a stale lock that is reported with the command that breaks
it; force-unlock; cairn state list, show, rm; cairn output."""
import json
import os
import pty
import signal
import stat
import subprocess
import time

import cairntest

TEMPLATE = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties: {Description: locked}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      Tags: [{Key: key, Value: !Ref Key}]
Outputs:
  Name: {Value: !Ref Bucket, Export: {Name: locked-bucket}}
"""


def load(path):
    with open(path) as f:
        return json.load(f)


class Prompted:
    """cairn apply on a terminal, stopped at its "yes" prompt (holding the
    lock)."""

    def __init__(self, test, *args):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([cairntest.CAIRN, "apply"] + list(args), stdin=slave,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=test.env(), cwd=test.tmp)
        os.close(slave)
        self.out = b""
        deadline = time.time() + 60
        while b"Enter a value:" not in self.out:
            if time.time() > deadline or self.proc.poll() is not None:
                raise AssertionError("cairn apply did not prompt: %r" % self.out)
            self.out += os.read(self.proc.stdout.fileno(), 65536)

    def answer(self, text):
        os.write(self.master, text.encode() + b"\n")
        out, err = self.proc.communicate(timeout=120)
        os.close(self.master)
        return self.proc.returncode, (self.out + out).decode(), err.decode()

    def kill(self):
        self.proc.kill()
        self.proc.communicate()
        os.close(self.master)


class TestStateAndLock(cairntest.CairnTestCase):

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.t = self.write("locked.yaml", TEMPLATE)
        self.spath = os.path.join(self.tmp, ".cairn", "locked.state.json")

    def test_state_format_mode_lineage_serial(self):
        self.cairn_ok("apply", "--auto-approve", self.t)
        st = load(self.spath)
        self.assertEqual(st["format_version"], 1)
        self.assertRegex(st["lineage"], r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(st["stack"], "locked")
        self.assertEqual(st["template"]["path"], self.t)
        import hashlib
        with open(self.t, "rb") as f:
            self.assertEqual(st["template"]["sha256"], hashlib.sha256(f.read()).hexdigest())
        b = st["resources"]["Bucket"]
        self.assertEqual(b["type"], "AWS::S3::Bucket")
        self.assertEqual(b["status"], "created")
        self.assertEqual(b["depends_on"], ["Key"])
        self.assertEqual(b["properties"]["Tags"], [{"Key": "key", "Value": st["resources"]["Key"]["id"]}])
        self.assertEqual(b["attributes"]["Arn"], "arn:aws:s3:::" + b["id"])
        self.assertEqual(b["properties"]["BucketName"], b["id"])
        self.assertNotIn("pending", b)
        self.assertEqual(st["outputs"]["Name"], {"value": b["id"], "export": "locked-bucket"})
        self.assertEqual(stat.S_IMODE(os.stat(self.spath).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.spath)).st_mode), 0o700)
        self.assertFalse(os.path.exists(self.spath + ".lock"))
        # a no-op apply leaves the state alone; a change moves the serial on
        self.cairn_ok("apply", "--auto-approve", self.t)
        self.assertEqual(load(self.spath)["serial"], st["serial"])
        self.write("locked.yaml", TEMPLATE.replace("locked}", "locked again}"))
        self.cairn_ok("apply", "--auto-approve", self.t)
        st2 = load(self.spath)
        self.assertEqual(st2["lineage"], st["lineage"])
        self.assertGreater(st2["serial"], st["serial"])
        # --state puts it elsewhere
        other = os.path.join(self.tmp, "elsewhere", "s.json")
        self.cairn_ok("apply", "--auto-approve", "--state", other, "--stack-name", "other", self.t)
        self.assertEqual(load(other)["stack"], "other")
        self.assertEqual(len(load(other)["resources"]), 2)

    def test_second_apply_fails_at_once_naming_the_holder(self):
        first = Prompted(self, self.t)
        try:
            lock = load(self.spath + ".lock")
            self.assertEqual(lock["pid"], first.proc.pid)
            self.assertEqual(lock["operation"], "apply")
            t0 = time.time()
            r = self.cairn("apply", "--auto-approve", self.t)
            self.assertLess(time.time() - t0, 10, "the second apply must not wait")
            self.assertEqual(r.returncode, 1)
            self.assertIn("is locked by", r.stderr)
            self.assertIn("cairn apply, pid %d" % first.proc.pid, r.stderr)
            self.assertIn(lock["id"], r.stderr)
            self.assertNotIn("stale", r.stderr)
            r = self.cairn("plan", self.t)
            self.assertEqual(r.returncode, 1)
            self.assertIn("is locked by", r.stderr)
            rc, out, err = first.answer("no")
        except BaseException:
            first.kill()
            raise
        self.assertEqual(rc, 0, err)
        self.assertIn("cancelled: nothing was changed", out)
        self.assertEqual(self.boto("s3").list_buckets().get("Buckets", []), [])
        self.assertFalse(os.path.exists(self.spath + ".lock"))

        # "yes" on the terminal applies
        first = Prompted(self, self.t)
        rc, out, err = first.answer("yes")
        self.assertEqual(rc, 0, err)
        self.assertIn("Apply complete! Resources: 2 added", out)
        self.assertEqual(len(self.boto("s3").list_buckets()["Buckets"]), 1)

    def test_stale_lock_is_reported_and_force_unlock_breaks_it(self):
        first = Prompted(self, self.t)
        lock = load(self.spath + ".lock")
        first.kill()
        r = self.cairn("apply", "--auto-approve", self.t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no longer runs: the lock is stale", r.stderr)
        self.assertIn("cairn force-unlock %s --state .cairn/locked.state.json" % lock["id"],
                      r.stderr)
        r = self.cairn("force-unlock", "0000", "--stack-name", "locked")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is locked with id %s" % lock["id"], r.stderr)
        r = self.cairn_ok("force-unlock", lock["id"], "--state", ".cairn/locked.state.json")
        self.assertIn("Broke lock", r.stdout)
        self.assertFalse(os.path.exists(self.spath + ".lock"))
        r = self.cairn("force-unlock", lock["id"], "--stack-name", "locked")
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not locked", r.stderr)
        self.cairn_ok("apply", "--auto-approve", self.t)

    def test_state_list_show_rm_and_output(self):
        self.cairn_ok("apply", "--auto-approve", self.t)
        st = load(self.spath)
        bucket = st["resources"]["Bucket"]["id"]
        r = self.cairn_ok("state", "list")
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertRegex(lines[0], r"^Key\s+AWS::KMS::Key\s+[0-9a-f-]{36}$")
        self.assertRegex(lines[1], r"^Bucket\s+AWS::S3::Bucket\s+%s$" % bucket)
        listed = json.loads(self.cairn_ok("state", "list", "--json").stdout)
        self.assertEqual([x["logical_id"] for x in listed], ["Key", "Bucket"])
        shown = json.loads(self.cairn_ok("state", "show", "Bucket", "--json").stdout)
        self.assertEqual(shown, st["resources"]["Bucket"])
        r = self.cairn("state", "show", "Nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no resource 'Nope'", r.stderr)

        self.assertEqual(self.cairn_ok("output", "Name").stdout, bucket + "\n")
        self.assertEqual(json.loads(self.cairn_ok("output", "--json").stdout), {"Name": bucket})
        self.assertEqual(self.cairn_ok("output").stdout, "Name = \"%s\"\n" % bucket)
        r = self.cairn("output", "Nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("has no output 'Nope'", r.stderr)

        r = self.cairn_ok("state", "rm", "Bucket")
        self.assertIn("Removed Bucket (AWS::S3::Bucket %s) from the state" % bucket, r.stdout)
        after = load(self.spath)
        self.assertEqual(sorted(after["resources"]), ["Key"])
        self.assertEqual(after["serial"], st["serial"] + 1)
        # the bucket is still in AWS; cairn would now make another one
        self.assertEqual([b["Name"] for b in self.boto("s3").list_buckets()["Buckets"]], [bucket])
        r = self.cairn("plan", "-detailed-exitcode", self.t)
        self.assertEqual(r.returncode, 2)
        self.assertIn("# Bucket (AWS::S3::Bucket) will be created", r.stdout)
        r = self.cairn("state", "rm", "Nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("nothing was removed", r.stderr)

    def test_several_states_need_a_name(self):
        self.cairn_ok("apply", "--auto-approve", self.t)
        self.cairn_ok("apply", "--auto-approve", "--stack-name", "second", self.t)
        r = self.cairn("state", "list")
        self.assertEqual(r.returncode, 1)
        self.assertIn("holds the states of several stacks", r.stderr)
        self.assertIn("--stack-name", r.stderr)
        r = self.cairn_ok("state", "list", "--stack-name", "second")
        self.assertEqual(len(r.stdout.splitlines()), 2)


if __name__ == "__main__":
    cairntest.main()
