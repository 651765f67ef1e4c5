"""emulator.sagemaker: a TEST DOUBLE. moto_server with the SageMaker behaviour
that moto 5.x lacks or gets wrong, added to moto's own SageMaker backend
before it serves, so cairn's SageMaker provider can be tested against the
wire protocol as AWS documents it.

    tests/lib/emulator/moto_server -H 127.0.0.1 -p 5000   (moto_server's arguments)

cairntest.Moto(server=cairntest.EMULATOR) starts it, with the other
services' doubles (tests/lib/emulator/). Nothing here is cairn: it stands in for AWS, and
what it does is what the SageMaker API reference documents (where it must
guess, it says so below).

Operations moto 5.x does not implement at all (it answers HTTP 500):
  PutModelPackageGroupPolicy, GetModelPackageGroupPolicy,
  DeleteModelPackageGroupPolicy, DeleteModelPackageGroup,
  DeleteModelPackage, UpdateEndpoint, UpdateNotebookInstance, UpdateDomain.

Behaviour moto gets wrong, corrected here:
  - status transitions. moto makes endpoints, notebook instances, domains,
    model package groups and model packages ready at once and deletes at
    once. Here each change passes through AWS's transitional status for
    DELAY seconds (MOTO_SAGEMAKER_DELAY, default 1): CreateEndpoint
    Creating -> InService, UpdateEndpoint Updating -> InService,
    DeleteEndpoint Deleting -> gone; CreateNotebookInstance and
    StartNotebookInstance Pending -> InService, StopNotebookInstance
    Stopping -> Stopped, UpdateNotebookInstance Updating -> Stopped,
    DeleteNotebookInstance Deleting -> gone; CreateDomain Pending ->
    InService, UpdateDomain Updating -> InService, DeleteDomain Deleting ->
    gone (and a domain gets a random id, as in AWS, not one made from its
    name); model package groups Pending -> Completed and Deleting -> gone;
    model packages Pending -> Completed and Deleting -> gone.
  - the state rules: a notebook instance is stopped only when InService,
    started only when Stopped or Failed, updated or deleted only when
    Stopped or Failed; an endpoint is updated only when InService.
  - CreateModel, CreateEndpointConfig, CreateEndpoint and
    CreateModelPackageGroup with a name that exists fail (moto overwrites).
  - CreateModel keeps EnableNetworkIsolation and InferenceExecutionConfig,
    CreateEndpointConfig keeps EnableNetworkIsolation, ExecutionRoleArn and
    VpcConfig, CreateNotebookInstance keeps PlatformIdentifier and
    InstanceMetadataServiceConfiguration and reports AWS's defaults
    (RootAccess Enabled, PlatformIdentifier notebook-al2-v2, metadata
    service version 1), CreateDomain keeps TagPropagation (moto drops them).
  - CreateModelPackage takes the group's ARN as well as its name;
    UpdateModelPackage changes only what it is given (moto clears
    ApprovalDescription and CustomerMetadataProperties when they are not
    in the request) and CustomerMetadataProperties adds to the map.
  - AddTags replaces the value of a key the resource has (moto adds a
    second tag with that key); tags work on model packages (moto fails on
    their versioned ARNs).

Test hooks (not AWS behaviour; how tests make AWS-side failures happen):
  - an endpoint whose configuration serves a model with an environment
    variable MOTO_SAGEMAKER_FAIL in any container goes Creating -> Failed
    with that variable's value as FailureReason; an UpdateEndpoint to such
    a configuration rolls back (InService, the old configuration, the
    FailureReason set), as AWS does when an update fails.
  - a role (in moto's IAM) tagged moto-sagemaker:propagation-seconds=N
    cannot be assumed by SageMaker for N seconds after it was created:
    CreateModel, CreateEndpointConfig, CreateNotebookInstance,
    UpdateNotebookInstance and CreateDomain given it fail with
    ValidationException "Could not assume role ...", the error AWS gives
    while a new role propagates through IAM.
"""

import os
import random
import string
import sys
import threading
import time
from datetime import datetime, timezone

from moto.core.responses import ActionResult, EmptyResult
from moto.sagemaker import models as M
from moto.sagemaker import responses as R
from moto.sagemaker.exceptions import ConflictException, ResourceNotFound, ValidationError
from moto.sagemaker.utils import arn_formatter

