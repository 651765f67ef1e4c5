"""Interrupted applies converge: kill -9 of cairn apply at several points of
a 20-resource apply (and of a destroy), then cairn apply again, leaves
exactly the resources of the template in AWS, each once, all in the state:
no duplicate, no orphan. Ctrl-C lets the operations in flight finish and
saves the state (exit 130); a second Ctrl-C stops at once.

A latency proxy (tests/proxy/faultproxy.py) sits between cairn and moto so
that each AWS call takes ~60 ms and the kills land in the middle of
operations, not between whole applies."""
import json
import os
import signal
import subprocess
import sys
import time

import cairntest

sys.path.insert(0, os.path.join(cairntest.ROOT, "tests", "proxy"))
import faultproxy  # noqa: E402

N = 10  # keys; as many buckets, each encrypted with its key: 20 resources


def template():
    out = ["Resources:"]
    for i in range(N):
        out += [
            "  Key%d:" % i,
            "    Type: AWS::KMS::Key",
            "    Properties:",
            "      Description: key %d" % i,
            "      EnableKeyRotation: true",
            "  Bucket%d:" % i,
            "    Type: AWS::S3::Bucket",
            "    Properties:",
            "      VersioningConfiguration: {Status: Enabled}",
            "      BucketEncryption:",
            "        ServerSideEncryptionConfiguration:",
            "          - ServerSideEncryptionByDefault:",
            "              SSEAlgorithm: aws:kms",
            "              KMSMasterKeyID: !GetAtt Key%d.Arn" % i,
            "      PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true,"
            " IgnorePublicAcls: true, RestrictPublicBuckets: true}",
        ]
    return "\n".join(out) + "\n"


