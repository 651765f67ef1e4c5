"""A least-privilege role made by cairn does its job and nothing else, with
moto enforcing IAM (issue 5's last Done-when item).

moto starts with INITIAL_NO_AUTH_ACTION_COUNT=3: the first three requests
make an administrator (a user, an allow-everything inline policy, an access
key); from then on moto verifies every request's SigV4 signature and
evaluates the caller's IAM policies, for users' keys and for the temporary
credentials of an assumed role alike (moto collects the role's inline and
attached policies, and checks the role's trust policy on AssumeRole).

The administrator applies, with cairn, a stack of two buckets and a reader
role whose inline policy allows s3:GetObject on one bucket's objects and
s3:ListBucket on that bucket, and whose trust policy lets the
administrator assume it. Then, as the role (STS AssumeRole by boto3, and
by cairn's own credential chain from a role_arn profile): what the policy
allows succeeds, everything else is AccessDenied, and an update of the
policy by cairn takes effect."""
import json
import os

import cairntest

DATA, OTHER = "cairn-lp-data", "cairn-lp-other"

TEMPLATE = """\
Parameters:
  Admin: {Type: String}
  Write: {Type: String, Default: "no"}
Conditions:
  CanWrite: !Equals [!Ref Write, "yes"]
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties: {BucketName: %(data)s}
  Other:
    Type: AWS::S3::Bucket
    Properties: {BucketName: %(other)s}
  Reader:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Ref Admin}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: read-data
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub "${Data.Arn}/*"
              - Effect: Allow
                Action: s3:ListBucket
                Resource: !GetAtt Data.Arn
              - !If
                - CanWrite
                - {Effect: Allow, Action: s3:PutObject, Resource: !Sub "${Data.Arn}/*"}
                - !Ref AWS::NoValue
  Stranger:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::%(account)s:user/someone-else"}
            Action: sts:AssumeRole
Outputs:
  ReaderArn: {Value: !GetAtt Reader.Arn}
  StrangerArn: {Value: !GetAtt Stranger.Arn}
""" % {"data": DATA, "other": OTHER, "account": cairntest.ACCOUNT}


