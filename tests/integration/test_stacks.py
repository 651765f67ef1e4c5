"""The seed stacks in stacks/, each end to end against moto (issue 5, "seed
stacks"): cfn-lint is clean; `cairn validate` passes; `cairn check` exits 0
with findings only where the stack writes a waiver (reason, approver,
future expiry); `cairn apply --auto-approve` builds it; boto3 finds every
resource (counted by type against the template, through the cairn:stack
and cairn:logical-id tags) and the settings the stack exists for; `cairn
plan -detailed-exitcode` right after is 0 (no changes); the buckets are
emptied (cairn never deletes objects) and `cairn destroy --auto-approve`
leaves nothing: boto3 finds no bucket, role, trail, alias, VPC, SageMaker
resource, and every key is pending deletion.

moto runs with tests/lib/stacks_emulator.py: the emulator every test uses
(tests/lib/emulator, the per-service test doubles), plus IAM policy
evaluation with conditions for S3 and KMS and a TLS listener, and the other
moto behaviours the stacks meet (see its docstring). Expected policy documents
come from a second reading of the template (tests/lib/stackcheck.py) with
the ARNs boto3 found, never from cairn's state.
"""
import json
import os
import subprocess
import sys
from collections import Counter

import cairntest
import stackcheck

STACKS = os.path.join(cairntest.ROOT, "stacks")
STACKS_EMULATOR = [sys.executable, os.path.join(cairntest.ROOT, "tests", "lib", "stacks_emulator.py")]

# types whose resources carry cairn's tags (the others are found by what they attach to)
TAGGED = {
    "AWS::S3::Bucket", "AWS::KMS::Key", "AWS::IAM::Role", "AWS::CloudTrail::Trail",
    "AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::SecurityGroup",
    "AWS::EC2::VPCEndpoint", "AWS::EC2::FlowLog", "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress", "AWS::SageMaker::ModelPackageGroup",
    "AWS::SageMaker::ModelPackage", "AWS::SageMaker::Model", "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Endpoint", "AWS::SageMaker::NotebookInstance",
}

ENV_TAG = {"Key": "Environment", "Value": "dev"}


