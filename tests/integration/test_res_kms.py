"""AWS::KMS::Key and AWS::KMS::Alias against moto, every result checked with
boto3 (never with cairn's own reader alone).

Per type: create, then the live configuration matches; a second plan is a
no-op; each updatable property changed in place (same physical id); a
create-only property change replaces (AliasName), an immutable one is
refused (KeySpec, KeyUsage, Origin, MultiRegion, as CloudFormation
refuses them); out-of-band changes show in the next plan and are put right;
destroy leaves nothing (keys pending deletion, after the template's
window).

moto 5 lacks RotationPeriodInDays and reports no KeyUsage for a key
created without one: the test double tests/lib/emulator/s3kmsct.py
adds both as KMS documents them.
"""
import datetime
import json

import cairntest
import emulator

ACCOUNT = cairntest.ACCOUNT


def policy(*actions, sid="Admin"):
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
            "Action": list(actions) if len(actions) > 1 else actions[0],
            "Resource": "*",
        }],
    }


KEY_TEMPLATE = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: %(description)s
      EnableKeyRotation: %(rotation)s
      %(period)s
      %(enabled)s
      %(policy)s
      PendingWindowInDays: 7
      Tags:
        - {Key: team, Value: %(team)s}
  Other:
    Type: AWS::KMS::Key
    Properties:
      Description: the other key
      PendingWindowInDays: 7
  Alias:
    Type: AWS::KMS::Alias
    Properties:
      AliasName: %(alias)s
      TargetKeyId: %(target)s
Outputs:
  KeyId: {Value: !Ref Key}
  KeyArn: {Value: !GetAtt Key.Arn}
  OtherId: {Value: !GetAtt Other.KeyId}
  Alias: {Value: !Ref Alias}