class TestInterrupt(cairntest.CairnTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.proxy = faultproxy.FaultProxy(cls.moto.url, latency_ms=60)
        cls.proxy.start()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.t = self.write("twenty.yaml", template())
        self.spath = os.path.join(self.tmp, ".cairn", "twenty.state.json")

    def slow_env(self):
        return {"AWS_ENDPOINT_URL": "http://127.0.0.1:%d" % self.proxy.port}

    def start(self, *args):
        return subprocess.Popen([cairntest.CAIRN] + list(args), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, cwd=self.tmp,
                                env=self.env(**self.slow_env()))

    def run_until(self, lines, sig, *args):
        """Starts cairn, sends sig once `lines` progress lines have been
        printed; returns (returncode, stdout, stderr)."""
        p = self.start(*args)
        seen, out = 0, []
        for line in p.stdout:
            out.append(line)
            if ": " in line and ("..." in line or "complete" in line):
                seen += 1
                if seen >= lines:
                    p.send_signal(sig)
                    break
        # the rest through the file object: communicate() would read the
        # descriptor and lose what the line iterator has buffered
        rest = p.stdout.read()
        err = p.stderr.read()
        p.wait(timeout=300)
        p.stdout.close()
        p.stderr.close()
        return p.returncode, "".join(out) + rest, err

    def unlock_if_stale(self):
        if os.path.exists(self.spath + ".lock"):
            with open(self.spath + ".lock") as f:
                lock = json.load(f)
            self.cairn_ok("force-unlock", lock["id"], "--stack-name", "twenty")

    def live(self):
        """What is in AWS, as boto3 sees it: {logical id: [ids]} from the
        cairn:logical-id tags of every bucket and every key not scheduled
        for deletion."""
        found = {}
        s3, kms = self.boto("s3"), self.boto("kms")
        for b in s3.list_buckets().get("Buckets", []):
            try:
                tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=b["Name"])["TagSet"]}
            except s3.exceptions.ClientError:
                tags = {}
            found.setdefault(tags.get("cairn:logical-id", "(untagged bucket)"), []).append(b["Name"])
        for k in kms.list_keys()["Keys"]:
            if kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] == "PendingDeletion":
                continue
            tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=k["KeyId"])["Tags"]}
            found.setdefault(tags.get("cairn:logical-id", "(untagged key)"), []).append(k["KeyId"])
        return found

    def assert_converged(self):
        live = self.live()
        want = {("Key%d" % i) for i in range(N)} | {("Bucket%d" % i) for i in range(N)}
        self.assertEqual(set(live), want, "live resources by logical id: %r" % live)
        dups = {k: v for k, v in live.items() if len(v) != 1}
        self.assertEqual(dups, {}, "duplicates")
        with open(self.spath) as f:
            st = json.load(f)
        self.assertEqual({k: [r["id"]] for k, r in st["resources"].items()}, live,
                         "the state and AWS disagree (an orphan or a ghost)")
        self.assertTrue(all(r["status"] == "created" for r in st["resources"].values()))
        s3 = self.boto("s3")
        for i in range(N):
            b = live["Bucket%d" % i][0]
            self.assertEqual(s3.get_bucket_versioning(Bucket=b)["Status"], "Enabled")
            kid = s3.get_bucket_encryption(Bucket=b)["ServerSideEncryptionConfiguration"]["Rules"][0][
                "ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
            self.assertTrue(kid.endswith(live["Key%d" % i][0]), (b, kid))
        r = self.cairn("plan", "-detailed-exitcode", self.t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_kill_9_at_several_points_then_apply_converges(self):
        kills = []
        for at in (1, 7, 16, 4, 12):
            rc, out, err = self.run_until(at, signal.SIGKILL, "apply", "--auto-approve",
                                          "--parallelism", "6", self.t)
            kills.append(rc)
            self.unlock_if_stale()
            with open(self.spath) as f:
                st = json.load(f)  # always a whole, valid state
            self.assertEqual(st["stack"], "twenty")
        self.assertIn(-signal.SIGKILL, kills, "no run was actually killed")
        r = self.cairn_ok("apply", "--auto-approve", self.t, env=self.slow_env())
        self.assert_converged()

    def test_kill_9_at_the_first_create_calls(self):
        # the pending records are on disk before any create call: killed
        # right after the first "Creating...", the next run finds what
        # the calls in flight made and adopts it
        for _ in range(2):
            rc, out, err = self.run_until(1, signal.SIGKILL, "apply", "--auto-approve", self.t)
            self.unlock_if_stale()
            with open(self.spath) as f:
                st = json.load(f)
            self.assertTrue(any(r["status"] == "pending" for r in st["resources"].values())
                            or rc == 0, st)
        r = self.cairn_ok("apply", "--auto-approve", self.t, env=self.slow_env())
        self.assert_converged()

    def test_half_made_untagged_bucket_is_adopted_and_tagged(self):
        # what a kill between CreateBucket and PutBucketTagging leaves: a
        # pending record, and an untagged bucket with the generated name
        t = self.write("half.yaml", "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n"
                       "    Properties:\n      VersioningConfiguration: {Status: Enabled}\n")
        name = "half-data-0123456789ab"
        state = {"format_version": 1, "lineage": "6f1a2b3c-0000-4000-8000-000000000001",
                 "serial": 3, "stack": "half", "template": {}, "outputs": {},
                 "resources": {"Data": {
                     "type": "AWS::S3::Bucket", "status": "pending",
                     "properties": {"BucketName": name,
                                    "VersioningConfiguration": {"Status": "Enabled"}},
                     "depends_on": [],
                     "pending": {"token": "abc", "name": name, "started": "2020-01-01T00:00:00Z"}}}}
        self.write(".cairn/half.state.json", json.dumps(state))
        s3 = self.boto("s3")
        s3.create_bucket(Bucket=name)
        r = self.cairn_ok("plan", "--no-policies", t)
        self.assertIn("was created by an interrupted apply: it will be adopted and updated in place "
                      "[id=%s]" % name, r.stdout)
        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("Data: Modifications complete", r.stdout)
        self.assertIn("1 resource made by an interrupted apply adopted.", r.stdout)
        tags = {x["Key"]: x["Value"] for x in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        self.assertEqual(tags, {"cairn:stack": "half", "cairn:logical-id": "Data"})
        self.assertEqual(s3.get_bucket_versioning(Bucket=name)["Status"], "Enabled")
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], [name])
        with open(self.tmp + "/.cairn/half.state.json") as f:
            rec = json.load(f)["resources"]["Data"]
        self.assertEqual((rec["status"], rec["id"]), ("created", name))
        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # and when the half-made bucket needs nothing else: adopted as it is,
        # still tagged
        s3.delete_bucket_tagging(Bucket=name)
        state["resources"]["Data"]["properties"] = {"BucketName": name}
        self.write(".cairn/half.state.json", json.dumps(state))
        t = self.write("half.yaml", "Resources:\n  Data:\n    Type: AWS::S3::Bucket\n")
        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("will be adopted as it is", r.stdout)
        self.assertIn("Data: Adopted after", r.stdout)
        tags = {x["Key"]: x["Value"] for x in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        self.assertEqual(tags, {"cairn:stack": "half", "cairn:logical-id": "Data"})

    def test_kill_9_during_destroy_then_destroy_again(self):
        self.cairn_ok("apply", "--auto-approve", self.t)
        rc, out, err = self.run_until(6, signal.SIGKILL, "destroy", "--auto-approve",
                                      "--parallelism", "4", self.t)
        self.assertEqual(rc, -signal.SIGKILL)
        self.unlock_if_stale()
        self.cairn_ok("destroy", "--auto-approve", self.t, env=self.slow_env())
        self.assertEqual(self.live(), {})
        with open(self.spath) as f:
            self.assertEqual(json.load(f)["resources"], {})

    def test_ctrl_c_finishes_what_is_in_flight_and_saves(self):
        rc, out, err = self.run_until(2, signal.SIGINT, "apply", "--auto-approve", self.t)
        self.assertEqual(rc, 130, out + err)
        self.assertIn("Interrupt received", err)
        self.assertIn("interrupted: the operations in flight finished and the state is saved", err)
        self.assertFalse(os.path.exists(self.spath + ".lock"), "the lock must be released")
        with open(self.spath) as f:
            st = json.load(f)
        # every operation that started finished: nothing is pending, and
        # nothing started after the interrupt (no bucket: they wait for keys)
        self.assertTrue(st["resources"])
        self.assertEqual({r["status"] for r in st["resources"].values()}, {"created"})
        self.assertEqual(out.count("Creating..."), out.count("Creation complete"))
        started = {line.split(":")[0] for line in out.splitlines() if "Creating..." in line}
        self.assertEqual(started, set(st["resources"]))
        live = self.live()
        self.assertEqual(set(live), set(st["resources"]))
        self.cairn_ok("apply", "--auto-approve", self.t)
        self.assert_converged()

    def test_second_ctrl_c_stops_at_once(self):
        p = self.start("apply", "--auto-approve", "--parallelism", "2", self.t)
        seen = 0
        for line in p.stdout:
            if "Creating..." in line:
                seen += 1
                if seen == 1:
                    p.send_signal(signal.SIGINT)
                    time.sleep(0.01)
                    p.send_signal(signal.SIGINT)
                    break
        out, err = p.stdout.read(), p.stderr.read()
        p.wait(timeout=60)
        p.stdout.close()
        p.stderr.close()
        self.assertEqual(p.returncode, 130)
        self.assertIn("Stopping at once", err)
        self.assertFalse(os.path.exists(self.spath + ".lock"), "the second Ctrl-C removes the lock")
        self.cairn_ok("apply", "--auto-approve", self.t)
        self.assert_converged()


if __name__ == "__main__":
    cairntest.main()