DELAY = float(os.environ.get("MOTO_SAGEMAKER_DELAY", "1"))
FAIL_VARIABLE = "MOTO_SAGEMAKER_FAIL"
PROPAGATION_TAG = "moto-sagemaker:propagation-seconds"

# ---- delayed transitions ----------------------------------------------------
#
# id(object) -> (object, deadline, function): the function finishes a
# transition (sets the final status, or removes the object) once the
# deadline has passed. Every SageMaker request settles what is due first,
# so a client sees the transitional status for DELAY seconds.

_pending = {}
_lock = threading.Lock()


def later(obj, fn, delay=None):
    with _lock:
        _pending[id(obj)] = (obj, time.time() + (DELAY if delay is None else delay), fn)


def settle():
    now = time.time()
    with _lock:
        due = [(k, v) for k, v in _pending.items() if v[1] <= now]
        for k, _ in due:
            del _pending[k]
    for _, (_obj, _deadline, fn) in due:
        fn()


def cancel(obj):
    with _lock:
        _pending.pop(id(obj), None)


_orig_call_action = R.SageMakerResponse.call_action


def call_action(self):
    settle()
    return _orig_call_action(self)


R.SageMakerResponse.call_action = call_action


def now():
    return datetime.now(timezone.utc)


def arn(backend, kind, name):
    return arn_formatter(kind, name, backend.account_id, backend.region_name)


# ---- roles SageMaker cannot assume yet ------------------------------------------


def role_tags(role):
    tags = role.tags or {}
    if isinstance(tags, dict):
        return {v.get("Key", k): v.get("Value") for k, v in tags.items()}
    return {t["Key"]: t["Value"] for t in tags}


def check_role(backend, role_arn):
    if not role_arn:
        return
    try:
        from moto.iam.models import iam_backends
        iam = iam_backends[backend.account_id][backend.partition]
        role = iam.get_role_by_arn(role_arn)
    except Exception:
        return
    seconds = role_tags(role).get(PROPAGATION_TAG)
    if seconds is None:
        return
    created = role.create_date
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    if (now() - created).total_seconds() < float(seconds):
        raise ValidationError(
            f"Could not assume role {role_arn}. Please ensure that the role exists and allows "
            "principal 'sagemaker.amazonaws.com' to assume the role.")


# ---- tags ---------------------------------------------------------------------


def add_tags(self, resource_arn, tags):
    resource = self._get_resource_from_arn(resource_arn)
    if resource.tags is None:
        resource.tags = []
    for tag in tags or []:
        resource.tags = [t for t in resource.tags if t["Key"] != tag["Key"]] + [tag]
    return resource.tags


_orig_resource_from_arn = M.SageMakerModelBackend._get_resource_from_arn


def get_resource_from_arn(self, resource_arn):
    kind = resource_arn.split(":")[-1].split("/")[0]
    if kind == "model-package":
        mp = self.model_packages.get(resource_arn)
        if mp is None:
            raise ValidationError(f"ModelPackage {resource_arn} does not exist.")
        if mp.tags is None:
            mp.tags = []
        return mp
    resource = _orig_resource_from_arn(self, resource_arn)
    if resource is None:
        raise ValidationError(f"Could not find resource {resource_arn}")
    return resource


M.SageMakerModelBackend.add_tags = add_tags
M.SageMakerModelBackend._get_resource_from_arn = get_resource_from_arn

# ---- models -------------------------------------------------------------------


def create_model(self):
    b = self.sagemaker_backend
    name = self._get_param("ModelName")
    if name in b._models:
        raise ValidationError(f'Cannot create already existing model "{arn(b, "model", name)}".')
    check_role(b, self._get_param("ExecutionRoleArn"))
    model = b.create_model(
        model_name=name,
        execution_role_arn=self._get_param("ExecutionRoleArn"),
        primary_container=self._get_param("PrimaryContainer"),
        vpc_config=self._get_param("VpcConfig"),
        containers=self._get_param("Containers"),
        tags=self._get_param("Tags"),
    )
    model.enable_network_isolation = bool(self._get_param("EnableNetworkIsolation", False))
    if self._get_param("InferenceExecutionConfig"):
        model.inference_execution_config = self._get_param("InferenceExecutionConfig")
    if not model.vpc_config:
        model.vpc_config = None
    if not model.primary_container:
        model.primary_container = None
    if not model.containers:
        model.containers = None
    return ActionResult(model.response_create)


