"""cairn validate: every error case in tests/fixtures/templates/errors (one
template each, its expected errors written in it as `# expect: LINE:COL:
message` comments, or beside it in FILE.expect for JSON), the valid
templates, parameters from --param and --params, NoEcho, stack names, and
the type registry dump. No AWS is involved: validate never calls it.

Each expected line must match the start of one error line exactly
(FILE:LINE:COL: message...), and there must be no other error."""
import json
import os
import re
import shutil
import subprocess
import unittest

import cairntest

FIXTURES = os.path.join(cairntest.ROOT, "tests", "fixtures", "templates")
ERRORS = os.path.join(FIXTURES, "errors")
VALID = os.path.join(FIXTURES, "valid")


def expectations(path):
    """The args and expected messages written in (or beside) a fixture."""
    args, expects = [], []
    side = path + ".expect"
    if os.path.exists(side):
        with open(side) as f:
            expects = [l.rstrip("\n") for l in f if l.strip()]
        return args, expects
    with open(path) as f:
        for line in f:
            m = re.match(r"# (args|expect): (.*)$", line.rstrip("\n"))
            if m and m.group(1) == "args":
                args += m.group(2).split()
            elif m:
                expects.append(m.group(2))
    return args, expects


class TestValidateErrors(cairntest.CairnTestCase):
    needs_moto = False

    def check_fixture(self, name):
        path = os.path.join(ERRORS, name)
        args, expects = expectations(path)
        self.assertTrue(expects, "%s has no expectations" % name)
        r = self.cairn("validate", *args, name, cwd=ERRORS, env={"AWS_REGION": None})
        self.assertEqual(r.returncode, 1, "validate %s should fail\n%s%s" % (name, r.stdout, r.stderr))
        self.assertEqual(r.stdout, "")
        lines = r.stderr.splitlines()
        errors = [l for l in lines if l.startswith(name + ":") and ": warning: " not in l]
        for e in expects:
            want = "%s:%s" % (name, e)
            self.assertTrue(any(l.startswith(want) for l in errors),
                            "%s: no error starts with\n  %s\ngot:\n  %s" % (name, want, "\n  ".join(errors)))
        self.assertEqual(len(errors), len(expects),
                         "%s: expected %d errors, got:\n  %s" % (name, len(expects), "\n  ".join(errors)))
        self.assertEqual(lines[-1], "cairn validate: %d error%s in %s" %
                         (len(expects), "" if len(expects) == 1 else "s", name))


def _make(name):
    def test(self):
        self.check_fixture(name)
    return test


for _f in sorted(os.listdir(ERRORS)):
    if _f.endswith((".yaml", ".json")):
        setattr(TestValidateErrors, "test_" + re.sub(r"\W", "_", _f), _make(_f))


