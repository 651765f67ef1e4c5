"""The IAM resource types (AWS::IAM::Role, ManagedPolicy, Policy,
InstanceProfile, Group, User) against moto, every result checked with boto3,
never with cairn's own reader alone.

Per type: create, then the live configuration matches; a second plan is a
no-op; each updatable property changed in place (same physical id); a
create-only property change replaces (new physical id, old one gone); a
change made out of band with boto3 shows in the next plan and is put right;
destroy leaves nothing. Also: attachments are not exclusive (a role's
Policies and an AWS::IAM::Policy on it live side by side), a pending create
is adopted by find(), a name cairn did not make is never taken over, and
what cairn refuses (console passwords, access keys) is a validation error.

moto runs as tests/lib/emulator/moto_server, a documented test double that
adds what moto 5 lacks and AWS documents: users' permissions boundaries,
URL-encoded GetPolicyVersion documents, UpdateGroup with NewPath alone.
Templates are written as JSON (which YAML reads), with long-form
intrinsics.
"""
import json
import os
import sys

import cairntest

sys.path.insert(0, os.path.join(cairntest.ROOT, "tests", "lib"))
import emulator  # noqa: E402

ACCOUNT = cairntest.ACCOUNT


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def trust(*services):
    return doc({"Effect": "Allow", "Principal": {"Service": list(services) if len(services) > 1
                                                  else services[0]},
                "Action": "sts:AssumeRole"})


def ref(x):
    return {"Ref": x}


def att(x, a):
    return {"Fn::GetAtt": [x, a]}


def managed(statement_action="s3:ListBucket"):
    return {"Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"PolicyDocument": doc(allow(statement_action))}}


def role(**props):
    p = {"AssumeRolePolicyDocument": trust("ec2.amazonaws.com")}
    p.update(props)
    return {"Type": "AWS::IAM::Role", "Properties": p}


def tags(d):
    return [{"Key": k, "Value": v} for k, v in d.items()]


def tag_dict(tagset):
    return {t["Key"]: t["Value"] for t in tagset or []}


class IamCase(cairntest.CairnTestCase):
    """moto (the test double) per class, reset per test; helpers to write
    a stack, apply it and check plans."""

    @classmethod
    def setUpClass(cls):
        with emulator.installed():
            super().setUpClass()

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.iam = self.boto("iam")

    def stack(self, resources, outputs=None, name="demo"):
        t = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
        if outputs:
            t["Outputs"] = {k: {"Value": v} for k, v in outputs.items()}
        return self.write(name + ".yaml", json.dumps(t, indent=1))

    def apply(self, t):
        return self.cairn_ok("apply", "--auto-approve", t)

    def plan(self, t, rc):
        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, rc, r.stdout + r.stderr)
        return r.stdout

    def noop(self, t):
        out = self.plan(t, 0)
        self.assertIn("No changes.", out)

    def state(self, stack="demo"):
        with open(os.path.join(self.tmp, ".cairn", stack + ".state.json")) as f:
            return json.load(f)

    def pid(self, lid, stack="demo"):
        return self.state(stack)["resources"][lid]["id"]

    def gone(self, fn, **kw):
        with self.assertRaises(self.iam.exceptions.NoSuchEntityException):
            fn(**kw)

    def local_policies(self):
        return sorted(p["Arn"] for p in self.iam.list_policies(Scope="Local")["Policies"])

    def assert_all_gone(self):
        self.assertEqual(self.iam.list_roles()["Roles"], [])
        self.assertEqual(self.iam.list_users()["Users"], [])
        self.assertEqual(self.iam.list_groups()["Groups"], [])
        self.assertEqual(self.iam.list_instance_profiles()["InstanceProfiles"], [])
        self.assertEqual(self.local_policies(), [])

    def inline(self, kind, name):
        """{policy name: document} of a role, user or group."""
        lister = getattr(self.iam, "list_%s_policies" % kind)
        getter = getattr(self.iam, "get_%s_policy" % kind)
        key = kind.capitalize() + "Name"
        return {p: getter(**{key: name, "PolicyName": p})["PolicyDocument"]
                for p in lister(**{key: name})["PolicyNames"]}

    def attached(self, kind, name):
        lister = getattr(self.iam, "list_attached_%s_policies" % kind)
        key = kind.capitalize() + "Name"
        return sorted(p["PolicyArn"] for p in lister(**{key: name})["AttachedPolicies"])