class TestLeastPrivilegeRole(cairntest.CairnTestCase):
    moto_auth_after = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import boto3
        iam = boto3.client("iam", region_name=cairntest.REGION, endpoint_url=cls.moto.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        # the three requests moto lets through without checking
        admin = iam.create_user(UserName="admin")["User"]
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        cls.admin_arn = admin["Arn"]
        cls.admin_key = (key["AccessKeyId"], key["SecretAccessKey"])

    def as_admin(self):
        return {"AWS_ACCESS_KEY_ID": self.admin_key[0], "AWS_SECRET_ACCESS_KEY": self.admin_key[1]}

    def admin(self, service):
        return self.boto(service, key=self.admin_key[0], secret=self.admin_key[1])

    def client(self, service, creds):
        import boto3
        return boto3.client(service, region_name=cairntest.REGION, endpoint_url=self.endpoint,
                            aws_access_key_id=creds["AccessKeyId"],
                            aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"])

    def denied(self, fn, **kw):
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            fn(**kw)
        self.assertIn(cm.exception.response["Error"]["Code"], ("AccessDenied", "AccessDeniedException"),
                      cm.exception.response)
        return cm.exception

    def test_the_role_does_its_job_and_nothing_else(self):
        import botocore.exceptions
        # moto checks: unknown keys are refused now
        with self.assertRaises(botocore.exceptions.ClientError) as cm:
            self.boto("s3").list_buckets()
        self.assertIn(cm.exception.response["Error"]["Code"], ("InvalidAccessKeyId", "InvalidClientTokenId"))

        t = self.write("lp.yaml", TEMPLATE)
        admin_param = "Admin=" + self.admin_arn
        self.cairn_ok("apply", "--auto-approve", "--param", admin_param, t, env=self.as_admin())
        reader = self.cairn_ok("output", "ReaderArn").stdout.strip()
        stranger = self.cairn_ok("output", "StrangerArn").stdout.strip()
        r = self.cairn("plan", "-detailed-exitcode", "--param", admin_param, t, env=self.as_admin())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        s3 = self.admin("s3")
        s3.put_object(Bucket=DATA, Key="model.bin", Body=b"weights")
        s3.put_object(Bucket=OTHER, Key="secret.txt", Body=b"secret")

        # the trust policy: the administrator may assume the reader role,
        # not the role that trusts someone else
        sts = self.admin("sts")
        creds = sts.assume_role(RoleArn=reader, RoleSessionName="job")["Credentials"]
        self.denied(sts.assume_role, RoleArn=stranger, RoleSessionName="job")

        who = self.client("sts", creds).get_caller_identity()
        self.assertEqual(who["Arn"], "arn:aws:sts::%s:assumed-role/%s/job" %
                         (cairntest.ACCOUNT, reader.split("/")[-1]))

        # its job: read the data bucket
        rs3 = self.client("s3", creds)
        self.assertEqual(rs3.get_object(Bucket=DATA, Key="model.bin")["Body"].read(), b"weights")
        self.assertEqual([o["Key"] for o in rs3.list_objects_v2(Bucket=DATA)["Contents"]],
                         ["model.bin"])
        # nothing else
        self.denied(rs3.get_object, Bucket=OTHER, Key="secret.txt")
        self.denied(rs3.list_objects_v2, Bucket=OTHER)
        self.denied(rs3.put_object, Bucket=DATA, Key="x", Body=b"x")
        self.denied(rs3.delete_object, Bucket=DATA, Key="model.bin")
        self.denied(self.client("iam", creds).list_roles)
        self.denied(self.client("iam", creds).put_role_policy, RoleName=reader.split("/")[-1],
                    PolicyName="escalate", PolicyDocument=json.dumps(
                        {"Version": "2012-10-17",
                         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))

        # cairn itself, as the role, through its credential chain
        # (role_arn + source_profile): it is who it should be, and a stack
        # that needs more than the role may do fails with AccessDenied
        os.makedirs(os.path.join(self.tmp, ".aws"), exist_ok=True)
        self.write(".aws/credentials", "[admin]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   % self.admin_key)
        self.write(".aws/config", "[profile reader]\nrole_arn = %s\nsource_profile = admin\n"
                   "region = %s\n" % (reader, cairntest.REGION))
        as_reader = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "AWS_PROFILE": "reader"}
        r = self.cairn_ok("whoami", "--json", env=as_reader)
        who = json.loads(r.stdout)
        self.assertEqual(who["Arn"].split("/")[:2],
                         ["arn:aws:sts::%s:assumed-role" % cairntest.ACCOUNT, reader.split("/")[-1]])
        self.assertIn("reader", json.dumps(who["Credentials"]))
        bad = self.write("more.yaml", "Resources:\n  Escalate:\n    Type: AWS::IAM::Role\n"
                         "    Properties:\n      RoleName: cairn-lp-escalate\n"
                         "      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, "
                         "Principal: {Service: ec2.amazonaws.com}, Action: 'sts:AssumeRole'}]}\n")
        r = self.cairn("apply", "--auto-approve", bad, env=as_reader)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("Error: Escalate (AWS::IAM::Role): create failed", r.stderr)
        self.assertIn("CreateRole (iam): AccessDenied", r.stderr)
        self.assertEqual(len(self.admin("iam").list_roles()["Roles"]), 2)

        # cairn widens the policy in place: the same session may now write
        r = self.cairn_ok("apply", "--auto-approve", "--param", admin_param, "--param", "Write=yes",
                          t, env=self.as_admin())
        self.assertIn("Reader: Modifications complete", r.stdout)
        rs3.put_object(Bucket=DATA, Key="x", Body=b"x")
        self.denied(rs3.put_object, Bucket=OTHER, Key="x", Body=b"x")

        for b in (DATA, OTHER):
            for o in s3.list_objects_v2(Bucket=b).get("Contents", []):
                s3.delete_object(Bucket=b, Key=o["Key"])
        self.cairn_ok("destroy", "--auto-approve", "--param", admin_param, "--param", "Write=yes", t,
                      env=self.as_admin())
        self.assertEqual(s3.list_buckets()["Buckets"], [])
        self.assertEqual(self.admin("iam").list_roles()["Roles"], [])


if __name__ == "__main__":
    cairntest.main()