class TestValidate(cairntest.CairnTestCase):
    needs_moto = False

    def test_valid_fixtures_pass_and_say_what_they_hold(self):
        for name, summary in [
                ("kms-s3.yaml", "stack kms-s3, 3 resources, 2 parameters, 2 outputs"),
                ("kms-s3.json", "stack kms-s3, 2 resources, 2 parameters, 1 output"),
                ("intrinsics.yaml", "stack intrinsics, 4 resources, 4 parameters, 3 outputs")]:
            r = self.cairn_ok("validate", name, cwd=VALID)
            self.assertEqual(r.stdout, "%s: valid: %s\n" % (name, summary))
            self.assertEqual(r.stderr, "")

    def test_valid_fixtures_are_valid_cloudformation(self):
        # what cairn accepts, CloudFormation's linter accepts (errors only)
        for name in sorted(os.listdir(VALID)):
            r = subprocess.run(["cfn-lint", "--format", "parseable", os.path.join(VALID, name)],
                               capture_output=True, text=True)
            errors = [l for l in r.stdout.splitlines() if re.search(r":E\d{4}:", l)]
            self.assertEqual(errors, [], name)

    def test_region_and_parameters_decide_conditions(self):
        src = os.path.join(VALID, "intrinsics.yaml")
        self.cairn_ok("validate", "--region", "eu-west-1", "--param", "Env=prod", src)
        # a value outside AllowedValues from the command line
        r = self.cairn("validate", "--param", "Env=test", src)
        self.assertEqual(r.returncode, 1)
        self.assertIn("intrinsics.yaml:4:3: parameter 'Env': 'test' (from --param) is not one of "
                      "the AllowedValues: dev, prod", r.stderr)

    def test_params_files_in_every_form(self):
        tpl = self.write("app.yaml", "Parameters:\n"
                                     "  Env: {Type: String, AllowedValues: [dev, prod]}\n"
                                     "  Count: {Type: Number, MaxValue: 5}\n"
                                     "  Zones: {Type: CommaDelimitedList}\n"
                                     "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
        forms = {
            "p.json": '{"Env": "prod", "Count": 3, "Zones": ["a", "b"]}',
            "p.yaml": "Env: prod\nCount: 3\nZones: a,b\n",
            "cfn.json": json.dumps([{"ParameterKey": "Env", "ParameterValue": "prod"},
                                    {"ParameterKey": "Count", "ParameterValue": "3"},
                                    {"ParameterKey": "Zones", "ParameterValue": "a,b"}]),
        }
        for name, text in forms.items():
            self.cairn_ok("validate", "--params", self.write(name, text), tpl)
        # --param wins over --params; the later --params file wins over the earlier
        bad = self.write("bad.json", '{"Env": "qa", "Count": 9, "Zones": "x"}')
        r = self.cairn("validate", "--params", bad, "--param", "Env=dev", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("app.yaml:3:3: parameter 'Count': '9' (from --param) is greater than MaxValue 5",
                      r.stderr)
        self.assertNotIn("'Env'", r.stderr)
        self.cairn_ok("validate", "--params", bad, "--params", self.write("p2.json", text_ok()), tpl)

    def test_bad_params_files_are_reported_with_positions(self):
        tpl = self.write("app.yaml", "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
        r = self.cairn("validate", "--params", self.write("p.yaml", "Env: [prod\n"), tpl)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"p\.yaml:2:1: YAML syntax error")
        r = self.cairn("validate", "--params", self.write("p.json", '{"Env": {"a": 1}}'), tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("p.json:1:2: parameter 'Env': a value must be a string, a number, a boolean "
                      "or a list of them", r.stderr)
        r = self.cairn("validate", "--params", self.write("l.json", '[{"ParameterKey": "Env"}]'), tpl)
        self.assertIn("l.json:1:2: each item must be {ParameterKey: NAME, ParameterValue: VALUE}",
                      r.stderr)
        r = self.cairn("validate", "--params", self.write("u.json",
                       '[{"ParameterKey": "Env", "UsePreviousValue": true}]'), tpl)
        self.assertIn("UsePreviousValue is not supported", r.stderr)
        r = self.cairn("validate", "--param", "NoEquals", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cairn validate: --param 'NoEquals': write it as --param KEY=VALUE", r.stderr)

    def test_unknown_param_is_an_error(self):
        tpl = self.write("app.yaml", "Parameters:\n  Env: {Type: String, Default: dev}\n"
                                     "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
        r = self.cairn("validate", "--param", "Enw=prod", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("app.yaml: --param Enw: the template has no parameter 'Enw' (did you mean 'Env'?)",
                      r.stderr)

    def test_noecho_values_are_never_printed(self):
        tpl = self.write("db.yaml", "Parameters:\n"
                                    "  Password: {Type: String, NoEcho: true, MinLength: 16,\n"
                                    "             AllowedPattern: '[A-Za-z0-9]+'}\n"
                                    "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
        r = self.cairn("validate", "--param", "Password=hunter2!", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("parameter 'Password' (NoEcho): the value (from --param) is shorter than MinLength 16",
                      r.stderr)
        self.assertIn("parameter 'Password' (NoEcho): the value (from --param) does not match",
                      r.stderr)
        self.assertNotIn("hunter2", r.stderr + r.stdout)

    def test_stack_names(self):
        body = "Resources:\n  B: {Type: AWS::S3::Bucket}\n"
        r = self.cairn_ok("validate", self.write("sub/model-registry.yaml", body))
        self.assertIn("stack model-registry,", r.stdout)
        r = self.cairn_ok("validate", "--stack-name", "prod-registry", self.write("x.yaml", body))
        self.assertIn("stack prod-registry,", r.stdout)
        r = self.cairn("validate", self.write("my_stack.yaml", body))
        self.assertEqual(r.returncode, 1)
        self.assertIn("my_stack.yaml: stack name 'my_stack' (the file's name) is not valid", r.stderr)
        self.assertIn("pass --stack-name NAME", r.stderr)

    def test_missing_file_and_usage(self):
        r = self.cairn("validate", "nope.yaml")
        self.assertEqual(r.returncode, 1)
        self.assertIn("nope.yaml: no such file", r.stderr)
        r = self.cairn("validate")
        self.assertEqual(r.returncode, 1)
        self.assertIn("usage: cairn validate [options] FILE", r.stderr)
        r = self.cairn("validate", "a.yaml", "b.yaml")
        self.assertEqual(r.returncode, 1)
        self.assertIn("one template at a time", r.stderr)
        r = self.cairn_ok("validate", "--help")
        self.assertIn("--param KEY=VALUE", r.stdout)
        self.assertIn("--params FILE", r.stdout)
        self.assertIn("--stack-name NAME", r.stdout)

    def test_warnings_do_not_fail(self):
        tpl = self.write("w.yaml", "Metadata:\n  Cairn:\n    Policys: [cis-aws-3.0]\n"
                                   "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
        r = self.cairn_ok("validate", tpl)
        self.assertIn("w.yaml:3:5: warning: Metadata.Cairn.Policys is not a setting cairn reads",
                      r.stderr)

    def test_dump_types_lists_the_registry(self):
        r = self.cairn_ok("validate", "--dump-types")
        types = {t["name"]: t for t in json.loads(r.stdout)["types"]}
        self.assertIn("AWS::S3::Bucket", types)
        b = types["AWS::S3::Bucket"]
        self.assertEqual(b["module"], "lua/cairn/aws/s3.lua")
        self.assertEqual(b["create_only"], ["BucketName"])
        self.assertEqual(b["generated_name"], {"property": "BucketName", "max": 63, "lower": True})
        self.assertEqual(b["schema"]["properties"]["VersioningConfiguration"],
                         {"kind": "Object", "required": False, "properties": {
                             "Status": {"kind": "String", "required": True,
                                        "enum": ["Enabled", "Suspended"]}}})
        self.assertEqual(types["AWS::KMS::Key"]["immutable"],
                         ["KeySpec", "KeyUsage", "Origin", "MultiRegion"])

    def test_cairn_home_overrides_providers(self):
        home = os.path.join(self.tmp, "home")
        shutil.copytree(os.path.join(cairntest.ROOT, "lua"), os.path.join(home, "lua"))
        path = os.path.join(home, "lua", "cairn", "aws", "s3.lua")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write("local aws = require 'cairn.aws'\nlocal buckets = aws.s3.ListBuckets{}\n" + text)
        tpl = self.write("a.yaml", "Resources:\n  B: {Type: AWS::S3::Bucket}\n")
        r = self.cairn("validate", tpl, env={"CAIRN_HOME": home})
        self.assertEqual(r.returncode, 1)
        self.assertIn("lua/cairn/aws/s3.lua: cannot load the provider: lua/cairn/aws/s3.lua:2:", r.stderr)
        self.assertIn("aws.s3.ListBuckets called while cairn loads the type registry", r.stderr)

    def test_valgrind_finds_no_leak(self):
        if not shutil.which("valgrind") or os.environ.get("CAIRN", "").find("asan") >= 0:
            self.skipTest("valgrind is not installed, or this is the ASan build")
        for args, cwd in [(["validate", "intrinsics.yaml"], VALID),
                          (["validate", "bad-intrinsics.yaml"], ERRORS),
                          (["validate", "duplicate-keys.yaml"], ERRORS),
                          (["validate", "--param", "Env=qa", "param-allowed-values.yaml"], ERRORS),
                          (["graph", "--json", "kms-s3.yaml"], VALID)]:
            r = subprocess.run(["valgrind", "-q", "--leak-check=full", "--error-exitcode=99",
                                cairntest.CAIRN] + args, capture_output=True, text=True, cwd=cwd,
                               env=self.env())
            self.assertNotEqual(r.returncode, 99, "%s\n%s" % (args, r.stderr))
            self.assertNotIn("definitely lost", r.stderr)


def text_ok():
    return '{"Env": "dev", "Count": 1, "Zones": "x"}'


if __name__ == "__main__":
    cairntest.main()
