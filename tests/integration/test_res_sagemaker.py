"""The SageMaker resource types against moto, every result checked with
boto3 (never with cairn's own reader alone).

moto 5.x lacks much of SageMaker (no UpdateEndpoint, UpdateNotebookInstance,
UpdateDomain, model package group policies, DeleteModelPackage[Group]; no
status transitions), so these tests run against the test double
tests/lib/emulator/sagemaker.py, which adds what AWS documents to moto's own
backend. Per type: create, then the live configuration matches; a second
`plan -detailed-exitcode` exits 0; each updatable property changes in place
(same physical id); a create-only change replaces (new id, old one gone); a
change made with boto3 shows in the next plan and apply puts it right;
destroy leaves nothing. Also: a failed endpoint is reported with its
FailureReason and deleted, a failed endpoint update is reported, a new role
SageMaker cannot assume yet is waited for, and an apply killed in the middle
of a slow create adopts what it made.

The IAM role, VPC, subnets, security group, KMS key and buckets the
SageMaker resources need are made with boto3.
"""
import json
import os
import signal
import subprocess
import time

import cairntest

ACCOUNT = cairntest.ACCOUNT
IMAGE = "%s.dkr.ecr.us-east-1.amazonaws.com/fraud:%%s" % ACCOUNT
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def tags_of(tags):
    return {t["Key"]: t["Value"] for t in tags}


def ref(x):
    return {"Ref": x}


def getatt(x, a):
    return {"Fn::GetAtt": [x, a]}


class SageMakerCase(cairntest.CairnTestCase):
    """moto with the SageMaker test double; the role, network, key and
    bucket each test needs, made with boto3."""

    moto_server = cairntest.MOTO_SAGEMAKER
    moto_env = {"MOTO_SAGEMAKER_DELAY": "1"}

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.sm = self.boto("sagemaker")

    # ---- prerequisites, made with boto3 -----------------------------------

    def make_role(self, name="sagemaker-exec", propagation=None):
        kw = {}
        if propagation is not None:
            kw["Tags"] = [{"Key": "moto-sagemaker:propagation-seconds", "Value": str(propagation)}]
        return self.boto("iam").create_role(RoleName=name, AssumeRolePolicyDocument=TRUST,
                                            **kw)["Role"]["Arn"]

    def make_network(self):
        ec2 = self.boto("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.%d.0/24" % i,
                                     AvailabilityZone="us-east-1" + az)["Subnet"]["SubnetId"]
                   for i, az in ((1, "a"), (2, "b"))]
        sg = ec2.create_security_group(GroupName="sagemaker", Description="sagemaker",
                                       VpcId=vpc)["GroupId"]
        return vpc, subnets, sg

    def make_key(self):
        return self.boto("kms").create_key(Description="sagemaker")["KeyMetadata"]["Arn"]

    # ---- running cairn -----------------------------------------------------

    def write_template(self, name, resources, outputs=None, parameters=None):
        t = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
        if parameters:
            t["Parameters"] = parameters
        if outputs:
            t["Outputs"] = {k: {"Value": v} for k, v in outputs.items()}
        return self.write(name + ".json", json.dumps(t, indent=1))

    def apply(self, path, *args):
        return self.cairn_ok("apply", "--auto-approve", *args, path)

    def plan(self, path, *args, rc=None):
        r = self.cairn("plan", "-detailed-exitcode", *args, path)
        if rc is not None:
            self.assertEqual(r.returncode, rc, r.stdout + r.stderr)
        return r

    def assert_no_changes(self, path, *args):
        r = self.plan(path, *args, rc=0)
        self.assertIn("No changes.", r.stdout)

    def output(self, name, stack):
        return self.cairn_ok("output", "--stack-name", stack, name).stdout.strip()

    def state(self, stack):
        with open(os.path.join(self.tmp, ".cairn", stack + ".state.json")) as f:
            return json.load(f)

    def gone(self, fn, **kw):
        """True when the describe call fn(**kw) says the resource is not there."""
        try:
            fn(**kw)
        except self.sm.exceptions.ClientError as e:
            code = e.response["Error"]["Code"]
            self.assertIn(code, ("ValidationException", "ResourceNotFound"), str(e))
            return True
        return False

    def wait_for(self, what, fn, timeout=20):
        deadline = time.time() + timeout
        while True:
            v = fn()
            if v:
                return v
            if time.time() > deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.3)


# ===========================================================================
# the model registry: ModelPackageGroup and ModelPackage
# ===========================================================================

def read_policy(actions, group="fraud"):
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ShareWithAudit", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": actions,
        "Resource": "arn:aws:sagemaker:us-east-1:%s:model-package/%s/*" % (ACCOUNT, group)}]}


