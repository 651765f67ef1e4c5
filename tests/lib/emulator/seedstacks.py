"""emulator.seedstacks: TEST DOUBLE corrections to moto 5.x that the seed
stacks in stacks/ meet (tests/integration/test_stacks*.py, make demo).
Each is what AWS documents; moto does otherwise. Nothing here is cairn: it
stands in for AWS.

S3 PutBucketLogging
  S3 checks that the target bucket's policy lets logging.s3.amazonaws.com
  put objects under the target prefix ("Permissions for log delivery", S3
  User Guide). moto compares the statement's Resource with three exact
  strings, and fails (HTTP 500) on any statement whose Principal is the
  string "*" (the usual "deny requests without TLS"). Here an Allow
  statement for that service principal whose Action covers s3:PutObject
  (IAM wildcards) and one of whose Resource patterns covers the objects
  under the target prefix grants it, as S3 reads the policy.

SageMaker instance types
  moto validates endpoint, notebook and model-package instance types
  against lists from years ago (no ml.g5, ml.g6, ml.inf2, ...). Here they
  are checked against the enums of the current SageMaker API model that
  botocore ships (ProductionVariantInstanceType, InstanceType), as
  SageMaker does.

EC2 CreateFlowLogs to S3
  EC2 takes a bucket ARN with a folder ("arn:aws:s3:::bucket/flow-logs/");
  moto looks for a bucket named "bucket/flow-logs/" and reports it missing.
"""
import fnmatch
import json


def _listed(v):
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def _wild(pattern, value, case=True):
    pattern, value = str(pattern), str(value)
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _install_s3_logging_permission_check():
    from moto.s3.models import FakeBucket

    def log_permissions_enabled_policy(target_bucket, target_prefix):
        if not target_bucket.policy:
            return False
        policy = json.loads(target_bucket.policy.decode())
        key = "arn:%s:s3:::%s/%sexample-log-object" % (target_bucket.partition,
                                                      target_bucket.name, target_prefix or "")
        for stmt in _listed(policy.get("Statement")):
            principal = stmt.get("Principal")
            services = _listed(principal.get("Service")) if isinstance(principal, dict) else []
            if stmt.get("Effect") != "Allow" or "logging.s3.amazonaws.com" not in services:
                continue
            if not any(_wild(a, "s3:PutObject", case=False) for a in _listed(stmt.get("Action"))):
                continue
            if any(_wild(r, key) for r in _listed(stmt.get("Resource"))):
                return True
        return False

    FakeBucket._log_permissions_enabled_policy = staticmethod(log_permissions_enabled_policy)


# ---- SageMaker, EC2 ------------------------------------------------------------------------------


def _install_current_instance_types():
    import botocore.session
    from moto.sagemaker import models as M
    from moto.sagemaker.exceptions import ValidationError
    model = botocore.session.get_session().get_service_model("sagemaker")
    hosting = set(model.shape_for("ProductionVariantInstanceType").enum)
    notebook = set(model.shape_for("InstanceType").enum)

    def check(value, allowed, where):
        if value not in allowed:
            raise ValidationError(message="Value '%s' at '%s' failed to satisfy constraint: Member "
                                          "must satisfy enum value set: %s"
                                          % (value, where, sorted(allowed)))

    M.FakeEndpointConfig.validate_instance_type = \
        lambda self, t: check(t, hosting, "instanceType")
    M.FakeSagemakerNotebookInstance.validate_instance_type = \
        lambda self, t: check(t, notebook, "instanceType")
    M.ModelPackage.validate_supported_realtime_inference_instance_types = staticmethod(
        lambda types: [check(t, hosting, "SupportedRealtimeInferenceInstanceTypes")
                       for t in types or []])


def _install_flow_log_folders():
    from moto.ec2.models.flow_logs import FlowLogsBackend
    from moto.s3.models import S3Backend
    create = FlowLogsBackend.create_flow_logs
    get_bucket = S3Backend.get_bucket

    def bucket_of_destination(self, name):
        return get_bucket(self, name.split("/", 1)[0])

    def create_flow_logs(self, *args, **kwargs):
        S3Backend.get_bucket = bucket_of_destination
        try:
            return create(self, *args, **kwargs)
        finally:
            S3Backend.get_bucket = get_bucket

    FlowLogsBackend.create_flow_logs = create_flow_logs


_install_s3_logging_permission_check()
_install_current_instance_types()
_install_flow_log_folders()