R.SageMakerResponse.create_model = create_model

# ---- endpoint configurations and endpoints ---------------------------------------


def create_endpoint_config(self):
    b = self.sagemaker_backend
    name = self._get_param("EndpointConfigName")
    if name in b.endpoint_configs:
        raise ValidationError(
            f'Cannot create already existing endpoint configuration "{arn(b, "endpoint-config", name)}".')
    check_role(b, self._get_param("ExecutionRoleArn"))
    config = b.create_endpoint_config(
        endpoint_config_name=name,
        async_inference_config=self._get_param("AsyncInferenceConfig"),
        production_variants=self._get_param("ProductionVariants"),
        data_capture_config=self._get_param("DataCaptureConfig"),
        tags=self._get_param("Tags"),
        kms_key_id=self._get_param("KmsKeyId"),
    )
    config.enable_network_isolation = self._get_param("EnableNetworkIsolation")
    config.execution_role_arn = self._get_param("ExecutionRoleArn")
    config.vpc_config = self._get_param("VpcConfig")
    return ActionResult({"EndpointConfigArn": config.endpoint_config_arn})


def failure_of(b, config):
    """The FailureReason the test hook asks for, or None."""
    for variant in config.production_variants or []:
        model = b._models.get(variant.get("ModelName"))
        if model is None:
            continue
        containers = [model.primary_container or {}] + list(model.containers or [])
        for c in containers:
            reason = (c.get("Environment") or {}).get(FAIL_VARIABLE)
            if reason:
                return reason
    return None


def create_endpoint(self):
    b = self.sagemaker_backend
    name = self._get_param("EndpointName")
    if name in b.endpoints:
        raise ValidationError(
            f'Cannot create already existing endpoint "{arn(b, "endpoint", name)}".')
    config_name = self._get_param("EndpointConfigName")
    if config_name not in b.endpoint_configs:
        raise ValidationError(
            f"Could not find endpoint configuration '{arn(b, 'endpoint-config', config_name)}'.")
    endpoint = b.create_endpoint(endpoint_name=name, endpoint_config_name=config_name,
                                 tags=self._get_param("Tags"))
    endpoint.endpoint_status = "Creating"
    reason = failure_of(b, b.endpoint_configs[config_name])

    def done():
        endpoint.endpoint_status = "Failed" if reason else "InService"
        endpoint.failure_reason = reason
        endpoint.last_modified_time = now()

    later(endpoint, done)
    return ActionResult({"EndpointArn": endpoint.arn})


def update_endpoint(self):
    b = self.sagemaker_backend
    name = self._get_param("EndpointName")
    endpoint = b.endpoints.get(name)
    if endpoint is None:
        raise ValidationError(f"Could not find endpoint '{arn(b, 'endpoint', name)}'.")
    if endpoint.endpoint_status != "InService":
        raise ValidationError(
            f'Cannot update in-progress endpoint "{endpoint.arn}" (status {endpoint.endpoint_status}).')
    config_name = self._get_param("EndpointConfigName")
    config = b.endpoint_configs.get(config_name)
    if config is None:
        raise ValidationError(
            f"Could not find endpoint configuration '{arn(b, 'endpoint-config', config_name)}'.")
    endpoint.endpoint_status = "Updating"
    reason = failure_of(b, config)

    def done():
        if reason:  # the update fails and rolls back to the old configuration
            endpoint.failure_reason = reason
        else:
            endpoint.endpoint_config_name = config_name
            endpoint.production_variants = endpoint._process_production_variants(
                config.production_variants)
            endpoint.data_capture_config = config.data_capture_config
            endpoint.failure_reason = None
        endpoint.endpoint_status = "InService"
        endpoint.last_modified_time = now()

    later(endpoint, done)
    return ActionResult({"EndpointArn": endpoint.arn})