class SeedStackCase(cairntest.CairnTestCase):
    """stacks_emulator with a second, TLS listener (the same accounts): cairn
    talks plain HTTP on loopback; the tests read and write objects over
    HTTPS, as the buckets' policies require."""
    moto_server = STACKS_EMULATOR

    @classmethod
    def setUpClass(cls):
        cls.tls_port = cairntest.free_port()
        cls.moto_env = {"STACKS_EMULATOR_TLS_PORT": str(cls.tls_port)}
        super().setUpClass()

    def boto_tls(self, service, **kw):
        """A boto3 client over HTTPS (the self-signed certificate of the
        test server is not verified)."""
        import boto3
        import urllib3
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        return boto3.client(service, region_name=cairntest.REGION,
                            endpoint_url="https://127.0.0.1:%d" % self.tls_port, verify=False,
                            aws_access_key_id=kw.get("key", "testing"),
                            aws_secret_access_key=kw.get("secret", "testing"),
                            aws_session_token=kw.get("token"))

    # ---- running cairn ------------------------------------------------------------------

    def path(self, stack):
        return os.path.join(STACKS, stack + ".yaml")

    def lint_validate_check(self, stack, waived=()):
        """cfn-lint, validate and check of stacks/<stack>.yaml; waived: the
        (policy, resource) pairs the stack waives, exactly."""
        path = self.path(stack)
        r = subprocess.run(["cfn-lint", path], capture_output=True, text=True, timeout=300)
        self.assertEqual(r.returncode, 0, "cfn-lint %s:\n%s%s" % (path, r.stdout, r.stderr))
        r = self.cairn_ok("validate", path)
        self.assertIn("valid: stack %s" % stack, r.stdout)
        r = self.cairn("check", "--format", "json", "--fail-on", "low", path)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr)
        out = json.loads(r.stdout)
        self.assertEqual(out["summary"]["failed"], 0)
        self.assertEqual(out["summary"]["errors"], 0)
        self.assertEqual(out["summary"]["undecided"], 0)
        self.assertGreater(out["summary"]["passed"], 10)
        got = set()
        for x in out["results"]:
            self.assertIn(x["status"], ("pass", "waived"), x)
            if x["status"] == "waived":
                w = x["waiver"]
                self.assertFalse(w["expired"], x)
                self.assertGreaterEqual(w["expires"], "2027-12-31", x)
                self.assertGreater(len(w["reason"]), 100, "a waiver an auditor accepts says why")
                self.assertIn("@", w["approver"])
                got.add((x["policy"], x["resource"]))
        self.assertEqual(got, set(waived))

    def apply(self, stack, *params):
        args = ["apply", "--auto-approve", self.path(stack)]
        for p in params:
            args += ["--param", p]
        r = self.cairn_ok(*args, timeout=900)
        self.assertIn("Apply complete!", r.stdout)
        return r

    def assert_no_changes(self, stack, *params):
        args = ["plan", "-detailed-exitcode", self.path(stack)]
        for p in params:
            args += ["--param", p]
        r = self.cairn(*args, timeout=600)
        self.assertEqual(r.returncode, 0, "plan right after apply:\n" + r.stdout + r.stderr)
        self.assertIn("No changes.", r.stdout)

    def destroy(self, stack, *params):
        """What an operator does to decommission a stack: empty the buckets
        that are not kept (over TLS; cairn never deletes objects), cairn
        destroy; then only the resources the template retains (the audit
        evidence) are left, bucket policies included. Finally, as when
        their retention period is over, those are removed by hand."""
        tpl = stackcheck.Template(self.path(stack), stack)
        retained = {lid for lid, r in tpl.doc["Resources"].items()
                    if r.get("DeletionPolicy") == "Retain"}
        s3 = self.boto_tls("s3")
        for lid, b in self.inventory(stack).items():
            if b["type"] == "AWS::S3::Bucket" and lid not in retained:
                stackcheck.release_deletion_guards(s3, b["id"])
                stackcheck.empty_bucket(s3, b["id"])
        args = ["destroy", "--auto-approve", self.path(stack)]
        for p in params:
            args += ["--param", p]
        r = self.cairn_ok(*args, timeout=900)
        self.assertIn("Destroy complete!", r.stdout)
        left = self.inventory(stack)
        self.assertEqual(set(left), {lid for lid in retained if tpl.resource(lid)["Type"] in TAGGED})
        for lid in retained:
            if tpl.resource(lid)["Type"] == "AWS::S3::BucketPolicy":
                bucket = left[tpl.resource(lid)["Properties"]["Bucket"]["Ref"]]["id"]
                policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
                self.assertIn("DenyInsecureTransport", [st.get("Sid") for st in policy["Statement"]])
        kms = self.boto("kms")
        for lid, x in left.items():
            if x["type"] == "AWS::S3::Bucket":
                stackcheck.release_deletion_guards(s3, x["id"])
                stackcheck.empty_bucket(s3, x["id"])
                s3.delete_bucket(Bucket=x["id"])
            elif x["type"] == "AWS::KMS::Key":
                self.assertEqual(kms.describe_key(KeyId=x["id"])["KeyMetadata"]["KeyState"], "Enabled")
                kms.schedule_key_deletion(KeyId=x["id"], PendingWindowInDays=7)

    # ---- what boto3 finds ----------------------------------------------------------------

    def inventory(self, stack):
        """{logical id: {"type", "id", "arn"}} of every resource in moto that
        carries cairn:stack = stack (read with boto3)."""
        found = {}

        def add(tags, rtype, rid, arn=None):
            tags = {t.get("Key", t.get("TagKey")): t.get("Value", t.get("TagValue")) for t in tags}
            if tags.get("cairn:stack") == stack:
                lid = tags["cairn:logical-id"]
                self.assertNotIn(lid, found, "two resources tagged %s" % lid)
                found[lid] = {"type": rtype, "id": rid, "arn": arn, "tags": tags}

        s3 = self.boto("s3")
        for b in s3.list_buckets()["Buckets"]:
            try:
                tags = s3.get_bucket_tagging(Bucket=b["Name"])["TagSet"]
            except s3.exceptions.ClientError:
                tags = []
            add(tags, "AWS::S3::Bucket", b["Name"], "arn:aws:s3:::" + b["Name"])
        kms = self.boto("kms")
        for k in kms.list_keys()["Keys"]:
            meta = kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
            if meta["KeyState"] == "PendingDeletion":
                continue
            add(kms.list_resource_tags(KeyId=k["KeyId"])["Tags"], "AWS::KMS::Key", k["KeyId"],
                meta["Arn"])
        iam = self.boto("iam")
        for role in iam.list_roles()["Roles"]:
            add(iam.list_role_tags(RoleName=role["RoleName"])["Tags"], "AWS::IAM::Role",
                role["RoleName"], role["Arn"])
        ct = self.boto("cloudtrail")
        for t in ct.describe_trails()["trailList"]:
            tags = ct.list_tags(ResourceIdList=[t["TrailARN"]])["ResourceTagList"][0]["TagsList"]
            add(tags, "AWS::CloudTrail::Trail", t["Name"], t["TrailARN"])
        ec2 = self.boto("ec2")
        kinds = {"vpc": "AWS::EC2::VPC", "subnet": "AWS::EC2::Subnet",
                 "route-table": "AWS::EC2::RouteTable", "security-group": "AWS::EC2::SecurityGroup",
                 "vpc-endpoint": "AWS::EC2::VPCEndpoint", "vpc-flow-log": "AWS::EC2::FlowLog",
                 "flow-logs": "AWS::EC2::FlowLog",   # what moto calls a flow log
                 "security-group-rule": "AWS::EC2::SecurityGroupRule"}
        by_id = {}
        for t in ec2.describe_tags(Filters=[{"Name": "key", "Values": ["cairn:stack", "cairn:logical-id",
                                                                "Environment", "Name"]}],
                                   MaxResults=1000)["Tags"]:
            by_id.setdefault((t["ResourceId"], t["ResourceType"]), []).append(t)
        for (rid, rtype), tags in by_id.items():
            if rtype in kinds and self.ec2_exists(ec2, rtype, rid):
                add(tags, kinds[rtype], rid)
        sm = self.boto("sagemaker")
        listings = [
            ("AWS::SageMaker::ModelPackageGroup", sm.list_model_package_groups()["ModelPackageGroupSummaryList"],
             "ModelPackageGroupName", "ModelPackageGroupArn"),
            ("AWS::SageMaker::Model", sm.list_models()["Models"], "ModelName", "ModelArn"),
            ("AWS::SageMaker::EndpointConfig", sm.list_endpoint_configs()["EndpointConfigs"],
             "EndpointConfigName", "EndpointConfigArn"),
            ("AWS::SageMaker::Endpoint", sm.list_endpoints()["Endpoints"], "EndpointName", "EndpointArn"),
            ("AWS::SageMaker::NotebookInstance", sm.list_notebook_instances()["NotebookInstances"],
             "NotebookInstanceName", "NotebookInstanceArn"),
        ]
        for g in sm.list_model_package_groups()["ModelPackageGroupSummaryList"]:
            listings.append(("AWS::SageMaker::ModelPackage",
                             sm.list_model_packages(ModelPackageGroupName=g["ModelPackageGroupName"])
                             ["ModelPackageSummaryList"], "ModelPackageArn", "ModelPackageArn"))
        for rtype, items, name, arn in listings:
            for it in items:
                add(sm.list_tags(ResourceArn=it[arn])["Tags"], rtype, it[name], it[arn])
        return found

    @staticmethod
    def ec2_exists(ec2, rtype, rid):
        """moto keeps the tags of deleted EC2 resources: ask for the resource."""
        import botocore.exceptions
        calls = {"vpc": lambda: ec2.describe_vpcs(VpcIds=[rid])["Vpcs"],
                 "subnet": lambda: ec2.describe_subnets(SubnetIds=[rid])["Subnets"],
                 "route-table": lambda: ec2.describe_route_tables(RouteTableIds=[rid])["RouteTables"],
                 "security-group": lambda: ec2.describe_security_groups(GroupIds=[rid])["SecurityGroups"],
                 "security-group-rule": lambda: ec2.describe_security_group_rules(
                     SecurityGroupRuleIds=[rid])["SecurityGroupRules"],
                 "vpc-endpoint": lambda: [e for e in ec2.describe_vpc_endpoints(
                     VpcEndpointIds=[rid])["VpcEndpoints"] if e["State"].lower() != "deleted"],
                 "flow-logs": lambda: ec2.describe_flow_logs(FlowLogIds=[rid])["FlowLogs"],
                 "vpc-flow-log": lambda: ec2.describe_flow_logs(FlowLogIds=[rid])["FlowLogs"]}
        try:
            return bool(calls[rtype]())
        except botocore.exceptions.ClientError as e:
            if "NotFound" in e.response["Error"]["Code"]:
                return False
            raise

    def assert_inventory(self, stack, tpl):
        """Every tagged resource the template has, of the right type, and
        nothing else; returns the inventory."""
        inv = self.inventory(stack)
        rules = ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress")
        for lid, x in inv.items():
            # EC2 has one kind, security-group-rule, for both directions
            if x["type"] == "AWS::EC2::SecurityGroupRule" and tpl.resource(lid)["Type"] in rules:
                x["type"] = tpl.resource(lid)["Type"]
        want = Counter(r["Type"] for r in tpl.doc["Resources"].values() if r["Type"] in TAGGED)
        self.assertEqual(Counter(x["type"] for x in inv.values()), want)
        for lid, x in inv.items():
            self.assertEqual(tpl.resource(lid)["Type"], x["type"], lid)
            if "Tags" in tpl.resource(lid).get("Properties", {}):
                self.assertEqual(x["tags"].get("Environment"), "dev", lid)
        return inv

    def template(self, stack, inv, imports=None, params=None, name=None):
        """The template of stacks/<stack>.yaml with Ref and GetAtt answered
        from the inventory (what boto3 found)."""
        refs, atts = {}, {}
        for lid, x in inv.items():
            t = x["type"]
            if t == "AWS::KMS::Key":
                refs[lid] = x["id"]
                atts[(lid, "Arn")] = x["arn"]
            elif t in ("AWS::S3::Bucket", "AWS::IAM::Role"):
                refs[lid] = x["id"]
                atts[(lid, "Arn")] = x["arn"]
            elif t == "AWS::CloudTrail::Trail":
                refs[lid] = x["id"]
                atts[(lid, "Arn")] = x["arn"]
            elif t.startswith("AWS::EC2::"):
                refs[lid] = x["id"]
            elif t == "AWS::SageMaker::ModelPackageGroup":
                refs[lid] = x["arn"]
                atts[(lid, "ModelPackageGroupArn")] = x["arn"]
            elif t.startswith("AWS::SageMaker::"):
                refs[lid] = x["arn"]
                for a in ("ModelName", "EndpointConfigName", "EndpointName", "NotebookInstanceName"):
                    atts[(lid, a)] = x["id"]
        return stackcheck.Template(self.path(stack), name or stack, refs, atts, imports, params)

    # ---- checks shared by the stacks ---------------------------------------------------------

    def denied(self, fn, **kw):
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        self.assertIn(cm.exception.response["Error"]["Code"],
                      ("AccessDenied", "AccessDeniedException"), cm.exception.response)

    def assert_key(self, inv, lid, tpl):
        kms = self.boto("kms")
        key = inv[lid]
        meta = kms.describe_key(KeyId=key["id"])["KeyMetadata"]
        self.assertEqual(meta["KeyState"], "Enabled")
        self.assertEqual(meta["KeySpec"], "SYMMETRIC_DEFAULT")
        self.assertTrue(kms.get_key_rotation_status(KeyId=key["id"])["KeyRotationEnabled"], lid)
        policy = kms.get_key_policy(KeyId=key["id"], PolicyName="default")["Policy"]
        self.assertEqual(stackcheck.norm_policy(policy),
                         stackcheck.norm_policy(tpl.prop(lid, "KeyPolicy")), lid)
        root = [s for s in json.loads(policy)["Statement"] if s.get("Sid") == "AccountAdministersKey"]
        self.assertEqual(root[0]["Principal"], {"AWS": "arn:aws:iam::%s:root" % cairntest.ACCOUNT})
        for alias_id in tpl.ids("AWS::KMS::Alias"):
            if tpl.resource(alias_id)["Properties"]["TargetKeyId"] == {"Ref": lid}:
                name = tpl.prop(alias_id, "AliasName")
                aliases = {a["AliasName"]: a.get("TargetKeyId")
                           for a in kms.list_aliases(KeyId=key["id"])["Aliases"]}
                self.assertEqual(aliases, {name: key["id"]})
                return
        self.fail("no alias for %s" % lid)

    def assert_bucket(self, inv, lid, tpl, kms_key=None, log_bucket=None, log_prefix=None,
                      bucket_key=True):
        """Versioned, encrypted (kms_key: with that key's ARN, else SSE-S3),
        public access blocked, ACLs disabled, a bucket policy that denies
        requests without TLS, and access logs to log_bucket."""
        s3 = self.boto("s3")
        name = inv[lid]["id"]
        self.assertEqual(s3.get_bucket_versioning(Bucket=name).get("Status"), "Enabled", lid)
        rule = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
        sse = rule["ApplyServerSideEncryptionByDefault"]
        if kms_key:
            self.assertEqual(sse["SSEAlgorithm"], "aws:kms", lid)
            self.assertEqual(sse["KMSMasterKeyID"], inv[kms_key]["arn"], lid)
            self.assertEqual(bool(rule.get("BucketKeyEnabled")), bucket_key, lid)
        else:
            self.assertEqual(sse["SSEAlgorithm"], "AES256", lid)
        pab = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        self.assertEqual(pab, {"BlockPublicAcls": True, "IgnorePublicAcls": True,
                               "BlockPublicPolicy": True, "RestrictPublicBuckets": True}, lid)
        own = s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"]["Rules"]
        self.assertEqual(own, [{"ObjectOwnership": "BucketOwnerEnforced"}], lid)
        policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
        arn = inv[lid]["arn"]
        tls = [s for s in policy["Statement"]
               if s["Effect"] == "Deny" and s.get("Principal") in ("*", {"AWS": "*"})
               and s.get("Action") in ("s3:*", ["s3:*"])
               and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}]
        self.assertEqual(len(tls), 1, "%s: no statement denies requests without TLS" % lid)
        self.assertEqual(sorted(stackcheck._listed(tls[0]["Resource"])), sorted([arn, arn + "/*"]))
        # the whole policy is the template's
        for bp in tpl.ids("AWS::S3::BucketPolicy"):
            if tpl.resource(bp)["Properties"]["Bucket"] == {"Ref": lid}:
                self.assertEqual(stackcheck.norm_policy(policy),
                                 stackcheck.norm_policy(tpl.prop(bp, "PolicyDocument")), lid)
        logging = s3.get_bucket_logging(Bucket=name).get("LoggingEnabled")
        if log_bucket:
            self.assertEqual(logging["TargetBucket"], inv[log_bucket]["id"], lid)
            self.assertEqual(logging["TargetPrefix"], log_prefix, lid)
        else:
            self.assertIsNone(logging, lid)
        return name

    def assert_log_bucket(self, inv, lid, tpl, sources):
        """An SSE-S3 log bucket whose policy lets S3 log delivery write for
        the stack's buckets only, and S3 delivered access logs of each
        source bucket (logical ids) there (moto delivers them)."""
        s3 = self.boto("s3")
        name = self.assert_bucket(inv, lid, tpl)
        policy = json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])
        grant = [s for s in policy["Statement"]
                 if s.get("Principal") == {"Service": "logging.s3.amazonaws.com"}]
        self.assertEqual(len(grant), 1)
        self.assertEqual(grant[0]["Effect"], "Allow")
        self.assertEqual(grant[0]["Condition"]["StringEquals"]["aws:SourceAccount"], cairntest.ACCOUNT)
        self.assertEqual(grant[0]["Condition"]["ArnLike"]["aws:SourceArn"],
                         "arn:aws:s3:::%s-*" % tpl.stack)
        deny = [s for s in policy["Statement"] if s.get("Sid") == "DenyLogDeletion"]
        self.assertEqual(deny[0]["Effect"], "Deny")
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=name).get("Contents", [])]
        for src, prefix in sources.items():
            self.assertTrue(any(k.startswith(prefix) for k in keys),
                            "no access log of %s under %s in %s" % (src, prefix, name))
        return name

    def assert_role(self, inv, lid, tpl):
        """The role's trust policy and inline policies are the template's."""
        iam = self.boto("iam")
        role = iam.get_role(RoleName=inv[lid]["id"])["Role"]
        self.assertEqual(stackcheck.norm_policy(role["AssumeRolePolicyDocument"]),
                         stackcheck.norm_policy(tpl.prop(lid, "AssumeRolePolicyDocument")), lid)
        want = {p["PolicyName"]: stackcheck.norm_policy(p["PolicyDocument"])
                for p in tpl.prop(lid, "Policies")}
        names = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
        got = {n: stackcheck.norm_policy(iam.get_role_policy(RoleName=role["RoleName"], PolicyName=n)
                                         ["PolicyDocument"]) for n in names}
        self.assertEqual(got, want, lid)
        self.assertEqual(iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"], [])
        return role

    def assert_trail(self, inv, lid, bucket, key, data_buckets):
        """Multi-region, logging, log file validation, KMS, every management
        event, and S3 data events: data_buckets {logical id: ReadWriteType}."""
        ct = self.boto("cloudtrail")
        trail = ct.get_trail(Name=inv[lid]["arn"])["Trail"]
        self.assertTrue(trail["IsMultiRegionTrail"])
        self.assertTrue(trail["LogFileValidationEnabled"])
        self.assertTrue(trail["IncludeGlobalServiceEvents"])
        self.assertEqual(trail["S3BucketName"], inv[bucket]["id"])
        self.assertEqual(trail["KmsKeyId"], inv[key]["arn"])
        self.assertTrue(ct.get_trail_status(Name=inv[lid]["arn"])["IsLogging"])
        sels = ct.get_event_selectors(TrailName=inv[lid]["arn"])["EventSelectors"]
        mgmt = [s for s in sels if s["IncludeManagementEvents"]]
        self.assertEqual([s["ReadWriteType"] for s in mgmt], ["All"])
        data = {}
        for s in sels:
            for dr in s.get("DataResources", []):
                self.assertEqual(dr["Type"], "AWS::S3::Object")
                for v in dr["Values"]:
                    data[v] = s["ReadWriteType"]
        self.assertEqual(data, {inv[b]["arn"] + "/": rw for b, rw in data_buckets.items()})

    def assert_private_network(self, inv, tpl, vpc, subnets, cidr, endpoint_sg, workload_sg,
                               flow_bucket, flow_prefix=""):
        """A VPC without a way to the internet, its private subnets in
        distinct zones (the region's first ones, Fn::GetAZs), the VPC
        endpoints, security groups and a flow log of all traffic."""
        ec2 = self.boto("ec2")
        vpc_id = inv[vpc]["id"]
        v = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
        self.assertEqual(v["CidrBlock"], cidr)
        for attr, key in (("enableDnsSupport", "EnableDnsSupport"),
                          ("enableDnsHostnames", "EnableDnsHostnames")):
            self.assertTrue(ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attr)[key]["Value"])
        zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"])
        got_zones = []
        for i, s in enumerate(subnets):
            sub = ec2.describe_subnets(SubnetIds=[inv[s]["id"]])["Subnets"][0]
            self.assertEqual(sub["VpcId"], vpc_id)
            self.assertFalse(sub["MapPublicIpOnLaunch"])
            got_zones.append(sub["AvailabilityZone"])
        self.assertEqual(got_zones, zones[:len(subnets)], "Fn::GetAZs: the region's first zones")
        self.assertEqual(ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])["InternetGateways"], [])
        self.assertEqual(ec2.describe_nat_gateways(
            Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"], [])
        for rt in ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"]:
            for route in rt["Routes"]:
                self.assertNotIn(route.get("GatewayId", "local")[:4], ("igw-", "nat-"), route)
                self.assertNotIn("NatGatewayId", route)
        eps = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
        by_service = {e["ServiceName"].split(".", 3)[3]: e for e in eps}
        self.assertEqual(sorted(by_service), ["kms", "logs", "monitoring", "s3", "sagemaker.api",
                                              "sagemaker.runtime", "sts"])
        self.assertEqual(by_service["s3"]["VpcEndpointType"], "Gateway")
        for name, e in by_service.items():
            want = stackcheck.norm_policy(tpl.prop(
                [lid for lid, x in inv.items() if x["id"] == e["VpcEndpointId"]][0], "PolicyDocument"))
            self.assertEqual(stackcheck.norm_policy(e["PolicyDocument"]), want, name)
            if name == "s3":
                continue
            self.assertEqual(e["VpcEndpointType"], "Interface", name)
            self.assertTrue(e["PrivateDnsEnabled"], name)
            self.assertEqual(sorted(e["SubnetIds"]), sorted(inv[s]["id"] for s in subnets), name)
            self.assertEqual([g["GroupId"] for g in e["Groups"]], [inv[endpoint_sg]["id"]], name)
            self.assertIn("aws:PrincipalAccount", json.dumps(e["PolicyDocument"]))
        sg = ec2.describe_security_groups(GroupIds=[inv[endpoint_sg]["id"]])["SecurityGroups"][0]
        self.assertEqual([(p["IpProtocol"], p.get("FromPort"), [g["GroupId"] for g in p["UserIdGroupPairs"]],
                           p["IpRanges"]) for p in sg["IpPermissions"]],
                         [("tcp", 443, [inv[workload_sg]["id"]], [])])
        wsg = ec2.describe_security_groups(GroupIds=[inv[workload_sg]["id"]])["SecurityGroups"][0]
        ingress = [(p["IpProtocol"], [g["GroupId"] for g in p["UserIdGroupPairs"]],
                    [r["CidrIp"] for r in p["IpRanges"]]) for p in wsg["IpPermissions"]]
        self.assertEqual(ingress, [("-1", [inv[workload_sg]["id"]], [])], "only its own members in")
        egress = sorted((p["IpProtocol"], p.get("FromPort"), [r["CidrIp"] for r in p["IpRanges"]])
                        for p in wsg["IpPermissionsEgress"])
        self.assertEqual(egress, [("-1", None, []), ("tcp", 443, ["0.0.0.0/0"])])
        logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
        self.assertEqual(len(logs), 1)
        self.assertEqual(logs[0]["TrafficType"], "ALL")
        self.assertEqual(logs[0]["LogDestinationType"], "s3")
        self.assertEqual(logs[0]["LogDestination"], inv[flow_bucket]["arn"] + flow_prefix)

    def assert_nothing_left(self):
        """After destroy: nothing the stacks make is left in the account."""
        self.assertEqual(self.boto("s3").list_buckets()["Buckets"], [])
        self.assertEqual(self.boto("iam").list_roles()["Roles"], [])
        self.assertEqual(self.boto("cloudtrail").describe_trails()["trailList"], [])
        kms = self.boto("kms")
        for k in kms.list_keys()["Keys"]:
            self.assertEqual(kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"],
                             "PendingDeletion")
        self.assertEqual([a["AliasName"] for a in kms.list_aliases()["Aliases"]
                          if not a["AliasName"].startswith("alias/aws/")], [])
        ec2 = self.boto("ec2")
        self.assertEqual([v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]], [])
        # EC2 lists a deleted endpoint for a while, in state "deleted"
        self.assertEqual([e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
                          if e["State"].lower() != "deleted"], [])
        self.assertEqual([s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]
                          if not s.get("DefaultForAz")], [])
        self.assertEqual([g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]
                          if g["GroupName"] != "default"], [])
        self.assertEqual(ec2.describe_flow_logs()["FlowLogs"], [])
        sm = self.boto("sagemaker")
        self.assertEqual(sm.list_model_package_groups()["ModelPackageGroupSummaryList"], [])
        self.assertEqual(sm.list_models()["Models"], [])
        self.assertEqual(sm.list_endpoint_configs()["EndpointConfigs"], [])
        self.assertEqual(sm.list_endpoints()["Endpoints"], [])
        self.assertEqual(sm.list_notebook_instances()["NotebookInstances"], [])