def registry(group="fraud", group_desc="fraud models", policy=("sagemaker:DescribeModelPackage",),
             team="ml", status="PendingManualApproval", approval_desc=None,
             metadata=None, package_desc="first candidate", image="1"):
    g = {"ModelPackageGroupName": group, "ModelPackageGroupDescription": group_desc,
         "Tags": [{"Key": "team", "Value": team}]}
    if policy is not None:
        g["ModelPackageGroupPolicy"] = read_policy(list(policy), group)
    p = {
        "ModelPackageGroupName": ref("Group"),
        "ModelPackageDescription": package_desc,
        "ModelApprovalStatus": status,
        "InferenceSpecification": {
            "Containers": [{"Image": IMAGE % image,
                            "ModelDataUrl": "s3://models/fraud/model.tar.gz",
                            "Environment": {"THREADS": 4}}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
            "SupportedRealtimeInferenceInstanceTypes": ["ml.m5.large"],
        },
        "MetadataProperties": {"CommitId": "abc123", "Repository": "git://fraud"},
        "CustomerMetadataProperties": metadata if metadata is not None else {"owner": "alice",
                                                                             "stage": "dev"},
        "Tags": [{"Key": "team", "Value": team}],
    }
    if approval_desc is not None:
        p["ApprovalDescription"] = approval_desc
    return ({"Group": {"Type": "AWS::SageMaker::ModelPackageGroup", "Properties": g},
             "Package": {"Type": "AWS::SageMaker::ModelPackage", "Properties": p}},
            {"GroupArn": ref("Group"), "GroupStatus": getatt("Group", "ModelPackageGroupStatus"),
             "PackageArn": ref("Package"), "PackageStatus": getatt("Package", "ModelPackageStatus")})


class TestModelRegistry(SageMakerCase):

    def packages(self, group="fraud"):
        return [p["ModelPackageArn"] for p in
                self.sm.list_model_packages(ModelPackageGroupName=group)["ModelPackageSummaryList"]]

    def group_policy(self, group="fraud"):
        return json.loads(self.sm.get_model_package_group_policy(
            ModelPackageGroupName=group)["ResourcePolicy"])

    def test_group_and_package_lifecycle(self):
        t = self.write_template("registry", *registry())
        r = self.apply(t)
        self.assertIn("Apply complete! Resources: 2 added", r.stdout)
        self.assertIn("waiting for model package group fraud to be ready: Pending", r.stdout)

        g = self.sm.describe_model_package_group(ModelPackageGroupName="fraud")
        self.assertEqual(g["ModelPackageGroupDescription"], "fraud models")
        self.assertEqual(g["ModelPackageGroupStatus"], "Completed")
        self.assertEqual(self.output("GroupArn", "registry"), g["ModelPackageGroupArn"])
        self.assertEqual(self.output("GroupStatus", "registry"), "Completed")
        self.assertEqual(self.group_policy(), read_policy(["sagemaker:DescribeModelPackage"]))
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=g["ModelPackageGroupArn"])["Tags"]),
                         {"team": "ml", "cairn:stack": "registry", "cairn:logical-id": "Group"})
        [arn] = self.packages()
        self.assertEqual(self.output("PackageArn", "registry"), arn)
        self.assertTrue(arn.endswith("model-package/fraud/1"), arn)
        p = self.sm.describe_model_package(ModelPackageName=arn)
        self.assertEqual(p["ModelPackageGroupName"], "fraud")
        self.assertEqual(p["ModelApprovalStatus"], "PendingManualApproval")
        self.assertEqual(p["ModelPackageDescription"], "first candidate")
        self.assertEqual(p["CustomerMetadataProperties"], {"owner": "alice", "stage": "dev"})
        self.assertEqual(p["MetadataProperties"], {"CommitId": "abc123", "Repository": "git://fraud"})
        c = p["InferenceSpecification"]["Containers"][0]
        self.assertEqual((c["Image"], c["Environment"]), (IMAGE % "1", {"THREADS": "4"}))
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=arn)["Tags"]),
                         {"team": "ml", "cairn:stack": "registry", "cairn:logical-id": "Package"})
        self.assert_no_changes(t)

        # the approval gate, metadata, the group's policy and tags: in place
        t = self.write_template("registry", *registry(
            status="Approved", approval_desc="passed review", metadata={"owner": "bob"},
            team="risk", policy=("sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages")))
        r = self.plan(t, rc=2)
        self.assertIn('~ ModelApprovalStatus', r.stdout)
        self.assertIn('"PendingManualApproval" -> "Approved"', r.stdout)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.apply(t)
        self.assertEqual(self.packages(), [arn])
        p = self.sm.describe_model_package(ModelPackageName=arn)
        self.assertEqual(p["ModelApprovalStatus"], "Approved")
        self.assertEqual(p["ApprovalDescription"], "passed review")
        self.assertEqual(p["CustomerMetadataProperties"], {"owner": "bob"})
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=arn)["Tags"])["team"], "risk")
        self.assertEqual(self.group_policy()["Statement"][0]["Action"],
                         ["sagemaker:DescribeModelPackage", "sagemaker:ListModelPackages"])
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=g["ModelPackageGroupArn"])["Tags"]),
                         {"team": "risk", "cairn:stack": "registry", "cairn:logical-id": "Group"})
        self.assert_no_changes(t)

        # rejected; the policy removed from the template is deleted
        t = self.write_template("registry", *registry(status="Rejected", policy=None, team="risk",
                                                      metadata={"owner": "bob"}))
        self.apply(t)
        self.assertEqual(self.sm.describe_model_package(ModelPackageName=arn)["ModelApprovalStatus"],
                         "Rejected")
        with self.assertRaisesRegex(Exception, "Cannot find resource policy"):
            self.sm.get_model_package_group_policy(ModelPackageGroupName="fraud")
        self.assert_no_changes(t)

        # a create-only property of the package: a new version replaces it
        t = self.write_template("registry", *registry(status="Rejected", policy=None, team="risk",
                                                      metadata={"owner": "bob"}, image="2"))
        r = self.plan(t, rc=2)
        self.assertIn("-/+ Package", r.stdout)
        self.assertIn("forces replacement", r.stdout)
        self.apply(t)
        [arn2] = self.packages()
        self.assertTrue(arn2.endswith("model-package/fraud/2"), arn2)
        self.assertTrue(self.gone(self.sm.describe_model_package, ModelPackageName=arn))
        self.assertEqual(self.sm.describe_model_package(ModelPackageName=arn2)[
            "InferenceSpecification"]["Containers"][0]["Image"], IMAGE % "2")
        self.assert_no_changes(t)

        # a new group name: the group is replaced, and the package with it
        t = self.write_template("registry", *registry(group="fraud-v2", status="Approved"))
        r = self.plan(t, rc=2)
        self.assertIn("-/+ Group", r.stdout)
        self.assertIn("-/+ Package", r.stdout)
        self.apply(t)
        names = [x["ModelPackageGroupName"] for x in
                 self.sm.list_model_package_groups()["ModelPackageGroupSummaryList"]]
        self.assertEqual(names, ["fraud-v2"])
        self.assertEqual(len(self.packages("fraud-v2")), 1)
        self.assertTrue(self.gone(self.sm.describe_model_package, ModelPackageName=arn2))
        self.assert_no_changes(t)

        # destroy: the package, then the group
        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 2 destroyed.", r.stdout)
        self.assertLess(r.stdout.index("Package: Destruction complete"),
                        r.stdout.index("Group: Destroying"))
        self.assertEqual(self.sm.list_model_package_groups()["ModelPackageGroupSummaryList"], [])
        self.assertEqual(self.sm.list_model_packages()["ModelPackageSummaryList"], [])

    def test_out_of_band_changes_show_and_are_put_right(self):
        t = self.write_template("registry", *registry(metadata={"owner": "alice"}))
        self.apply(t)
        [arn] = self.packages()
        garn = self.sm.describe_model_package_group(ModelPackageGroupName="fraud")["ModelPackageGroupArn"]
        # someone approves by hand, widens the policy and drops a tag
        self.sm.update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved",
                                     CustomerMetadataProperties={"extra": "x"})
        self.sm.put_model_package_group_policy(ModelPackageGroupName="fraud", ResourcePolicy=json.dumps(
            read_policy(["sagemaker:*"])))
        self.sm.delete_tags(ResourceArn=garn, TagKeys=["team"])
        r = self.plan(t, rc=2)
        self.assertIn('"Approved" -> "PendingManualApproval"', r.stdout)
        self.assertIn("~ ModelPackageGroupPolicy", r.stdout)
        self.assertIn("~ Tags", r.stdout)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.apply(t)
        p = self.sm.describe_model_package(ModelPackageName=arn)
        self.assertEqual(p["ModelApprovalStatus"], "PendingManualApproval")
        self.assertEqual(p["CustomerMetadataProperties"], {"owner": "alice"})
        self.assertEqual(self.group_policy(), read_policy(["sagemaker:DescribeModelPackage"]))
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=garn)["Tags"])["team"], "ml")
        self.assert_no_changes(t)

        # deleted by hand: made again
        self.sm.delete_model_package(ModelPackageName=arn)
        self.wait_for("the package to go", lambda: self.gone(self.sm.describe_model_package,
                                                             ModelPackageName=arn))
        r = self.plan(t, rc=2)
        self.assertIn("deleted outside cairn", r.stdout)
        self.apply(t)
        [arn2] = self.packages()
        self.assertNotEqual(arn2, arn)
        self.assert_no_changes(t)

    def test_errors_say_what_to_do(self):
        # a version registered by hand keeps the group from being destroyed
        t = self.write_template("registry", *registry())
        self.apply(t)
        self.sm.create_model_package(ModelPackageGroupName="fraud", InferenceSpecification={
            "Containers": [{"Image": IMAGE % "9"}], "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"]})
        r = self.cairn("destroy", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Group (AWS::SageMaker::ModelPackageGroup): delete failed", r.stdout + r.stderr)
        self.assertIn("DeleteModelPackageGroup (sagemaker): ConflictException", r.stdout + r.stderr)
        self.assertIn("model package group fraud still holds model packages that cairn did not make",
                      r.stdout + r.stderr)
        self.assertEqual(len(self.packages()), 1)   # cairn's own version went, the other stays

        # an unversioned package (no group) is refused with the reason
        res, _ = registry(group="other")
        del res["Package"]["Properties"]["ModelPackageGroupName"]
        del res["Group"]
        r = self.cairn("apply", "--auto-approve", self.write_template("loose", res))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("ModelPackageGroupName is required: cairn supports versioned model packages",
                      r.stdout + r.stderr)

    def test_group_name_clash_is_explained(self):
        self.sm.create_model_package_group(ModelPackageGroupName="fraud")
        t = self.write_template("registry", *registry())
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout)
        err = r.stdout + r.stderr
        self.assertIn("CreateModelPackageGroup (sagemaker): ValidationException", err)
        self.assertIn("a model package group named fraud already exists and cairn did not make it: "
                      "give ModelPackageGroupName another value", err)
        self.assertNotIn("cairn generates one", err)


