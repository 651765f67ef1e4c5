"""Exports another stack imports (docs/internals/state.md#imports).

Two stacks joined by Fn::ImportValue, as seed-001 is: `exp` makes a KMS
key and exports its ARN, `imp` makes a bucket encrypted with it. Apply
records in imp's state which exports it imports and from which stack;
exp's destroy, and an apply of exp that removes the export or changes its
value, are refused with a message naming imp, until imp no longer imports
it. Checked with boto3: nothing was deleted while refused, and the key is
gone once the destroy is allowed.
"""
import json
import os

import cairntest


def exporter(outputs=True, export_name="exp-KeyArn", value="Arn", key_desc="exported key"):
    t = {"AWSTemplateFormatVersion": "2010-09-09",
         "Resources": {"Key": {"Type": "AWS::KMS::Key",
                               "Properties": {"Description": key_desc,
                                              "EnableKeyRotation": True}}}}
    if outputs:
        t["Outputs"] = {"KeyArn": {"Value": {"Fn::GetAtt": ["Key", value]},
                                   "Export": {"Name": export_name}}}
    return t


def importer(key=None):
    """Imports exp's key ARN; key: that ARN written out instead."""
    enc = {"SSEAlgorithm": "aws:kms",
           "KMSMasterKeyID": key or {"Fn::ImportValue": {"Fn::Sub": "${Prefix}-KeyArn"}}}
    return {"AWSTemplateFormatVersion": "2010-09-09",
            "Parameters": {"Prefix": {"Type": "String", "Default": "exp"}},
            "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": enc}]}}}}}


class TestStackImports(cairntest.CairnTestCase):

    def setUp(self):
        super().setUp()
        self.moto.reset()

    def put(self, name, t):
        return self.write(name + ".yaml", json.dumps(t, indent=1))

    def state(self, stack):
        with open(os.path.join(self.tmp, ".cairn", stack + ".state.json")) as f:
            return json.load(f)

    def refused(self, *args):
        r = self.cairn(*args)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        return r.stderr

    def test_destroy_and_export_changes_refused_while_imported(self):
        kms = self.boto("kms")
        exp = self.put("exp", exporter())
        self.cairn_ok("apply", "--auto-approve", exp)
        imp = self.put("imp", importer())
        self.cairn_ok("apply", "--auto-approve", imp)
        arn = self.state("exp")["outputs"]["KeyArn"]["value"]
        key = self.state("exp")["resources"]["Key"]["id"]
        self.assertEqual(self.state("imp")["imports"], {"exp-KeyArn": "exp"})
        self.assertNotIn("imports", self.state("exp"))

        # destroy: refused, naming the importer, its state and the commands
        err = self.refused("destroy", "--auto-approve", exp)
        self.assertIn("destroy of stack 'exp' refused", err)
        self.assertIn("export 'exp-KeyArn'", err)
        self.assertIn("stack 'imp' (state .cairn/imp.state.json)", err)
        self.assertIn("cairn destroy %s --state .cairn/imp.state.json" % imp, err)
        meta = kms.describe_key(KeyId=key)["KeyMetadata"]
        self.assertEqual(meta["KeyState"], "Enabled")
        self.assertIn("Key", self.state("exp")["resources"])

        # removing the output, renaming the export, changing its value: refused
        for t, why in ((exporter(outputs=False), "output KeyArn is no longer in the template"),
                       (exporter(export_name="exp-Other"), "output KeyArn's Export.Name changes to 'exp-Other'"),
                       (exporter(value="KeyId"), "output KeyArn's value changes from \"%s\" to \"%s\"" % (arn, key))):
            self.put("exp", t)
            for cmd in (("plan",), ("apply", "--auto-approve")):
                err = self.refused(*cmd, exp)
                self.assertIn("export 'exp-KeyArn': " + why, err)
                self.assertIn("imported by stack 'imp'", err)
        self.assertEqual(self.state("exp")["outputs"]["KeyArn"],
                         {"value": arn, "export": "exp-KeyArn"})

        # a change that keeps the export is fine
        self.put("exp", exporter(key_desc="still exported"))
        self.cairn_ok("apply", "--auto-approve", exp)
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["Description"], "still exported")

        # the importer stops importing (the same ARN written out: no resource
        # changes): the record goes, and so does the refusal
        self.put("imp", importer(key=arn))
        r = self.cairn_ok("apply", "--auto-approve", imp)
        self.assertIn("No changes.", r.stdout)
        self.assertNotIn("imports", self.state("imp"))
        self.cairn_ok("destroy", "--auto-approve", exp)
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"], "PendingDeletion")

    def test_destroyed_importer_releases_and_saved_plan_is_checked(self):
        kms = self.boto("kms")
        exp = self.put("exp", exporter())
        self.cairn_ok("apply", "--auto-approve", exp)
        key = self.state("exp")["resources"]["Key"]["id"]
        # a destroy plan saved while nothing imports the export...
        self.cairn_ok("plan", "-destroy", "-out", "gone.plan", exp)
        imp = self.put("imp", importer())
        self.cairn_ok("apply", "--auto-approve", imp)
        # ...is refused once something does (imp's apply did not touch exp's state)
        err = self.refused("apply", "gone.plan")
        self.assertIn("gone.plan: destroy of stack 'exp' refused", err)
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"], "Enabled")
        # destroying the importer clears its record
        self.cairn_ok("destroy", "--auto-approve", imp)
        self.assertNotIn("imports", self.state("imp"))
        self.cairn_ok("apply", "gone.plan")
        self.assertEqual(kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"], "PendingDeletion")


if __name__ == "__main__":
    cairntest.main()