class TestRole(IamCase):

    def resources(self, **props):
        return {
            "Boundary1": managed("s3:*"),
            "Boundary2": managed("s3:Get*"),
            "PolA": managed("s3:ListBucket"),
            "PolB": managed("s3:ListAllMyBuckets"),
            "Role": role(**props),
        }

    V1 = dict(Description="first", MaxSessionDuration=7200, Path="/app/",
              PermissionsBoundary=ref("Boundary1"), ManagedPolicyArns=[ref("PolA")],
              Policies=[{"PolicyName": "read",
                         "PolicyDocument": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))}],
              Tags=tags({"team": "ml", "env": "dev"}))

    def policy_arn(self, lid):
        return self.pid(lid)

    def assert_v1(self, name):
        r = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual(r["Path"], "/app/")
        self.assertEqual(r["Description"], "first")
        self.assertEqual(r["MaxSessionDuration"], 7200)
        self.assertEqual(r["PermissionsBoundary"]["PermissionsBoundaryArn"],
                         self.policy_arn("Boundary1"))
        self.assertEqual(r["AssumeRolePolicyDocument"], trust("ec2.amazonaws.com"))
        self.assertEqual(tag_dict(r["Tags"]), {"team": "ml", "env": "dev", "cairn:stack": "demo",
                                               "cairn:logical-id": "Role"})
        self.assertEqual(self.inline("role", name),
                         {"read": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))})
        self.assertEqual(self.attached("role", name), [self.policy_arn("PolA")])

    def test_create_update_in_place_replace_destroy(self):
        t = self.stack(self.resources(**self.V1), {"Name": ref("Role"), "Arn": att("Role", "Arn"),
                                                   "Id": att("Role", "RoleId")})
        r = self.apply(t)
        self.assertIn("Apply complete! Resources: 5 added", r.stdout)
        name = self.pid("Role")
        self.assertRegex(name, r"^demo-Role-[0-9a-f]{12}$")
        self.assert_v1(name)
        live = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual(self.cairn_ok("output", "Name").stdout.strip(), name)
        self.assertEqual(self.cairn_ok("output", "Arn").stdout.strip(), live["Arn"])
        self.assertEqual(live["Arn"], "arn:aws:iam::%s:role/app/%s" % (ACCOUNT, name))
        self.assertEqual(self.cairn_ok("output", "Id").stdout.strip(), live["RoleId"])
        self.noop(t)

        # every updatable property, in place
        v2 = dict(self.V1, AssumeRolePolicyDocument=trust("ec2.amazonaws.com", "lambda.amazonaws.com"),
                  Description="second", MaxSessionDuration=10800,
                  PermissionsBoundary=ref("Boundary2"), ManagedPolicyArns=[ref("PolB")],
                  Policies=[{"PolicyName": "read",
                             "PolicyDocument": doc(allow("s3:GetObject", "arn:aws:s3:::c/*"))},
                            {"PolicyName": "write",
                             "PolicyDocument": json.dumps(doc(allow("s3:PutObject")))}],
                  Tags=tags({"team": "data", "owner": "ana"}))
        t = self.stack(self.resources(**v2))
        out = self.plan(t, 2)
        self.assertIn("# Role (AWS::IAM::Role) will be updated in place [id=%s]" % name, out)
        for p in ("AssumeRolePolicyDocument", "Description", "MaxSessionDuration",
                  "PermissionsBoundary", "ManagedPolicyArns", "Policies", "Tags"):
            self.assertIn("~ " + p, out)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.", out)
        self.apply(t)
        r = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual(r["RoleId"], live["RoleId"])
        self.assertEqual(r["AssumeRolePolicyDocument"],
                         trust("ec2.amazonaws.com", "lambda.amazonaws.com"))
        self.assertEqual(r["Description"], "second")
        self.assertEqual(r["MaxSessionDuration"], 10800)
        self.assertEqual(r["PermissionsBoundary"]["PermissionsBoundaryArn"],
                         self.policy_arn("Boundary2"))
        self.assertEqual(tag_dict(r["Tags"]), {"team": "data", "owner": "ana", "cairn:stack": "demo",
                                               "cairn:logical-id": "Role"})
        self.assertEqual(self.inline("role", name),
                         {"read": doc(allow("s3:GetObject", "arn:aws:s3:::c/*")),
                          "write": doc(allow("s3:PutObject"))})
        self.assertEqual(self.attached("role", name), [self.policy_arn("PolB")])
        self.noop(t)

        # removed from the template: put back to IAM's defaults, detached, deleted
        t = self.stack(self.resources(Path="/app/"))
        out = self.plan(t, 2)
        self.assertIn("will be updated in place", out)
        self.apply(t)
        r = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual(r.get("Description", ""), "")
        self.assertEqual(r["MaxSessionDuration"], 3600)
        self.assertNotIn("PermissionsBoundary", r)
        self.assertEqual(tag_dict(r["Tags"]), {"cairn:stack": "demo", "cairn:logical-id": "Role"})
        self.assertEqual(self.inline("role", name), {})
        self.assertEqual(self.attached("role", name), [])
        self.noop(t)

        # Path is create-only: a new role, the old one gone
        t = self.stack(self.resources(Path="/svc/"))
        out = self.plan(t, 2)
        self.assertIn("-/+ Role", out)
        self.assertIn('"/app/" -> "/svc/" # forces replacement', out)
        self.apply(t)
        new = self.pid("Role")
        self.assertNotEqual(new, name)
        self.gone(self.iam.get_role, RoleName=name)
        self.assertEqual(self.iam.get_role(RoleName=new)["Role"]["Path"], "/svc/")
        self.noop(t)

        # so is RoleName
        t = self.stack(self.resources(Path="/svc/", RoleName="cairn-test-fixed"))
        self.assertIn("-/+ Role", self.plan(t, 2))
        self.apply(t)
        self.assertEqual(self.pid("Role"), "cairn-test-fixed")
        self.gone(self.iam.get_role, RoleName=new)
        self.assertEqual([x["RoleName"] for x in self.iam.list_roles()["Roles"]], ["cairn-test-fixed"])
        self.noop(t)

        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 5 destroyed.", r.stdout)
        self.assert_all_gone()

    def test_out_of_band_changes_show_and_are_put_right(self):
        t = self.stack(self.resources(**self.V1))
        self.apply(t)
        name = self.pid("Role")
        self.iam.update_assume_role_policy(RoleName=name,
                                           PolicyDocument=json.dumps(trust("lambda.amazonaws.com")))
        self.iam.update_role(RoleName=name, Description="by hand")
        self.iam.put_role_policy(RoleName=name, PolicyName="read",
                                 PolicyDocument=json.dumps(doc(allow("s3:*"))))
        self.iam.detach_role_policy(RoleName=name, PolicyArn=self.policy_arn("PolA"))
        self.iam.untag_role(RoleName=name, TagKeys=["team"])
        self.iam.delete_role_permissions_boundary(RoleName=name)

        out = self.plan(t, 2)
        self.assertIn("# Role (AWS::IAM::Role) will be updated in place", out)
        for p in ("AssumeRolePolicyDocument", "Description", "Policies", "ManagedPolicyArns",
                  "Tags", "PermissionsBoundary"):
            self.assertIn(" " + p, out)
        self.assertIn('"by hand" -> "first"', out)
        self.apply(t)
        self.assert_v1(name)
        self.noop(t)

        # deleted outside cairn: made again
        self.cairn_ok("destroy", "--auto-approve", t)
        self.apply(t)
        name = self.pid("Role")
        self.iam.delete_role_policy(RoleName=name, PolicyName="read")
        self.iam.detach_role_policy(RoleName=name, PolicyArn=self.policy_arn("PolA"))
        self.iam.delete_role(RoleName=name)
        out = self.plan(t, 2)
        self.assertIn("# Role (AWS::IAM::Role) will be created (it was deleted outside cairn)", out)
        self.apply(t)
        self.assert_v1(self.pid("Role"))
        self.noop(t)

    def test_attachments_are_not_exclusive(self):
        # the role's own inline and managed policies, an AWS::IAM::Policy
        # and a managed policy's Roles on the same role, and one added by
        # hand: each resource manages its own, none undoes another's
        res = self.resources(ManagedPolicyArns=[ref("PolA")], Policies=[
            {"PolicyName": "own", "PolicyDocument": doc(allow("s3:GetObject"))}])
        res["Extra"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "extra", "PolicyDocument": doc(allow("sqs:SendMessage")),
            "Roles": [ref("Role")]}}
        res["PolB"]["Properties"]["Roles"] = [ref("Role")]
        t = self.stack(res)
        self.apply(t)
        name = self.pid("Role")
        self.assertEqual(sorted(self.inline("role", name)), ["extra", "own"])
        self.assertEqual(self.attached("role", name),
                         sorted([self.policy_arn("PolA"), self.policy_arn("PolB")]))
        self.noop(t)
        self.iam.put_role_policy(RoleName=name, PolicyName="by-hand",
                                 PolicyDocument=json.dumps(doc(allow("sns:Publish"))))
        self.noop(t)
        # the role's own inline policy changes: the others stay
        res["Role"]["Properties"]["Policies"][0]["PolicyDocument"] = doc(allow("s3:PutObject"))
        t = self.stack(res)
        self.apply(t)
        self.assertEqual(sorted(self.inline("role", name)), ["by-hand", "extra", "own"])
        self.assertEqual(len(self.attached("role", name)), 2)
        self.noop(t)
        # destroy removes what was added by hand too (IAM requires it)
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assert_all_gone()

    def test_replacing_a_named_role_keeps_what_others_attach_to_it(self):
        # a fixed RoleName and a new Path: the old role is deleted first
        # (taking its profile membership and policies with it), the new one
        # has the same name, and the profile, the AWS::IAM::Policy and the
        # managed policy that name it put themselves back in the same apply
        def res(path):
            return {
                "Role": role(RoleName="cairn-test-named", Path=path),
                "Profile": {"Type": "AWS::IAM::InstanceProfile",
                            "Properties": {"Roles": [ref("Role")]}},
                "Inline": {"Type": "AWS::IAM::Policy", "Properties": {
                    "PolicyName": "inline", "PolicyDocument": doc(allow("sqs:*")),
                    "Roles": [ref("Role")]}},
                "MP": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                    "PolicyDocument": doc(allow("sns:*")), "Roles": [ref("Role")]}},
            }
        t = self.stack(res("/a/"))
        self.apply(t)
        t = self.stack(res("/b/"))
        out = self.plan(t, 2)
        self.assertIn("must be replaced (the old one is deleted first", out)
        self.apply(t)
        r = self.iam.get_role(RoleName="cairn-test-named")["Role"]
        self.assertEqual(r["Path"], "/b/")
        ip = self.iam.get_instance_profile(InstanceProfileName=self.pid("Profile"))["InstanceProfile"]
        self.assertEqual([x["Arn"] for x in ip["Roles"]], [r["Arn"]])
        self.assertEqual(list(self.inline("role", "cairn-test-named")), ["inline"])
        self.assertEqual(self.attached("role", "cairn-test-named"), [self.pid("MP")])
        self.noop(t)

    def test_a_trust_policy_naming_a_new_principal_waits_for_iam(self):
        # IAM refuses a principal created a moment ago ("Invalid principal
        # in policy"; the test double makes new roles unknown for 1 s):
        # CreateRole and UpdateAssumeRolePolicy wait for it, and say so
        def trusting(*lids):
            return doc({"Effect": "Allow", "Principal": {"AWS": [att(x, "Arn") for x in lids]},
                        "Action": "sts:AssumeRole"})
        res = {"Runner": role(), "Trusting": role(AssumeRolePolicyDocument=trusting("Runner"))}
        t = self.stack(res)
        r = self.apply(t)
        self.assertIn("waiting for IAM to know the principals of role", r.stdout)
        runner = self.iam.get_role(RoleName=self.pid("Runner"))["Role"]["Arn"]
        live = self.iam.get_role(RoleName=self.pid("Trusting"))["Role"]["AssumeRolePolicyDocument"]
        self.assertEqual(live["Statement"][0]["Principal"], {"AWS": [runner]})
        self.noop(t)
        res["Second"] = role()
        res["Trusting"] = role(AssumeRolePolicyDocument=trusting("Runner", "Second"))
        t = self.stack(res)
        r = self.apply(t)
        self.assertIn("Trusting: Modifications complete", r.stdout)
        live = self.iam.get_role(RoleName=self.pid("Trusting"))["Role"]["AssumeRolePolicyDocument"]
        self.assertEqual(sorted(live["Statement"][0]["Principal"]["AWS"]),
                         sorted([runner, self.iam.get_role(RoleName=self.pid("Second"))["Role"]["Arn"]]))
        self.noop(t)

    def test_a_name_cairn_did_not_make_is_never_taken_over(self):
        self.iam.create_role(RoleName="cairn-test-theirs",
                             AssumeRolePolicyDocument=json.dumps(trust("ec2.amazonaws.com")))
        t = self.stack({"Role": role(RoleName="cairn-test-theirs")})
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: Role (AWS::IAM::Role): create failed", r.stderr)
        self.assertIn("CreateRole (iam): EntityAlreadyExists", r.stderr)
        self.assertIn("already exists and cairn did not make it", r.stderr)
        self.assertEqual(tag_dict(self.iam.get_role(RoleName="cairn-test-theirs")["Role"].get("Tags")),
                         {})