"""


def key_template(description="data key", rotation="true", period=180, enabled=None,
                 policy_doc=None, team="ml", alias="alias/cairn-test-data",
                 target="!GetAtt Key.Arn"):
    return KEY_TEMPLATE % {
        "description": description,
        "rotation": rotation,
        "period": "RotationPeriodInDays: %d" % period if period else "",
        "enabled": "Enabled: %s" % enabled if enabled is not None else "",
        "policy": "KeyPolicy: %s" % json.dumps(policy_doc) if policy_doc else "",
        "team": team,
        "alias": alias,
        "target": target,
    }


def kms_tags(kms, key_id):
    return {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key_id)["Tags"]}


class TestKms(cairntest.CairnTestCase):

    @classmethod
    def setUpClass(cls):
        with emulator.installed():
            super().setUpClass()

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.kms = self.boto("kms")

    def output(self, name):
        return self.cairn_ok("output", name).stdout.strip()

    def plan(self, path, want):
        r = self.cairn("plan", "-detailed-exitcode", "--no-policies", path)
        self.assertEqual(r.returncode, want, r.stdout + r.stderr)
        return r.stdout

    def make_pending(self, stack, names):
        """Rewrites the state as an apply killed right after these creates
        leaves it: pending records (the generated name kept), no id."""
        path = "%s/.cairn/%s.state.json" % (self.tmp, stack)
        with open(path) as f:
            st = json.load(f)
        for lid, name_prop in names.items():
            rec = st["resources"][lid]
            rec["status"] = "pending"
            rec.pop("id")
            rec.pop("attributes", None)
            rec["pending"] = {"token": "interrupted-" + lid, "started": "2020-01-01T00:00:00Z"}
            if name_prop:
                rec["pending"]["name"] = rec["properties"][name_prop]
        st.pop("outputs", None)
        st["outputs"] = {}
        self.write(".cairn/%s.state.json" % stack, json.dumps(st), mode=0o600)

    def aliases(self):
        return {a["AliasName"]: a.get("TargetKeyId")
                for a in self.kms.list_aliases()["Aliases"]
                if not a["AliasName"].startswith("alias/aws/")}

    def metadata(self, key_id):
        return self.kms.describe_key(KeyId=key_id)["KeyMetadata"]

    def key_policy(self, key_id):
        return json.loads(self.kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])

    def test_key_and_alias_lifecycle(self):
        t = self.write("kms.yaml", key_template(policy_doc=policy("kms:*")))
        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("3 added", r.stdout)
        key_id, other_id = self.output("KeyId"), self.output("OtherId")
        self.assertEqual(self.output("Alias"), "alias/cairn-test-data")

        m = self.metadata(key_id)
        self.assertEqual((m["Description"], m["KeyState"], m["KeySpec"], m["KeyUsage"],
                          m["Origin"], m.get("MultiRegion", False)),
                         ("data key", "Enabled", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
                          "AWS_KMS", False))
        rot = self.kms.get_key_rotation_status(KeyId=key_id)
        self.assertTrue(rot["KeyRotationEnabled"])
        self.assertEqual(rot["RotationPeriodInDays"], 180)
        self.assertEqual(self.key_policy(key_id)["Statement"][0]["Action"], "kms:*")
        self.assertEqual(kms_tags(self.kms, key_id),
                         {"team": "ml", "cairn:stack": "kms", "cairn:logical-id": "Key"})
        self.assertFalse(self.kms.get_key_rotation_status(KeyId=other_id)["KeyRotationEnabled"])
        self.assertEqual(self.aliases(), {"alias/cairn-test-data": key_id})
        self.assertIn("No changes.", self.plan(t, 0))

        # every updatable property of the key in place, and the key disabled
        # last (KMS changes rotation only on an enabled key)
        t = self.write("kms.yaml", key_template(
            description="data key v2", period=365, enabled="false", team="data",
            policy_doc=policy("kms:Describe*", "kms:Put*", "kms:Enable*", "kms:Get*")))
        out = self.plan(t, 2)
        self.assertIn("~ Key", out)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.", out)
        for prop in ("Description", "RotationPeriodInDays", "Enabled", "KeyPolicy", "Tags"):
            self.assertIn("~ %s" % prop, out)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual(self.output("KeyId"), key_id)
        m = self.metadata(key_id)
        self.assertEqual((m["Description"], m["Enabled"], m["KeyState"]),
                         ("data key v2", False, "Disabled"))
        self.assertEqual(self.kms.get_key_rotation_status(KeyId=key_id)["RotationPeriodInDays"], 365)
        self.assertEqual(sorted(self.key_policy(key_id)["Statement"][0]["Action"]),
                         ["kms:Describe*", "kms:Enable*", "kms:Get*", "kms:Put*"])
        self.assertEqual(kms_tags(self.kms, key_id)["team"], "data")
        self.plan(t, 0)

        # enabled again (first), rotation off; KeyPolicy removed from the
        # template: KMS's default policy is put back
        t = self.write("kms.yaml", key_template(
            description="data key v2", rotation="false", period=None, enabled="true", team="data"))
        self.plan(t, 2)
        self.cairn_ok("apply", "--auto-approve", t)
        m = self.metadata(key_id)
        self.assertEqual((m["Enabled"], m["KeyState"]), (True, "Enabled"))
        self.assertFalse(self.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])
        st = self.key_policy(key_id)["Statement"]
        self.assertEqual((st[0]["Action"], st[0]["Principal"]["AWS"]),
                         ("kms:*", "arn:aws:iam::%s:root" % ACCOUNT))
        self.plan(t, 0)

        # the alias: TargetKeyId in place, AliasName replaces
        t = self.write("kms.yaml", key_template(
            description="data key v2", rotation="false", period=None, enabled="true", team="data",
            target="!Ref Other"))
        out = self.plan(t, 2)
        self.assertIn("~ Alias", out)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual(self.aliases(), {"alias/cairn-test-data": other_id})
        self.plan(t, 0)
        t = self.write("kms.yaml", key_template(
            description="data key v2", rotation="false", period=None, enabled="true", team="data",
            target="!Ref Other", alias="alias/cairn-test-renamed"))
        out = self.plan(t, 2)
        self.assertIn("-/+ Alias", out)
        self.assertIn('"alias/cairn-test-data" -> "alias/cairn-test-renamed" # forces replacement',
                      out)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual(self.aliases(), {"alias/cairn-test-renamed": other_id})
        self.assertEqual(self.output("Alias"), "alias/cairn-test-renamed")
        self.plan(t, 0)

        # destroy: the alias goes, the keys are scheduled for deletion after
        # the template's 7 days
        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 3 destroyed.", r.stdout)
        self.assertEqual(self.aliases(), {})
        for kid in (key_id, other_id):
            m = self.metadata(kid)
            self.assertEqual(m["KeyState"], "PendingDeletion")
            days = (m["DeletionDate"] - datetime.datetime.now(datetime.timezone.utc)).days
            self.assertIn(days, (6, 7))

    def test_out_of_band_changes_show_and_are_put_right(self):
        t = self.write("kms.yaml", key_template())
        self.cairn_ok("apply", "--auto-approve", t)
        key_id, other_id = self.output("KeyId"), self.output("OtherId")
        self.kms.update_key_description(KeyId=key_id, Description="changed by hand")
        self.kms.disable_key_rotation(KeyId=key_id)
        self.kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "ops"}])
        self.kms.update_alias(AliasName="alias/cairn-test-data", TargetKeyId=other_id)

        out = self.plan(t, 2)
        self.assertRegex(out, r'~ Description +\= "changed by hand" -> "data key"')
        self.assertRegex(out, r"~ EnableKeyRotation += false -> true")
        self.assertIn("~ Tags", out)
        self.assertIn("~ TargetKeyId", out)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", out)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual(self.metadata(key_id)["Description"], "data key")
        rot = self.kms.get_key_rotation_status(KeyId=key_id)
        self.assertEqual((rot["KeyRotationEnabled"], rot["RotationPeriodInDays"]), (True, 180))
        self.assertEqual(kms_tags(self.kms, key_id)["team"], "ml")
        self.assertEqual(self.aliases(), {"alias/cairn-test-data": key_id})
        self.plan(t, 0)

        # a key scheduled for deletion outside cairn is gone for cairn: made again
        self.kms.schedule_key_deletion(KeyId=other_id, PendingWindowInDays=7)
        out = self.plan(t, 2)
        self.assertIn("# Other (AWS::KMS::Key) will be created (it was deleted outside cairn)", out)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertNotEqual(self.output("OtherId"), other_id)
        self.plan(t, 0)
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.aliases(), {})

    def test_key_kinds_and_immutable_properties(self):
        t = self.write("kinds.yaml", """\
