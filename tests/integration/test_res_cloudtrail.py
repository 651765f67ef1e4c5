"""AWS::CloudTrail::Trail against moto, every result checked with boto3 (never
with cairn's own reader alone).

Create, then the live trail matches (destination, scope, validation,
encryption, CloudWatch Logs, SNS, event and insight selectors, logging,
tags); a second plan is a no-op; each updatable property changed in place
(the same trail ARN); properties removed from the template go back to
CloudTrail's defaults; TrailName replaces; out-of-band changes show in
the next plan and are put right; destroy leaves nothing.

moto 5 appends insight selectors instead of replacing them, keeps advanced
event selectors when basic ones are put, gives a new trail no event
selector and reports KmsKeyId as given: the test double
tests/lib/emulator/s3kmsct.py behaves as CloudTrail documents. moto
does not check that the bucket policy lets CloudTrail write (AWS does:
InsufficientS3BucketPolicyException); the stack below carries the policy
AWS needs all the same.
"""
import copy
import json

import cairntest
import emulator

ACCOUNT = cairntest.ACCOUNT
REGION = cairntest.REGION


def bucket_policy(bucket):
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:GetBucketAcl", "Resource": {"Fn::GetAtt": [bucket, "Arn"]}},
            {"Sid": "Write", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
             "Action": "s3:PutObject",
             "Resource": {"Fn::Sub": "${%s.Arn}/*/AWSLogs/${AWS::AccountId}/*" % bucket},
             "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}}},
        ],
    }


LOG_GROUP = "arn:aws:logs:%s:%s:log-group:trail:*" % (REGION, ACCOUNT)
LOG_ROLE = "arn:aws:iam::%s:role/trail-to-logs" % ACCOUNT


