#!/usr/bin/env python3
"""stacks_emulator: a TEST DOUBLE for the seed-stack tests (tests/integration/
test_stacks*.py): the emulator every test uses (tests/lib/emulator: moto
with cairn's per-service doubles for EC2, IAM, S3, KMS, CloudTrail and
SageMaker), plus what AWS does that moto does not, where the seed stacks
meet it. (Not named moto_*: moto treats modules so named as its own.)

Policy evaluation (S3 and KMS)
  moto evaluates conditions with StringEquals only, and a condition whose
  key the request does not supply counts as met: every conditional Deny of
  a bucket policy ("deny requests without TLS") denies everything, and
  every conditional Allow allows. moto also evaluates KMS actions against
  "*", so a statement scoped to one key never matches, and it ignores the
  KMS permissions S3 needs for SSE-KMS objects. Here, for S3 object
  requests (bucket policy and the caller's identity policies), for every
  S3 identity check and for KMS, statements are evaluated as IAM's policy
  evaluation logic documents:
  - an explicit Deny wins, then an Allow; Action, Resource and NotResource
    match with IAM wildcards (* and ?); a bucket policy's Principal "*"
    (or {"AWS": "*"}) is everyone, {"AWS": ARN} that principal (a role
    for its sessions), a service principal no request made here;
  - conditions: String*, Arn*, Numeric*, Bool and Null operators, their
    ...IfExists forms and the ForAnyValue/ForAllValues qualifiers; a key
    the request does not carry fails a positive operator and satisfies a
    negated one (StringNotEquals, ArnNotLike, ...), as IAM documents;
  - the request's keys: aws:SecureTransport and s3:TlsVersion from the
    connection (this server also listens with TLS, see below),
    aws:PrincipalArn (the role, for a role session), aws:PrincipalAccount,
    s3:prefix, s3:x-amz-server-side-encryption and its -aws-kms-key-id,
    s3:RequestObjectTagKeys, s3:ExistingObjectTag/<key>, and for KMS
    kms:ViaService (s3.<region>.amazonaws.com when S3 uses the key on the
    caller's behalf, absent for a request made to KMS) and
    kms:CallerAccount;
  - the S3 action is the one the request authorizes (s3:GetObjectVersion
    for a versioned read, s3:DeleteObjectVersion, s3:PutObjectTagging,
    ...), not moto's approximation;
  - KMS requests are authorized on the key's ARN (the KeyId as id, ARN,
    alias or alias ARN; for Decrypt without one, the key the ciphertext
    names); S3 needs kms:Decrypt to read an SSE-KMS object and
    kms:GenerateDataKey to write one (the request's key or the bucket's
    default), with the caller's permissions ("Permissions to use a KMS key
    for SSE-KMS" in the S3 guide).
  Deny answers are AWS's: S3 AccessDenied (XML), KMS AccessDeniedException.

TLS
  With STACKS_EMULATOR_TLS_PORT set, the same server (the same accounts and
  resources) also listens there with TLS (a self-signed certificate made
  at start), so a test can send one request over HTTPS and the same over
  plain HTTP and see what aws:SecureTransport changes.

S3
  - PutBucketLogging checks that the target bucket's policy lets
    logging.s3.amazonaws.com put objects under the target prefix. moto
    compares the statement's Resource with three exact strings and fails
    (HTTP 500) on any statement whose Principal is the string "*". Here an
    Allow statement for that service principal whose Action covers
    s3:PutObject and one of whose Resource patterns covers the target
    prefix grants it, as S3 reads the policy.

SageMaker
  - Instance types are checked against the enums of the current SageMaker
    API model that botocore ships (ProductionVariantInstanceType,
    InstanceType); moto's lists are years old (no ml.g5, ml.g6, ml.inf2).

EC2
  - CreateFlowLogs to S3 takes a bucket ARN with a folder
    ("arn:aws:s3:::bucket/flow-logs/"), as EC2 documents; moto looks for a
    bucket named "bucket/flow-logs/" and reports it missing.

IAM
  - A role's trust policy with statements for several principals (a
    service and a user): moto treats the statement for the other principal
    as an explicit Deny (or fails with HTTP 500 on a Service-only one), so
    the user cannot assume the role. Here a statement for another
    principal does not apply, as in IAM.

Signatures
  - moto checks the signature of a form-encoded request (IAM, STS, EC2,
    ...) against the parsed form encoded again as botocore encodes it, so
    a client that encodes a space as "%20" (RFC 3986; AWS accepts it)
    fails; and it signs a query string decoded ("prefix=incoming/" where
    the client sent and signed "prefix=incoming%2F"). Here the signature
    covers the body and the query as received, as in AWS.

Everything else is moto's (and the patches named above). Started like
moto_server:

    python3 tests/lib/stacks_emulator.py -H 127.0.0.1 -p 5000
"""
import base64
import fnmatch
import json
import os
import sys
import threading
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))


