"""The AWS client against moto with signature and permission checks on
(INITIAL_NO_AUTH_ACTION_COUNT): one operation of each wire protocol
succeeds with keys created in moto, checked with boto3; a wrong secret is
SignatureDoesNotMatch naming the operation; a user without permission
gets AccessDenied naming the action."""

import base64
import io
import json
import zipfile

import awsfixtures
import cairntest

SETUP_CALLS = 7  # the requests setUpClass makes before moto starts checking


class TestProtocolsWithAuth(cairntest.CairnTestCase):
    moto_auth_after = SETUP_CALLS

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ep = cls.moto.url
        # 1-3: an administrator, 4-5: a user with no permission, 6: a role
        # for Lambda, 7: a role with no permission that the administrator
        # may assume
        cls.admin = awsfixtures.moto_user(ep, "cairn-admin", ["*"])
        cls.weak = awsfixtures.moto_user(ep, "cairn-weak", actions=())
        iam = awsfixtures.boto_client(ep, "iam")
        cls.role_arn = iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "lambda.amazonaws.com"}}]}))["Role"]["Arn"]
        cls.noperm_arn = iam.create_role(RoleName="noperm-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"AWS": "arn:aws:iam::123456789012:user/cairn-admin"}}]}))["Role"]["Arn"]

    def keys(self, which):
        k, s = which
        return {"AWS_ACCESS_KEY_ID": k, "AWS_SECRET_ACCESS_KEY": s}

    def boto(self, service, **kw):
        return awsfixtures.boto_client(self.endpoint, service, *self.admin)

    def test_moto_checks_signatures(self):
        # the harness's own keys no longer work: the checks are on
        r, _ = awsfixtures.run_lua(self, "return require('cairn.aws').sts.GetCallerIdentity{}")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("GetCallerIdentity (sts): InvalidClientTokenId", r.stderr)

    def test_one_operation_of_each_protocol(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("index.py", "def handler(e, c):\n    return 1\n")
        zipped = base64.b64encode(buf.getvalue()).decode()
        script = """
local aws = require "cairn.aws"
local zip, role = ...
local out = {}
-- EC2
out.vpc = aws.ec2.CreateVpc{ CidrBlock = "10.42.0.0/16",
  TagSpecifications = {{ ResourceType = "vpc", Tags = {{ Key = "Name", Value = "proto" }} }} }.Vpc.VpcId
-- Query (IAM, STS)
out.user = aws.iam.CreateUser{ UserName = "made-by-cairn", Tags = {{ Key = "k", Value = "v" }} }.User.Arn
out.caller = aws.sts.GetCallerIdentity{}.Arn
-- JSON 1.0
out.tables = aws.dynamodb.ListTables{}.TableNames
-- JSON 1.1
out.key = aws.kms.CreateKey{ Description = "proto", Tags = {{ TagKey = "t", TagValue = "1" }} }.KeyMetadata.KeyId
-- REST-XML
aws.s3.CreateBucket{ Bucket = "cairn-proto" }
aws.s3.PutBucketVersioning{ Bucket = "cairn-proto", VersioningConfiguration = { Status = "Enabled" } }
-- REST-JSON
out.fn = aws.lambda.CreateFunction{ FunctionName = "cairn-fn", Runtime = "python3.11", Role = role,
  Handler = "index.handler", Code = { ZipFile = zip } }.FunctionArn
return out
"""
        r, out = awsfixtures.run_lua(self, script, zipped, self.role_arn, env=self.keys(self.admin))
        self.assertEqual(r.returncode, 0, r.stderr)
        ec2, iam, kms, s3 = self.boto("ec2"), self.boto("iam"), self.boto("kms"), self.boto("s3")
        vpc = ec2.describe_vpcs(VpcIds=[out["vpc"]])["Vpcs"][0]
        self.assertEqual(vpc["CidrBlock"], "10.42.0.0/16")
        self.assertIn({"Key": "Name", "Value": "proto"}, vpc["Tags"])
        u = iam.get_user(UserName="made-by-cairn")["User"]
        self.assertEqual(u["Arn"], out["user"])
        self.assertTrue(out["caller"].endswith(":user/cairn-admin"), out["caller"])
        self.assertEqual(out["tables"], [])
        key = kms.describe_key(KeyId=out["key"])["KeyMetadata"]
        self.assertEqual(key["Description"], "proto")
        self.assertEqual(s3.get_bucket_versioning(Bucket="cairn-proto")["Status"], "Enabled")
        self.assertIn(":function:cairn-fn", out["fn"])
        # moto's signature check rejects REST-JSON GETs, even boto3's, so
        # the function is checked with a POST: creating it again conflicts
        lam = self.boto("lambda")
        with self.assertRaises(lam.exceptions.ResourceConflictException):
            lam.create_function(FunctionName="cairn-fn", Runtime="python3.11", Role=self.role_arn,
                                Handler="index.handler", Code={"ZipFile": buf.getvalue()})

    def test_wrong_secret_is_signature_does_not_match(self):
        env = self.keys((self.admin[0], "not-the-secret"))
        for svc, op in [("iam", "ListUsers"), ("sts", "GetCallerIdentity"), ("s3", "ListBuckets")]:
            r, _ = awsfixtures.run_lua(self, "return require('cairn.aws').%s.%s{}" % (svc, op), env=env)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("%s (%s): SignatureDoesNotMatch" % (op, svc), r.stderr)
            self.assertNotIn("not-the-secret", r.stderr + r.stdout)

    def test_a_role_without_permission_is_access_denied_naming_the_action(self):
        # the role is assumed through moto's STS with the administrator's
        # keys; the role itself has no policy
        self.write(".aws/config", "[profile noperm]\nrole_arn = %s\ncredential_source = Environment\n"
                   "role_session_name = cairn-test\n" % self.noperm_arn)
        env = self.keys(self.admin)
        r, _ = awsfixtures.run_lua(self, "return require('cairn.aws').kms.CreateKey{}", "--profile", "noperm",
                                   env=env)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CreateKey (kms): AccessDenied", r.stderr)
        self.assertIn("assumed-role/noperm-role/cairn-test", r.stderr)
        self.assertIn("kms:CreateKey", r.stderr)

    def test_no_permission_is_access_denied_naming_the_action(self):
        env = self.keys(self.weak)
        for svc, op, action in [("kms", "CreateKey", "kms:CreateKey"), ("iam", "ListUsers", "iam:ListUsers"),
                                ("ec2", "DescribeVpcs", "ec2:DescribeVpcs"),
                                ("dynamodb", "ListTables", "dynamodb:ListTables")]:
            r, _ = awsfixtures.run_lua(self, "return require('cairn.aws').%s.%s{}" % (svc, op), env=env)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("%s (%s): AccessDenied" % (op, svc), r.stderr)
            self.assertIn(action, r.stderr)
            self.assertIn("HTTP 403", r.stderr)


if __name__ == "__main__":
    cairntest.main()