# ===========================================================================
# hosting: Model, EndpointConfig, Endpoint
# ===========================================================================

class TestHosting(SageMakerCase):

    def setUp(self):
        super().setUp()
        self.role = self.make_role()
        self.vpc, self.subnets, self.sg = self.make_network()
        self.key = self.make_key()
        self.boto("s3").create_bucket(Bucket="capture")

    def hosting(self, image="1", instance_type="ml.m5.large", team="ml", bad=None,
                endpoint_name=None, role=None):
        """Two models (Good, and Bad whose container the test double fails
        with FailureReason `bad`), a configuration serving Good (or Bad when
        bad is given) with data capture, and an endpoint."""
        def model(env):
            return {"Type": "AWS::SageMaker::Model", "Properties": {
                "ExecutionRoleArn": role or self.role,
                "EnableNetworkIsolation": True,
                "VpcConfig": {"SecurityGroupIds": [self.sg], "Subnets": self.subnets},
                "PrimaryContainer": {"Image": IMAGE % image,
                                     "ModelDataUrl": "s3://models/fraud/model.tar.gz",
                                     "Environment": env},
                "Tags": [{"Key": "team", "Value": team}]}}
        res = {
            "Good": model({"THREADS": 4}),
            "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {
                "KmsKeyId": self.key,
                "ProductionVariants": [{
                    "VariantName": "main",
                    "ModelName": getatt("Bad" if bad else "Good", "ModelName"),
                    "InitialInstanceCount": "1", "InitialVariantWeight": 1,
                    "InstanceType": instance_type}],
                "DataCaptureConfig": {
                    "EnableCapture": True, "InitialSamplingPercentage": 25,
                    "DestinationS3Uri": "s3://capture/fraud", "KmsKeyId": self.key,
                    "CaptureOptions": [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}]},
                "Tags": [{"Key": "team", "Value": team}]}},
            "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {
                "EndpointConfigName": getatt("Config", "EndpointConfigName"),
                "Tags": [{"Key": "team", "Value": team}]}},
        }
        if bad:
            res["Bad"] = model({"MOTO_SAGEMAKER_FAIL": bad})
        if endpoint_name:
            res["Endpoint"]["Properties"]["EndpointName"] = endpoint_name
        outs = {"ModelArn": ref("Good"), "ModelName": getatt("Good", "ModelName"),
                "ConfigArn": ref("Config"), "ConfigName": getatt("Config", "EndpointConfigName"),
                "EndpointArn": ref("Endpoint"), "EndpointName": getatt("Endpoint", "EndpointName")}
        return self.write_template("hosting", res, outs)

    def out(self, name):
        return self.output(name, "hosting")

    def tags(self, arn):
        return tags_of(self.sm.list_tags(ResourceArn=arn)["Tags"])

    def test_model_config_endpoint_lifecycle(self):
        t = self.hosting()
        r = self.apply(t)
        self.assertIn("Apply complete! Resources: 3 added", r.stdout)
        self.assertIn("to be InService: Creating", r.stdout)
        model, config, endpoint = self.out("ModelName"), self.out("ConfigName"), self.out("EndpointName")
        self.assertRegex(model, r"^hosting-Good-[0-9a-f]{12}$")

        m = self.sm.describe_model(ModelName=model)
        self.assertEqual(self.out("ModelArn"), m["ModelArn"])
        self.assertTrue(m["EnableNetworkIsolation"])
        self.assertEqual(m["ExecutionRoleArn"], self.role)
        self.assertEqual(sorted(m["VpcConfig"]["Subnets"]), sorted(self.subnets))
        self.assertEqual(m["VpcConfig"]["SecurityGroupIds"], [self.sg])
        self.assertEqual(m["PrimaryContainer"]["Image"], IMAGE % "1")
        self.assertEqual(m["PrimaryContainer"]["Environment"], {"THREADS": "4"})
        self.assertEqual(self.tags(m["ModelArn"]),
                         {"team": "ml", "cairn:stack": "hosting", "cairn:logical-id": "Good"})
        c = self.sm.describe_endpoint_config(EndpointConfigName=config)
        self.assertEqual(self.out("ConfigArn"), c["EndpointConfigArn"])
        self.assertEqual(c["KmsKeyId"], self.key)
        v = c["ProductionVariants"][0]
        self.assertEqual((v["VariantName"], v["ModelName"], v["InitialInstanceCount"], v["InstanceType"]),
                         ("main", model, 1, "ml.m5.large"))
        dc = c["DataCaptureConfig"]
        self.assertEqual((dc["EnableCapture"], dc["InitialSamplingPercentage"], dc["DestinationS3Uri"],
                          dc["KmsKeyId"]), (True, 25, "s3://capture/fraud", self.key))
        self.assertEqual(dc["CaptureOptions"], [{"CaptureMode": "Input"}, {"CaptureMode": "Output"}])
        self.assertEqual(self.tags(c["EndpointConfigArn"])["team"], "ml")
        e = self.sm.describe_endpoint(EndpointName=endpoint)
        self.assertEqual(self.out("EndpointArn"), e["EndpointArn"])
        self.assertEqual((e["EndpointStatus"], e["EndpointConfigName"]), ("InService", config))
        self.assertEqual(self.tags(e["EndpointArn"])["team"], "ml")
        self.assert_no_changes(t)

        # tags: in place on all three
        t = self.hosting(team="risk")
        r = self.plan(t, rc=2)
        self.assertIn("Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.apply(t)
        self.assertEqual((self.out("ModelName"), self.out("ConfigName"), self.out("EndpointName")),
                         (model, config, endpoint))
        for arn in (m["ModelArn"], c["EndpointConfigArn"], e["EndpointArn"]):
            self.assertEqual(self.tags(arn)["team"], "risk", arn)
        self.assert_no_changes(t)

        # a new instance type: a new configuration, the endpoint moved to it
        # in place (UpdateEndpoint), the old configuration deleted after
        t = self.hosting(team="risk", instance_type="ml.c5.xlarge")
        r = self.plan(t, rc=2)
        self.assertIn("-/+ Config", r.stdout)
        self.assertIn("~ Endpoint", r.stdout)
        self.assertIn("Plan: 0 to add, 1 to change, 1 to replace, 0 to destroy.", r.stdout)
        r = self.apply(t)
        self.assertIn("to move to endpoint configuration", r.stdout)
        self.assertLess(r.stdout.index("Endpoint: Modifications complete"),
                        r.stdout.index("Config (old object %s): Destroying" % config))
        config2 = self.out("ConfigName")
        self.assertNotEqual(config2, config)
        self.assertTrue(self.gone(self.sm.describe_endpoint_config, EndpointConfigName=config))
        self.assertEqual(self.sm.describe_endpoint_config(EndpointConfigName=config2)[
            "ProductionVariants"][0]["InstanceType"], "ml.c5.xlarge")
        e2 = self.sm.describe_endpoint(EndpointName=endpoint)
        self.assertEqual((e2["EndpointArn"], e2["EndpointStatus"], e2["EndpointConfigName"]),
                         (e["EndpointArn"], "InService", config2))
        self.assert_no_changes(t)

        # a new image: the model is replaced, its configuration with it
        t = self.hosting(team="risk", instance_type="ml.c5.xlarge", image="2")
        r = self.plan(t, rc=2)
        self.assertIn("-/+ Good", r.stdout)
        self.assertIn("Plan: 0 to add, 1 to change, 2 to replace, 0 to destroy.", r.stdout)
        self.apply(t)
        model2, config3 = self.out("ModelName"), self.out("ConfigName")
        self.assertNotEqual(model2, model)
        self.assertTrue(self.gone(self.sm.describe_model, ModelName=model))
        self.assertEqual(self.sm.describe_model(ModelName=model2)["PrimaryContainer"]["Image"], IMAGE % "2")
        self.assertEqual(self.sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"], config3)
        self.assert_no_changes(t)

        # out of band: the endpoint moved to a configuration made by hand,
        # tags dropped from all three
        self.sm.create_endpoint_config(EndpointConfigName="by-hand", ProductionVariants=[{
            "VariantName": "main", "ModelName": model2, "InitialInstanceCount": 1,
            "InstanceType": "ml.m5.large"}])
        self.sm.update_endpoint(EndpointName=endpoint, EndpointConfigName="by-hand")
        self.wait_for("the endpoint", lambda: self.sm.describe_endpoint(
            EndpointName=endpoint)["EndpointConfigName"] == "by-hand")
        m2 = self.sm.describe_model(ModelName=model2)["ModelArn"]
        c3 = self.sm.describe_endpoint_config(EndpointConfigName=config3)["EndpointConfigArn"]
        for arn in (m2, c3, e["EndpointArn"]):
            self.sm.delete_tags(ResourceArn=arn, TagKeys=["team"])
        r = self.plan(t, rc=2)
        self.assertIn('~ EndpointConfigName = "by-hand" -> "%s"' % config3, r.stdout)
        self.assertIn("Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.apply(t)
        self.assertEqual(self.sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"], config3)
        for arn in (m2, c3, e["EndpointArn"]):
            self.assertEqual(self.tags(arn)["team"], "risk", arn)
        self.assert_no_changes(t)
        self.sm.delete_endpoint_config(EndpointConfigName="by-hand")

        # destroy: nothing left
        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 3 destroyed.", r.stdout)
        self.assertEqual(self.sm.list_endpoints()["Endpoints"], [])
        self.assertEqual(self.sm.list_endpoint_configs()["EndpointConfigs"], [])
        self.assertEqual(self.sm.list_models()["Models"], [])

    def test_failed_endpoint_is_reported_and_deleted(self):
        t = self.hosting(bad="the container did not pass the ping health check",
                         endpoint_name="fraud")
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        err = r.stdout + r.stderr
        self.assertIn("Endpoint (AWS::SageMaker::Endpoint): create failed", err)
        self.assertIn("endpoint fraud is Failed: the container did not pass the ping health check; "
                      "cairn deleted the failed endpoint", err)
        self.assertEqual(self.sm.list_endpoints()["Endpoints"], [])

        # fixed: the endpoint is made; then an update to a failing model is
        # rolled back by SageMaker, and cairn says so
        t = self.hosting(endpoint_name="fraud")
        self.apply(t)
        good_config = self.out("ConfigName")
        self.assertEqual(self.sm.describe_endpoint(EndpointName="fraud")["EndpointStatus"], "InService")
        t = self.hosting(endpoint_name="fraud", bad="out of memory loading the model")
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        err = r.stdout + r.stderr
        self.assertIn("UpdateEndpoint (sagemaker): endpoint fraud did not move to endpoint "
                      "configuration", err)
        self.assertIn("out of memory loading the model; it is InService with configuration %s"
                      % good_config, err)
        e = self.sm.describe_endpoint(EndpointName="fraud")
        self.assertEqual((e["EndpointStatus"], e["EndpointConfigName"]), ("InService", good_config))
        # the plan still wants the update
        r = self.plan(t, rc=2)
        self.assertIn("~ Endpoint", r.stdout)

    def test_a_new_role_is_waited_for(self):
        role = self.make_role("brand-new", propagation=5)
        t = self.hosting(role=role)
        t0 = time.time()
        r = self.apply(t)
        self.assertIn("Good: waiting for IAM to let SageMaker assume %s" % role, r.stdout)
        self.assertGreaterEqual(time.time() - t0, 4)
        self.assertEqual(self.sm.describe_model(ModelName=self.out("ModelName"))["ExecutionRoleArn"], role)


# ===========================================================================
# AWS::SageMaker::NotebookInstance
# ===========================================================================

class TestNotebookInstance(SageMakerCase):

    def setUp(self):
        super().setUp()
        self.role = self.make_role()
        self.vpc, self.subnets, self.sg = self.make_network()
        self.key = self.make_key()

    def notebook(self, instance_type="ml.t3.medium", volume=10, root="Disabled", internet="Disabled",
                 team="ml", role=None, imds="1", lifecycle=None):
        props = {
                "InstanceType": instance_type, "RoleArn": role or self.role,
                "DirectInternetAccess": internet, "RootAccess": root,
                "SubnetId": self.subnets[0], "SecurityGroupIds": [self.sg],
                "KmsKeyId": self.key, "VolumeSizeInGB": volume,
                "PlatformIdentifier": "notebook-al2-v3",
                "InstanceMetadataServiceConfiguration": {"MinimumInstanceMetadataServiceVersion": imds},
                "Tags": [{"Key": "team", "Value": team}]}
        if lifecycle:
            props["LifecycleConfigName"] = lifecycle
        return self.write_template(
            "nb", {"Notebook": {"Type": "AWS::SageMaker::NotebookInstance", "Properties": props}},
            {"Arn": ref("Notebook"), "Name": getatt("Notebook", "NotebookInstanceName")})

    def describe(self, name):
        return self.sm.describe_notebook_instance(NotebookInstanceName=name)

    def test_notebook_lifecycle(self):
        t = self.notebook()
        r = self.apply(t)
        self.assertIn("to be InService: Pending", r.stdout)
        name, arn = self.output("Name", "nb"), self.output("Arn", "nb")
        d = self.describe(name)
        self.assertEqual(d["NotebookInstanceArn"], arn)
        self.assertEqual(d["NotebookInstanceStatus"], "InService")
        self.assertEqual((d["InstanceType"], d["DirectInternetAccess"], d["RootAccess"], d["SubnetId"],
                          d["SecurityGroups"], d["KmsKeyId"], d["VolumeSizeInGB"], d["RoleArn"],
                          d["PlatformIdentifier"]),
                         ("ml.t3.medium", "Disabled", "Disabled", self.subnets[0], [self.sg], self.key,
                          10, self.role, "notebook-al2-v3"))
        self.assertEqual(d["InstanceMetadataServiceConfiguration"],
                         {"MinimumInstanceMetadataServiceVersion": "1"})
        self.assertNotIn("NotebookInstanceLifecycleConfigName", d)
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=arn)["Tags"]),
                         {"team": "ml", "cairn:stack": "nb", "cairn:logical-id": "Notebook"})
        self.assert_no_changes(t)

        # instance type, volume, root access, role, metadata service,
        # lifecycle configuration: stopped, updated, started again
        role2 = self.make_role("notebook-2")
        self.sm.create_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName="nb-setup", OnStart=[{"Content": "ZWNobyBoaQ=="}])
        t = self.notebook(instance_type="ml.t3.large", volume=20, root="Enabled", team="risk",
                          role=role2, imds="2", lifecycle="nb-setup")
        r = self.plan(t, rc=2)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.", r.stdout)
        r = self.apply(t)
        for step in ("stopping notebook instance %s to update it" % name, "to finish updating: Updating",
                     "starting notebook instance %s again" % name):
            self.assertIn(step, r.stdout)
        d = self.describe(name)
        self.assertEqual((d["NotebookInstanceArn"], d["NotebookInstanceStatus"], d["InstanceType"],
                          d["VolumeSizeInGB"], d["RootAccess"], d["RoleArn"],
                          d["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"],
                          d["NotebookInstanceLifecycleConfigName"]),
                         (arn, "InService", "ml.t3.large", 20, "Enabled", role2, "2", "nb-setup"))
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=arn)["Tags"])["team"], "risk")
        self.assert_no_changes(t)

        # stopped by hand: updated, and left stopped; the lifecycle
        # configuration no longer in the template is disassociated
        self.sm.stop_notebook_instance(NotebookInstanceName=name)
        self.wait_for("the notebook to stop",
                      lambda: self.describe(name)["NotebookInstanceStatus"] == "Stopped")
        t = self.notebook(instance_type="ml.t3.xlarge", volume=20, root="Enabled", team="risk",
                          role=role2, imds="2")
        r = self.apply(t)
        self.assertNotIn("starting notebook instance", r.stdout)
        d = self.describe(name)
        self.assertEqual((d["NotebookInstanceStatus"], d["InstanceType"]), ("Stopped", "ml.t3.xlarge"))
        self.assertNotIn("NotebookInstanceLifecycleConfigName", d)

        # changed by hand: shown, and put right
        self.sm.update_notebook_instance(NotebookInstanceName=name, InstanceType="ml.t2.medium",
                                         RootAccess="Disabled")
        self.wait_for("the update", lambda: self.describe(name)["NotebookInstanceStatus"] == "Stopped")
        r = self.plan(t, rc=2)
        self.assertIn('~ InstanceType = "ml.t2.medium" -> "ml.t3.xlarge"', r.stdout)
        self.assertIn('~ RootAccess   = "Disabled" -> "Enabled"', r.stdout)
        self.apply(t)
        d = self.describe(name)
        self.assertEqual((d["InstanceType"], d["RootAccess"]), ("ml.t3.xlarge", "Enabled"))
        self.assert_no_changes(t)

        # direct internet access is create-only: a new instance replaces it
        self.sm.start_notebook_instance(NotebookInstanceName=name)
        t = self.notebook(instance_type="ml.t3.xlarge", volume=20, root="Enabled", team="risk",
                          role=role2, imds="2", internet="Enabled")
        r = self.plan(t, rc=2)
        self.assertIn("-/+ Notebook", r.stdout)
        self.assertIn('~ DirectInternetAccess = "Disabled" -> "Enabled" # forces replacement', r.stdout)
        r = self.apply(t)
        self.assertIn("stopping notebook instance %s to delete it" % name, r.stdout)
        name2 = self.output("Name", "nb")
        self.assertNotEqual(name2, name)
        self.assertTrue(self.gone(self.sm.describe_notebook_instance, NotebookInstanceName=name))
        self.assertEqual(self.describe(name2)["DirectInternetAccess"], "Enabled")
        self.assert_no_changes(t)

        # destroy: stopped, then deleted
        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 1 destroyed.", r.stdout)
        self.assertEqual(self.sm.list_notebook_instances()["NotebookInstances"], [])