def _install_service_doubles():
    sys.path.insert(0, HERE)
    import emulator.ec2  # noqa: F401  (each patches moto on import)
    import emulator.iam  # noqa: F401
    import emulator.s3kmsct  # noqa: F401
    import emulator.sagemaker  # noqa: F401


# ---- the request being served ---------------------------------------------------------

_request = threading.local()


def _middleware(app):
    """Keeps the WSGI environ of the request this thread serves, and the
    exact bytes of a form-encoded body (which the form parser consumes)."""
    import io

    def serve(environ, start_response):
        _request.environ = environ
        _request.form_body = None
        ctype = environ.get("CONTENT_TYPE", "")
        length = environ.get("CONTENT_LENGTH")
        if ctype.startswith("application/x-www-form-urlencoded") and length:
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
            _request.form_body = body
        try:
            return app(environ, start_response)
        finally:
            _request.environ = None
            _request.form_body = None
    return serve


def _install_signature_over_received_body():
    """moto recomputes the signature of a form-encoded (query protocol)
    request from the parsed form, encoded as botocore encodes it (spaces as
    "+"); a client that sends "%20", as RFC 3986 has it and AWS accepts,
    fails with SignatureDoesNotMatch. AWS signs the bytes it receives: so
    does this. Likewise the query string: moto signs its decoded form
    ("prefix=incoming/"), the client signed what it sent
    ("prefix=incoming%2F")."""
    from moto.iam.access_control import IAMRequestBase
    create = IAMRequestBase._create_aws_request

    def create_aws_request(self):
        request = create(self)
        body = getattr(_request, "form_body", None)
        if body is not None and not self._body:
            request.data = body
        environ = _environ()
        raw = environ and (environ.get("RAW_URI") or environ.get("REQUEST_URI"))
        if raw and "?" in raw:
            # the query as sent: moto's URL has it decoded ("prefix=a/b"),
            # which botocore then signs as it stands
            request.url = request.url.split("?", 1)[0] + "?" + raw.split("?", 1)[1]
        return request

    IAMRequestBase._create_aws_request = create_aws_request


def _environ():
    return getattr(_request, "environ", None)


def _header(environ, name):
    return environ.get("HTTP_" + name.upper().replace("-", "_"))


def _query(environ):
    return parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _enforcing():
    from moto import settings
    from moto.core.authorization import ActionAuthenticatorMixin
    return ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT


def _caller(account, partition, environ):
    """The caller's moto access key object, its principal ARN (the role,
    for a role session) and account; (None, None, None) when anonymous."""
    from moto.iam.access_control import create_access_key, AssumedRoleAccessKey
    auth = _header(environ, "authorization") or ""
    akid = None
    if "Credential=" in auth:
        akid = auth.split("Credential=", 1)[1].split("/", 1)[0]
    else:
        cred = _query(environ).get("X-Amz-Credential")
        if cred:
            akid = cred[0].split("/", 1)[0]
    if not akid:
        return None, None, None
    headers = {"X-Amz-Security-Token": _header(environ, "x-amz-security-token")} \
        if _header(environ, "x-amz-security-token") else {}
    try:
        key = create_access_key(account_id=account, partition=partition, access_key_id=akid,
                                headers=headers)
    except Exception:
        return None, None, None
    if isinstance(key, AssumedRoleAccessKey):
        role = key.backend.get_role(key._owner_role_name)
        return key, role.arn, account
    return key, key.arn, account


def _connection_keys(environ):
    keys = {"aws:securetransport": "true" if environ.get("wsgi.url_scheme") == "https" else "false"}
    sock = environ.get("werkzeug.socket")
    version = getattr(sock, "version", None)
    if callable(version) and version():
        keys["s3:tlsversion"] = version()[len("TLSv"):]
    return keys


# ---- IAM policy evaluation ------------------------------------------------------------------


def _listed(v):
    if v is None:
        return []
    return list(v) if isinstance(v, list) else [v]


def _wild(pattern, value, case=True):
    pattern, value = str(pattern), str(value)
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def _compare(op, actual, expected):
    """One value of the request against a condition's values (a positive
    operator; the caller negates)."""
    for e in expected:
        if op in ("StringEquals", "ArnEquals_exact") and str(actual) == str(e):
            return True
        if op == "StringEqualsIgnoreCase" and str(actual).lower() == str(e).lower():
            return True
        if op in ("StringLike", "ArnEquals", "ArnLike") and _wild(e, actual):
            return True
        if op == "Bool" and str(actual).lower() == str(e).lower():
            return True
        if op.startswith("Numeric"):
            try:
                a, b = float(actual), float(e)
            except ValueError:
                continue
            if {"NumericEquals": a == b, "NumericLessThan": a < b,
                    "NumericLessThanEquals": a <= b, "NumericGreaterThan": a > b,
                    "NumericGreaterThanEquals": a >= b}.get(op, False):
                return True
    return False


_NEGATED = {"StringNotEquals": "StringEquals", "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
            "StringNotLike": "StringLike", "ArnNotEquals": "ArnEquals", "ArnNotLike": "ArnLike",
            "NumericNotEquals": "NumericEquals"}


def _conditions_hold(condition, keys):
    for op, kv in (condition or {}).items():
        quant = None
        if op.startswith("ForAnyValue:"):
            quant, op = "any", op[len("ForAnyValue:"):]
        elif op.startswith("ForAllValues:"):
            quant, op = "all", op[len("ForAllValues:"):]
        ifexists = op.endswith("IfExists")
        if ifexists:
            op = op[:-len("IfExists")]
        negated = op in _NEGATED
        base = _NEGATED.get(op, op)
        for key, expected in kv.items():
            expected = _listed(expected)
            actual = keys.get(key.lower())
            present = actual is not None and actual != []
            if op == "Null":
                ok = (not present) == (str(expected[0]).lower() == "true")
            elif not present:
                ok = ifexists or negated or quant == "all"
            else:
                values = _listed(actual)
                hits = [_compare(base, v, expected) for v in values]
                if quant == "all":
                    ok = all((not h) if negated else h for h in hits)
                else:
                    ok = any((not h) if negated else h for h in hits)
            if not ok:
                return False
    return True


def _principal_matches(principal, caller_arn, caller_account):
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    for p in _listed(principal.get("AWS")):
        if p == "*" or p == caller_arn:
            return True
        if caller_account and p in (caller_account, "arn:aws:iam::%s:root" % caller_account):
            return True
    return False


