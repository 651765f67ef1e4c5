"""AWS::S3::Bucket (every supported sub-configuration) and
AWS::S3::BucketPolicy against moto, every result checked with boto3 (never
with cairn's own reader alone).

Per type: create, then the live configuration matches; a second plan is a
no-op; each updatable property changed in place (same bucket); a property
removed from the template is removed from the bucket; a create-only
property change replaces (BucketName; a policy's Bucket); out-of-band
changes show in the next plan and are put right; destroy leaves nothing.

Templates are written as JSON (which is YAML), built from Python dicts so
that each step changes one thing. moto 5 drops parts of lifecycle rules
and of the logging configuration, and answers PutBucketPolicy with a body
S3 never sends: the test double tests/lib/emulator/s3kmsct.py
behaves as S3 documents there.
"""
import copy
import json
import subprocess
import time

import cairntest
import emulator

LOG_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "S3ServerAccessLogs",
        "Effect": "Allow",
        "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": {"Fn::Sub": "${Logs.Arn}/*"},
    }],
}

LIFECYCLE = {
    "TransitionDefaultMinimumObjectSize": "varies_by_storage_class",
    "Rules": [
        {
            "Id": "archive",
            "Status": "Enabled",
            "Prefix": "raw/",
            "TagFilters": [{"Key": "class", "Value": "bulk"}],
            "ObjectSizeGreaterThan": "1024",
            "Transitions": [
                {"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
                {"StorageClass": "Glacier", "TransitionInDays": 90},
            ],
            "ExpirationInDays": 365,
            "NoncurrentVersionTransitions": [
                {"StorageClass": "GLACIER", "TransitionInDays": 30, "NewerNoncurrentVersions": 2},
            ],
            "NoncurrentVersionExpiration": {"NoncurrentDays": 60, "NewerNoncurrentVersions": 3},
        },
        {
            "Id": "uploads",
            "Status": "Enabled",
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        },
        {
            "Id": "scratch",
            "Status": "Disabled",
            "Prefix": "tmp/",
            "ExpirationDate": "2030-01-01T00:00:00.000Z",
            "Transition": {"StorageClass": "GLACIER_IR", "TransitionDate": "2029-01-01T00:00:00Z"},
            "NoncurrentVersionExpirationInDays": 10,
        },
        {
            "Id": "small",
            "Status": "Enabled",
            "ObjectSizeLessThan": "128",
            "ExpirationInDays": 3,
        },
        {
            "Id": "tagged",
            "Status": "Enabled",
            "TagFilters": [{"Key": "temp", "Value": "yes"}],
            "ExpiredObjectDeleteMarker": True,
        },
    ],
}


def stack():
    """The stack of the bucket tests: a log bucket with its policy, a key,
    and a data bucket with every sub-configuration."""
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"PendingWindowInDays": 7}},
            "Logs": {"Type": "AWS::S3::Bucket", "Properties": {
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            }},
            "LogsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "Logs"}, "PolicyDocument": LOG_POLICY,
            }},
            "Data": {"Type": "AWS::S3::Bucket", "Properties": {
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [{
                    "ServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms", "KMSMasterKeyID": {"Fn::GetAtt": ["Key", "Arn"]}},
                    "BucketKeyEnabled": True,
                }]},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True, "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True, "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "AccelerateConfiguration": {"AccelerationStatus": "Enabled"},
                "CorsConfiguration": {"CorsRules": [{
                    "Id": "web", "AllowedMethods": ["GET", "HEAD"],
                    "AllowedOrigins": ["https://example.com"], "AllowedHeaders": ["*"],
                    "ExposedHeaders": ["ETag"], "MaxAge": 300,
                }]},
                "LifecycleConfiguration": copy.deepcopy(LIFECYCLE),
                "LoggingConfiguration": {
                    "DestinationBucketName": {"Ref": "Logs"},
                    "LogFilePrefix": "data/",
                    "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}},
                },
                "Tags": [{"Key": "team", "Value": "ml"}],
            }},
        },
        "Outputs": {
            "Data": {"Value": {"Ref": "Data"}},
            "Logs": {"Value": {"Ref": "Logs"}},
            "KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}},
            "Policy": {"Value": {"Ref": "LogsPolicy"}},
        },
    }