class TestModelRegistry(SeedStackCase):
    """stacks/model-registry.yaml (seed 000)."""

    def test_model_registry(self):
        stack = "model-registry"
        self.lint_validate_check(stack, waived={("cis-3.8", "AccessLogBucket")})
        self.apply(stack)
        inv = self.assert_inventory(
            stack, stackcheck.Template(self.path(stack), stack))
        tpl = self.template(stack, inv)

        for key in ("ModelKey", "TrailKey"):
            self.assert_key(inv, key, tpl)
        models = self.assert_bucket(inv, "ModelBucket", tpl, kms_key="ModelKey",
                                    log_bucket="AccessLogBucket", log_prefix="access-logs/models/")
        trail_bucket = self.assert_bucket(inv, "TrailBucket", tpl, kms_key="TrailKey",
                                          log_bucket="AccessLogBucket",
                                          log_prefix="access-logs/cloudtrail/", bucket_key=False)
        self.assert_log_bucket(inv, "AccessLogBucket", tpl,
                               {"ModelBucket": "access-logs/models/",
                                "TrailBucket": "access-logs/cloudtrail/"})
        s3 = self.boto("s3")
        lock = s3.get_object_lock_configuration(Bucket=trail_bucket)["ObjectLockConfiguration"]
        self.assertEqual(lock["ObjectLockEnabled"], "Enabled")
        self.assertEqual(lock["Rule"]["DefaultRetention"]["Mode"], "GOVERNANCE")
        self.assertEqual(lock["Rule"]["DefaultRetention"]["Days"], 365)
        rules = s3.get_bucket_lifecycle_configuration(Bucket=models)["Rules"]
        self.assertEqual([r["NoncurrentVersionExpiration"]["NoncurrentDays"] for r in rules], [730])
        # the registry rejects uploads encrypted otherwise than with its key
        policy = json.loads(s3.get_bucket_policy(Bucket=models)["Policy"])
        other = [s for s in policy["Statement"] if s.get("Sid") == "DenyOtherEncryption"][0]
        self.assertEqual(other["Condition"], {
            "Null": {"s3:x-amz-server-side-encryption": "false"},
            "StringNotEqualsIfExists": {
                "s3:x-amz-server-side-encryption-aws-kms-key-id": inv["ModelKey"]["arn"]}})
        # CloudTrail may write this trail's logs into the trail bucket, and use its key
        tpolicy = json.loads(s3.get_bucket_policy(Bucket=trail_bucket)["Policy"])
        write = [s for s in tpolicy["Statement"] if s.get("Sid") == "CloudTrailWrite"][0]
        self.assertEqual(write["Principal"], {"Service": "cloudtrail.amazonaws.com"})
        self.assertEqual(write["Condition"]["StringEquals"]["aws:SourceArn"], inv["Trail"]["arn"])
        self.assertEqual(write["Resource"], "arn:aws:s3:::%s/AWSLogs/%s/*" % (trail_bucket, cairntest.ACCOUNT))
        kpolicy = json.loads(self.boto("kms").get_key_policy(KeyId=inv["TrailKey"]["id"],
                                                             PolicyName="default")["Policy"])
        enc = [s for s in kpolicy["Statement"] if s.get("Sid") == "CloudTrailEncryptsLogs"][0]
        self.assertEqual(enc["Condition"]["StringEquals"]["aws:SourceArn"], inv["Trail"]["arn"])

        self.assert_trail(inv, "Trail", "TrailBucket", "TrailKey",
                          {"ModelBucket": "All", "AccessLogBucket": "ReadOnly"})

        # the data scientists read and write models; compliance only reads
        ds = self.assert_role(inv, "DataScientistRole", tpl)
        co = self.assert_role(inv, "ComplianceReadOnlyRole", tpl)
        ds_doc = self.boto("iam").get_role_policy(RoleName=ds["RoleName"],
                                                  PolicyName="model-registry-read-write")["PolicyDocument"]
        actions = {a for s in ds_doc["Statement"] for a in stackcheck._listed(s["Action"])}
        self.assertIn("s3:PutObject", actions)
        self.assertFalse({a for a in actions if "Delete" in a})
        co_doc = self.boto("iam").get_role_policy(RoleName=co["RoleName"],
                                                  PolicyName="compliance-read-only")["PolicyDocument"]
        for s in co_doc["Statement"]:
            for a in stackcheck._listed(s["Action"]):
                verb = a.split(":")[1]
                self.assertTrue(verb.startswith(("Get", "List", "Describe", "Lookup", "Decrypt")), a)
        for role in (ds, co):
            trust = role["AssumeRolePolicyDocument"]["Statement"][0]
            self.assertEqual(trust["Principal"], {"AWS": "arn:aws:iam::%s:root" % cairntest.ACCOUNT})
            self.assertEqual(trust["Condition"], {"Bool": {"aws:MultiFactorAuthPresent": "true"}})

        # what the bucket policy does, request by request (over TLS, and not)
        tls = self.boto_tls("s3")
        tls.put_object(Bucket=models, Key="fraud/v1/model.tar.gz", Body=b"weights")
        head = tls.head_object(Bucket=models, Key="fraud/v1/model.tar.gz")
        self.assertEqual(head["ServerSideEncryption"], "aws:kms")
        self.assertEqual(head["SSEKMSKeyId"], inv["ModelKey"]["arn"])
        self.assertEqual(tls.get_object(Bucket=models, Key="fraud/v1/model.tar.gz")["Body"].read(),
                         b"weights")
        self.denied(s3.get_object, Bucket=models, Key="fraud/v1/model.tar.gz")   # plain HTTP
        self.denied(tls.put_object, Bucket=models, Key="x", Body=b"x", ServerSideEncryption="AES256")
        other = self.boto("kms").create_key()["KeyMetadata"]
        self.denied(tls.put_object, Bucket=models, Key="x", Body=b"x", ServerSideEncryption="aws:kms",
                    SSEKMSKeyId=other["Arn"])
        self.boto("kms").schedule_key_deletion(KeyId=other["KeyId"], PendingWindowInDays=7)
        self.denied(tls.put_object, Bucket=models, Key="x", Body=b"x", ServerSideEncryption="aws:kms")
        tls.put_object(Bucket=models, Key="fraud/v2/model.tar.gz", Body=b"v2",
                       ServerSideEncryption="aws:kms", SSEKMSKeyId=inv["ModelKey"]["arn"])

        self.assert_no_changes(stack)
        self.destroy(stack)
        self.assert_nothing_left()