def _evaluate(documents, action, resource, keys, principal=None):
    """"deny", "allow" or None for action on resource under the policy
    documents (dicts). principal: (arn, account) to match the Principal of
    resource-based policies; None for identity policies."""
    result = None
    for doc in documents:
        for s in _listed(doc.get("Statement")):
            if principal is not None:
                if "Principal" not in s or not _principal_matches(s["Principal"], *principal):
                    continue
            if "Action" in s:
                if not any(_wild(a, action, case=False) for a in _listed(s["Action"])):
                    continue
            elif "NotAction" in s:
                if any(_wild(a, action, case=False) for a in _listed(s["NotAction"])):
                    continue
            if "Resource" in s:
                if not any(_wild(r, resource) for r in _listed(s["Resource"])):
                    continue
            elif "NotResource" in s:
                if any(_wild(r, resource) for r in _listed(s["NotResource"])):
                    continue
            if not _conditions_hold(s.get("Condition"), keys):
                continue
            if s.get("Effect") == "Deny":
                return "deny"
            result = "allow"
    return result


def _identity_documents(access_key):
    from moto.iam.access_control import IAMPolicy
    return [IAMPolicy(p)._policy_json for p in access_key.collect_policies()]


# ---- S3 ------------------------------------------------------------------------------------


def _s3_object_action(environ, moto_action):
    """The IAM action an S3 object request authorizes."""
    q = _query(environ)
    method = environ.get("REQUEST_METHOD")
    version = "versionId" in q
    if method in ("GET", "HEAD"):
        if "tagging" in q:
            return "s3:GetObjectVersionTagging" if version else "s3:GetObjectTagging"
        if "acl" in q:
            return "s3:GetObjectVersionAcl" if version else "s3:GetObjectAcl"
        if "uploadId" in q:
            return "s3:ListMultipartUploadParts"
        if "retention" in q:
            return "s3:GetObjectRetention"
        return "s3:GetObjectVersion" if version else "s3:GetObject"
    if method == "PUT":
        if "tagging" in q:
            return "s3:PutObjectVersionTagging" if version else "s3:PutObjectTagging"
        if "acl" in q:
            return "s3:PutObjectVersionAcl" if version else "s3:PutObjectAcl"
        if "retention" in q:
            return "s3:PutObjectRetention"
        if "legal-hold" in q:
            return "s3:PutObjectLegalHold"
        return "s3:PutObject"
    if method == "DELETE":
        if "tagging" in q:
            return "s3:DeleteObjectVersionTagging" if version else "s3:DeleteObjectTagging"
        if "uploadId" in q:
            return "s3:AbortMultipartUpload"
        return "s3:DeleteObjectVersion" if version else "s3:DeleteObject"
    if method == "POST" and ("uploads" in q or "uploadId" in q):
        return "s3:PutObject"
    return moto_action


def _s3_keys(environ, bucket_name, key_name, account, partition):
    keys = _connection_keys(environ)
    sse = _header(environ, "x-amz-server-side-encryption")
    if sse:
        keys["s3:x-amz-server-side-encryption"] = sse
    kms_key = _header(environ, "x-amz-server-side-encryption-aws-kms-key-id")
    if kms_key:
        keys["s3:x-amz-server-side-encryption-aws-kms-key-id"] = kms_key
    tagging = _header(environ, "x-amz-tagging")
    if tagging:
        keys["s3:requestobjecttagkeys"] = list(parse_qs(tagging, keep_blank_values=True))
    prefix = _query(environ).get("prefix")
    if prefix is not None:
        keys["s3:prefix"] = prefix[0]
    if bucket_name and key_name:
        from moto.s3.models import s3_backends
        backend = s3_backends[account][partition]
        try:
            key = backend.get_object(bucket_name, key_name)
        except Exception:
            key = None
        if key is not None:
            for tag in backend.get_object_tagging(key).get("Tags", []):
                keys["s3:existingobjecttag/" + tag["Key"].lower()] = tag["Value"]
    return keys


