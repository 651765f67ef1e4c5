"""Decoding checked against boto3: resources are made with boto3 in moto,
then read both by cairn (aws.<service>.<Operation> from a runner task) and
by boto3, and the two results must be equal, field for field, for reads
of every protocol and of the shapes providers rely on: one-element lists,
flattened lists, EC2 item sets, maps, nested structures, booleans,
numbers and timestamps."""

import datetime
import json

import awsfixtures
import cairntest

# (service, operation, params) read by both clients
READS = [
    ("ec2", "DescribeVpcs", "vpc"),
    ("ec2", "DescribeSubnets", "subnet"),
    ("ec2", "DescribeSecurityGroups", "sg"),
    ("ec2", "DescribeRouteTables", "rt"),
    ("ec2", "DescribeAvailabilityZones", {}),
    ("iam", "GetRole", {"RoleName": "rt-role"}),
    ("iam", "ListRoleTags", {"RoleName": "rt-role"}),
    ("iam", "GetRolePolicy", {"RoleName": "rt-role", "PolicyName": "inline"}),
    ("iam", "ListAttachedRolePolicies", {"RoleName": "rt-role"}),
    ("iam", "GetAccountSummary", {}),
    ("iam", "ListUsers", {}),
    ("sts", "GetCallerIdentity", {}),
    ("s3", "ListBuckets", {}),
    ("s3", "GetBucketTagging", {"Bucket": "rt-bucket"}),
    ("s3", "GetBucketVersioning", {"Bucket": "rt-bucket"}),
    ("s3", "GetBucketLifecycleConfiguration", {"Bucket": "rt-bucket"}),
    ("s3", "GetBucketEncryption", {"Bucket": "rt-bucket"}),
    ("s3", "GetPublicAccessBlock", {"Bucket": "rt-bucket"}),
    ("s3", "GetBucketPolicy", {"Bucket": "rt-bucket"}),
    ("s3", "GetBucketLocation", {"Bucket": "rt-bucket"}),
    ("s3", "ListObjectsV2", {"Bucket": "rt-bucket"}),
    ("s3", "HeadObject", {"Bucket": "rt-bucket", "Key": "dir/one object.txt"}),
    ("kms", "DescribeKey", "key"),
    ("kms", "ListResourceTags", "key"),
    ("kms", "GetKeyRotationStatus", "key"),
    ("kms", "ListAliases", {}),
    ("dynamodb", "DescribeTable", {"TableName": "rt-table"}),
    ("dynamodb", "ListTables", {}),
    ("lambda", "ListFunctions", {}),
    ("cloudtrail", "DescribeTrails", {}),
    ("cloudtrail", "GetEventSelectors", {"TrailName": "rt-trail"}),
    ("logs", "DescribeLogGroups", {}),
    ("sagemaker", "DescribeModelPackageGroup", {"ModelPackageGroupName": "rt-group"}),
    ("secretsmanager", "ListSecrets", {}),
    ("events", "ListRules", {}),
]


def norm(v):
    """boto3 values in cairn's form: datetimes as RFC 3339 strings, bytes
    as text, ResponseMetadata dropped."""
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, datetime.datetime):
        v = v.astimezone(datetime.timezone.utc)
        ms = round(v.microsecond / 1000)
        s = v.strftime("%Y-%m-%dT%H:%M:%S")
        return s + (".%03dZ" % ms if ms else "Z")
    if hasattr(v, "read"):
        return v.read().decode()
    return v


def snake(op):
    out = ""
    for i, c in enumerate(op):
        if c.isupper() and i and not op[i - 1].isupper():
            out += "_"
        elif c.isupper() and i and i + 1 < len(op) and op[i + 1].islower() and op[i - 1].isupper():
            out += "_"
        out += c.lower()
    return out