def api_error(fn, **kw):
    """The error code fn(**kw) fails with, or None when it succeeds."""
    try:
        fn(**kw)
    except Exception as e:  # botocore ClientError
        return e.response["Error"]["Code"]
    return None


class TestS3(cairntest.CairnTestCase):

    @classmethod
    def setUpClass(cls):
        with emulator.installed():
            super().setUpClass()

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.s3 = self.boto("s3")

    def output(self, name):
        return self.cairn_ok("output", name).stdout.strip()

    def put(self, doc, name="s3.json"):
        return self.write(name, json.dumps(doc, indent=1))

    def plan(self, path, want):
        r = self.cairn("plan", "-detailed-exitcode", "--no-policies", path)
        self.assertEqual(r.returncode, want, r.stdout + r.stderr)
        return r.stdout

    def apply(self, path):
        return self.cairn_ok("apply", "--auto-approve", path)

    def buckets(self):
        return sorted(b["Name"] for b in self.s3.list_buckets().get("Buckets", []))

    def make_pending(self, stack, names):
        """Rewrites the state as an apply killed right after these creates
        leaves it: pending records (the generated name kept), no id."""
        path = "%s/.cairn/%s.state.json" % (self.tmp, stack)
        with open(path) as f:
            st = json.load(f)
        for lid, name_prop in names.items():
            rec = st["resources"][lid]
            rec["status"] = "pending"
            rec.pop("id")
            rec.pop("attributes", None)
            rec["pending"] = {"token": "interrupted-" + lid, "started": "2020-01-01T00:00:00Z"}
            if name_prop:
                rec["pending"]["name"] = rec["properties"][name_prop]
        st.pop("outputs", None)
        st["outputs"] = {}
        self.write(".cairn/%s.state.json" % stack, json.dumps(st), mode=0o600)

    def empty(self, bucket):
        """Deletes every object version of bucket (moto delivers server
        access logs into the log bucket, as S3 does)."""
        for page in self.s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
                self.s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])

    def lifecycle(self, bucket):
        return self.s3.get_bucket_lifecycle_configuration(Bucket=bucket)

    def test_bucket_configuration_lifecycle(self):
        doc = stack()
        t = self.put(doc)
        r = self.apply(t)
        self.assertIn("4 added", r.stdout)
        data, logs, key_arn = self.output("Data"), self.output("Logs"), self.output("KeyArn")
        self.assertEqual(self.output("Policy"), logs)
        s3 = self.s3

        self.assertEqual(s3.get_bucket_versioning(Bucket=data)["Status"], "Enabled")
        rule = s3.get_bucket_encryption(Bucket=data)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"],
                         {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn})
        self.assertTrue(rule["BucketKeyEnabled"])
        self.assertEqual(set(s3.get_public_access_block(Bucket=data)
                             ["PublicAccessBlockConfiguration"].values()), {True})
        self.assertEqual(s3.get_bucket_ownership_controls(Bucket=data)["OwnershipControls"],
                         {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        self.assertEqual(s3.get_bucket_accelerate_configuration(Bucket=data)["Status"], "Enabled")
        self.assertEqual(s3.get_bucket_cors(Bucket=data)["CORSRules"], [{
            "ID": "web", "AllowedMethods": ["GET", "HEAD"], "AllowedOrigins": ["https://example.com"],
            "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 300}])
        lc = self.lifecycle(data)
        self.assertEqual(lc["TransitionDefaultMinimumObjectSize"], "varies_by_storage_class")
        rules = {r["ID"]: r for r in lc["Rules"]}
        self.assertEqual(list(rules), ["archive", "uploads", "scratch", "small", "tagged"])
        a = rules["archive"]
        self.assertEqual(a["Filter"], {"And": {"Prefix": "raw/", "Tags": [{"Key": "class", "Value": "bulk"}],
                                               "ObjectSizeGreaterThan": 1024}})
        self.assertEqual(a["Transitions"], [{"Days": 30, "StorageClass": "STANDARD_IA"},
                                            {"Days": 90, "StorageClass": "GLACIER"}])
        self.assertEqual(a["Expiration"], {"Days": 365})
        self.assertEqual(a["NoncurrentVersionTransitions"],
                         [{"NoncurrentDays": 30, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 2}])
        self.assertEqual(a["NoncurrentVersionExpiration"], {"NoncurrentDays": 60, "NewerNoncurrentVersions": 3})
        self.assertEqual(rules["uploads"]["AbortIncompleteMultipartUpload"], {"DaysAfterInitiation": 7})
        self.assertEqual(rules["uploads"]["Filter"], {"Prefix": ""})
        sc = rules["scratch"]
        self.assertEqual((sc["Status"], sc["Filter"]), ("Disabled", {"Prefix": "tmp/"}))
        self.assertEqual(sc["Expiration"]["Date"].year, 2030)
        self.assertEqual(sc["Transitions"][0]["StorageClass"], "GLACIER_IR")
        self.assertEqual(sc["NoncurrentVersionExpiration"], {"NoncurrentDays": 10})
        self.assertEqual(rules["small"]["Filter"], {"ObjectSizeLessThan": 128})
        self.assertEqual(rules["tagged"]["Filter"], {"Tag": {"Key": "temp", "Value": "yes"}})
        self.assertEqual(rules["tagged"]["Expiration"], {"ExpiredObjectDeleteMarker": True})
        self.assertEqual(s3.get_bucket_logging(Bucket=data)["LoggingEnabled"], {
            "TargetBucket": logs, "TargetPrefix": "data/",
            "TargetObjectKeyFormat": {"PartitionedPrefix": {"PartitionDateSource": "EventTime"}}})
        self.assertEqual({x["Key"]: x["Value"] for x in s3.get_bucket_tagging(Bucket=data)["TagSet"]},
                         {"team": "ml", "cairn:stack": "s3", "cairn:logical-id": "Data"})
        self.assertEqual(api_error(s3.get_object_lock_configuration, Bucket=data),
                         "ObjectLockConfigurationNotFoundError")
        self.assertIn("No changes.", self.plan(t, 0))

        # every sub-configuration changed in place: the same bucket
        p = doc["Resources"]["Data"]["Properties"]
        p["BucketEncryption"]["ServerSideEncryptionConfiguration"][0] = {
            "ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms:dsse",
                                              "KMSMasterKeyID": {"Ref": "Key"}}}
        p["PublicAccessBlockConfiguration"]["BlockPublicPolicy"] = False
        p["OwnershipControls"]["Rules"][0]["ObjectOwnership"] = "BucketOwnerPreferred"
        p["AccelerateConfiguration"]["AccelerationStatus"] = "Suspended"
        p["CorsConfiguration"]["CorsRules"][0]["AllowedMethods"] = ["GET", "PUT"]
        p["CorsConfiguration"]["CorsRules"][0]["MaxAge"] = 60
        p["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] = 730
        p["LifecycleConfiguration"]["Rules"][1]["Status"] = "Disabled"
        del p["LifecycleConfiguration"]["Rules"][2]
        p["LoggingConfiguration"]["LogFilePrefix"] = "data-v2/"
        p["LoggingConfiguration"]["TargetObjectKeyFormat"] = {"SimplePrefix": {}}
        p["Tags"] = [{"Key": "team", "Value": "data"}, {"Key": "cost", "Value": "42"}]
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.", out)
        self.assertIn("~ Data", out)
        self.apply(t)
        self.assertEqual(self.output("Data"), data)
        rule = s3.get_bucket_encryption(Bucket=data)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "aws:kms:dsse")
        self.assertEqual(rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"], key_arn.split("/")[-1])
        self.assertFalse(s3.get_public_access_block(Bucket=data)
                         ["PublicAccessBlockConfiguration"]["BlockPublicPolicy"])
        self.assertEqual(s3.get_bucket_ownership_controls(Bucket=data)["OwnershipControls"]
                         ["Rules"][0]["ObjectOwnership"], "BucketOwnerPreferred")
        self.assertEqual(s3.get_bucket_accelerate_configuration(Bucket=data)["Status"], "Suspended")
        cors = s3.get_bucket_cors(Bucket=data)["CORSRules"][0]
        self.assertEqual((cors["AllowedMethods"], cors["MaxAgeSeconds"]), (["GET", "PUT"], 60))
        rules = {r["ID"]: r for r in self.lifecycle(data)["Rules"]}
        self.assertEqual(list(rules), ["archive", "uploads", "small", "tagged"])
        self.assertEqual(rules["archive"]["Expiration"], {"Days": 730})
        self.assertEqual(rules["uploads"]["Status"], "Disabled")
        self.assertEqual(s3.get_bucket_logging(Bucket=data)["LoggingEnabled"], {
            "TargetBucket": logs, "TargetPrefix": "data-v2/",
            "TargetObjectKeyFormat": {"SimplePrefix": {}}})
        self.assertEqual({x["Key"]: x["Value"] for x in s3.get_bucket_tagging(Bucket=data)["TagSet"]},
                         {"team": "data", "cost": "42", "cairn:stack": "s3", "cairn:logical-id": "Data"})
        self.plan(t, 0)

        # each sub-configuration removed from the template goes from the bucket
        for prop in ("BucketEncryption", "PublicAccessBlockConfiguration", "OwnershipControls",
                     "AccelerateConfiguration", "CorsConfiguration", "LifecycleConfiguration",
                     "LoggingConfiguration", "VersioningConfiguration", "Tags"):
            del p[prop]
        p["AccelerateConfiguration"] = {"AccelerationStatus": "Enabled"}
        t = self.put(doc)
        self.apply(t)
        del p["AccelerateConfiguration"]
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn('- AccelerateConfiguration', out)
        self.apply(t)
        self.assertEqual(self.output("Data"), data)
        enc = api_error(s3.get_bucket_encryption, Bucket=data)
        if enc is None:  # S3 goes back to SSE-S3; moto to nothing
            rules = s3.get_bucket_encryption(Bucket=data)["ServerSideEncryptionConfiguration"]["Rules"]
            self.assertEqual(rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"], "AES256")
        self.assertEqual(api_error(s3.get_public_access_block, Bucket=data),
                         "NoSuchPublicAccessBlockConfiguration")
        self.assertEqual(api_error(s3.get_bucket_ownership_controls, Bucket=data),
                         "OwnershipControlsNotFoundError")
        self.assertEqual(s3.get_bucket_accelerate_configuration(Bucket=data)["Status"], "Suspended")
        self.assertEqual(api_error(s3.get_bucket_cors, Bucket=data), "NoSuchCORSConfiguration")
        self.assertEqual(api_error(s3.get_bucket_lifecycle_configuration, Bucket=data),
                         "NoSuchLifecycleConfiguration")
        self.assertNotIn("LoggingEnabled", s3.get_bucket_logging(Bucket=data))
        self.assertEqual(s3.get_bucket_versioning(Bucket=data)["Status"], "Suspended")
        self.assertEqual({x["Key"] for x in s3.get_bucket_tagging(Bucket=data)["TagSet"]},
                         {"cairn:stack", "cairn:logical-id"})
        self.plan(t, 0)

        # BucketName replaces: a new bucket with the configuration, the old one gone
        p["BucketName"] = "cairn-test-data-renamed"
        p["VersioningConfiguration"] = {"Status": "Enabled"}
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn("-/+ Data", out)
        self.apply(t)
        self.assertEqual(self.output("Data"), "cairn-test-data-renamed")
        self.assertEqual(self.buckets(), sorted([logs, "cairn-test-data-renamed"]))
        self.assertEqual(s3.get_bucket_versioning(Bucket="cairn-test-data-renamed")["Status"], "Enabled")
        self.plan(t, 0)

        self.empty(logs)
        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 4 destroyed.", r.stdout)
        self.assertEqual(self.buckets(), [])

    def test_object_lock(self):
        doc = {"Resources": {
            "Locked": {"Type": "AWS::S3::Bucket", "Properties": {
                "ObjectLockEnabled": True,
                "ObjectLockConfiguration": {
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}},
                },
                "VersioningConfiguration": {"Status": "Enabled"},
            }},
            "Later": {"Type": "AWS::S3::Bucket", "Properties": {
                "VersioningConfiguration": {"Status": "Enabled"},
            }},
        }, "Outputs": {"Locked": {"Value": {"Ref": "Locked"}}, "Later": {"Value": {"Ref": "Later"}}}}
        t = self.put(doc)
        self.apply(t)
        locked, later = self.output("Locked"), self.output("Later")
        c = self.s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
        self.assertEqual(c["ObjectLockEnabled"], "Enabled")
        self.assertEqual((c["Rule"]["DefaultRetention"]["Mode"], c["Rule"]["DefaultRetention"]["Days"]),
                         ("GOVERNANCE", 1))
        self.plan(t, 0)

        # the default retention changes in place, then goes
        rule = doc["Resources"]["Locked"]["Properties"]["ObjectLockConfiguration"]["Rule"]
        rule["DefaultRetention"] = {"Mode": "COMPLIANCE", "Years": 1}
        t = self.put(doc)
        self.apply(t)
        d = self.s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]["Rule"]
        self.assertEqual((d["DefaultRetention"]["Mode"], d["DefaultRetention"]["Years"]), ("COMPLIANCE", 1))
        self.plan(t, 0)
        del doc["Resources"]["Locked"]["Properties"]["ObjectLockConfiguration"]["Rule"]
        t = self.put(doc)
        self.apply(t)
        c = self.s3.get_object_lock_configuration(Bucket=locked)["ObjectLockConfiguration"]
        self.assertEqual(c.get("Rule"), None)
        self.assertEqual(self.output("Locked"), locked)
        self.plan(t, 0)

        # Object Lock switched on for an existing, versioned bucket: in place
        doc["Resources"]["Later"]["Properties"]["ObjectLockEnabled"] = True
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn("~ Later", out)
        self.apply(t)
        self.assertEqual(self.output("Later"), later)
        self.assertEqual(self.s3.get_object_lock_configuration(Bucket=later)
                         ["ObjectLockConfiguration"]["ObjectLockEnabled"], "Enabled")
        self.plan(t, 0)

        # and it cannot be switched off: the error says what to do
        doc["Resources"]["Later"]["Properties"]["ObjectLockEnabled"] = False
        t = self.put(doc)
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Later (AWS::S3::Bucket)", r.stderr)
        self.assertIn("has Object Lock enabled, and S3 cannot disable it", r.stderr)
        doc["Resources"]["Later"]["Properties"]["ObjectLockEnabled"] = True
        t = self.put(doc)
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.buckets(), [])

    def test_out_of_band_changes_show_and_are_put_right(self):
        t = self.put(stack())
        self.apply(t)
        data, logs = self.output("Data"), self.output("Logs")
        s3 = self.s3
        s3.delete_bucket_lifecycle(Bucket=data)
        s3.put_bucket_logging(Bucket=data, BucketLoggingStatus={})
        s3.delete_bucket_cors(Bucket=data)
        s3.put_bucket_ownership_controls(Bucket=data, OwnershipControls={
            "Rules": [{"ObjectOwnership": "ObjectWriter"}]})
        s3.put_bucket_accelerate_configuration(Bucket=data, AccelerateConfiguration={"Status": "Suspended"})
        s3.put_bucket_policy(Bucket=logs, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject", "Resource": "arn:aws:s3:::%s/other/*" % logs}]}))

        out = self.plan(t, 2)
        for prop in ("+ LifecycleConfiguration", "+ LoggingConfiguration", "+ CorsConfiguration",
                     "~ OwnershipControls", "~ AccelerateConfiguration", "~ PolicyDocument"):
            self.assertIn(prop, out)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", out)
        self.apply(t)
        self.assertEqual(len(self.lifecycle(data)["Rules"]), 5)
        self.assertEqual(s3.get_bucket_logging(Bucket=data)["LoggingEnabled"]["TargetPrefix"], "data/")
        self.assertEqual(len(s3.get_bucket_cors(Bucket=data)["CORSRules"]), 1)
        self.assertEqual(s3.get_bucket_ownership_controls(Bucket=data)["OwnershipControls"]
                         ["Rules"][0]["ObjectOwnership"], "BucketOwnerEnforced")
        self.assertEqual(s3.get_bucket_accelerate_configuration(Bucket=data)["Status"], "Enabled")
        pol = json.loads(s3.get_bucket_policy(Bucket=logs)["Policy"])
        self.assertEqual(pol["Statement"][0]["Resource"], "arn:aws:s3:::%s/*" % logs)
        self.plan(t, 0)

        # a policy deleted outside cairn is put back
        s3.delete_bucket_policy(Bucket=logs)
        out = self.plan(t, 2)
        self.assertIn("# LogsPolicy (AWS::S3::BucketPolicy) will be created (it was deleted "
                      "outside cairn)", out)
        self.apply(t)
        self.assertIn("logging.s3.amazonaws.com", s3.get_bucket_policy(Bucket=logs)["Policy"])
        # moto delivers access logs at once (S3 within hours): the requests
        # of the destroy itself would land in the log bucket
        s3.put_bucket_logging(Bucket=data, BucketLoggingStatus={})
        self.empty(logs)
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.buckets(), [])

    def test_interrupted_creates_are_adopted(self):
        t = self.put(stack())
        self.apply(t)
        data, logs = self.output("Data"), self.output("Logs")
        # killed after PutBucketTagging, before the lifecycle; after PutBucketPolicy
        self.s3.delete_bucket_lifecycle(Bucket=data)
        self.make_pending("s3", {"Data": "BucketName", "LogsPolicy": None})
        out = self.plan(t, 2)
        self.assertIn("Data (AWS::S3::Bucket) was created by an interrupted apply: it will be "
                      "adopted and updated in place [id=%s]" % data, out)
        self.assertIn("LogsPolicy (AWS::S3::BucketPolicy) was created by an interrupted apply: it "
                      "will be adopted as it is [id=%s]" % logs, out)
        r = self.apply(t)
        self.assertIn("2 resources made by an interrupted apply adopted.", r.stdout)
        self.assertEqual(self.buckets(), sorted([data, logs]))
        self.assertEqual(len(self.lifecycle(data)["Rules"]), 5)
        self.assertEqual((self.output("Data"), self.output("Policy")), (data, logs))
        self.plan(t, 0)

    def test_bucket_policy(self):
        tls_only = {
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [{"Fn::GetAtt": ["A", "Arn"]}, {"Fn::Sub": "${A.Arn}/*"}],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }],
        }
        doc = {"Resources": {
            "A": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "B": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "A"}, "PolicyDocument": tls_only}},
        }, "Outputs": {"A": {"Value": {"Ref": "A"}}, "B": {"Value": {"Ref": "B"}},
                       "Policy": {"Value": {"Ref": "Policy"}}}}
        t = self.put(doc)
        self.apply(t)
        a, b = self.output("A"), self.output("B")
        self.assertEqual(self.output("Policy"), a)
        live = json.loads(self.s3.get_bucket_policy(Bucket=a)["Policy"])
        st = live["Statement"][0]
        self.assertEqual((st["Sid"], st["Effect"], st["Condition"]),
                         ("TlsOnly", "Deny", {"Bool": {"aws:SecureTransport": "false"}}))
        self.assertEqual(sorted(st["Resource"]), ["arn:aws:s3:::%s" % a, "arn:aws:s3:::%s/*" % a])
        self.assertEqual(api_error(self.s3.get_bucket_policy, Bucket=b), "NoSuchBucketPolicy")
        self.plan(t, 0)

        # the document changes in place
        tls_only["Statement"].append({
            "Sid": "ReadAll", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % cairntest.ACCOUNT},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [{"Fn::GetAtt": ["A", "Arn"]}, {"Fn::Sub": "${A.Arn}/*"}]})
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn("~ Policy", out)
        self.apply(t)
        self.assertEqual(self.output("Policy"), a)
        sids = [s["Sid"] for s in json.loads(self.s3.get_bucket_policy(Bucket=a)["Policy"])["Statement"]]
        self.assertEqual(sids, ["TlsOnly", "ReadAll"])
        self.plan(t, 0)

        # Bucket replaces: the policy moves to B, A has none
        doc["Resources"]["Policy"]["Properties"]["Bucket"] = {"Ref": "B"}
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn("-/+ Policy", out)
        self.apply(t)
        self.assertEqual(self.output("Policy"), b)
        self.assertEqual(api_error(self.s3.get_bucket_policy, Bucket=a), "NoSuchBucketPolicy")
        self.assertIn("TlsOnly", self.s3.get_bucket_policy(Bucket=b)["Policy"])
        self.plan(t, 0)

        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.buckets(), [])

    def test_policies_wait_for_a_new_principal(self):
        # a role IAM made a moment ago is not yet a valid principal: S3 and
        # KMS refuse the policies until it has propagated (the test double
        # makes a role valid 1 s after its creation); cairn waits, bounded
        role = "arn:aws:iam::%s:role/cairn-test-reader" % cairntest.ACCOUNT
        reader = {"Sid": "Reader", "Effect": "Allow", "Principal": {"AWS": role}}
        t = self.put({"Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"PendingWindowInDays": 7, "KeyPolicy": {
                "Version": "2012-10-17", "Statement": [
                    {"Sid": "Admin", "Effect": "Allow",
                     "Principal": {"AWS": "arn:aws:iam::%s:root" % cairntest.ACCOUNT},
                     "Action": "kms:*", "Resource": "*"},
                    dict(reader, Action="kms:Decrypt", Resource="*")]}}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "Bucket"}, "PolicyDocument": {
                    "Version": "2012-10-17", "Statement": [dict(
                        reader, Action="s3:GetObject", Resource={"Fn::Sub": "${Bucket.Arn}/*"})]}}},
        }, "Outputs": {"Key": {"Value": {"Ref": "Key"}}, "Bucket": {"Value": {"Ref": "Bucket"}}}})
        proc = subprocess.Popen([cairntest.CAIRN, "apply", "--auto-approve", t], cwd=self.tmp,
                                env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        try:
            time.sleep(2)
            self.assertIsNone(proc.poll(), "apply did not wait for the principal")
            self.boto("iam").create_role(RoleName="cairn-test-reader", AssumeRolePolicyDocument=json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole"}]}))
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, out + err)
        self.assertIn("Key: waiting for the principals of the key policy to exist in IAM "
                      "(MalformedPolicyDocumentException", out)
        self.assertIn("Policy: waiting for the principals of the bucket policy to exist in IAM "
                      "(MalformedPolicy", out)
        bucket, key = self.output("Bucket"), self.output("Key")
        pol = json.loads(self.s3.get_bucket_policy(Bucket=bucket)["Policy"])
        self.assertEqual(pol["Statement"][0]["Principal"]["AWS"], role)
        kpol = json.loads(self.boto("kms").get_key_policy(KeyId=key, PolicyName="default")["Policy"])
        self.assertEqual(kpol["Statement"][1]["Principal"]["AWS"], role)
        self.plan(t, 0)

    def test_a_policy_cairn_did_not_put_is_not_overwritten(self):
        self.s3.create_bucket(Bucket="cairn-test-theirs")
        theirs = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
            "Resource": "arn:aws:s3:::cairn-test-theirs"}]})
        self.s3.put_bucket_policy(Bucket="cairn-test-theirs", Policy=theirs)
        t = self.put({"Resources": {"Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
            "Bucket": "cairn-test-theirs", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % cairntest.ACCOUNT},
                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::cairn-test-theirs/*"}]}}}}})
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Policy (AWS::S3::BucketPolicy)", r.stderr)
        self.assertIn("bucket cairn-test-theirs already has a bucket policy that cairn did not put",
                      r.stderr)
        self.assertEqual(json.loads(self.s3.get_bucket_policy(Bucket="cairn-test-theirs")["Policy"]),
                         json.loads(theirs))

    def test_bad_logging_key_format_names_the_property(self):
        doc = stack()
        doc["Resources"]["Data"]["Properties"]["LoggingConfiguration"]["TargetObjectKeyFormat"] = {
            "PartitionedPrefix": {"PartitionDateSource": "Yesterday"}}
        r = self.cairn("apply", "--auto-approve", self.put(doc))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Data (AWS::S3::Bucket)", r.stderr)
        self.assertIn("LoggingConfiguration.TargetObjectKeyFormat.PartitionedPrefix."
                      "PartitionDateSource must be EventTime or DeliveryTime", r.stderr)

    def test_unsupported_property_is_a_validation_error(self):
        t = self.write("web.yaml", """\
Resources:
  Site:
    Type: AWS::S3::Bucket
    Properties:
      WebsiteConfiguration:
        IndexDocument: index.html
""")
        r = self.cairn("validate", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("web.yaml:5:7", r.stdout + r.stderr)
        self.assertIn("WebsiteConfiguration", r.stdout + r.stderr)


if __name__ == "__main__":
    cairntest.main()