def _install_s3_policy_evaluation():
    from moto.iam.access_control import S3IAMRequest
    from moto.s3 import models as S3M
    from moto.s3.exceptions import S3AccessDeniedError
    from moto.utilities.utils import get_partition

    def get_permission(bucket, action, resource):
        """The bucket policy's answer for the request being served."""
        from moto.iam.access_control import PermissionResult
        environ = _environ()
        if environ is None or bucket.policy is None:
            return PermissionResult.NEUTRAL
        parts = resource.split(":::", 1)[1].split("/", 1)
        key_name = parts[1] if len(parts) > 1 else None
        action = _s3_object_action(environ, action) if key_name else action
        _, arn, account = _caller(bucket.account_id, bucket.partition, environ)
        keys = _s3_keys(environ, bucket.name, key_name, bucket.account_id, bucket.partition)
        if arn:
            keys["aws:principalarn"], keys["aws:principalaccount"] = arn, account
        verdict = _evaluate([json.loads(bucket.policy.decode())], action, resource, keys,
                            principal=(arn, account))
        if verdict == "deny":
            raise S3AccessDeniedError()
        return PermissionResult.PERMITTED if verdict == "allow" else PermissionResult.NEUTRAL

    S3M.FakeBucket.get_permission = get_permission

    def check_action_permitted(self, resource):
        """The caller's identity policies, with conditions (moto's S3 check)."""
        environ = _environ()
        action = self._action
        bucket_key = resource.split(":::", 1)[1].split("/", 1) if ":::" in resource else [None]
        key_name = bucket_key[1] if len(bucket_key) > 1 else None
        if environ is not None and key_name:
            action = _s3_object_action(environ, action)
        partition = get_partition(self._region)
        keys = _s3_keys(environ, bucket_key[0], key_name, self.account_id, partition) \
            if environ is not None else {}
        _, arn, account = _caller(self.account_id, partition, environ) if environ else (None,) * 3
        if arn:
            keys["aws:principalarn"], keys["aws:principalaccount"] = arn, account
        if _evaluate(_identity_documents(self._access_key), action, resource, keys) != "allow":
            self._raise_access_denied()

    S3IAMRequest.check_action_permitted = check_action_permitted


# ---- KMS -------------------------------------------------------------------------------------


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


def _authorize_kms(access_key, account, region, action, key_arn, via_service, environ, deny):
    """Calls deny() unless the caller (a moto access key object) may
    perform kms:<action> on key_arn; via_service is kms:ViaService (None
    for a request made to KMS itself)."""
    keys = _connection_keys(environ) if environ else {}
    keys["kms:calleraccount"] = account
    if via_service:
        keys["kms:viaservice"] = via_service
    if _evaluate(_identity_documents(access_key), "kms:" + action, key_arn or "*", keys) != "allow":
        deny()


def _install_kms_authorization():
    from moto.core.authorization import ActionAuthenticatorMixin
    from moto.iam.access_control import IAMRequest
    from moto.kms.exceptions import AccessDeniedException
    from moto.kms.responses import KmsResponse
    from moto.kms.utils import _deserialize_ciphertext_blob

    def request_key(resp):
        try:
            params = json.loads(resp.body or "{}")
        except ValueError:
            return None
        key_id = params.get("KeyId") or params.get("DestinationKeyId")
        if not key_id and params.get("CiphertextBlob"):
            try:
                blob = base64.b64decode(params["CiphertextBlob"])
                key_id = _deserialize_ciphertext_blob(blob).key_id
            except Exception:
                key_id = None
        return _key_arn(resp.current_account, resp.region, key_id) if key_id else None

    def authenticate(self, resource="*"):
        if not _enforcing():
            ActionAuthenticatorMixin.request_count += 1
            return
        from urllib.parse import urlparse
        parsed = urlparse(self.uri)
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
        action = self._get_action()
        request = IAMRequest(account_id=self.current_account, method=self.method, path=path,
                             data=self.data, body=self.raw_body, headers=self.headers,
                             action=action)
        request.check_signature()
        key = request_key(self)
        if key is None:
            # CreateKey, ListKeys, ListAliases, ...: moto's own check on "*"
            request.check_action_permitted("*")
            return

        def deny():
            raise AccessDeniedException("User: %s is not authorized to perform: kms:%s on "
                                        "resource: %s" % (request._access_key.arn, action, key))
        _authorize_kms(request._access_key, self.current_account, self.region, action, key, None,
                       _environ(), deny)

    KmsResponse._authenticate_and_authorize_normal_action = authenticate