class TestPolicies(IamCase):
    """AWS::IAM::ManagedPolicy and AWS::IAM::Policy."""

    def principals(self):
        return {
            "R1": role(), "R2": role(),
            "G": {"Type": "AWS::IAM::Group"},
            "U": {"Type": "AWS::IAM::User"},
        }

    def entities(self, arn):
        e = self.iam.list_entities_for_policy(PolicyArn=arn)
        return (sorted(x["RoleName"] for x in e["PolicyRoles"]),
                sorted(x["GroupName"] for x in e["PolicyGroups"]),
                sorted(x["UserName"] for x in e["PolicyUsers"]))

    def default_doc(self, arn):
        p = self.iam.get_policy(PolicyArn=arn)["Policy"]
        return self.iam.get_policy_version(PolicyArn=arn,
                                           VersionId=p["DefaultVersionId"])["PolicyVersion"]["Document"]

    def test_managed_policy(self):
        res = self.principals()
        mp = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Description": "reads models", "Path": "/ml/",
            "PolicyDocument": doc(allow("s3:GetObject", "arn:aws:s3:::models/*")),
            "Roles": [ref("R1")], "Groups": [ref("G")], "Users": [ref("U")]}}
        res["MP"] = mp
        t = self.stack(res, {"Arn": ref("MP"), "PolicyArn": att("MP", "PolicyArn"),
                             "PolicyId": att("MP", "PolicyId"),
                             "Default": att("MP", "DefaultVersionId")})
        self.apply(t)
        arn = self.pid("MP")
        self.assertRegex(arn, r"^arn:aws:iam::%s:policy/ml/demo-MP-[0-9a-f]{12}$" % ACCOUNT)
        p = self.iam.get_policy(PolicyArn=arn)["Policy"]
        self.assertEqual(p["Description"], "reads models")
        self.assertEqual(p["Path"], "/ml/")
        self.assertEqual(self.cairn_ok("output", "Arn").stdout.strip(), arn)
        self.assertEqual(self.cairn_ok("output", "PolicyArn").stdout.strip(), arn)
        self.assertEqual(self.cairn_ok("output", "PolicyId").stdout.strip(), p["PolicyId"])
        self.assertEqual(self.cairn_ok("output", "Default").stdout.strip(), "v1")
        self.assertEqual(self.default_doc(arn), doc(allow("s3:GetObject", "arn:aws:s3:::models/*")))
        self.assertEqual(self.entities(arn), ([self.pid("R1")], [self.pid("G")], [self.pid("U")]))
        self.assertEqual(tag_dict(self.iam.list_policy_tags(PolicyArn=arn)["Tags"]),
                         {"cairn:stack": "demo", "cairn:logical-id": "MP"})
        self.noop(t)

        # attachments in place
        mp["Properties"]["Roles"] = [ref("R2")]
        del mp["Properties"]["Users"]
        t = self.stack(res)
        out = self.plan(t, 2)
        self.assertIn("# MP (AWS::IAM::ManagedPolicy) will be updated in place", out)
        self.apply(t)
        self.assertEqual(self.pid("MP"), arn)
        self.assertEqual(self.entities(arn), ([self.pid("R2")], [self.pid("G")], []))
        self.noop(t)

        # the document: a new default version each time; IAM keeps 5, the
        # oldest non-default version goes
        for i in range(2, 8):
            mp["Properties"]["PolicyDocument"] = doc(allow("s3:GetObject", "arn:aws:s3:::m%d/*" % i))
            t = self.stack(res)
            self.assertIn("~ PolicyDocument", self.plan(t, 2))
            self.apply(t)
            versions = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
            self.assertLessEqual(len(versions), 5)
            self.assertEqual(self.default_doc(arn),
                             doc(allow("s3:GetObject", "arn:aws:s3:::m%d/*" % i)))
        versions = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual(sorted(v["VersionId"] for v in versions), ["v3", "v4", "v5", "v6", "v7"])
        self.assertEqual([v["VersionId"] for v in versions if v["IsDefaultVersion"]], ["v7"])
        self.assertEqual(self.pid("MP"), arn)
        self.noop(t)

        # out of band: a version made default by hand (after making room
        # for it, as IAM requires), a detached role
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v3")
        self.iam.create_policy_version(PolicyArn=arn, SetAsDefault=True,
                                       PolicyDocument=json.dumps(doc(allow("*"))))
        self.iam.detach_role_policy(RoleName=self.pid("R2"), PolicyArn=arn)
        out = self.plan(t, 2)
        self.assertIn("~ PolicyDocument", out)
        self.assertIn("~ Roles", out)
        self.apply(t)
        self.assertEqual(self.default_doc(arn), doc(allow("s3:GetObject", "arn:aws:s3:::m7/*")))
        self.assertEqual(self.entities(arn), ([self.pid("R2")], [self.pid("G")], []))
        self.noop(t)

        # Description is create-only: a new policy, attached as the old was
        mp["Properties"]["Description"] = "reads models, v2"
        t = self.stack(res)
        out = self.plan(t, 2)
        self.assertIn("-/+ MP", out)
        self.assertIn("# forces replacement", out)
        self.apply(t)
        new = self.pid("MP")
        self.assertNotEqual(new, arn)
        self.gone(self.iam.get_policy, PolicyArn=arn)
        self.assertEqual(self.iam.get_policy(PolicyArn=new)["Policy"]["Description"], "reads models, v2")
        self.assertEqual(self.entities(new), ([self.pid("R2")], [self.pid("G")], []))
        self.assertEqual(self.local_policies(), [new])
        self.noop(t)

        self.cairn_ok("destroy", "--auto-approve", t)
        self.assert_all_gone()

    def test_inline_policy(self):
        res = self.principals()
        pol = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "inline", "PolicyDocument": doc(allow("sqs:SendMessage")),
            "Roles": [ref("R1")], "Groups": [ref("G")], "Users": [ref("U")]}}
        res["Inline"] = pol
        t = self.stack(res, {"Ref": ref("Inline"), "Id": att("Inline", "Id")})
        self.apply(t)
        pid = self.pid("Inline")
        self.assertRegex(pid, r"^demo-Inlin-[0-9A-F]{13}$")
        self.assertEqual(self.cairn_ok("output", "Ref").stdout.strip(), pid)
        self.assertEqual(self.cairn_ok("output", "Id").stdout.strip(), pid)
        r1, g, u = self.pid("R1"), self.pid("G"), self.pid("U")
        want = {"inline": doc(allow("sqs:SendMessage"))}
        self.assertEqual(self.inline("role", r1), want)
        self.assertEqual(self.inline("group", g), want)
        self.assertEqual(self.inline("user", u), want)
        self.noop(t)

        # the document, everywhere, in place
        pol["Properties"]["PolicyDocument"] = doc(allow(["sqs:SendMessage", "sqs:ReceiveMessage"]))
        t = self.stack(res)
        self.assertIn("# Inline (AWS::IAM::Policy) will be updated in place [id=%s]" % pid,
                      self.plan(t, 2))
        self.apply(t)
        want = {"inline": doc(allow(["sqs:SendMessage", "sqs:ReceiveMessage"]))}
        for kind, name in (("role", r1), ("group", g), ("user", u)):
            self.assertEqual(self.inline(kind, name), want)
        self.assertEqual(self.pid("Inline"), pid)
        self.noop(t)

        # targets: the user goes, R2 comes
        del pol["Properties"]["Users"]
        pol["Properties"]["Roles"] = [ref("R1"), ref("R2")]
        t = self.stack(res)
        self.apply(t)
        self.assertEqual(self.inline("user", u), {})
        self.assertEqual(self.inline("role", self.pid("R2")), want)
        self.noop(t)

        # PolicyName is not create-only: renamed in place
        pol["Properties"]["PolicyName"] = "renamed"
        t = self.stack(res)
        out = self.plan(t, 2)
        self.assertIn('~ PolicyName = "inline" -> "renamed"', out)
        self.apply(t)
        self.assertEqual(self.pid("Inline"), pid)
        for kind, name in (("role", r1), ("role", self.pid("R2")), ("group", g)):
            self.assertEqual(list(self.inline(kind, name)), ["renamed"])
        self.noop(t)

        # out of band: deleted from one role, changed on the group
        self.iam.delete_role_policy(RoleName=r1, PolicyName="renamed")
        self.iam.put_group_policy(GroupName=g, PolicyName="renamed",
                                  PolicyDocument=json.dumps(doc(allow("*"))))
        out = self.plan(t, 2)
        self.assertIn("~ Roles", out)
        self.assertIn("~ PolicyDocument", out)
        self.apply(t)
        for kind, name in (("role", r1), ("role", self.pid("R2")), ("group", g)):
            self.assertEqual(self.inline(kind, name)["renamed"],
                             doc(allow(["sqs:SendMessage", "sqs:ReceiveMessage"])))
        self.noop(t)

        # gone from everywhere outside cairn: created again
        for kind, name in (("role", r1), ("role", self.pid("R2")), ("group", g)):
            getattr(self.iam, "delete_%s_policy" % kind)(
                **{kind.capitalize() + "Name": name, "PolicyName": "renamed"})
        self.assertIn("# Inline (AWS::IAM::Policy) will be created (it was deleted outside cairn)",
                      self.plan(t, 2))
        self.apply(t)
        self.assertEqual(list(self.inline("group", g)), ["renamed"])

        self.cairn_ok("destroy", "--auto-approve", t)
        self.assert_all_gone()

    def test_documents_come_back_intact(self):
        # IAM returns documents URL-encoded: "+", spaces, "%", quotes and
        # non-ASCII text must decode to what was sent, or the next plan
        # would not be a no-op
        odd = doc({"Sid": "Odd1", "Effect": "Allow", "Action": "s3:GetObject",
                   "Resource": "arn:aws:s3:::b/a+b c%20d/\u00e9t\u00e9/*",
                   "Condition": {"StringEquals": {"aws:PrincipalTag/team": "ml + data \"x\""}}})
        res = self.principals()
        res["MP"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": odd}}
        res["Inline"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "odd", "PolicyDocument": odd, "Roles": [ref("R1")]}}
        res["R2"]["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"] = {
            "StringLike": {"aws:RequesterTag/x": "a+b %41 \u00e9"}}
        t = self.stack(res)
        self.apply(t)
        want = json.loads(json.dumps(odd))
        self.assertEqual(self.default_doc(self.pid("MP")), want)
        self.assertEqual(self.inline("role", self.pid("R1"))["odd"], want)
        self.noop(t)

    def test_inline_policy_needs_a_principal(self):
        t = self.stack({"P": {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": "p", "PolicyDocument": doc(allow("s3:*"))}}})
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("P (AWS::IAM::Policy)", r.stderr)
        self.assertIn("needs at least one of Roles, Groups or Users", r.stderr)


class TestPrincipals(IamCase):
    """AWS::IAM::InstanceProfile, AWS::IAM::Group, AWS::IAM::User."""

    def test_instance_profile(self):
        res = {"R1": role(), "R2": role(), "Profile": {
            "Type": "AWS::IAM::InstanceProfile",
            "Properties": {"Path": "/ip/", "Roles": [ref("R1")]}}}
        t = self.stack(res, {"Arn": att("Profile", "Arn")})
        self.apply(t)
        name = self.pid("Profile")
        self.assertRegex(name, r"^demo-Profile-[0-9a-f]{12}$")
        ip = self.iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        self.assertEqual(ip["Path"], "/ip/")
        self.assertEqual([x["RoleName"] for x in ip["Roles"]], [self.pid("R1")])
        self.assertEqual(self.cairn_ok("output", "Arn").stdout.strip(), ip["Arn"])
        self.assertEqual(tag_dict(ip.get("Tags")), {"cairn:stack": "demo",
                                                    "cairn:logical-id": "Profile"})
        self.noop(t)

        res["Profile"]["Properties"]["Roles"] = [ref("R2")]
        t = self.stack(res)
        self.assertIn("will be updated in place [id=%s]" % name, self.plan(t, 2))
        self.apply(t)
        self.assertEqual(self.pid("Profile"), name)
        ip = self.iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        self.assertEqual([x["RoleName"] for x in ip["Roles"]], [self.pid("R2")])
        self.noop(t)

        self.iam.remove_role_from_instance_profile(InstanceProfileName=name, RoleName=self.pid("R2"))
        self.assertIn("~ Roles", self.plan(t, 2))
        self.apply(t)
        ip = self.iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]
        self.assertEqual([x["RoleName"] for x in ip["Roles"]], [self.pid("R2")])

        res["Profile"]["Properties"]["Path"] = "/ip2/"
        t = self.stack(res)
        self.assertIn("-/+ Profile", self.plan(t, 2))
        self.apply(t)
        new = self.pid("Profile")
        self.assertNotEqual(new, name)
        self.gone(self.iam.get_instance_profile, InstanceProfileName=name)
        self.assertEqual(self.iam.get_instance_profile(InstanceProfileName=new)
                         ["InstanceProfile"]["Path"], "/ip2/")
        self.noop(t)

        res["Profile"]["Properties"]["Roles"] = [ref("R1"), ref("R2")]
        r = self.cairn("apply", "--auto-approve", self.stack(res))
        self.assertEqual(r.returncode, 1)
        self.assertIn("an instance profile holds exactly one role", r.stderr)

        self.cairn_ok("destroy", "--auto-approve", t)
        self.assert_all_gone()

    def test_group(self):
        res = {"MP1": managed("s3:ListBucket"), "MP2": managed("s3:GetObject"), "G": {
            "Type": "AWS::IAM::Group", "Properties": {
                "Path": "/g/", "ManagedPolicyArns": [ref("MP1")],
                "Policies": [{"PolicyName": "p", "PolicyDocument": doc(allow("sqs:*"))}]}}}
        t = self.stack(res, {"Arn": att("G", "Arn")})
        self.apply(t)
        name = self.pid("G")
        g = self.iam.get_group(GroupName=name)["Group"]
        self.assertEqual(g["Path"], "/g/")
        self.assertEqual(self.cairn_ok("output", "Arn").stdout.strip(), g["Arn"])
        self.assertEqual(self.inline("group", name), {"p": doc(allow("sqs:*"))})
        self.assertEqual(self.attached("group", name), [self.pid("MP1")])
        self.noop(t)

        gp = res["G"]["Properties"]
        gp.update(Path="/h/", ManagedPolicyArns=[ref("MP2")],
                  Policies=[{"PolicyName": "q", "PolicyDocument": doc(allow("sns:*"))}])
        t = self.stack(res, {"Arn": att("G", "Arn")})
        out = self.plan(t, 2)
        self.assertIn("# G (AWS::IAM::Group) will be updated in place", out)
        self.apply(t)
        self.assertEqual(self.pid("G"), name)
        g = self.iam.get_group(GroupName=name)["Group"]
        self.assertEqual(g["Path"], "/h/")
        self.assertEqual(self.cairn_ok("output", "Arn").stdout.strip(),
                         "arn:aws:iam::%s:group/h/%s" % (ACCOUNT, name))
        self.assertEqual(self.inline("group", name), {"q": doc(allow("sns:*"))})
        self.assertEqual(self.attached("group", name), [self.pid("MP2")])
        self.noop(t)

        self.iam.delete_group_policy(GroupName=name, PolicyName="q")
        self.iam.attach_group_policy(GroupName=name, PolicyArn=self.pid("MP1"))  # not managed: left
        self.iam.detach_group_policy(GroupName=name, PolicyArn=self.pid("MP2"))
        out = self.plan(t, 2)
        self.assertIn("~ Policies", out)
        self.assertIn("~ ManagedPolicyArns", out)
        self.apply(t)
        self.assertEqual(self.inline("group", name), {"q": doc(allow("sns:*"))})
        self.assertEqual(self.attached("group", name), sorted([self.pid("MP1"), self.pid("MP2")]))
        self.noop(t)

        gp["GroupName"] = "cairn-test-group"
        t = self.stack(res)
        self.assertIn("-/+ G", self.plan(t, 2))
        self.apply(t)
        self.assertEqual(self.pid("G"), "cairn-test-group")
        self.gone(self.iam.get_group, GroupName=name)
        self.noop(t)

        # a member added by hand does not stop the destroy
        self.iam.create_user(UserName="someone")
        self.iam.add_user_to_group(GroupName="cairn-test-group", UserName="someone")
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.iam.list_groups()["Groups"], [])
        self.iam.delete_user(UserName="someone")
        self.assert_all_gone()

    def test_user(self):
        res = {"MP1": managed("s3:ListBucket"), "MP2": managed("s3:GetObject"),
               "G1": {"Type": "AWS::IAM::Group"}, "G2": {"Type": "AWS::IAM::Group"},
               "U": {"Type": "AWS::IAM::User", "Properties": {
                   "Path": "/people/", "Groups": [ref("G1")], "ManagedPolicyArns": [ref("MP1")],
                   "PermissionsBoundary": ref("MP1"), "Tags": tags({"team": "ml"}),
                   "Policies": [{"PolicyName": "p", "PolicyDocument": doc(allow("sqs:*"))}]}}}
        t = self.stack(res, {"Arn": att("U", "Arn")})
        self.apply(t)
        name = self.pid("U")
        self.assertRegex(name, r"^demo-U-[0-9a-f]{12}$")
        u = self.iam.get_user(UserName=name)["User"]
        self.assertEqual(u["Path"], "/people/")
        self.assertEqual(u["PermissionsBoundary"]["PermissionsBoundaryArn"], self.pid("MP1"))
        self.assertEqual(tag_dict(u["Tags"]), {"team": "ml", "cairn:stack": "demo",
                                               "cairn:logical-id": "U"})
        self.assertEqual(self.cairn_ok("output", "Arn").stdout.strip(), u["Arn"])
        groups = self.iam.list_groups_for_user(UserName=name)["Groups"]
        self.assertEqual([x["GroupName"] for x in groups], [self.pid("G1")])
        self.assertEqual(self.inline("user", name), {"p": doc(allow("sqs:*"))})
        self.assertEqual(self.attached("user", name), [self.pid("MP1")])
        self.noop(t)

        up = res["U"]["Properties"]
        up.update(Path="/staff/", Groups=[ref("G2")], ManagedPolicyArns=[ref("MP2")],
                  PermissionsBoundary=ref("MP2"), Tags=tags({"team": "data"}),
                  Policies=[{"PolicyName": "p", "PolicyDocument": doc(allow("sns:*"))}])
        t = self.stack(res)
        out = self.plan(t, 2)
        self.assertIn("# U (AWS::IAM::User) will be updated in place", out)
        for p in ("Path", "Groups", "ManagedPolicyArns", "PermissionsBoundary", "Tags", "Policies"):
            self.assertIn("~ " + p, out)
        self.assertIn('"/people/" -> "/staff/"', out)
        self.apply(t)
        self.assertEqual(self.pid("U"), name)
        v = self.iam.get_user(UserName=name)["User"]
        self.assertEqual(v["UserId"], u["UserId"])
        self.assertEqual(v["Path"], "/staff/")
        self.assertEqual(v["PermissionsBoundary"]["PermissionsBoundaryArn"], self.pid("MP2"))
        self.assertEqual(tag_dict(v["Tags"])["team"], "data")
        groups = self.iam.list_groups_for_user(UserName=name)["Groups"]
        self.assertEqual([x["GroupName"] for x in groups], [self.pid("G2")])
        self.assertEqual(self.inline("user", name), {"p": doc(allow("sns:*"))})
        self.assertEqual(self.attached("user", name), [self.pid("MP2")])
        self.noop(t)

        # out of band
        self.iam.remove_user_from_group(GroupName=self.pid("G2"), UserName=name)
        self.iam.tag_user(UserName=name, Tags=[{"Key": "extra", "Value": "x"}])
        self.iam.delete_user_permissions_boundary(UserName=name)
        out = self.plan(t, 2)
        self.assertIn("~ Groups", out)
        self.assertIn("~ Tags", out)
        self.assertIn("+ PermissionsBoundary", out)
        self.apply(t)
        v = self.iam.get_user(UserName=name)["User"]
        self.assertEqual(tag_dict(v["Tags"]), {"team": "data", "cairn:stack": "demo",
                                               "cairn:logical-id": "U"})
        self.assertEqual(v["PermissionsBoundary"]["PermissionsBoundaryArn"], self.pid("MP2"))
        self.assertEqual(len(self.iam.list_groups_for_user(UserName=name)["Groups"]), 1)
        self.noop(t)

        # the boundary removed from the template: deleted
        del up["PermissionsBoundary"]
        t = self.stack(res)
        self.apply(t)
        self.assertNotIn("PermissionsBoundary", self.iam.get_user(UserName=name)["User"])
        self.noop(t)

        up["UserName"] = "cairn-test-user"
        t = self.stack(res)
        self.assertIn("-/+ U", self.plan(t, 2))
        self.apply(t)
        self.gone(self.iam.get_user, UserName=name)
        self.assertEqual([x["UserName"] for x in self.iam.list_users()["Users"]], ["cairn-test-user"])
        self.noop(t)

        self.cairn_ok("destroy", "--auto-approve", t)
        self.assert_all_gone()

    def test_user_with_credentials_made_by_hand_says_what_to_do(self):
        t = self.stack({"U": {"Type": "AWS::IAM::User", "Properties": {"UserName": "cairn-test-k"}}})
        self.apply(t)
        self.iam.create_login_profile(UserName="cairn-test-k", Password="Xx1!xxxxxxxxxxxx")
        r = self.cairn("destroy", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("U (AWS::IAM::User)", r.stderr)
        self.assertIn("DeleteUser (iam): DeleteConflict", r.stderr)
        self.assertIn("delete-login-profile", r.stderr)
        self.iam.delete_login_profile(UserName="cairn-test-k")
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assert_all_gone()

    def test_passwords_and_access_keys_are_refused(self):
        t = self.write("bad.yaml", """\
Resources:
  U:
    Type: AWS::IAM::User
    Properties:
      LoginProfile: {Password: hunter2}
  K:
    Type: AWS::IAM::AccessKey
    Properties:
      UserName: !Ref U
""")
        r = self.cairn("validate", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml:5:7: U (AWS::IAM::User): Properties: property 'LoginProfile' is "
                      "not supported by AWS::IAM::User", r.stderr)
        self.assertIn("bad.yaml:7:5: K: unknown resource type 'AWS::IAM::AccessKey'", r.stderr)


class TestAdoption(IamCase):
    """find(): a create interrupted after AWS made the resource, before the
    state recorded it, is adopted by the next apply, never duplicated."""

    def test_pending_creates_are_adopted(self):
        res = {
            "MP": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
                "PolicyDocument": doc(allow("s3:ListBucket")), "Users": [ref("U")]}},
            "Role": role(ManagedPolicyArns=[ref("MP")], Tags=tags({"a": "b"})),
            "Profile": {"Type": "AWS::IAM::InstanceProfile", "Properties": {"Roles": [ref("Role")]}},
            "G": {"Type": "AWS::IAM::Group"},
            "U": {"Type": "AWS::IAM::User", "Properties": {"Groups": [ref("G")]}},
            "Inline": {"Type": "AWS::IAM::Policy", "Properties": {
                "PolicyName": "inline", "PolicyDocument": doc(allow("sqs:*")),
                "Roles": [ref("Role")]}},
        }
        t = self.stack(res)
        self.apply(t)
        before = self.state()
        names = {"MP": "ManagedPolicyName", "Role": "RoleName", "Profile": "InstanceProfileName",
                 "G": "GroupName", "U": "UserName"}
        # as an apply killed right after each create call left it
        st = json.loads(json.dumps(before))
        for lid, rec in st["resources"].items():
            rec["status"] = "pending"
            pend = {"started": "2020-01-01T00:00:00Z", "token": "0" * 32}
            if lid in names:
                pend["name"] = rec["properties"][names[lid]]
            else:  # the policy's id came from its create's token
                pend["token"] = rec["id"].split("-")[-1].lower() + "0" * 19
            rec["pending"] = pend
            del rec["id"]
        with open(os.path.join(self.tmp, ".cairn", "demo.state.json"), "w") as f:
            json.dump(st, f)
        out = self.plan(t, 2)
        self.assertIn("6 resources created by an interrupted apply will be adopted.", out)
        self.assertIn("Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.", out)
        self.apply(t)
        after = self.state()
        for lid in res:
            self.assertEqual(after["resources"][lid]["id"], before["resources"][lid]["id"], lid)
        self.assertEqual(len(self.iam.list_roles()["Roles"]), 1)
        self.assertEqual(len(self.iam.list_users()["Users"]), 1)
        self.assertEqual(len(self.iam.list_groups()["Groups"]), 1)
        self.assertEqual(len(self.iam.list_instance_profiles()["InstanceProfiles"]), 1)
        self.assertEqual(len(self.local_policies()), 1)
        self.noop(t)

    def test_an_untagged_namesake_is_not_adopted(self):
        # a pending role whose fixed name now belongs to a role cairn did
        # not make (no cairn tags): find() does not take it
        t = self.stack({"Role": role(RoleName="cairn-test-namesake")})
        self.apply(t)
        st = self.state()
        rec = st["resources"]["Role"]
        rec["status"] = "pending"
        rec["pending"] = {"started": "2020-01-01T00:00:00Z", "token": "1" * 32}
        del rec["id"]
        with open(os.path.join(self.tmp, ".cairn", "demo.state.json"), "w") as f:
            json.dump(st, f)
        self.iam.untag_role(RoleName="cairn-test-namesake", TagKeys=["cairn:stack", "cairn:logical-id"])
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already exists and cairn did not make it", r.stderr)


if __name__ == "__main__":
    cairntest.main()