def delete_endpoint(self):
    b = self.sagemaker_backend
    name = self._get_param("EndpointName")
    endpoint = b.endpoints.get(name)
    if endpoint is None:
        raise ValidationError(f"Could not find endpoint '{arn(b, 'endpoint', name)}'.")
    endpoint.endpoint_status = "Deleting"
    later(endpoint, lambda: b.endpoints.pop(name, None))
    return EmptyResult()


R.SageMakerResponse.create_endpoint_config = create_endpoint_config
R.SageMakerResponse.create_endpoint = create_endpoint
R.SageMakerResponse.update_endpoint = update_endpoint
R.SageMakerResponse.delete_endpoint = delete_endpoint

# ---- notebook instances ------------------------------------------------------------


def notebook(b, name):
    nb = b.notebook_instances.get(name)
    if nb is None:
        raise ValidationError("RecordNotFound")
    return nb


def transition_error(nb, allowed, to):
    return ValidationError(
        f"Status ({nb.status}) not in ([{', '.join(allowed)}]). Unable to transition to ({to}) "
        f"for Notebook Instance ({nb.arn})")


def create_notebook_instance(self):
    b = self.sagemaker_backend
    check_role(b, self._get_param("RoleArn"))
    nb = b.create_notebook_instance(
        notebook_instance_name=self._get_param("NotebookInstanceName"),
        instance_type=self._get_param("InstanceType"),
        subnet_id=self._get_param("SubnetId"),
        security_group_ids=self._get_param("SecurityGroupIds"),
        role_arn=self._get_param("RoleArn"),
        kms_key_id=self._get_param("KmsKeyId"),
        tags=self._get_param("Tags"),
        lifecycle_config_name=self._get_param("LifecycleConfigName"),
        direct_internet_access=self._get_param("DirectInternetAccess"),
        volume_size_in_gb=self._get_param("VolumeSizeInGB"),
        accelerator_types=self._get_param("AcceleratorTypes"),
        default_code_repository=self._get_param("DefaultCodeRepository"),
        additional_code_repositories=self._get_param("AdditionalCodeRepositories"),
        root_access=self._get_param("RootAccess") or "Enabled",
    )
    nb.platform_identifier = self._get_param("PlatformIdentifier") or "notebook-al2-v2"
    nb.instance_metadata_service_configuration = (
        self._get_param("InstanceMetadataServiceConfiguration")
        or {"MinimumInstanceMetadataServiceVersion": "1"})
    nb.failure_reason = None
    nb.status = "Pending"
    later(nb, nb.start)
    return ActionResult({"NotebookInstanceArn": nb.arn})


def start_notebook_instance(self):
    nb = notebook(self.sagemaker_backend, self._get_param("NotebookInstanceName"))
    if nb.status not in ("Stopped", "Failed"):
        raise transition_error(nb, ["Stopped", "Failed"], "Pending")
    nb.status = "Pending"
    later(nb, nb.start)
    return EmptyResult()


def stop_notebook_instance(self):
    nb = notebook(self.sagemaker_backend, self._get_param("NotebookInstanceName"))
    if nb.status != "InService":
        raise transition_error(nb, ["InService"], "Stopping")
    nb.status = "Stopping"
    later(nb, nb.stop)
    return EmptyResult()


def update_notebook_instance(self):
    b = self.sagemaker_backend
    nb = notebook(b, self._get_param("NotebookInstanceName"))
    if nb.status not in ("Stopped", "Failed"):
        raise transition_error(nb, ["Stopped", "Failed"], "Updating")
    size = self._get_param("VolumeSizeInGB")
    if size is not None and size < (nb.volume_size_in_gb or 5):
        raise ValidationError(
            f"Invalid VolumeSizeInGB {size}: the volume of notebook instance {nb.arn} can only grow "
            f"(it is {nb.volume_size_in_gb} GB)")
    check_role(b, self._get_param("RoleArn"))
    simple = {"InstanceType": "instance_type", "RoleArn": "role_arn", "RootAccess": "root_access",
              "VolumeSizeInGB": "volume_size_in_gb", "LifecycleConfigName": "lifecycle_config_name",
              "DefaultCodeRepository": "default_code_repository",
              "AdditionalCodeRepositories": "additional_code_repositories",
              "PlatformIdentifier": "platform_identifier",
              "InstanceMetadataServiceConfiguration": "instance_metadata_service_configuration"}
    for param, attr in simple.items():
        v = self._get_param(param)
        if v is not None:
            setattr(nb, attr, v)
    if self._get_param("DisassociateLifecycleConfig"):
        nb.lifecycle_config_name = None
    if self._get_param("DisassociateDefaultCodeRepository"):
        nb.default_code_repository = None
    if self._get_param("DisassociateAdditionalCodeRepositories"):
        nb.additional_code_repositories = None
    nb.status = "Updating"
    nb.last_modified_time = now()
    later(nb, nb.stop)
    return EmptyResult()