def _install_s3_kms_checks():
    from moto.iam.access_control import S3IAMRequest
    from moto.s3.models import s3_backends
    from moto.s3.responses import S3Response
    from moto.utilities.utils import get_partition

    get_object = S3Response.get_object
    put_object = S3Response.put_object

    def authorize(self, action, key_id):
        from urllib.parse import urlparse
        parsed = urlparse(self.uri)
        path = parsed.path + ("?" + parsed.query if parsed.query else "")
        request = S3IAMRequest(account_id=self.current_account, method=self.method, path=path,
                               data=self.data, body=self.raw_body, headers=self.headers,
                               action=action)
        arn = _key_arn(self.current_account, self.region, key_id or "alias/aws/s3")
        _authorize_kms(request._access_key, self.current_account, self.region, action, arn,
                       "s3.%s.amazonaws.com" % self.region, _environ(),
                       request._raise_access_denied)

    def checked_get_object(self):
        if _enforcing():
            key, _ = self._get_key()
            if key is not None and key.encryption == "aws:kms":
                authorize(self, "Decrypt", key.kms_key_id)
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
                authorize(self, "GenerateDataKey", key_id)
        return put_object(self)

    S3Response.get_object = checked_get_object
    S3Response.put_object = checked_put_object


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


def _install_trust_policy_principals():
    """moto evaluates a role's trust policy statement by statement, and a
    statement for another principal counts as an explicit Deny (and one
    with a Service principal only fails with a TypeError, HTTP 500): a
    trust policy that lets both a service and a user assume the role
    refuses the user. In IAM a statement for another principal does not
    apply; the user's statement allows."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    evaluate = IAMPolicyStatement.is_action_permitted

    def names(statement, principal):
        expected = statement.get("Principal")
        if expected == "*":
            return True
        aws = expected.get("AWS") if isinstance(expected, dict) else None
        aws = _listed(aws)
        account = principal.split(":")[4] if principal.count(":") >= 5 else None
        return "*" in aws or principal in aws or \
            (account and ("arn:aws:iam::%s:root" % account in aws or account in aws))

    def is_action_permitted(self, action, resource="*", principal=None,
                            incoming_condition_values=None):
        if principal and isinstance(self._statement.get("Principal"), (dict, str)) and \
                not names(self._statement, principal):
            return PermissionResult.NEUTRAL
        return evaluate(self, action, resource, principal, incoming_condition_values)

    IAMPolicyStatement.is_action_permitted = is_action_permitted
    IAMPolicyStatement._check_principal = lambda self, principal: names(self._statement, principal)


def install():
    _install_service_doubles()
    _install_trust_policy_principals()
    _install_signature_over_received_body()
    _install_s3_policy_evaluation()
    _install_kms_authorization()
    _install_s3_kms_checks()
    _install_s3_logging_permission_check()
    _install_current_instance_types()
    _install_flow_log_folders()


def main(argv):
    import argparse
    import signal
    from werkzeug.serving import run_simple
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))
    install()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True
    served = _middleware(app)
    tls_port = os.environ.get("STACKS_EMULATOR_TLS_PORT")
    if tls_port:
        threading.Thread(target=run_simple, args=(args.host, int(tls_port), served),
                         kwargs={"threaded": True, "ssl_context": "adhoc"}, daemon=True).start()
    run_simple(args.host, args.port, served, threaded=True)


if __name__ == "__main__":
    main(sys.argv[1:])