class TestS3Ingestion(SeedStackCase):
    """stacks/s3-ingestion.yaml (seed 004). The least-privilege role under
    IAM enforcement: test_stacks_enforced.py."""

    def test_s3_ingestion(self):
        stack = "s3-ingestion"
        self.lint_validate_check(stack, waived={("cis-3.8", "AccessLogBucket")})
        self.apply(stack)
        inv = self.assert_inventory(stack, stackcheck.Template(self.path(stack), stack))
        tpl = self.template(stack, inv)

        for key in ("IngestionKey", "TrailKey"):
            self.assert_key(inv, key, tpl)
        data = self.assert_bucket(inv, "IngestionBucket", tpl, kms_key="IngestionKey",
                                  log_bucket="AccessLogBucket", log_prefix="access-logs/ingestion/")
        self.assert_bucket(inv, "TrailBucket", tpl, kms_key="TrailKey",
                           log_bucket="AccessLogBucket", log_prefix="access-logs/cloudtrail/",
                           bucket_key=False)
        self.assert_log_bucket(inv, "AccessLogBucket", tpl,
                               {"IngestionBucket": "access-logs/ingestion/",
                                "TrailBucket": "access-logs/cloudtrail/"})
        self.assert_trail(inv, "Trail", "TrailBucket", "TrailKey",
                          {"IngestionBucket": "All", "AccessLogBucket": "ReadOnly"})
        s3 = self.boto("s3")
        rules = {r["ID"]: r for r in s3.get_bucket_lifecycle_configuration(Bucket=data)["Rules"]}
        self.assertEqual(rules["expire-raw-uploads"]["Expiration"]["Days"], 90)
        self.assertEqual(rules["expire-raw-uploads"]["Filter"]["Prefix"], "incoming/")
        self.assertEqual(rules["expire-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"],
                         30)

        processing = self.assert_role(inv, "ProcessingRole", tpl)
        self.assert_role(inv, "UploaderRole", tpl)
        trust = processing["AssumeRolePolicyDocument"]["Statement"]
        self.assertEqual(len(trust), 1, "only Lambda without ProcessorPrincipalArn")
        self.assertEqual(trust[0]["Principal"], {"Service": "lambda.amazonaws.com"})
        self.assertEqual(trust[0]["Condition"], {"StringEquals": {"aws:SourceAccount": cairntest.ACCOUNT}})
        doc = self.boto("iam").get_role_policy(RoleName=processing["RoleName"],
                                               PolicyName="process-ingested-data")["PolicyDocument"]
        for st in doc["Statement"]:
            for r in stackcheck._listed(st["Resource"]):
                self.assertIn(r, (inv["IngestionBucket"]["arn"], inv["IngestionKey"]["arn"],
                                  inv["IngestionBucket"]["arn"] + "/incoming/*",
                                  inv["IngestionBucket"]["arn"] + "/processed/*",
                                  inv["IngestionBucket"]["arn"] + "/quarantine/*"))

        # uploads over TLS land encrypted with the stack's key; versions are never deleted
        tls = self.boto_tls("s3")
        tls.put_object(Bucket=data, Key="incoming/readings.json", Body=b'[{"device_id": "d1"}]')
        head = tls.head_object(Bucket=data, Key="incoming/readings.json")
        self.assertEqual(head["SSEKMSKeyId"], inv["IngestionKey"]["arn"])
        self.denied(s3.put_object, Bucket=data, Key="incoming/plain.json", Body=b"{}")
        self.denied(tls.delete_object, Bucket=data, Key="incoming/readings.json",
                    VersionId=head["VersionId"])

        # another processor: an in-place update of the trust policy
        user = self.boto("iam").create_user(UserName="batch-processor")["User"]["Arn"]
        param = "ProcessorPrincipalArn=" + user
        r = self.apply(stack, param)
        self.assertIn("Resources: 0 added, 1 changed, 0 replaced, 0 destroyed", r.stdout)
        trust = self.boto("iam").get_role(RoleName=processing["RoleName"])["Role"][
            "AssumeRolePolicyDocument"]["Statement"]
        self.assertEqual(sorted(json.dumps(t["Principal"], sort_keys=True) for t in trust),
                         sorted([json.dumps({"AWS": user}), json.dumps({"Service": "lambda.amazonaws.com"})]))
        self.assert_no_changes(stack, param)
        self.destroy(stack, param)
        self.boto("iam").delete_user(UserName="batch-processor")
        self.assert_nothing_left()


