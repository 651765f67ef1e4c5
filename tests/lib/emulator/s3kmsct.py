"""emulator.s3kmsct: A TEST DOUBLE: patches to moto 5.x's S3, KMS and CloudTrail backends so
that they behave as the AWS API references document, for cairn's provider
tests. Nothing here is used by cairn itself; each patch says what AWS does
and what moto does instead.

S3
  - PutBucketPolicy answers an empty body, as S3 does (204 No Content).
    moto answers the text "True" with HTTP 200, which no XML parser
    accepts (botocore never reads the body of an operation without
    output; cairn's client does, and rejects it).
  - Lifecycle rules keep what moto drops: ObjectSizeGreaterThan and
    ObjectSizeLessThan in Filter and Filter.And, NewerNoncurrentVersions in
    NoncurrentVersionExpiration, and the configuration's
    TransitionDefaultMinimumObjectSize (the request header
    x-amz-transition-default-minimum-object-size; S3's default for a new
    configuration is all_storage_classes_128K). GetBucketLifecycle-
    Configuration answers the rules as they were put.
  - PutBucketPolicy refuses a policy naming an IAM role or user of the
    account that IAM does not know (yet) with MalformedPolicy "Invalid
    principal in policy", as S3 does; an entity created less than
    MOTO_S3KMSCT_PRINCIPAL_DELAY seconds ago (default 1) is not known yet,
    which is how IAM's propagation looks from outside (moto accepts any
    principal).
  - GetBucketLogging answers TargetObjectKeyFormat (SimplePrefix or
    PartitionedPrefix), which moto stores but leaves out.

KMS
  - EnableKeyRotation takes RotationPeriodInDays (90 to 2560, default 365)
    and GetKeyRotationStatus answers it (with KeyId) while rotation is on.
    moto ignores the parameter.
  - A key created without KeyUsage reports KeyUsage ENCRYPT_DECRYPT, KMS's
    default (moto reports none).
  - CreateKey and PutKeyPolicy refuse a policy naming an unknown (or not
    yet propagated, as above) role or user with
    MalformedPolicyDocumentException "Policy contains a statement with one
    or more invalid principals.", as KMS does.
  - EnableKeyRotation and DisableKeyRotation on a disabled key fail with
    DisabledException, as KMS's key-state table says (moto changes the
    rotation of a disabled key).

CloudTrail
  - PutInsightSelectors replaces the trail's insight selectors (moto
    appends to them); an empty list turns Insights off; GetInsightSelectors
    on a trail without Insights fails with InsightNotEnabledException, as
    AWS documents (moto answers an empty list). GetTrail reports
    HasInsightSelectors and HasCustomEventSelectors.
  - PutEventSelectors replaces: EventSelectors clear AdvancedEventSelectors
    and the other way round (moto keeps the advanced ones when basic ones
    are put); a new trail has AWS's default event selector (all
    management events, read and write), where moto has none.
  - The trail reports KmsKeyId as the key's ARN, however the request named
    the key (id, ARN, alias name), as CloudTrail does.
"""
import json
import os
import re

import xmltodict
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult


def _listify(v):
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


def _int(v):
    return None if v is None else int(v)


# ---- principals ------------------------------------------------------------

DELAY = float(os.environ.get("MOTO_S3KMSCT_PRINCIPAL_DELAY", "1"))
PRINCIPAL = re.compile(r"^arn:aws:iam::(\d{12}):(role|user)/(?:.*/)?([^/]+)$")


def _unknown_principal(account_id, text):
    """The first role or user ARN of account_id that the policy text names
    and IAM does not know (or made less than DELAY seconds ago), or None."""
    from moto.core.utils import utcnow
    from moto.iam.models import iam_backends
    try:
        doc = json.loads(text)
    except (TypeError, ValueError):
        return None  # moto's own validation reports it
    statements = doc.get("Statement", []) if isinstance(doc, dict) else []
    if isinstance(statements, dict):
        statements = [statements]
    iam = iam_backends[account_id]["aws"]
    for st in statements:
        principal = st.get("Principal") if isinstance(st, dict) else None
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        for arn in ([aws] if isinstance(aws, str) else aws or []):
            m = PRINCIPAL.match(arn)
            if not m or m.group(1) != account_id:
                continue
            try:
                entity = iam.get_role(m.group(3)) if m.group(2) == "role" else iam.get_user(m.group(3))
            except Exception:
                return arn
            if (utcnow() - entity.create_date).total_seconds() < DELAY:
                return arn
    return None