def delete_notebook_instance(self):
    b = self.sagemaker_backend
    name = self._get_param("NotebookInstanceName")
    nb = notebook(b, name)
    if nb.status not in ("Stopped", "Failed"):
        raise transition_error(nb, ["Stopped", "Failed"], "Deleting")
    nb.status = "Deleting"
    later(nb, lambda: b.notebook_instances.pop(name, None))
    return EmptyResult()


_orig_notebook_to_dict = M.FakeSagemakerNotebookInstance.to_dict


def notebook_to_dict(self):
    d = _orig_notebook_to_dict(self)
    d["PlatformIdentifier"] = getattr(self, "platform_identifier", None)
    d["InstanceMetadataServiceConfiguration"] = getattr(
        self, "instance_metadata_service_configuration", None)
    d["FailureReason"] = getattr(self, "failure_reason", None)
    return {k: v for k, v in d.items() if v is not None}


M.FakeSagemakerNotebookInstance.to_dict = notebook_to_dict
R.SageMakerResponse.create_notebook_instance = create_notebook_instance
R.SageMakerResponse.start_notebook_instance = start_notebook_instance
R.SageMakerResponse.stop_notebook_instance = stop_notebook_instance
R.SageMakerResponse.update_notebook_instance = update_notebook_instance
R.SageMakerResponse.delete_notebook_instance = delete_notebook_instance

# ---- domains ------------------------------------------------------------------------


def domain(b, domain_id):
    d = b.domains.get(domain_id)
    if d is None:
        raise ResourceNotFound(f"Cannot find Domain with id {domain_id}")
    return d


_orig_create_domain = R.SageMakerResponse.create_domain


def create_domain(self):
    b = self.sagemaker_backend
    settings = self._get_param("DefaultUserSettings") or {}
    check_role(b, settings.get("ExecutionRole"))
    result = _orig_create_domain(self)
    d = b.domains[result.result["DomainArn"].split("/")[-1]]
    d.tag_propagation = self._get_param("TagPropagation") or "DISABLED"
    d.status = "Pending"

    def done():
        d.status = "InService"

    later(d, done)
    return result


def update_domain(self):
    b = self.sagemaker_backend
    d = domain(b, self._get_param("DomainId"))
    if d.status != "InService":
        raise ValidationError(f"Cannot update Domain {d.id} in status {d.status}")
    settings = self._get_param("DefaultUserSettings")
    if settings:
        merged = dict(d.default_user_settings or {})
        merged.update(settings)
        check_role(b, merged.get("ExecutionRole"))
        d.default_user_settings = merged
    update = self._get_param("DomainSettingsForUpdate")
    if update:
        merged = dict(d.domain_settings or {})
        merged.update(update)
        d.domain_settings = merged
    for param, attr in {"SubnetIds": "subnet_ids", "VpcId": "vpc_id",
                        "AppNetworkAccessType": "app_network_access_type",
                        "AppSecurityGroupManagement": "app_security_group_management",
                        "TagPropagation": "tag_propagation"}.items():
        v = self._get_param(param)
        if v is not None:
            setattr(d, attr, v)
    d.status = "Updating"
    d.last_modified_time = now()

    def done():
        d.status = "InService"

    later(d, done)
    return ActionResult({"DomainArn": d.arn})


def delete_domain(self):
    b = self.sagemaker_backend
    domain_id = self._get_param("DomainId")
    d = domain(b, domain_id)
    d.status = "Deleting"
    later(d, lambda: b.domains.pop(domain_id, None))
    return EmptyResult()