class TestModelApproval(SeedStackCase):
    """stacks/model-approval.yaml (seed 002)."""

    def test_model_approval(self):
        stack = "model-approval"
        self.lint_validate_check(stack)
        self.apply(stack)
        inv = self.assert_inventory(stack, stackcheck.Template(self.path(stack), stack))
        tpl = self.template(stack, inv)
        self.assert_key(inv, "ArtifactKey", tpl)
        artifacts = self.assert_bucket(inv, "ArtifactBucket", tpl, kms_key="ArtifactKey",
                                       log_bucket="AccessLogBucket", log_prefix="access-logs/artifacts/")
        self.assert_log_bucket(inv, "AccessLogBucket", tpl, {"ArtifactBucket": "access-logs/artifacts/"})
        for role in ("ApproverRole", "DeployerRole", "InferenceRole"):
            self.assert_role(inv, role, tpl)

        sm = self.boto("sagemaker")
        group = sm.describe_model_package_group(ModelPackageGroupName="model-approval-churn")
        self.assertEqual(group["ModelPackageGroupArn"], inv["Registry"]["arn"])
        self.assertEqual(group["ModelPackageGroupStatus"], "Completed")
        versions = sm.list_model_packages(ModelPackageGroupName="model-approval-churn",
                                          SortBy="CreationTime", SortOrder="Ascending")["ModelPackageSummaryList"]
        self.assertEqual([v["ModelPackageArn"] for v in versions],
                         [inv["ApprovedVersion"]["arn"], inv["CandidateVersion"]["arn"]])
        approved = sm.describe_model_package(ModelPackageName=inv["ApprovedVersion"]["arn"])
        self.assertEqual(approved["ModelApprovalStatus"], "Approved")
        self.assertEqual(approved["ApprovalDescription"], tpl.params["ApprovalDescription"])
        self.assertEqual(approved["ModelPackageVersion"], 1)
        candidate = sm.describe_model_package(ModelPackageName=inv["CandidateVersion"]["arn"])
        self.assertEqual(candidate["ModelApprovalStatus"], "PendingManualApproval")
        self.assertEqual(candidate["ModelPackageVersion"], 2)
        for pkg, key in ((approved, "models/churn/v1/model.tar.gz"),
                         (candidate, "models/churn/v2/model.tar.gz")):
            c = pkg["InferenceSpecification"]["Containers"][0]
            self.assertEqual(c["ModelDataUrl"], "s3://%s/%s" % (artifacts, key))
            self.assertEqual(c["Image"], tpl.params["InferenceImageUri"])

        # the approval tag is the approver's alone, and the inference role
        # reads only approved artifacts
        tls = self.boto_tls("s3")
        tls.put_object(Bucket=artifacts, Key="models/churn/v1/model.tar.gz", Body=b"v1")
        self.denied(tls.put_object_tagging, Bucket=artifacts, Key="models/churn/v1/model.tar.gz",
                    Tagging={"TagSet": [{"Key": "approval", "Value": "Approved"}]})
        self.denied(tls.put_object, Bucket=artifacts, Key="models/churn/v3/model.tar.gz", Body=b"v3",
                    Tagging="approval=Approved")
        policy = json.loads(tls.get_bucket_policy(Bucket=artifacts)["Policy"])
        only = [st for st in policy["Statement"] if st.get("Sid") == "OnlyTheApproverTags"][0]
        self.assertEqual(only["Condition"], {"ArnNotEquals": {"aws:PrincipalArn": inv["ApproverRole"]["arn"]}})
        serve = self.boto("iam").get_role_policy(RoleName=inv["InferenceRole"]["id"],
                                                 PolicyName="serve-approved-models")["PolicyDocument"]
        read = [st for st in serve["Statement"] if st["Sid"] == "ReadApprovedArtifactsOnly"][0]
        self.assertEqual(read["Condition"], {"StringEquals": {"s3:ExistingObjectTag/approval": "Approved"}})
        deploy = self.boto("iam").get_role_policy(RoleName=inv["DeployerRole"]["id"],
                                                  PolicyName="deploy-approved-models")["PolicyDocument"]
        passrole = [st for st in deploy["Statement"] if st["Sid"] == "PassOnlyTheInferenceRole"][0]
        self.assertEqual(passrole["Resource"], inv["InferenceRole"]["arn"])

        self.assert_no_changes(stack)
        self.destroy(stack)
        self.assert_nothing_left()