def stack():
    return {
        "Resources": {
            "Key": {"Type": "AWS::KMS::Key", "Properties": {"PendingWindowInDays": 7}},
            "Logs": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "LogsPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "Logs"}, "PolicyDocument": bucket_policy("Logs")}},
            "Other": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "OtherPolicy": {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": {"Ref": "Other"}, "PolicyDocument": bucket_policy("Other")}},
            "Data": {"Type": "AWS::S3::Bucket", "Properties": {}},
            "Trail": {"Type": "AWS::CloudTrail::Trail", "DependsOn": ["LogsPolicy", "OtherPolicy"],
                      "Properties": {
                "S3BucketName": {"Ref": "Logs"},
                "S3KeyPrefix": "trail",
                "IsLogging": True,
                "IsMultiRegionTrail": True,
                "IncludeGlobalServiceEvents": True,
                "EnableLogFileValidation": True,
                "KMSKeyId": {"Ref": "Key"},
                "CloudWatchLogsLogGroupArn": LOG_GROUP,
                "CloudWatchLogsRoleArn": LOG_ROLE,
                "SnsTopicName": "trail-topic",
                "EventSelectors": [{
                    "ReadWriteType": "All",
                    "IncludeManagementEvents": True,
                    "DataResources": [{"Type": "AWS::S3::Object",
                                       "Values": [{"Fn::Sub": "${Data.Arn}/"}]}],
                }],
                "InsightSelectors": [{"InsightType": "ApiCallRateInsight"}],
                "Tags": [{"Key": "team", "Value": "sec"}],
            }},
        },
        "Outputs": {
            "Trail": {"Value": {"Ref": "Trail"}},
            "Arn": {"Value": {"Fn::GetAtt": ["Trail", "Arn"]}},
            "Topic": {"Value": {"Fn::GetAtt": ["Trail", "SnsTopicArn"]}},
            "Logs": {"Value": {"Ref": "Logs"}},
            "Other": {"Value": {"Ref": "Other"}},
            "Data": {"Value": {"Ref": "Data"}},
            "KeyArn": {"Value": {"Fn::GetAtt": ["Key", "Arn"]}},
        },
    }


def api_error(fn, **kw):
    try:
        fn(**kw)
    except Exception as e:
        return e.response["Error"]["Code"]
    return None


class TestCloudTrail(cairntest.CairnTestCase):

    @classmethod
    def setUpClass(cls):
        with emulator.installed():
            super().setUpClass()

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.ct = self.boto("cloudtrail")
        self.topic = self.boto("sns").create_topic(Name="trail-topic")["TopicArn"]

    def output(self, name):
        return self.cairn_ok("output", name).stdout.strip()

    def put(self, doc):
        return self.write("trail.json", json.dumps(doc, indent=1))

    def plan(self, path, want):
        r = self.cairn("plan", "-detailed-exitcode", "--no-policies", path)
        self.assertEqual(r.returncode, want, r.stdout + r.stderr)
        return r.stdout

    def trail(self, name):
        return self.ct.get_trail(Name=name)["Trail"]

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

    def tags(self, arn):
        return {t["Key"]: t["Value"]
                for t in self.ct.list_tags(ResourceIdList=[arn])["ResourceTagList"][0]["TagsList"]}

    def test_trail_lifecycle(self):
        doc = stack()
        t = self.put(doc)
        self.cairn_ok("apply", "--auto-approve", t)
        name, arn = self.output("Trail"), self.output("Arn")
        logs, other, data = self.output("Logs"), self.output("Other"), self.output("Data")
        key_arn = self.output("KeyArn")
        self.assertRegex(name, r"^trail-Trail-[0-9a-f]{12}$")
        self.assertEqual(arn, "arn:aws:cloudtrail:%s:%s:trail/%s" % (REGION, ACCOUNT, name))
        self.assertEqual(self.output("Topic"), self.topic)

        tr = self.trail(name)
        self.assertEqual(
            (tr["S3BucketName"], tr["S3KeyPrefix"], tr["IsMultiRegionTrail"],
             tr["IncludeGlobalServiceEvents"], tr["LogFileValidationEnabled"], tr["KmsKeyId"],
             tr["CloudWatchLogsLogGroupArn"], tr["CloudWatchLogsRoleArn"], tr["SnsTopicARN"]),
            (logs, "trail", True, True, True, key_arn, LOG_GROUP, LOG_ROLE, self.topic))
        self.assertTrue(self.ct.get_trail_status(Name=name)["IsLogging"])
        es = self.ct.get_event_selectors(TrailName=name)
        self.assertEqual(es["EventSelectors"], [{
            "ReadWriteType": "All", "IncludeManagementEvents": True,
            "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::%s/" % data]}]}])
        self.assertEqual(self.ct.get_insight_selectors(TrailName=name)["InsightSelectors"],
                         [{"InsightType": "ApiCallRateInsight"}])
        self.assertEqual(self.tags(arn), {"team": "sec", "cairn:stack": "trail",
                                          "cairn:logical-id": "Trail"})
        self.assertIn("No changes.", self.plan(t, 0))

        # in place: destination, scope, validation, encryption off, CloudWatch
        # Logs and SNS off, advanced selectors instead of basic ones, other
        # insights, logging stopped, tags
        p = doc["Resources"]["Trail"]["Properties"]
        p["S3BucketName"] = {"Ref": "Other"}
        p["S3KeyPrefix"] = "audit"
        p["IsMultiRegionTrail"] = False
        p["EnableLogFileValidation"] = False
        p["IsLogging"] = False
        for k in ("KMSKeyId", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn", "SnsTopicName",
                  "EventSelectors"):
            del p[k]
        p["AdvancedEventSelectors"] = [{
            "Name": "model writes",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Data"]},
                {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                {"Field": "resources.ARN", "StartsWith": [{"Fn::Sub": "${Data.Arn}/models/"}]},
                {"Field": "readOnly", "Equals": ["false"]},
            ]}]
        p["InsightSelectors"] = [{"InsightType": "ApiErrorRateInsight"},
                                 {"InsightType": "ApiCallRateInsight"}]
        p["Tags"] = [{"Key": "team", "Value": "security"}]
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn("~ Trail", out)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.", out)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual((self.output("Trail"), self.output("Arn")), (name, arn))
        tr = self.trail(name)
        self.assertEqual((tr["S3BucketName"], tr["S3KeyPrefix"], tr["IsMultiRegionTrail"],
                          tr["LogFileValidationEnabled"]), (other, "audit", False, False))
        for k in ("KmsKeyId", "CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn", "SnsTopicName"):
            self.assertIn(tr.get(k), (None, ""), k)
        self.assertFalse(self.ct.get_trail_status(Name=name)["IsLogging"])
        es = self.ct.get_event_selectors(TrailName=name)
        self.assertEqual(es.get("EventSelectors", []), [])
        self.assertEqual(es["AdvancedEventSelectors"][0]["Name"], "model writes")
        fields = {f["Field"]: f for f in es["AdvancedEventSelectors"][0]["FieldSelectors"]}
        self.assertEqual(fields["resources.ARN"]["StartsWith"], ["arn:aws:s3:::%s/models/" % data])
        self.assertEqual(sorted(s["InsightType"] for s in
                                self.ct.get_insight_selectors(TrailName=name)["InsightSelectors"]),
                         ["ApiCallRateInsight", "ApiErrorRateInsight"])
        self.assertEqual(self.tags(arn)["team"], "security")
        self.plan(t, 0)

        # removed from the template: back to CloudTrail's defaults (the
        # management-events selector, no Insights)
        del p["AdvancedEventSelectors"]
        del p["InsightSelectors"]
        del p["S3KeyPrefix"]
        t = self.put(doc)
        self.plan(t, 2)
        self.cairn_ok("apply", "--auto-approve", t)
        es = self.ct.get_event_selectors(TrailName=name)
        self.assertEqual(es.get("AdvancedEventSelectors", []), [])
        self.assertEqual([(s["ReadWriteType"], s["IncludeManagementEvents"]) for s in es["EventSelectors"]],
                         [("All", True)])
        self.assertEqual(api_error(self.ct.get_insight_selectors, TrailName=name),
                         "InsightNotEnabledException")
        self.assertIn(self.trail(name).get("S3KeyPrefix"), (None, ""))
        self.plan(t, 0)

        # TrailName replaces: a new trail, the old one gone
        p["TrailName"] = "cairn-test-audit"
        t = self.put(doc)
        out = self.plan(t, 2)
        self.assertIn("-/+ Trail", out)
        self.cairn_ok("apply", "--auto-approve", t)
        names = [x["Name"] for x in self.ct.describe_trails()["trailList"]]
        self.assertEqual(names, ["cairn-test-audit"])
        self.assertEqual(self.output("Arn"),
                         "arn:aws:cloudtrail:%s:%s:trail/cairn-test-audit" % (REGION, ACCOUNT))
        self.assertFalse(self.ct.get_trail_status(Name="cairn-test-audit")["IsLogging"])
        self.plan(t, 0)

        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.ct.describe_trails()["trailList"], [])

    def test_out_of_band_changes_show_and_are_put_right(self):
        t = self.put(stack())
        self.cairn_ok("apply", "--auto-approve", t)
        name, other = self.output("Trail"), self.output("Other")
        self.ct.stop_logging(Name=name)
        self.ct.update_trail(Name=name, S3BucketName=other, EnableLogFileValidation=False)
        self.ct.put_event_selectors(TrailName=name, EventSelectors=[
            {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])
        self.ct.put_insight_selectors(TrailName=name, InsightSelectors=[])
        out = self.plan(t, 2)
        self.assertRegex(out, r"~ IsLogging +\= false -> true")
        self.assertRegex(out, r"~ EnableLogFileValidation +\= false -> true")
        self.assertIn("~ S3BucketName", out)
        self.assertIn("~ EventSelectors", out)
        self.assertIn("~ InsightSelectors", out)
        self.cairn_ok("apply", "--auto-approve", t)
        tr = self.trail(name)
        self.assertEqual((tr["S3BucketName"], tr["LogFileValidationEnabled"]),
                         (self.output("Logs"), True))
        self.assertTrue(self.ct.get_trail_status(Name=name)["IsLogging"])
        self.assertEqual(self.ct.get_event_selectors(TrailName=name)["EventSelectors"][0]
                         ["DataResources"][0]["Type"], "AWS::S3::Object")
        self.assertEqual(len(self.ct.get_insight_selectors(TrailName=name)["InsightSelectors"]), 1)
        self.plan(t, 0)

        # a trail deleted outside cairn is made again
        self.ct.delete_trail(Name=name)
        out = self.plan(t, 2)
        self.assertIn("# Trail (AWS::CloudTrail::Trail) will be created (it was deleted outside "
                      "cairn)", out)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual(len(self.ct.describe_trails()["trailList"]), 1)
        self.plan(t, 0)
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.ct.describe_trails()["trailList"], [])

    def test_interrupted_create_is_adopted(self):
        t = self.put(stack())
        self.cairn_ok("apply", "--auto-approve", t)
        name = self.output("Trail")
        # killed after CreateTrail, before the selectors and StartLogging
        self.ct.put_event_selectors(TrailName=name, EventSelectors=[
            {"ReadWriteType": "All", "IncludeManagementEvents": True}])
        self.ct.put_insight_selectors(TrailName=name, InsightSelectors=[])
        self.ct.stop_logging(Name=name)
        self.make_pending("trail", {"Trail": "TrailName"})
        out = self.plan(t, 2)
        self.assertIn("Trail (AWS::CloudTrail::Trail) was created by an interrupted apply: it will "
                      "be adopted and updated in place [id=%s]" % name, out)
        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("1 resource made by an interrupted apply adopted.", r.stdout)
        self.assertEqual([x["Name"] for x in self.ct.describe_trails()["trailList"]], [name])
        self.assertTrue(self.ct.get_trail_status(Name=name)["IsLogging"])
        self.assertEqual(len(self.ct.get_insight_selectors(TrailName=name)["InsightSelectors"]), 1)
        self.assertEqual(self.ct.get_event_selectors(TrailName=name)["EventSelectors"][0]
                         ["DataResources"][0]["Type"], "AWS::S3::Object")
        self.plan(t, 0)

    def test_a_trail_cairn_did_not_make_is_not_taken_over(self):
        self.boto("s3").create_bucket(Bucket="cairn-test-theirs")
        self.ct.create_trail(Name="cairn-test-audit", S3BucketName="cairn-test-theirs")
        doc = stack()
        doc["Resources"]["Trail"]["Properties"]["TrailName"] = "cairn-test-audit"
        r = self.cairn("apply", "--auto-approve", self.put(doc))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Trail (AWS::CloudTrail::Trail)", r.stderr)
        self.assertIn("a trail named cairn-test-audit already exists and cairn did not make it",
                      r.stderr)
        self.assertEqual(self.trail("cairn-test-audit")["S3BucketName"], "cairn-test-theirs")

    def test_both_kinds_of_event_selectors_is_an_error(self):
        doc = stack()
        doc["Resources"]["Trail"]["Properties"]["AdvancedEventSelectors"] = [
            {"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}]
        r = self.cairn("apply", "--auto-approve", self.put(doc))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Trail (AWS::CloudTrail::Trail)", r.stderr)
        self.assertIn("a trail has EventSelectors or AdvancedEventSelectors, not both", r.stderr)
        self.assertEqual(self.ct.describe_trails()["trailList"], [])


if __name__ == "__main__":
    cairntest.main()