_orig_domain_init = M.Domain.__init__


def domain_init(self, *args, **kw):
    # AWS gives a domain a random id (d-xxxxxxxxxxxx); moto derives it from
    # the name, so two domains with one name (which AWS allows) collide
    _orig_domain_init(self, *args, **kw)
    self.id = "d-" + "".join(random.choice(string.ascii_lowercase + string.digits)
                             for _ in range(12))
    self.arn = arn_formatter("domain", self.id, self.account_id, self.region_name)


M.Domain.__init__ = domain_init
_orig_domain_describe = M.Domain.describe


def domain_describe(self):
    out = _orig_domain_describe(self)
    out["TagPropagation"] = getattr(self, "tag_propagation", None)
    return {k: v for k, v in out.items() if v not in (None, "")}


def describe_domain(self):
    b = self.sagemaker_backend
    return ActionResult(domain(b, self._get_param("DomainId")).describe())


M.Domain.describe = domain_describe
R.SageMakerResponse.create_domain = create_domain
R.SageMakerResponse.update_domain = update_domain
R.SageMakerResponse.delete_domain = delete_domain
R.SageMakerResponse.describe_domain = describe_domain

# ---- the model registry ----------------------------------------------------------------


def group(b, name, message=None):
    g = b.model_package_groups.get(name.split("/")[-1] if name.startswith("arn:") else name)
    if g is None:
        raise ValidationError(
            (message or "ModelPackageGroup {} does not exist.").format(
                arn(b, "model-package-group", name)))
    return g


_orig_create_group = R.SageMakerResponse.create_model_package_group


def create_model_package_group(self):
    b = self.sagemaker_backend
    name = self._get_param("ModelPackageGroupName")
    if name in b.model_package_groups:
        raise ValidationError(
            f"Model Package Group already exists: {arn(b, 'model-package-group', name)}")
    result = _orig_create_group(self)
    g = b.model_package_groups[name]
    g.model_package_group_status = "Pending"

    def done():
        g.model_package_group_status = "Completed"

    later(g, done)
    return result


def delete_model_package_group(self):
    b = self.sagemaker_backend
    name = self._get_param("ModelPackageGroupName")
    g = group(b, name)
    if any(mp.model_package_group_name == g.model_package_group_name
           for mp in b.model_packages.values()):
        # AWS refuses to delete a group that still holds versions; the
        # exact code and message are not documented
        raise ConflictException(
            f"Model Package Group {g.arn} cannot be deleted because it contains model packages")
    g.model_package_group_status = "Deleting"
    later(g, lambda: b.model_package_groups.pop(g.model_package_group_name, None))
    return EmptyResult()


def put_model_package_group_policy(self):
    b = self.sagemaker_backend
    g = group(b, self._get_param("ModelPackageGroupName"), "Cannot find Model Package Group: {}")
    policy = self._get_param("ResourcePolicy")
    try:
        import json
        json.loads(policy)
    except Exception:
        raise ValidationError("The resource policy is not valid JSON")
    g.resource_policy = policy
    return ActionResult({"ModelPackageGroupArn": g.arn})


def get_model_package_group_policy(self):
    b = self.sagemaker_backend
    g = group(b, self._get_param("ModelPackageGroupName"), "Cannot find Model Package Group: {}")
    policy = getattr(g, "resource_policy", None)
    if policy is None:
        raise ValidationError(f"Cannot find resource policy for: {g.arn}")
    return ActionResult({"ResourcePolicy": policy})


def delete_model_package_group_policy(self):
    b = self.sagemaker_backend
    g = group(b, self._get_param("ModelPackageGroupName"), "Cannot find Model Package Group: {}")
    if getattr(g, "resource_policy", None) is None:
        raise ValidationError(f"Cannot find resource policy for: {g.arn}")
    g.resource_policy = None
    return EmptyResult()


_orig_create_package = M.SageMakerModelBackend.create_model_package


