"""emulator.iam: a TEST DOUBLE: the IAM behaviour moto 5 lacks, for cairn's
IAM integration tests (tests/integration/test_res_iam.py) and everything
that runs on cairntest.EMULATOR.

Started in place of moto's own moto_server (this directory is put first on
PATH, see emulator.installed() in tests/lib/emulator/__init__.py), it
patches moto's IAM backend, then runs moto's server unchanged. Each patch
implements what the AWS IAM API reference documents and moto 5.x leaves
out; nothing here is used by cairn itself.

  - Users' permissions boundaries: CreateUser's PermissionsBoundary
    parameter, PutUserPermissionsBoundary, DeleteUserPermissionsBoundary,
    and User.PermissionsBoundary {PermissionsBoundaryType,
    PermissionsBoundaryArn} in GetUser (moto ignores the parameter and has
    neither operation).
  - GetPolicyVersion returns the document URL-encoded (RFC 3986), as IAM
    does for every policy document it returns (moto returns plain JSON
    there, and encodes GetRolePolicy, GetUserPolicy, GetGroupPolicy and
    GetRole's AssumeRolePolicyDocument as AWS does).
  - UpdateGroup with NewPath alone moves the group to the new path (moto
    only applies NewPath together with NewGroupName, and otherwise
    answers success without changing anything).
  - DeleteUser, DeleteGroup and DeletePolicy refuse with DeleteConflict
    what IAM refuses (moto deletes regardless): a user that still has a
    console password, access keys, SSH keys, signing certificates, MFA
    devices, group memberships or policies; a group that still has members
    or policies; a managed policy still attached to a role, group or user,
    or with versions besides the default. (DeleteRole and
    DeleteInstanceProfile already refuse as IAM does.)
  - AttachRolePolicy and AttachUserPolicy of a policy already attached
    change nothing, as in IAM (moto counts the attachment again, so the
    policy's AttachmentCount grows and DeletePolicy is refused forever).
  - CreateRole and UpdateAssumeRolePolicy refuse a trust policy naming a
    role or user that IAM does not know (yet) with MalformedPolicyDocument
    "Invalid principal in policy", as IAM does; an entity created less than
    MOTO_EXT_PRINCIPAL_DELAY seconds ago (default 1) is not known yet,
    which is how IAM's propagation delay looks from outside (moto accepts
    any principal).
"""
import json
import os
import re
import sys

from moto.core.responses import EmptyResult
from moto.core.serialize import url_encode
from moto.iam import models, responses
from moto.core.utils import utcnow
from moto.iam.exceptions import (DeleteConflictException, MalformedPolicyDocument,
                                  ValidationError)


def _boundary(self):
    arn = getattr(self, "permissions_boundary_arn", None)
    if not arn:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


models.User.permissions_boundary = property(_boundary)


def _check(backend, arn):
    if not backend.policy_arn_regex.match(arn):
        raise ValidationError(f"Value ({arn}) for parameter PermissionsBoundary is invalid.")


_create_user = responses.IamResponse.create_user


def create_user(self):
    boundary = self._get_param("PermissionsBoundary")
    if boundary:
        _check(self.backend, boundary)
    result = _create_user(self)
    if boundary:
        self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = boundary
    return result


def put_user_permissions_boundary(self):
    boundary = self._get_param("PermissionsBoundary")
    _check(self.backend, boundary)
    self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = boundary
    return EmptyResult()


def delete_user_permissions_boundary(self):
    self.backend.get_user(self._get_param("UserName")).permissions_boundary_arn = None
    return EmptyResult()


responses.IamResponse.create_user = create_user
responses.IamResponse.put_user_permissions_boundary = put_user_permissions_boundary
responses.IamResponse.delete_user_permissions_boundary = delete_user_permissions_boundary
responses.IamResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER[
    "GetPolicyVersionResponse.PolicyVersion.Document"] = url_encode

_update_group = models.IAMBackend.update_group


def update_group(self, group_name, new_group_name, new_path):
    if new_path and not new_group_name:
        self.get_group(group_name).path = new_path
        return None
    return _update_group(self, group_name, new_group_name, new_path)


models.IAMBackend.update_group = update_group

_delete_user = models.IAMBackend.delete_user
_delete_group = models.IAMBackend.delete_group
_delete_policy = models.IAMBackend.delete_policy


def delete_user(self, user_name):
    user = self.get_user(user_name)
    if (user.password is not None or user.access_keys or user.ssh_public_keys
            or user.signing_certificates or user.mfa_devices
            or self.get_groups_for_user(user_name)):
        raise DeleteConflictException(
            "Cannot delete entity, must remove login profile, access keys, SSH keys, "
            "certificates, MFA devices and group memberships first.")
    return _delete_user(self, user_name)


def delete_group(self, group_name):
    group = self.get_group(group_name)
    if group.users:
        raise DeleteConflictException("Cannot delete entity, must remove users from group first.")
    if group.policies or group.managed_policies:
        raise DeleteConflictException("Cannot delete entity, must delete policies first.")
    return _delete_group(self, group_name)


def delete_policy(self, policy_arn):
    policy = self.get_policy(policy_arn)
    if policy.attachment_count > 0:
        raise DeleteConflictException("Cannot delete a policy attached to entities.")
    if len(policy.versions) > 1:
        raise DeleteConflictException(
            "This policy has more than one version. Before you delete a policy, you must "
            "delete the policy's versions. The default version is deleted with the policy.")
    return _delete_policy(self, policy_arn)


models.IAMBackend.delete_user = delete_user
models.IAMBackend.delete_group = delete_group
models.IAMBackend.delete_policy = delete_policy

_attach_to = models.ManagedPolicy.attach_to


def attach_to(self, obj):
    if self.arn in obj.managed_policies:
        return None
    return _attach_to(self, obj)


models.ManagedPolicy.attach_to = attach_to

DELAY = float(os.environ.get("MOTO_EXT_PRINCIPAL_DELAY", "1"))
PRINCIPAL = re.compile(r"^arn:aws:iam::(\d{12}):(role|user)/(?:.*/)?([^/]+)$")


def _known(backend, arn):
    m = PRINCIPAL.match(arn)
    if not m or m.group(1) != backend.account_id:
        return True  # services, accounts, other accounts: not checked here
    kind, name = m.group(2), m.group(3)
    try:
        entity = backend.get_role(name) if kind == "role" else backend.get_user(name)
    except Exception:
        return False
    return (utcnow() - entity.create_date).total_seconds() >= DELAY


def _check_principals(backend, text):
    try:
        document = json.loads(text)
    except (TypeError, ValueError):
        return  # moto's own validation reports it
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    for st in statements:
        principal = st.get("Principal") if isinstance(st, dict) else None
        aws = principal.get("AWS") if isinstance(principal, dict) else None
        for arn in ([aws] if isinstance(aws, str) else aws or []):
            if not _known(backend, arn):
                raise MalformedPolicyDocument('Invalid principal in policy: "AWS":"%s"' % arn)


_create_role = responses.IamResponse.create_role
_update_assume_role_policy = responses.IamResponse.update_assume_role_policy


def create_role(self):
    _check_principals(self.backend, self._get_param("AssumeRolePolicyDocument"))
    return _create_role(self)


def update_assume_role_policy(self):
    _check_principals(self.backend, self._get_param("PolicyDocument"))
    return _update_assume_role_policy(self)


responses.IamResponse.create_role = create_role
responses.IamResponse.update_assume_role_policy = update_assume_role_policy