# ---- S3 ---------------------------------------------------------------------

def _lc_filter(raw):
    """A rule's Filter as xmltodict parsed it -> the API's shape."""
    out = {}
    if raw is None:
        return out
    if "Prefix" in raw:
        out["Prefix"] = raw["Prefix"] or ""
    if raw.get("Tag"):
        out["Tag"] = {"Key": raw["Tag"]["Key"], "Value": raw["Tag"].get("Value") or ""}
    for k in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        if raw.get(k) is not None:
            out[k] = int(raw[k])
    if raw.get("And"):
        a = raw["And"]
        and_out = {}
        if "Prefix" in a:
            and_out["Prefix"] = a["Prefix"] or ""
        tags = [{"Key": t["Key"], "Value": t.get("Value") or ""} for t in _listify(a.get("Tag"))]
        if tags:
            and_out["Tags"] = tags
        for k in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
            if a.get(k) is not None:
                and_out[k] = int(a[k])
        out["And"] = and_out
    return out


def _lc_rule(raw):
    r = {"ID": raw.get("ID"), "Status": raw["Status"]}
    if "Filter" in raw:
        r["Filter"] = _lc_filter(raw["Filter"])
    elif "Prefix" in raw:
        r["Prefix"] = raw["Prefix"] or ""
    e = raw.get("Expiration")
    if e:
        exp = {}
        if e.get("Days") is not None:
            exp["Days"] = int(e["Days"])
        if e.get("Date") is not None:
            exp["Date"] = e["Date"]
        if e.get("ExpiredObjectDeleteMarker") is not None:
            exp["ExpiredObjectDeleteMarker"] = str(e["ExpiredObjectDeleteMarker"]).lower() == "true"
        r["Expiration"] = exp
    trs = []
    for t in _listify(raw.get("Transition")):
        x = {"StorageClass": t["StorageClass"]}
        if t.get("Days") is not None:
            x["Days"] = int(t["Days"])
        if t.get("Date") is not None:
            x["Date"] = t["Date"]
        trs.append(x)
    if trs:
        r["Transitions"] = trs
    nvts = []
    for t in _listify(raw.get("NoncurrentVersionTransition")):
        x = {"StorageClass": t["StorageClass"], "NoncurrentDays": int(t["NoncurrentDays"])}
        if t.get("NewerNoncurrentVersions") is not None:
            x["NewerNoncurrentVersions"] = int(t["NewerNoncurrentVersions"])
        nvts.append(x)
    if nvts:
        r["NoncurrentVersionTransitions"] = nvts
    nve = raw.get("NoncurrentVersionExpiration")
    if nve:
        x = {"NoncurrentDays": int(nve["NoncurrentDays"])}
        if nve.get("NewerNoncurrentVersions") is not None:
            x["NewerNoncurrentVersions"] = int(nve["NewerNoncurrentVersions"])
        r["NoncurrentVersionExpiration"] = x
    aimu = raw.get("AbortIncompleteMultipartUpload")
    if aimu:
        r["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(aimu["DaysAfterInitiation"])}
    return r


def _patch_s3():
    from moto.s3 import responses
    from moto.s3.exceptions import NoSuchLifecycleConfiguration, S3ClientError

    class MalformedPolicy(S3ClientError):
        def __init__(self, msg):
            super().__init__("MalformedPolicy", msg)

    put = responses.S3Response._bucket_response_put

    def _bucket_response_put(self, request, bucket_name, querystring):
        if "policy" in querystring:
            body = self.body.decode("utf-8") if isinstance(self.body, bytes) else self.body
            if _unknown_principal(self.current_account, body):
                raise MalformedPolicy("Invalid principal in policy")
            result = put(self, request, bucket_name, querystring)
            if result == "True":
                return 204, {}, ""
            return result
        if "lifecycle" in querystring:
            result = put(self, request, bucket_name, querystring)
            bucket = self.backend.get_bucket(bucket_name)
            config = xmltodict.parse(self.body)["LifecycleConfiguration"]
            bucket.cairn_raw_rules = _listify(config.get("Rule"))
            size = request.headers.get("x-amz-transition-default-minimum-object-size")
            bucket.cairn_transition_default = size or "all_storage_classes_128K"
            return result
        return put(self, request, bucket_name, querystring)

    responses.S3Response._bucket_response_put = _bucket_response_put

    def get_bucket_lifecycle(self):
        self.data["Action"] = "GetBucketLifecycleConfiguration"
        if not self.backend.get_bucket_lifecycle(self.bucket_name):
            raise NoSuchLifecycleConfiguration(bucket_name=self.bucket_name)
        bucket = self.backend.get_bucket(self.bucket_name)
        result = {
            "Rules": [_lc_rule(r) for r in getattr(bucket, "cairn_raw_rules", [])],
            "TransitionDefaultMinimumObjectSize": getattr(
                bucket, "cairn_transition_default", "all_storage_classes_128K"),
        }
        return self.serialized(ActionResult(result))

    responses.S3Response.get_bucket_lifecycle = get_bucket_lifecycle

    get_logging = responses.S3Response.get_bucket_logging

    def get_bucket_logging(self):
        logging = self.backend.get_bucket_logging(self.bucket_name)
        fmt = logging.get("TargetObjectKeyFormat") if logging else None
        if not fmt:
            return get_logging(self)
        result = {"LoggingEnabled": {
            "TargetBucket": logging["TargetBucket"],
            "TargetPrefix": logging["TargetPrefix"],
        }}
        if "PartitionedPrefix" in fmt:
            pp = fmt["PartitionedPrefix"] or {}
            src = pp.get("PartitionDateSource")
            result["LoggingEnabled"]["TargetObjectKeyFormat"] = {
                "PartitionedPrefix": {"PartitionDateSource": src} if src else {}}
        else:
            result["LoggingEnabled"]["TargetObjectKeyFormat"] = {"SimplePrefix": {}}
        self.data["Action"] = "GetBucketLogging"
        return self.serialized(ActionResult(result))

    responses.S3Response.get_bucket_logging = get_bucket_logging



# ---- KMS --------------------------------------------------------------------

class _KmsDisabled(JsonRESTError):
    code = 400

    def __init__(self, arn):
        super().__init__("DisabledException", "%s is disabled." % arn)


class _KmsMalformedPolicy(JsonRESTError):
    code = 400

    def __init__(self):
        super().__init__("MalformedPolicyDocumentException",
                         "Policy contains a statement with one or more invalid principals.")


class _KmsValidation(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("ValidationException", message)


def _patch_kms():
    from moto.kms import models, responses

    enable = responses.KmsResponse.enable_key_rotation
    disable = responses.KmsResponse.disable_key_rotation

    def check_enabled(self):
        key_id = self._get_param("KeyId")
        self._validate_cmk_id(key_id)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
        if key.key_state == "Disabled":
            raise _KmsDisabled(key.arn)

    def disable_key_rotation(self):
        check_enabled(self)
        return disable(self)

    def enable_key_rotation(self):
        check_enabled(self)
        period = self._get_param("RotationPeriodInDays")
        if period is not None and not 90 <= int(period) <= 2560:
            raise _KmsValidation(
                "1 validation error detected: Value '%s' at 'rotationPeriodInDays' failed to "
                "satisfy constraint: Member must have value between 90 and 2560" % period)
        result = enable(self)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        key.cairn_rotation_period = int(period) if period is not None else 365
        return result

    def get_key_rotation_status(self):
        key_id = self._get_param("KeyId")
        self._validate_cmk_id(key_id)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
        out = {"KeyRotationEnabled": bool(key.key_rotation_status), "KeyId": key.id}
        if key.key_rotation_status:
            out["RotationPeriodInDays"] = getattr(key, "cairn_rotation_period", 365)
        return json.dumps(out)

    responses.KmsResponse.enable_key_rotation = enable_key_rotation

    create_key = responses.KmsResponse.create_key
    put_key_policy = responses.KmsResponse.put_key_policy

    def check_policy(self):
        if _unknown_principal(self.current_account, self._get_param("Policy")):
            raise _KmsMalformedPolicy()

    def create_key_checked(self):
        check_policy(self)
        return create_key(self)

    def put_key_policy_checked(self):
        check_policy(self)
        return put_key_policy(self)

    responses.KmsResponse.create_key = create_key_checked
    responses.KmsResponse.put_key_policy = put_key_policy_checked
    responses.KmsResponse.disable_key_rotation = disable_key_rotation
    responses.KmsResponse.get_key_rotation_status = get_key_rotation_status

    init = models.Key.__init__

    def key_init(self, policy, key_usage, *args, **kwargs):
        init(self, policy, key_usage or "ENCRYPT_DECRYPT", *args, **kwargs)

    models.Key.__init__ = key_init


# ---- CloudTrail ---------------------------------------------------------------

class _InsightNotEnabled(JsonRESTError):
    code = 400

    def __init__(self, arn):
        super().__init__("InsightNotEnabledException",
                         "Trail %s does not have Insights enabled." % arn)


class _InvalidCombination(JsonRESTError):
    code = 400

    def __init__(self, message):
        super().__init__("InvalidParameterCombinationException", message)


DEFAULT_SELECTOR = {"ReadWriteType": "All", "IncludeManagementEvents": True,
                    "DataResources": [], "ExcludeManagementEventSources": []}


def _key_arn(account_id, region, key_id):
    """The ARN of the key key_id names (id, ARN, alias name or alias ARN),
    or key_id when moto's KMS does not know it."""
    if not key_id:
        return key_id
    try:
        from moto.kms.models import kms_backends
        backend = kms_backends[account_id][region]
        return backend.describe_key(key_id).arn
    except Exception:
        return key_id


def _patch_cloudtrail():
    from moto.cloudtrail import models

    trail_init = models.Trail.__init__

    def init(self, account_id, region_name, *args, **kwargs):
        trail_init(self, account_id, region_name, *args, **kwargs)
        self.event_selectors = [dict(DEFAULT_SELECTOR)]
        self.kms_key_id = _key_arn(account_id, region_name, self.kms_key_id)

    models.Trail.__init__ = init

    update = models.Trail.update

    def trail_update(self, *args, **kwargs):
        update(self, *args, **kwargs)
        self.kms_key_id = _key_arn(self.account_id, self.region_name, self.kms_key_id)

    models.Trail.update = trail_update

    def put_event_selectors(self, event_selectors, advanced_event_selectors):
        if event_selectors and advanced_event_selectors:
            raise _InvalidCombination(
                "You cannot specify both EventSelectors and AdvancedEventSelectors.")
        if advanced_event_selectors:
            self.event_selectors = []
            self.advanced_event_selectors = advanced_event_selectors
        else:
            self.event_selectors = event_selectors or []
            self.advanced_event_selectors = []

    models.Trail.put_event_selectors = put_event_selectors

    def put_insight_selectors(self, insight_selectors):
        self.insight_selectors = list(insight_selectors or [])

    models.Trail.put_insight_selectors = put_insight_selectors

    def get_insight_selectors(self, trail_name):
        trail = self.get_trail(trail_name)
        if not trail.insight_selectors:
            raise _InsightNotEnabled(trail.arn)
        return trail.arn, trail.insight_selectors

    models.CloudTrailBackend.get_insight_selectors = get_insight_selectors

    description = models.Trail.description

    def trail_description(self, include_region=False):
        d = description(self, include_region)
        d["HasInsightSelectors"] = bool(self.insight_selectors)
        d["HasCustomEventSelectors"] = bool(self.advanced_event_selectors) or \
            self.event_selectors != [DEFAULT_SELECTOR]
        return d

    models.Trail.description = trail_description


def apply():
    _patch_s3()
    _patch_kms()
    _patch_cloudtrail()


apply()