def create_model_package_backend(self, **kw):
    name = kw.get("model_package_group_name")
    if name and name.startswith("arn:"):
        name = kw["model_package_group_name"] = name.split("/")[-1]
    if name and not kw.get("model_package_name"):
        # a version in a group: AWS numbers versions 1, 2, 3, ... and never
        # gives a number twice (moto counts the versions that exist now)
        g = group(self, name, "Model Package Group does not exist: {}")
        version = getattr(g, "last_version", 0) + 1
        g.last_version = version
        mp = M.ModelPackage(
            model_package_name=name, model_package_group_name=name,
            model_package_description=kw.get("model_package_description"),
            inference_specification=kw.get("inference_specification"),
            source_algorithm_specification=kw.get("source_algorithm_specification"),
            validation_specification=kw.get("validation_specification"),
            certify_for_marketplace=kw.get("certify_for_marketplace"),
            model_approval_status=kw.get("model_approval_status"),
            metadata_properties=kw.get("metadata_properties"),
            model_metrics=kw.get("model_metrics"), approval_description=None,
            customer_metadata_properties=kw.get("customer_metadata_properties"),
            drift_check_baselines=kw.get("drift_check_baselines"), domain=kw.get("domain"),
            task=kw.get("task"), sample_payload_url=kw.get("sample_payload_url"),
            additional_inference_specifications=kw.get("additional_inference_specifications"),
            model_package_version=version, client_token=kw.get("client_token"),
            region_name=self.region_name, account_id=self.account_id,
            model_package_type="Versioned", tags=kw.get("tags"),
        )
        self.model_package_name_mapping[mp.arn] = mp.arn
        self.model_packages[mp.arn] = mp
        package_arn = mp.arn
    else:
        package_arn = _orig_create_package(self, **kw)
    mp = self.model_packages[package_arn]
    if mp.tags is None:
        mp.tags = []
    mp.model_package_status = "Pending"

    def done():
        mp.model_package_status = "Completed"

    later(mp, done)
    return package_arn


def update_model_package_backend(self, model_package_arn, model_approval_status,
                                 approval_description, customer_metadata_properties,
                                 customer_metadata_properties_to_remove,
                                 additional_inference_specifications_to_add):
    key = self.model_package_name_mapping.get(model_package_arn, model_package_arn)
    mp = self.model_packages.get(key)
    if mp is None:
        raise ValidationError(f"ModelPackage {model_package_arn} does not exist.")
    if model_approval_status is not None:
        mp.set_model_approval_status(model_approval_status)
    if approval_description is not None:
        mp.approval_description = approval_description
    if customer_metadata_properties:
        merged = dict(mp.customer_metadata_properties or {})
        merged.update(customer_metadata_properties)
        mp.customer_metadata_properties = merged
    if customer_metadata_properties_to_remove:
        if mp.customer_metadata_properties is None:
            mp.customer_metadata_properties = {}
        mp.remove_customer_metadata_property(customer_metadata_properties_to_remove)
    if additional_inference_specifications_to_add:
        mp.add_additional_inference_specifications(additional_inference_specifications_to_add)
    mp.modifications_done()
    return mp.arn


def delete_model_package(self):
    b = self.sagemaker_backend
    name = self._get_param("ModelPackageName")
    key = b.model_package_name_mapping.get(name, name)
    mp = b.model_packages.get(key)
    if mp is None:
        raise ValidationError(f"ModelPackage {name} does not exist.")
    mp.model_package_status = "Deleting"

    def done():
        b.model_packages.pop(mp.arn, None)
        for k in [k for k, v in b.model_package_name_mapping.items() if v == mp.arn]:
            del b.model_package_name_mapping[k]

    later(mp, done)
    return EmptyResult()


M.SageMakerModelBackend.create_model_package = create_model_package_backend
M.SageMakerModelBackend.update_model_package = update_model_package_backend
R.SageMakerResponse.create_model_package_group = create_model_package_group
R.SageMakerResponse.delete_model_package_group = delete_model_package_group
R.SageMakerResponse.put_model_package_group_policy = put_model_package_group_policy
R.SageMakerResponse.get_model_package_group_policy = get_model_package_group_policy
R.SageMakerResponse.delete_model_package_group_policy = delete_model_package_group_policy
R.SageMakerResponse.delete_model_package = delete_model_package


def main(argv):
    from moto.server import main as moto_main
    moto_main(argv)