class TestSageMakerSecureMlops(SeedStackCase):
    """stacks/sagemaker-secure-mlops-network.yaml and
    stacks/sagemaker-secure-mlops.yaml (seed 001), joined by
    Fn::ImportValue."""

    def test_sagemaker_secure_mlops(self):
        net, main = "sagemaker-secure-mlops-network", "sagemaker-secure-mlops"
        self.lint_validate_check(net)
        # before the network exists its exports are unknown to check (not an error)
        self.lint_validate_check(main)
        self.apply(net)
        ninv = self.assert_inventory(net, stackcheck.Template(self.path(net), net))
        ntpl = self.template(net, ninv)
        self.assert_private_network(ninv, ntpl, "Vpc", ["PrivateSubnetA", "PrivateSubnetB"],
                                    "10.40.0.0/16", "EndpointSecurityGroup", "WorkloadSecurityGroup",
                                    "FlowLogBucket")
        self.assert_bucket(ninv, "FlowLogBucket", ntpl)
        self.lint_validate_check(main)      # now with the exports' values

        self.apply(main)
        inv = self.assert_inventory(main, stackcheck.Template(self.path(main), main))
        imports = {net + "-PrivateSubnetA": ninv["PrivateSubnetA"]["id"],
                   net + "-PrivateSubnetB": ninv["PrivateSubnetB"]["id"],
                   net + "-WorkloadSecurityGroup": ninv["WorkloadSecurityGroup"]["id"],
                   net + "-VpcId": ninv["Vpc"]["id"]}
        tpl = self.template(main, inv, imports=imports)
        for key in ("DataKey", "ModelKey", "VolumeKey"):
            self.assert_key(inv, key, tpl)
        data = self.assert_bucket(inv, "DataBucket", tpl, kms_key="DataKey",
                                  log_bucket="AccessLogBucket", log_prefix="access-logs/data/")
        models = self.assert_bucket(inv, "ModelBucket", tpl, kms_key="ModelKey",
                                    log_bucket="AccessLogBucket", log_prefix="access-logs/models/")
        self.assert_log_bucket(inv, "AccessLogBucket", tpl, {"DataBucket": "access-logs/data/",
                                                             "ModelBucket": "access-logs/models/"})
        execution = self.assert_role(inv, "ExecutionRole", tpl)
        notebook_role = self.assert_role(inv, "NotebookRole", tpl)
        doc = self.boto("iam").get_role_policy(RoleName=notebook_role["RoleName"],
                                               PolicyName="notebook")["PolicyDocument"]
        jobs = [st for st in doc["Statement"] if st["Sid"] == "StartJobsInTheVpc"][0]
        self.assertEqual(sorted(jobs["Condition"]["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"]),
                         sorted([ninv["PrivateSubnetA"]["id"], ninv["PrivateSubnetB"]["id"]]))
        self.assertEqual(jobs["Condition"]["StringEquals"]["sagemaker:VolumeKmsKey"], inv["VolumeKey"]["arn"])

        sm = self.boto("sagemaker")
        released = sm.describe_model_package(ModelPackageName=inv["ReleasedVersion"]["arn"])
        self.assertEqual(released["ModelApprovalStatus"], "Approved")
        self.assertTrue(released["ApprovalDescription"])
        self.assertEqual(released["InferenceSpecification"]["Containers"][0]["ModelDataUrl"],
                         "s3://%s/artifacts/fraud/v1/model.tar.gz" % models)
        subnets = sorted([ninv["PrivateSubnetA"]["id"], ninv["PrivateSubnetB"]["id"]])
        model = sm.describe_model(ModelName=inv["Model"]["id"])
        self.assertTrue(model["EnableNetworkIsolation"])
        self.assertEqual(sorted(model["VpcConfig"]["Subnets"]), subnets)
        self.assertEqual(model["VpcConfig"]["SecurityGroupIds"], [ninv["WorkloadSecurityGroup"]["id"]])
        self.assertEqual(model["ExecutionRoleArn"], execution["Arn"])
        self.assertEqual(model["PrimaryContainer"]["ModelPackageName"], inv["ReleasedVersion"]["arn"])
        config = sm.describe_endpoint_config(EndpointConfigName=inv["EndpointConfig"]["id"])
        self.assertEqual(config["KmsKeyId"], inv["VolumeKey"]["arn"])
        capture = config["DataCaptureConfig"]
        self.assertTrue(capture["EnableCapture"])
        self.assertEqual(capture["InitialSamplingPercentage"], 20)
        self.assertEqual(capture["DestinationS3Uri"], "s3://%s/data-capture" % data)
        self.assertEqual(capture["KmsKeyId"], inv["DataKey"]["arn"])
        self.assertEqual(sorted(o["CaptureMode"] for o in capture["CaptureOptions"]), ["Input", "Output"])
        variant = config["ProductionVariants"][0]
        self.assertEqual((variant["ModelName"], variant["InstanceType"], variant["InitialInstanceCount"]),
                         (inv["Model"]["id"], "ml.m5.large", 2))
        endpoint = sm.describe_endpoint(EndpointName=inv["Endpoint"]["id"])
        self.assertEqual(endpoint["EndpointStatus"], "InService")
        self.assertEqual(endpoint["EndpointConfigName"], inv["EndpointConfig"]["id"])
        nb = sm.describe_notebook_instance(NotebookInstanceName=inv["Notebook"]["id"])
        self.assertEqual(nb["NotebookInstanceStatus"], "InService")
        self.assertEqual(nb["DirectInternetAccess"], "Disabled")
        self.assertEqual(nb["RootAccess"], "Disabled")
        self.assertEqual(nb["SubnetId"], ninv["PrivateSubnetA"]["id"])
        self.assertEqual(nb["SecurityGroups"], [ninv["WorkloadSecurityGroup"]["id"]])
        self.assertEqual(nb["KmsKeyId"], inv["VolumeKey"]["arn"])
        self.assertEqual(nb["RoleArn"], notebook_role["Arn"])
        self.assertEqual(nb["InstanceMetadataServiceConfiguration"]["MinimumInstanceMetadataServiceVersion"], "2")
        self.assertEqual(nb["PlatformIdentifier"], "notebook-al2023-v1")

        self.assert_no_changes(net)
        self.assert_no_changes(main)
        self.destroy(main)
        self.destroy(net)
        self.assert_nothing_left()


