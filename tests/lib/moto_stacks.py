#!/usr/bin/env python3
"""moto_stacks: a TEST DOUBLE for the seed-stack tests (tests/integration/
test_stacks*.py). moto_server with every patch the per-service tests use,
in one server, because a seed stack spans EC2, IAM, KMS, S3, CloudTrail and
SageMaker at once:

  - tests/lib/moto_ec2/double.py     (EC2: what moto's EC2 drops)
  - tests/lib/moto_ext/moto_server   (IAM: boundaries, DeleteConflict, ...)
  - tests/lib/moto_sagemaker.py      (SageMaker: status transitions, the
                                      operations moto lacks, ...)

and, for the least-privilege tests under INITIAL_NO_AUTH_ACTION_COUNT, what
AWS does with KMS permissions and moto does not:

  - KMS requests are authorized against the key's ARN (moto evaluates
    every KMS action against "*", so a statement scoped to one key never
    matches). The key is the request's KeyId (an id, key ARN, alias name
    or alias ARN) or, for Decrypt and ReEncrypt without one, the key the
    ciphertext names. A request made to KMS directly has no kms:ViaService.
  - S3 uses KMS with the caller's permissions, as AWS documents for SSE-KMS
    ("Permissions to use a KMS key for SSE-KMS"): reading an SSE-KMS
    object needs kms:Decrypt on its key, and writing one (with the
    request's key or the bucket's default) needs kms:GenerateDataKey, both
    with kms:ViaService s3.<region>.amazonaws.com. moto checks neither.
  - Conditions on kms:ViaService and kms:CallerAccount are evaluated for
    these checks (moto's evaluator knows only StringEquals, and only keys
    the request supplies); other conditions stay as moto treats them.

Only the checks above are added; everything else is moto (and the patches
named above). Started like moto_server:

    python3 tests/lib/moto_stacks.py -H 127.0.0.1 -p 5000

cairntest.Moto(server=MOTO_STACKS) starts it (see STACKS_SERVER below).
"""
import importlib.util
import os
import runpy
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def _install_service_doubles():
    sys.path.insert(0, os.path.join(HERE, "moto_ec2"))
    import double  # noqa: E402  (tests/lib/moto_ec2/double.py)
    double.install()
    # the IAM patches run at import; its __main__ block (the server) does not
    runpy.run_path(os.path.join(HERE, "moto_ext", "moto_server"), run_name="moto_ext_patches")
    spec = importlib.util.spec_from_file_location("moto_sagemaker",
                                                  os.path.join(HERE, "moto_sagemaker.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


# ---- KMS authorization, as AWS does it ------------------------------------------------


def _enforcing():
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def _key_arn(account, region, key_id):
    """The ARN of a key named any way KMS accepts, or None if unknown."""
    from moto.kms.models import kms_backends
    from moto.utilities.utils import get_partition
    backend = kms_backends[account][region]
    try:
        raw = backend.any_id_to_key_id(key_id)
    except Exception:
        return None
    if raw not in backend.keys:
        return None
    return "arn:%s:kms:%s:%s:key/%s" % (get_partition(region), region, account, raw)


def _request(resp, cls, action):
    """An IAM request object of moto (cls: IAMRequest, S3IAMRequest) for the
    caller of resp, a moto response object."""
    from urllib.parse import urlparse
    parsed = urlparse(resp.uri)
    path = parsed.path + ("?" + parsed.query if parsed.query else "")
    return cls(account_id=resp.current_account, method=resp.method, path=path, data=resp.data,
               body=resp.raw_body, headers=resp.headers, action=action)


def _authorize_kms(resp, cls, action, key_arn, via_service):
    """Raises AccessDenied unless the caller of resp may perform
    kms:<action> on key_arn, given kms:ViaService (None for a request made
    to KMS directly). cls is the service's request class (IAMRequest for
    KMS, S3IAMRequest for S3): S3 answers AccessDenied in XML, KMS
    AccessDeniedException in JSON, as AWS does."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    request = _request(resp, cls, action)
    request._action = "kms:" + action
    conditions = {"kms:ViaService": via_service or "", "kms:CallerAccount": resp.current_account}
    permitted = False
    for policy in request._access_key.collect_policies():
        result = IAMPolicy(policy).is_action_permitted("kms:" + action, key_arn or "*", None,
                                                       conditions)
        if result == PermissionResult.DENIED:
            permitted = False
            break
        if result == PermissionResult.PERMITTED:
            permitted = True
    if not permitted:
        if via_service is None:
            from moto.kms.exceptions import AccessDeniedException
            raise AccessDeniedException(
                "User: %s is not authorized to perform: kms:%s on resource: %s"
                % (request._access_key.arn, action, key_arn))
        request._raise_access_denied()


def _install_kms_authorization():
    import json
    from moto.kms.responses import KmsResponse
    from moto.kms.utils import _deserialize_ciphertext_blob
    import base64

    def _request_key(self):
        try:
            params = json.loads(self.body or "{}")
        except ValueError:
            return None
        key_id = params.get("KeyId") or params.get("DestinationKeyId")
        if not key_id and params.get("CiphertextBlob"):
            try:
                key_id = _deserialize_ciphertext_blob(base64.b64decode(params["CiphertextBlob"])).key_id
            except Exception:
                key_id = None
        if not key_id:
            return None
        return _key_arn(self.current_account, self.region, key_id)

    def authenticate(self, resource="*"):
        from moto.core.authorization import ActionAuthenticatorMixin
        if not _enforcing():
            ActionAuthenticatorMixin.request_count += 1
            return
        from moto.iam.access_control import IAMRequest
        action = self._get_action()
        request = _request(self, IAMRequest, action)
        request.check_signature()
        key = _request_key(self)
        if key is None:
            # CreateKey, ListKeys, ListAliases, ...: moto's own check on "*"
            request.check_action_permitted("*")
        else:
            _authorize_kms(self, IAMRequest, action, key, None)

    KmsResponse._authenticate_and_authorize_normal_action = authenticate


def _install_s3_kms_checks():
    from moto.iam.access_control import S3IAMRequest
    from moto.s3.responses import S3Response
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    get_object = S3Response.get_object
    put_object = S3Response.put_object

    def via(self):
        return "s3.%s.amazonaws.com" % self.region

    def checked_get_object(self):
        if _enforcing():
            key, _ = self._get_key()
            if key is not None and key.encryption == "aws:kms":
                arn = _key_arn(self.current_account, self.region, key.kms_key_id or "alias/aws/s3")
                _authorize_kms(self, S3IAMRequest, "Decrypt", arn, via(self))
        return get_object(self)

    def checked_put_object(self):
        if _enforcing() and "x-amz-copy-source" not in self.headers:
            backend = s3_backends[self.current_account][get_partition(self.region)]
            bucket = backend.get_bucket(self.bucket_name)
            encryption = self.headers.get("x-amz-server-side-encryption")
            key_id = self.headers.get("x-amz-server-side-encryption-aws-kms-key-id")
            default = ((bucket.encryption or {}).get("Rule") or {}).get(
                "ApplyServerSideEncryptionByDefault") or {}
            if encryption is None:
                encryption = default.get("SSEAlgorithm")
                key_id = key_id or default.get("KMSMasterKeyID")
            if encryption == "aws:kms":
                arn = _key_arn(self.current_account, self.region, key_id or "alias/aws/s3")
                _authorize_kms(self, S3IAMRequest, "GenerateDataKey", arn, via(self))
        return put_object(self)

    S3Response.get_object = checked_get_object
    S3Response.put_object = checked_put_object


def install():
    _install_service_doubles()
    _install_kms_authorization()
    _install_s3_kms_checks()


if __name__ == "__main__":
    install()
    from moto.server import main
    sys.exit(main(sys.argv[1:]))