Resources:
  Signing:
    Type: AWS::KMS::Key
    Properties:
      KeySpec: RSA_2048
      KeyUsage: SIGN_VERIFY
      PendingWindowInDays: 7
  Mac:
    Type: AWS::KMS::Key
    Properties:
      KeySpec: HMAC_256
      KeyUsage: GENERATE_VERIFY_MAC
      PendingWindowInDays: 7
  Global:
    Type: AWS::KMS::Key
    Properties:
      MultiRegion: true
      EnableKeyRotation: true
      BypassPolicyLockoutSafetyCheck: true
      PendingWindowInDays: 7
  Imported:
    Type: AWS::KMS::Key
    Properties:
      Origin: EXTERNAL
      PendingWindowInDays: 7
Outputs:
  Signing: {Value: !Ref Signing}
  Mac: {Value: !Ref Mac}
  Global: {Value: !Ref Global}
  Imported: {Value: !Ref Imported}
""")
        self.cairn_ok("apply", "--auto-approve", t)
        m = self.metadata(self.output("Signing"))
        self.assertEqual((m["KeySpec"], m["KeyUsage"]), ("RSA_2048", "SIGN_VERIFY"))
        m = self.metadata(self.output("Mac"))
        self.assertEqual((m["KeySpec"], m["KeyUsage"]), ("HMAC_256", "GENERATE_VERIFY_MAC"))
        g = self.output("Global")
        self.assertTrue(g.startswith("mrk-"), g)
        m = self.metadata(g)
        self.assertTrue(m["MultiRegion"])
        self.assertEqual(m["MultiRegionConfiguration"]["MultiRegionKeyType"], "PRIMARY")
        self.assertTrue(self.kms.get_key_rotation_status(KeyId=g)["KeyRotationEnabled"])
        self.assertEqual(self.metadata(self.output("Imported"))["Origin"], "EXTERNAL")
        self.plan(t, 0)

        with open(t) as f:
            text = f.read()
        for old, new, path in [("KeySpec: RSA_2048", "KeySpec: RSA_4096", "KeySpec"),
                               ("KeyUsage: GENERATE_VERIFY_MAC", "KeyUsage: ENCRYPT_DECRYPT",
                                "KeyUsage"),
                               ("MultiRegion: true", "MultiRegion: false", "MultiRegion"),
                               ("Origin: EXTERNAL", "Origin: AWS_KMS", "Origin")]:
            bad = self.write("kinds.yaml", text.replace(old, new))
            r = self.cairn("plan", "--no-policies", bad)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("%s cannot change once the resource exists" % path, r.stderr)
        self.write("kinds.yaml", text)
        self.cairn_ok("destroy", "--auto-approve", t)
        keys = [k["KeyId"] for k in self.kms.list_keys()["Keys"]]
        states = {self.metadata(k)["KeyState"] for k in keys
                  if self.metadata(k).get("KeyManager") == "CUSTOMER"}
        self.assertEqual(states, {"PendingDeletion"})

    def test_interrupted_creates_are_adopted(self):
        t = self.write("kms.yaml", key_template())
        self.cairn_ok("apply", "--auto-approve", t)
        key_id, other_id = self.output("KeyId"), self.output("OtherId")
        keys = sorted(k["KeyId"] for k in self.kms.list_keys()["Keys"])
        # killed after CreateKey, before EnableKeyRotation; after CreateAlias
        self.kms.disable_key_rotation(KeyId=key_id)
        self.make_pending("kms", {"Key": None, "Other": None, "Alias": None})
        out = self.plan(t, 2)
        self.assertIn("Key (AWS::KMS::Key) was created by an interrupted apply: it will be adopted "
                      "and updated in place [id=%s]" % key_id, out)
        self.assertIn("3 resources created by an interrupted apply will be adopted.", out)
        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("3 resources made by an interrupted apply adopted.", r.stdout)
        self.assertEqual(sorted(k["KeyId"] for k in self.kms.list_keys()["Keys"]), keys)
        self.assertEqual((self.output("KeyId"), self.output("OtherId")), (key_id, other_id))
        self.assertTrue(self.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])
        self.assertEqual(self.aliases(), {"alias/cairn-test-data": key_id})
        self.plan(t, 0)

    def test_alias_in_use_is_not_taken_over(self):
        other = self.kms.create_key(Description="someone's")["KeyMetadata"]["KeyId"]
        self.kms.create_alias(AliasName="alias/cairn-test-data", TargetKeyId=other)
        t = self.write("kms.yaml", key_template())
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Alias (AWS::KMS::Alias)", r.stderr)
        self.assertIn("AlreadyExistsException", r.stderr)
        self.assertIn("an alias named alias/cairn-test-data already exists and cairn did not "
                      "make it", r.stderr)
        self.assertEqual(self.aliases(), {"alias/cairn-test-data": other})
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.aliases(), {"alias/cairn-test-data": other})

    def test_rotation_of_a_disabled_key_says_what_to_do(self):
        t = self.write("kms.yaml", key_template(enabled="false"))
        self.cairn_ok("apply", "--auto-approve", t)
        key_id = self.output("KeyId")
        self.assertEqual(self.metadata(key_id)["KeyState"], "Disabled")
        self.assertTrue(self.kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])
        t = self.write("kms.yaml", key_template(enabled="false", period=400))
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Key (AWS::KMS::Key)", r.stderr)
        self.assertIn("DisabledException", r.stderr)
        self.assertIn("KMS changes automatic rotation only on an enabled key: set Enabled: true",
                      r.stderr)
        self.assertEqual(self.kms.get_key_rotation_status(KeyId=key_id)["RotationPeriodInDays"], 180)

    def test_rotation_period_out_of_range_is_an_error_naming_it(self):
        t = self.write("kms.yaml", key_template(period=30))
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Key (AWS::KMS::Key)", r.stderr)
        self.assertIn("EnableKeyRotation (kms)", r.stderr)
        self.assertIn("rotationPeriodInDays", r.stderr)


if __name__ == "__main__":
    cairntest.main()
