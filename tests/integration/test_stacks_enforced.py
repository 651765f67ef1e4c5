"""The seed-004 stack's least-privilege roles under IAM enforcement (issue 5's
last Done-when item): the processing role can do its job and is denied
everything else.

moto (tests/lib/stacks_emulator.py) starts with INITIAL_NO_AUTH_ACTION_COUNT=3:
the first three requests make an administrator (a user, an allow-all inline
policy, an access key); from then on every request's SigV4 signature is
checked and the caller's policies are evaluated, with the condition keys
the stack's policies use (aws:SecureTransport, s3:prefix, kms:ViaService,
...), for S3 and KMS as AWS evaluates them: reading an SSE-KMS object
needs kms:Decrypt on its key through S3, writing one kms:GenerateDataKey.

The administrator makes two IAM users, a producer and a batch processor,
and applies stacks/s3-ingestion.yaml with cairn, naming them as the
principals that may assume the upload and processing roles. Then, with
the roles' temporary credentials (STS AssumeRole):
  - the producer uploads under incoming/ (encrypted with the stack's key),
    and can do nothing else;
  - the processor lists and reads incoming/ (decrypting through S3), writes
    under processed/ and quarantine/, and is denied: writing or deleting
    under incoming/, reading its own output, listing outside incoming/,
    KMS used directly, other buckets, plain HTTP, IAM;
  - a control: a role with s3:GetObject on incoming/ but no KMS permission
    cannot read the (SSE-KMS) objects, so the processing role's key grant
    is what lets it decrypt.
Finally cairn itself, run as the processing role, cannot even plan a
stack whose Fn::GetAZs needs ec2:DescribeAvailabilityZones, and says so.
"""
import json
import os

import cairntest
from test_stacks import SeedStackCase

STACK = "s3-ingestion"