class TestLlmFinetune(SeedStackCase):
    """stacks/llm-finetune.yaml (seed 003)."""

    def test_llm_finetune(self):
        stack = "llm-finetune"
        self.lint_validate_check(stack, waived={("sm-endpoint-config-kms", "EndpointConfig")})
        self.apply(stack)
        inv = self.assert_inventory(stack, stackcheck.Template(self.path(stack), stack))
        tpl = self.template(stack, inv)
        self.assert_private_network(inv, tpl, "Vpc", ["PrivateSubnetA", "PrivateSubnetB"],
                                    "10.50.0.0/16", "EndpointSecurityGroup", "TrainingSecurityGroup",
                                    "LogBucket", "/flow-logs/")
        for key in ("DataKey", "ArtifactKey", "VolumeKey"):
            self.assert_key(inv, key, tpl)
        datasets = self.assert_bucket(inv, "DatasetBucket", tpl, kms_key="DataKey",
                                      log_bucket="LogBucket", log_prefix="access-logs/datasets/")
        artifacts = self.assert_bucket(inv, "ArtifactBucket", tpl, kms_key="ArtifactKey",
                                       log_bucket="LogBucket", log_prefix="access-logs/artifacts/")
        self.assert_log_bucket(inv, "LogBucket", tpl, {"DatasetBucket": "access-logs/datasets/",
                                                       "ArtifactBucket": "access-logs/artifacts/"})
        rules = {r["ID"]: r for r in self.boto("s3").get_bucket_lifecycle_configuration(
            Bucket=artifacts)["Rules"]}
        self.assertEqual((rules["expire-checkpoints"]["Filter"]["Prefix"],
                          rules["expire-checkpoints"]["Expiration"]["Days"]), ("checkpoints/", 30))
        training = self.assert_role(inv, "TrainingRole", tpl)
        inference = self.assert_role(inv, "InferenceRole", tpl)
        operator = self.assert_role(inv, "FineTuningOperatorRole", tpl)
        doc = self.boto("iam").get_role_policy(RoleName=operator["RoleName"],
                                               PolicyName="operate-fine-tuning")["PolicyDocument"]
        start = [st for st in doc["Statement"] if st["Sid"] == "StartIsolatedTrainingJobs"][0]
        self.assertEqual(start["Condition"]["Bool"], {"sagemaker:NetworkIsolation": "true",
                                                      "sagemaker:InterContainerTrafficEncryption": "true"})
        passrole = [st for st in doc["Statement"] if st["Sid"] == "PassOnlyTheTrainingRole"][0]
        self.assertEqual(passrole["Resource"], training["Arn"])

        sm = self.boto("sagemaker")
        version = sm.describe_model_package(ModelPackageName=inv["FineTunedVersion"]["arn"])
        self.assertEqual(version["ModelApprovalStatus"], "Approved")
        self.assertEqual(version["InferenceSpecification"]["Containers"][0]["ModelDataUrl"],
                         "s3://%s/artifacts/assistant/v1/model.tar.gz" % artifacts)
        model = sm.describe_model(ModelName=inv["Model"]["id"])
        self.assertTrue(model["EnableNetworkIsolation"])
        self.assertEqual(sorted(model["VpcConfig"]["Subnets"]),
                         sorted([inv["PrivateSubnetA"]["id"], inv["PrivateSubnetB"]["id"]]))
        self.assertEqual(model["ExecutionRoleArn"], inference["Arn"])
        config = sm.describe_endpoint_config(EndpointConfigName=inv["EndpointConfig"]["id"])
        self.assertNotIn("KmsKeyId", config, "the waived control: g5 instance storage")
        self.assertEqual(config["ProductionVariants"][0]["InstanceType"], "ml.g5.2xlarge")
        capture = config["DataCaptureConfig"]
        self.assertTrue(capture["EnableCapture"])
        self.assertEqual(capture["InitialSamplingPercentage"], 10)
        self.assertEqual(capture["DestinationS3Uri"], "s3://%s/data-capture" % datasets)
        self.assertEqual(capture["KmsKeyId"], inv["DataKey"]["arn"])
        self.assertEqual(sm.describe_endpoint(EndpointName=inv["Endpoint"]["id"])["EndpointStatus"],
                         "InService")

        self.assert_no_changes(stack)
        self.destroy(stack)
        self.assert_nothing_left()


if __name__ == "__main__":
    cairntest.main()
