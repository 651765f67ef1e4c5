"""The compiled-in service models and the wire protocols against botocore:
the committed models are exactly what tools/gen-models.py makes from
data/models/operations.txt and the installed botocore, and cairn
serialises every operation in them as botocore's serializers do, on
generated parameters (tests/botocore/serializers.py)."""

import os
import subprocess
import sys

import cairntest

sys.path.insert(0, os.path.join(cairntest.ROOT, "tests", "botocore"))
import serializers  # noqa: E402


class TestModelsAndSerializers(cairntest.CairnTestCase):
    needs_moto = False

    def test_models_are_generated_from_the_list(self):
        r = subprocess.run([sys.executable, os.path.join(cairntest.ROOT, "tools", "gen-models.py"),
                            "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)

    def test_every_operation_serialises_as_botocore_does(self):
        self.assertEqual(serializers.main(["--cairn", cairntest.CAIRN, "--sets", "3"]), 0)

    def test_an_unknown_operation_is_named(self):
        r = self.cairn("__aws-lua", self.write("x.lua", "return require('cairn.aws').kms.CreateKye{}"))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("CreateKye (kms): UnknownOperation: kms has no operation 'CreateKye' compiled in", r.stderr)
        self.assertIn("data/models/operations.txt", r.stderr)
        r = self.cairn("__aws-lua", self.write("y.lua", "return require('cairn.aws').nosuch.Op{}"))
        self.assertIn("unknown AWS service 'nosuch'", r.stderr)

    def test_bad_parameters_are_named_before_anything_is_sent(self):
        r = self.cairn("__aws-lua", self.write("z.lua", "return require('cairn.aws').kms.CreateKey{ Tags = "
                                                       "{{ TagKey = 'a', TagValue = 5 }} }"),
                       env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"})
        self.assertIn("CreateKey (kms): ParamValidationError: invalid parameters: "
                      "Tags[0].TagValue: expected a string, got an integer", r.stderr)
        self.assertNotIn("ConnectionError", r.stderr)


if __name__ == "__main__":
    cairntest.main()