class TestIngestionRolesEnforced(SeedStackCase):
    moto_auth_after = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import boto3
        iam = boto3.client("iam", region_name=cairntest.REGION, endpoint_url=cls.moto.url,
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        # the three requests moto lets through without checking
        iam.create_user(UserName="admin")
        iam.put_user_policy(UserName="admin", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17",
             "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="admin")["AccessKey"]
        cls.admin_key = (key["AccessKeyId"], key["SecretAccessKey"])

    # everything the base class does, it does as the administrator
    def env(self, **extra):
        creds = {"AWS_ACCESS_KEY_ID": self.admin_key[0], "AWS_SECRET_ACCESS_KEY": self.admin_key[1]}
        creds.update(extra)
        return super().env(**creds)

    def boto(self, service, **kw):
        return super().boto(service, key=kw.get("key", self.admin_key[0]),
                            secret=kw.get("secret", self.admin_key[1]))

    def boto_tls(self, service, **kw):
        kw.setdefault("key", self.admin_key[0])
        kw.setdefault("secret", self.admin_key[1])
        return super().boto_tls(service, **kw)

    def user(self, name, policy):
        """An IAM user whose only permission is policy; its access key."""
        iam = self.boto("iam")
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return arn, key

    def session(self, user_key, role_arn):
        """The role's temporary credentials, assumed by the user."""
        sts = self.boto("sts", key=user_key["AccessKeyId"], secret=user_key["SecretAccessKey"])
        return sts.assume_role(RoleArn=role_arn, RoleSessionName="job")["Credentials"]

    def as_role(self, creds, service, tls=True):
        import boto3
        kw = {"key": creds["AccessKeyId"], "secret": creds["SecretAccessKey"],
              "token": creds["SessionToken"]}
        if tls:
            return super().boto_tls(service, **kw)
        return boto3.client(service, region_name=cairntest.REGION, endpoint_url=self.endpoint,
                            aws_access_key_id=kw["key"], aws_secret_access_key=kw["secret"],
                            aws_session_token=kw["token"])

    def test_processing_role_does_its_job_and_nothing_else(self):
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.ClientError):
            super().boto("s3").list_buckets()          # moto checks: unknown keys are refused

        assume_any = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole",
             "Resource": "arn:aws:iam::%s:role/%s-*" % (cairntest.ACCOUNT, STACK)}]}
        producer, producer_key = self.user("producer", assume_any)
        batch, batch_key = self.user("batch-processor", assume_any)
        params = ["ProcessorPrincipalArn=" + batch, "UploaderPrincipalArn=" + producer]
        self.apply(STACK, *params)
        self.assert_no_changes(STACK, *params)
        inv = self.inventory(STACK)
        bucket, trail_bucket = inv["IngestionBucket"]["id"], inv["TrailBucket"]["id"]
        key_arn = inv["IngestionKey"]["arn"]

        # the producer uploads, and nothing else
        up = self.session(producer_key, inv["UploaderRole"]["arn"])
        self.denied(self.session, user_key=batch_key, role_arn=inv["UploaderRole"]["arn"])
        us3 = self.as_role(up, "s3")
        us3.put_object(Bucket=bucket, Key="incoming/2026-02-01.json",
                       Body=b'[{"device_id": "device-001", "value": 42}]')
        self.assertEqual(self.boto_tls("s3").head_object(
            Bucket=bucket, Key="incoming/2026-02-01.json")["SSEKMSKeyId"], key_arn)
        self.denied(us3.put_object, Bucket=bucket, Key="processed/x.json", Body=b"{}")
        self.denied(us3.get_object, Bucket=bucket, Key="incoming/2026-02-01.json")
        self.denied(us3.list_objects_v2, Bucket=bucket, Prefix="incoming/")

        # the processor: its job
        proc = self.session(batch_key, inv["ProcessingRole"]["arn"])
        self.denied(self.session, user_key=producer_key, role_arn=inv["ProcessingRole"]["arn"])
        ps3 = self.as_role(proc, "s3")
        listed = ps3.list_objects_v2(Bucket=bucket, Prefix="incoming/")["Contents"]
        self.assertEqual([o["Key"] for o in listed], ["incoming/2026-02-01.json"])
        got = ps3.get_object(Bucket=bucket, Key="incoming/2026-02-01.json")
        self.assertEqual(json.loads(got["Body"].read()), [{"device_id": "device-001", "value": 42}])
        self.assertEqual(got["SSEKMSKeyId"], key_arn)
        ps3.put_object(Bucket=bucket, Key="processed/2026-02-01.jsonl",
                       Body=b'{"device_id": "device-001", "value": 42}\n')
        ps3.put_object(Bucket=bucket, Key="quarantine/2026-02-01.json", Body=b"[]")
        self.assertEqual(self.boto_tls("s3").head_object(
            Bucket=bucket, Key="processed/2026-02-01.jsonl")["SSEKMSKeyId"], key_arn)

        # ... and nothing else
        self.denied(ps3.put_object, Bucket=bucket, Key="incoming/forged.json", Body=b"[]")
        self.denied(ps3.delete_object, Bucket=bucket, Key="incoming/2026-02-01.json")
        self.denied(ps3.get_object, Bucket=bucket, Key="processed/2026-02-01.jsonl")
        self.denied(ps3.list_objects_v2, Bucket=bucket, Prefix="processed/")
        self.denied(ps3.list_objects_v2, Bucket=bucket)
        self.denied(ps3.list_buckets)
        self.denied(ps3.get_object, Bucket=trail_bucket, Key="AWSLogs/x")
        self.denied(ps3.put_object, Bucket=bucket, Key="processed/x.json", Body=b"{}",
                    ServerSideEncryption="AES256")
        self.denied(self.as_role(proc, "s3", tls=False).get_object, Bucket=bucket,
                    Key="incoming/2026-02-01.json")
        pkms = self.as_role(proc, "kms")
        blob = self.boto("kms").encrypt(KeyId=key_arn, Plaintext=b"secret")["CiphertextBlob"]
        self.denied(pkms.decrypt, CiphertextBlob=blob)       # the key only through S3
        self.denied(pkms.encrypt, KeyId=key_arn, Plaintext=b"x")
        self.denied(pkms.schedule_key_deletion, KeyId=key_arn, PendingWindowInDays=7)
        piam = self.as_role(proc, "iam")
        self.denied(piam.list_roles)
        self.denied(piam.put_role_policy, RoleName=inv["ProcessingRole"]["id"], PolicyName="more",
                    PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}))

        # the control: reading without the key permission fails, so the key
        # grant of the processing role is what lets it decrypt
        iam = self.boto("iam")
        reader = iam.create_role(RoleName="s3-ingestion-no-kms-reader", AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"AWS": batch}}]}))["Role"]["Arn"]
        iam.put_role_policy(RoleName="s3-ingestion-no-kms-reader", PolicyName="s3-only", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::%s/incoming/*" % bucket}]}))
        self.denied(self.as_role(self.session(batch_key, reader), "s3").get_object, Bucket=bucket,
                    Key="incoming/2026-02-01.json")
        iam.delete_role_policy(RoleName="s3-ingestion-no-kms-reader", PolicyName="s3-only")
        iam.delete_role(RoleName="s3-ingestion-no-kms-reader")

        # cairn as the processing role: a template with Fn::GetAZs needs
        # ec2:DescribeAvailabilityZones, which the role does not have
        os.makedirs(os.path.join(self.tmp, ".aws"), exist_ok=True)
        self.write(".aws/credentials", "[batch]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   % (batch_key["AccessKeyId"], batch_key["SecretAccessKey"]))
        self.write(".aws/config", "[profile processing]\nrole_arn = %s\nsource_profile = batch\n"
                   "region = %s\n" % (inv["ProcessingRole"]["arn"], cairntest.REGION))
        r = self.cairn("plan", self.path("llm-finetune"), "--state", "other/llm.state.json",
                       env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None,
                            "AWS_PROFILE": "processing"})
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("the template uses Fn::GetAZs, and the Availability Zones of us-east-1 "
                      "could not be read: DescribeAvailabilityZones (ec2): AccessDenied", r.stderr)

        self.destroy(STACK, *params)
        for name in ("producer", "batch-processor"):
            for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
                iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
            iam.delete_user_policy(UserName=name, PolicyName="only")
            iam.delete_user(UserName=name)
        self.assertEqual(iam.list_roles()["Roles"], [])
        self.assertEqual(self.boto("s3").list_buckets()["Buckets"], [])


if __name__ == "__main__":
    cairntest.main()
