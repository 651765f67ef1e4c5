"""cairn graph: the dependency graph as Graphviz DOT and as JSON, its order
(each resource after what it depends on, ties in template order), edges
from Ref, Fn::GetAtt, Fn::Sub (both forms, ${Res.Attr}) and DependsOn,
conditions, and cycles as errors."""
import json
import os
import shutil
import subprocess

import cairntest

FIXTURES = os.path.join(cairntest.ROOT, "tests", "fixtures", "templates")

CHAIN = """\
Parameters:
  Env: {Type: String, Default: dev}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Trail:
    Type: AWS::S3::Bucket
    Properties:
      Tags:
        - {Key: logs, Value: !Sub "${Logs.Arn}"}
        - {Key: key, Value: !Sub ["${K}", {K: !GetAtt Key.KeyId}]}
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Key}-logs"
  Key:
    Type: AWS::KMS::Key
  Archive:
    Type: AWS::S3::Bucket
    Condition: IsProd
    DependsOn: [Trail, Logs]
  Spare:
    Type: AWS::KMS::Key
"""


class TestGraph(cairntest.CairnTestCase):
    needs_moto = False

    def test_dot_of_a_stack(self):
        r = self.cairn_ok("graph", os.path.join(FIXTURES, "valid", "kms-s3.yaml"))
        self.assertEqual(r.stdout, (
            'digraph "kms-s3" {\n'
            '  // edges point from a resource to the resources it depends on\n'
            '  rankdir = "RL";\n'
            '  node [shape = box, fontname = "Helvetica", fontsize = 10];\n'
            '  "Key" [label = "Key\\nAWS::KMS::Key"];\n'
            '  "Bucket" [label = "Bucket\\nAWS::S3::Bucket"];\n'
            '  "Logs" [label = "Logs\\nAWS::S3::Bucket\\nif IsProd (false)", style = dashed];\n'
            '  "Bucket" -> "Key";\n'
            '}\n'))
        self.assertEqual(r.stderr, "")

    def test_edges_and_order(self):
        tpl = self.write("chain.yaml", CHAIN)
        r = self.cairn_ok("graph", "--json", tpl)
        g = json.loads(r.stdout)
        self.assertEqual(g["stack"], "chain")
        order = [x["logical_id"] for x in g["resources"]]
        # Key first (Logs needs it), then Logs, Trail, Archive; Spare has no
        # dependency but is written after Archive, and ties go by template order
        self.assertEqual(order, ["Key", "Logs", "Trail", "Archive", "Spare"])
        deps = {x["logical_id"]: x["depends_on"] for x in g["resources"]}
        self.assertEqual(deps, {"Key": [], "Logs": ["Key"], "Trail": ["Key", "Logs"],
                                "Archive": ["Logs", "Trail"], "Spare": []})
        archive = g["resources"][3]
        self.assertEqual((archive["condition"], archive["enabled"], archive["line"], archive["column"]),
                         ("IsProd", False, 18, 3))
        # with Env=prod the condition holds
        g = json.loads(self.cairn_ok("graph", "--json", "--param", "Env=prod", tpl).stdout)
        self.assertTrue(g["resources"][3]["enabled"])
        dot = self.cairn_ok("graph", "--param", "Env=prod", tpl).stdout
        self.assertIn('"Archive" [label = "Archive\\nAWS::S3::Bucket\\nif IsProd"];', dot)
        for edge in ['"Logs" -> "Key"', '"Trail" -> "Key"', '"Trail" -> "Logs"',
                     '"Archive" -> "Logs"', '"Archive" -> "Trail"']:
            self.assertIn("  %s;\n" % edge, dot)
        self.assertEqual(dot.count("->"), 5)

    def test_unknown_condition_is_dashed(self):
        tpl = self.write("c.yaml", "Conditions:\n  Eu: !Equals [!Ref 'AWS::Region', eu-west-1]\n"
                                   "Resources:\n  B: {Type: AWS::S3::Bucket, Condition: Eu}\n")
        dot = self.cairn_ok("graph", tpl, env={"AWS_REGION": None, "AWS_DEFAULT_REGION": None}).stdout
        self.assertIn('"B" [label = "B\\nAWS::S3::Bucket\\nif Eu (not known)", style = dashed];', dot)
        g = json.loads(self.cairn_ok("graph", "--json", tpl,
                                     env={"AWS_REGION": None, "AWS_DEFAULT_REGION": None}).stdout)
        self.assertIsNone(g["resources"][0]["enabled"])
        g = json.loads(self.cairn_ok("graph", "--json", "--region", "eu-west-1", tpl).stdout)
        self.assertTrue(g["resources"][0]["enabled"])

    def test_cycles_fail(self):
        r = self.cairn("graph", os.path.join(FIXTURES, "errors", "cycle.yaml"))
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertIn("cycle.yaml:7:3: dependency cycle: Logs -> Trail -> Data -> Logs", r.stderr)
        self.assertIn("cairn graph: 1 error in", r.stderr)

    def test_dot_is_valid_graphviz(self):
        if not shutil.which("dot"):
            self.skipTest("Graphviz is not installed")
        tpl = self.write("chain.yaml", CHAIN)
        dot = self.cairn_ok("graph", tpl).stdout
        r = subprocess.run(["dot", "-Tplain"], input=dot, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len([l for l in r.stdout.splitlines() if l.startswith("edge ")]), 5)

    def test_large_graph(self):
        # 2,000 resources in a chain written backwards: order must reverse it
        n = 2000
        lines = ["Resources:"]
        for i in range(n):
            lines.append("  R%d:\n    Type: AWS::S3::Bucket" % i)
            if i + 1 < n:
                lines.append("    Properties: {BucketName: !Ref R%d}" % (i + 1))
        r = self.cairn_ok("graph", "--json", self.write("big.yaml", "\n".join(lines) + "\n"))
        order = [x["logical_id"] for x in json.loads(r.stdout)["resources"]]
        self.assertEqual(order, ["R%d" % i for i in reversed(range(n))])


if __name__ == "__main__":
    cairntest.main()