# ===========================================================================
# AWS::SageMaker::Domain
# ===========================================================================

class TestDomain(SageMakerCase):

    def setUp(self):
        super().setUp()
        self.role = self.make_role()
        self.vpc, self.subnets, self.sg = self.make_network()
        self.key = self.make_key()

    def domain(self, access="VpcOnly", subnets=1, sharing="Allowed", key=None, team="ml",
               propagation="DISABLED", domain_sgs=0):
        props = {
            "DomainName": "studio", "AuthMode": "IAM", "TagPropagation": propagation,
            "AppNetworkAccessType": access, "VpcId": self.vpc,
            "SubnetIds": self.subnets[:subnets], "KmsKeyId": key or self.key,
            "DefaultUserSettings": {
                "ExecutionRole": self.role, "SecurityGroups": [self.sg],
                "SharingSettings": {"NotebookOutputOption": sharing,
                                    "S3OutputPath": "s3://studio-shared/notebooks"}},
            "Tags": [{"Key": "team", "Value": team}]}
        if domain_sgs:
            props["DomainSettings"] = {"SecurityGroupIds": [self.sg]}
        return self.write_template(
            "studio", {"Studio": {"Type": "AWS::SageMaker::Domain", "Properties": props}},
            {"Id": ref("Studio"), "Arn": getatt("Studio", "DomainArn"), "Url": getatt("Studio", "Url")})

    def test_domain_lifecycle(self):
        t = self.domain()
        r = self.apply(t)
        self.assertIn("to be InService: Pending", r.stdout)
        did = self.output("Id", "studio")
        self.assertRegex(did, r"^d-[a-z0-9]{12}$")
        d = self.sm.describe_domain(DomainId=did)
        self.assertEqual(self.output("Arn", "studio"), d["DomainArn"])
        self.assertEqual(self.output("Url", "studio"), d["Url"])
        self.assertEqual((d["Status"], d["DomainName"], d["AuthMode"], d["AppNetworkAccessType"],
                          d["VpcId"], d["SubnetIds"], d["KmsKeyId"]),
                         ("InService", "studio", "IAM", "VpcOnly", self.vpc, self.subnets[:1], self.key))
        u = d["DefaultUserSettings"]
        self.assertEqual((u["ExecutionRole"], u["SecurityGroups"], u["SharingSettings"]["NotebookOutputOption"]),
                         (self.role, [self.sg], "Allowed"))
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=d["DomainArn"])["Tags"]),
                         {"team": "ml", "cairn:stack": "studio", "cairn:logical-id": "Studio"})
        self.assert_no_changes(t)

        # network access, subnets, default user settings, tags: UpdateDomain
        t = self.domain(access="PublicInternetOnly", subnets=2, sharing="Disabled", team="risk",
                        propagation="ENABLED", domain_sgs=1)
        r = self.plan(t, rc=2)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.", r.stdout)
        r = self.apply(t)
        self.assertIn("to finish updating: Updating", r.stdout)
        self.assertEqual(self.output("Id", "studio"), did)
        d = self.sm.describe_domain(DomainId=did)
        self.assertEqual((d["AppNetworkAccessType"], sorted(d["SubnetIds"]),
                          d["DefaultUserSettings"]["SharingSettings"]["NotebookOutputOption"]),
                         ("PublicInternetOnly", sorted(self.subnets), "Disabled"))
        self.assertEqual((d["TagPropagation"], d["DomainSettings"]["SecurityGroupIds"]),
                         ("ENABLED", [self.sg]))
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=d["DomainArn"])["Tags"])["team"], "risk")
        self.assert_no_changes(t)

        # changed by hand: shown, and put right
        self.sm.update_domain(DomainId=did, AppNetworkAccessType="VpcOnly")
        self.wait_for("the domain", lambda: self.sm.describe_domain(DomainId=did)["Status"] == "InService")
        r = self.plan(t, rc=2)
        self.assertIn('~ AppNetworkAccessType = "VpcOnly" -> "PublicInternetOnly"', r.stdout)
        self.apply(t)
        self.assertEqual(self.sm.describe_domain(DomainId=did)["AppNetworkAccessType"], "PublicInternetOnly")

        # the KMS key is create-only: the domain is replaced (its name is
        # fixed, so the old one goes first)
        key2 = self.make_key()
        t = self.domain(access="PublicInternetOnly", subnets=2, sharing="Disabled", team="risk", key=key2,
                        propagation="ENABLED", domain_sgs=1)
        r = self.plan(t, rc=2)
        self.assertIn("-/+ Studio", r.stdout)
        self.assertIn("the old one is deleted first", r.stdout)
        self.apply(t)
        did2 = self.output("Id", "studio")
        self.assertNotEqual(did2, did)
        self.assertTrue(self.gone(self.sm.describe_domain, DomainId=did))
        self.assertEqual(self.sm.describe_domain(DomainId=did2)["KmsKeyId"], key2)
        self.assert_no_changes(t)

        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 1 destroyed.", r.stdout)
        self.assertEqual(self.sm.list_domains()["Domains"], [])