class TestRoundTrip(cairntest.CairnTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ep = cls.moto.url
        b = lambda s: awsfixtures.boto_client(ep, s)  # noqa: E731
        ec2 = b("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16", TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "rt"}]}])["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        sg = ec2.create_security_group(GroupName="rt-sg", Description="d", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
        rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        iam = b("iam")
        iam.create_role(RoleName="rt-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "ec2.amazonaws.com"}}]}),
                        Tags=[{"Key": "team", "Value": "ml"}], MaxSessionDuration=7200)
        iam.put_role_policy(RoleName="rt-role", PolicyName="inline", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                    "Resource": "*"}]}))
        pol = iam.create_policy(PolicyName="rt-managed", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        iam.attach_role_policy(RoleName="rt-role", PolicyArn=pol["Policy"]["Arn"])
        iam.create_user(UserName="rt-user")
        s3 = b("s3")
        s3.create_bucket(Bucket="rt-bucket")
        s3.put_bucket_tagging(Bucket="rt-bucket", Tagging={"TagSet": [{"Key": "a", "Value": "1"}]})
        s3.put_bucket_versioning(Bucket="rt-bucket", VersioningConfiguration={"Status": "Enabled"})
        s3.put_bucket_lifecycle_configuration(Bucket="rt-bucket", LifecycleConfiguration={"Rules": [
            {"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
             "Expiration": {"Days": 30}}]})
        s3.put_bucket_encryption(Bucket="rt-bucket", ServerSideEncryptionConfiguration={"Rules": [
            {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "k"},
             "BucketKeyEnabled": True}]})
        s3.put_public_access_block(Bucket="rt-bucket", PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
            "RestrictPublicBuckets": False})
        s3.put_object(Bucket="rt-bucket", Key="dir/one object.txt", Body=b"hello", Metadata={"who": "rt"})
        s3.put_bucket_policy(Bucket="rt-bucket", Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::rt-bucket/*"}]}))
        kms = b("kms")
        cls.key = kms.create_key(Description="rt", Tags=[{"TagKey": "t", "TagValue": "v"}])["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName="alias/rt", TargetKeyId=cls.key)
        kms.enable_key_rotation(KeyId=cls.key)
        b("dynamodb").create_table(TableName="rt-table", BillingMode="PAY_PER_REQUEST",
                                   AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                   KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        b("cloudtrail").create_trail(Name="rt-trail", S3BucketName="rt-bucket", IsMultiRegionTrail=True,
                                     EnableLogFileValidation=True)
        b("logs").create_log_group(logGroupName="/rt/group")
        b("sagemaker").create_model_package_group(ModelPackageGroupName="rt-group",
                                                  ModelPackageGroupDescription="d")
        b("secretsmanager").create_secret(Name="rt-secret", SecretString="x")
        b("events").put_rule(Name="rt-rule", ScheduleExpression="rate(5 minutes)")
        cls.ids = {"vpc": {"VpcIds": [vpc]}, "subnet": {"SubnetIds": [subnet]},
                   "sg": {"GroupIds": [sg]}, "rt": {"RouteTableIds": [rt]},
                   "key": {"KeyId": cls.key}}

    def test_results_equal_boto3(self):
        calls = []
        for svc, op, params in READS:
            p = self.ids[params] if isinstance(params, str) else params
            calls.append({"service": svc, "operation": op, "params": p})
        script = """
local aws = require "cairn.aws"
local calls = ...
local out = {}
for i, c in ipairs(load("return " .. calls)()) do
  local ok, r = pcall(aws.call, c.service, c.operation, c.params)
  out[i] = ok and r or { error = tostring(r) }
end
return out
"""
        lua_calls = json.dumps(calls)
        # JSON to a Lua table constructor
        lua_calls = to_lua(calls)
        r, got = awsfixtures.run_lua(self, script, lua_calls)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(got), len(calls))
        for c, mine in zip(calls, got):
            client = awsfixtures.boto_client(self.endpoint, c["service"])
            theirs = norm(getattr(client, snake(c["operation"]))(**c["params"]))
            mine = {k: v for k, v in mine.items() if k != "ResponseMetadata"}
            self.maxDiff = None
            with self.subTest(op="%s.%s" % (c["service"], c["operation"])):
                self.assertNotIn("error", mine)
                self.assertEqual(mine, theirs)

    def test_a_success_without_output_ignores_the_body(self):
        # PutBucketPolicy has no output: botocore never reads the body of a
        # success (S3 sends 204; moto sends the text "True"), nor does cairn.
        self.boto("s3").create_bucket(Bucket="rt-nobody")
        policy = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Deny", "Principal": "*", "Action": "s3:*",
            "Resource": "arn:aws:s3:::rt-nobody/*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
        script = """
local aws = require "cairn.aws"
local policy = ...
local r = aws.s3.PutBucketPolicy { Bucket = "rt-nobody", Policy = policy }
return { keys = next(r, nil) == "ResponseMetadata" and 1 or 0 }
"""
        r, out = awsfixtures.run_lua(self, script, policy)
        self.assertEqual(r.returncode, 0, r.stderr)
        got = self.boto("s3").get_bucket_policy(Bucket="rt-nobody")["Policy"]
        self.assertEqual(json.loads(got), json.loads(policy))

    def test_one_element_lists_stay_lists(self):
        script = """
local aws = require "cairn.aws"
local vpcs = aws.ec2.DescribeVpcs{ VpcIds = { ... } }
local t = aws.s3.GetBucketTagging{ Bucket = "rt-bucket" }
return { vpcs_mt = getmetatable(vpcs.Vpcs) == aws.array_mt, n = #vpcs.Vpcs,
         tags_mt = getmetatable(t.TagSet) == aws.array_mt, first = t.TagSet[1].Key }
"""
        r, out = awsfixtures.run_lua(self, script, self.ids["vpc"]["VpcIds"][0])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(out, {"vpcs_mt": True, "n": 1, "tags_mt": True, "first": "a"})


def to_lua(v):
    if isinstance(v, dict):
        return "{" + ",".join("[%s]=%s" % (json.dumps(k), to_lua(x)) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "setmetatable({" + ",".join(to_lua(x) for x in v) + "}, require('cairn.aws').array_mt)"
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(v)


if __name__ == "__main__":
    cairntest.main()