# ===========================================================================
# an apply killed in the middle of a slow create
# ===========================================================================

class TestInterruptedCreates(SageMakerCase):
    """Slow transitions (3 s), so cairn can be killed while it waits."""

    moto_env = {"MOTO_SAGEMAKER_DELAY": "3"}

    def kill_when(self, marker, path):
        p = subprocess.Popen([cairntest.CAIRN, "apply", "--auto-approve", path],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=self.tmp, env=self.env())
        out = []
        for line in p.stdout:
            out.append(line)
            if marker in line:
                p.send_signal(signal.SIGKILL)
                break
        p.communicate(timeout=60)
        self.assertTrue(any(marker in line for line in out), "".join(out))
        stack = os.path.splitext(os.path.basename(path))[0]
        lock = os.path.join(self.tmp, ".cairn", stack + ".state.json.lock")
        if os.path.exists(lock):
            with open(lock) as f:
                self.cairn_ok("force-unlock", json.load(f)["id"], "--stack-name", stack)

    def test_interrupted_endpoint_create_is_adopted(self):
        role = self.make_role()
        t = self.write_template("slow", {
            "Model": {"Type": "AWS::SageMaker::Model", "Properties": {
                "ExecutionRoleArn": role, "PrimaryContainer": {"Image": IMAGE % "1"}}},
            "Config": {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {
                "ProductionVariants": [{"VariantName": "main", "ModelName": getatt("Model", "ModelName"),
                                        "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}]}},
            "Endpoint": {"Type": "AWS::SageMaker::Endpoint", "Properties": {
                "EndpointConfigName": getatt("Config", "EndpointConfigName")}}})
        # killed while the endpoint is Creating: it exists, the state has it pending
        self.kill_when("Endpoint: waiting for endpoint", t)
        [e] = self.sm.list_endpoints()["Endpoints"]
        self.assertEqual(self.state("slow")["resources"]["Endpoint"]["status"], "pending")

        r = self.apply(t)
        self.assertIn("Apply complete!", r.stdout)
        self.assertEqual([x["EndpointName"] for x in self.sm.list_endpoints()["Endpoints"]],
                         [e["EndpointName"]])
        # adopting finishes what create does: the endpoint is InService, tagged
        d = self.sm.describe_endpoint(EndpointName=e["EndpointName"])
        self.assertEqual(d["EndpointStatus"], "InService")
        self.assertEqual(tags_of(self.sm.list_tags(ResourceArn=d["EndpointArn"])["Tags"]),
                         {"cairn:stack": "slow", "cairn:logical-id": "Endpoint"})
        st = self.state("slow")["resources"]
        self.assertEqual(st["Endpoint"]["id"], e["EndpointName"])
        self.assertTrue(all(x["status"] == "created" for x in st.values()), st)
        self.assertEqual(len(self.sm.list_models()["Models"]), 1)
        self.assertEqual(len(self.sm.list_endpoint_configs()["EndpointConfigs"]), 1)
        self.assert_no_changes(t)

    def test_interrupted_model_package_create_is_adopted(self):
        t = self.write_template("slowreg", *registry())
        # killed while the new version is Pending: found again by its tags
        self.kill_when("Package: waiting for model package", t)
        [p] = self.sm.list_model_packages(ModelPackageGroupName="fraud")["ModelPackageSummaryList"]
        self.assertEqual(self.state("slowreg")["resources"]["Package"]["status"], "pending")

        r = self.apply(t)
        self.assertIn("Apply complete!", r.stdout)
        [p2] = self.sm.list_model_packages(ModelPackageGroupName="fraud")["ModelPackageSummaryList"]
        self.assertEqual(p2["ModelPackageArn"], p["ModelPackageArn"])
        st = self.state("slowreg")["resources"]
        self.assertEqual(st["Package"]["id"], p["ModelPackageArn"])
        self.assertTrue(all(x["status"] == "created" for x in st.values()), st)
        self.assert_no_changes(t)


if __name__ == "__main__":
    cairntest.main()
