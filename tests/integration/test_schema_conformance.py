"""Schema conformance (DESIGN.md section 1, issue 5): for every resource type
in cairn's registry (`cairn validate --dump-types`, so types added later are
covered without touching this file), compare cairn's declarative schema
with the CloudFormation resource schema that ships with cfn-lint:

  - the type exists in CloudFormation;
  - every property cairn accepts exists there, at every depth, with the
    same kind (String, Integer, Double, Boolean, Json, PolicyDocument,
    Tags, List, Object, Map), lists with the same ordering (set when
    CloudFormation says insertionOrder: false), enums within
    CloudFormation's values;
  - cairn's required properties are exactly CloudFormation's, at every
    depth, and every property CloudFormation requires is one cairn has;
  - cairn's create_only equals CloudFormation's createOnlyProperties
    (restricted to the properties cairn supports), and nothing is both
    create-only and immutable;
  - every Fn::GetAtt attribute is one of the schema's readOnlyProperties
    (or one cfn-lint accepts for an older type, such as
    AWS::SageMaker::Model.ModelName), and list attributes are arrays there;
  - the tags property is the schema's tagProperty, and the generated-name
    property is no longer than the schema allows.

The comparison is also run on deliberately wrong registries, to show that
it finds what it should."""
import copy
import json
import os
import subprocess
import sys
import unittest

import cairntest


def load_cfn_schemas(names):
    """{type name: schema} from cfn-lint, run in a child interpreter from a
    neutral directory (cfn-lint's package fails to import from inside it)."""
    code = ("import json, sys\n"
            "from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as P\n"
            "out = {}\n"
            "for n in json.load(sys.stdin):\n"
            "    try:\n"
            "        s = P.get_resource_schema('us-east-1', n)\n"
            "        out[n] = dict(s.schema)\n"
            "        out[n]['x-cfnlint-getatts'] = sorted(s.get_atts)\n"
            "    except Exception as e:\n"
            "        out[n] = None\n"
            "json.dump(out, sys.stdout)\n")
    r = subprocess.run([sys.executable, "-c", code], input=json.dumps(names), capture_output=True,
                       text=True, cwd="/", timeout=300)
    if r.returncode != 0:
        raise RuntimeError("cannot load the cfn-lint schemas: " + r.stderr)
    return json.loads(r.stdout)


def resolve(schema, node):
    """Follows $ref (within the schema's definitions) until a real node."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return node
        cur = schema
        for part in ref[2:].split("/"):
            cur = cur[part]
        node = cur
        seen += 1
        if seen > 50:
            raise RuntimeError("a $ref loop at " + ref)
    return node


def types_of(node):
    t = node.get("type")
    if t is None:
        kinds = set()
        for alt in node.get("anyOf", []) + node.get("oneOf", []):
            if isinstance(alt, dict) and "type" in alt:
                kinds |= set(alt["type"] if isinstance(alt["type"], list) else [alt["type"]])
        if not kinds and "properties" in node:
            kinds = {"object"}
        return kinds
    return set(t if isinstance(t, list) else [t])


class Comparison:
    """Compares one cairn type with its CloudFormation schema; collects
    every difference in self.problems."""

    def __init__(self, cairn, cfn):
        self.cairn = cairn
        self.cfn = cfn
        self.problems = []

    def problem(self, path, msg):
        self.problems.append("%s: %s: %s" % (self.cairn["name"], path or "Properties", msg))

    def run(self):
        if self.cfn is None:
            self.problem("", "CloudFormation has no such type")
            return self.problems
        self.node(self.cairn["schema"], {"type": "object", "properties": self.cfn["properties"],
                                         "required": self.cfn.get("required", [])}, "")
        self.create_only()
        self.attributes()
        self.tags_and_name()
        return self.problems

    def node(self, mine, theirs, path):
        theirs = resolve(self.cfn, theirs)
        kinds = types_of(theirs)
        k = mine["kind"]
        if k == "String":
            if "string" not in kinds:
                self.problem(path, "cairn says String, CloudFormation says %s" % sorted(kinds))
            if "enum" in mine:
                allowed = theirs.get("enum")
                if allowed is None:
                    self.problem(path, "cairn has an enum, CloudFormation has none")
                else:
                    extra = [v for v in mine["enum"] if v not in allowed]
                    if extra:
                        self.problem(path, "enum values CloudFormation does not allow: %s" % extra)
        elif k == "Integer":
            if "integer" not in kinds:
                self.problem(path, "cairn says Integer, CloudFormation says %s" % sorted(kinds))
        elif k == "Double":
            if "number" not in kinds:
                self.problem(path, "cairn says Double, CloudFormation says %s" % sorted(kinds))
        elif k == "Boolean":
            if "boolean" not in kinds:
                self.problem(path, "cairn says Boolean, CloudFormation says %s" % sorted(kinds))
        elif k in ("Json", "PolicyDocument"):
            if kinds and "object" not in kinds:
                self.problem(path, "cairn says %s, CloudFormation says %s" % (k, sorted(kinds)))
            if "properties" in theirs and not theirs.get("additionalProperties", True) is True:
                self.problem(path, "cairn says %s, CloudFormation describes an object with "
                                   "properties" % k)
        elif k == "Tags":
            item = resolve(self.cfn, theirs.get("items", {}))
            props = item.get("properties", {})
            if "array" not in kinds or set(props) != {"Key", "Value"}:
                self.problem(path, "cairn says Tags, CloudFormation says %s of %s" %
                             (sorted(kinds), sorted(props)))
        elif k == "List":
            if "array" not in kinds:
                self.problem(path, "cairn says List, CloudFormation says %s" % sorted(kinds))
                return
            unordered = theirs.get("insertionOrder", True) is False
            if mine["set"] != unordered:
                self.problem(path, "cairn says set=%s, CloudFormation says insertionOrder=%s" %
                             (mine["set"], not unordered))
            self.node(mine["item"], theirs.get("items", {}), path + "[]")
        elif k == "Object":
            if "object" not in kinds:
                self.problem(path, "cairn says Object, CloudFormation says %s" % sorted(kinds))
                return
            props = theirs.get("properties", {})
            required = set(theirs.get("required", []))
            for name, sub in mine["properties"].items():
                p = (path + "." if path else "") + name
                if name not in props:
                    self.problem(p, "CloudFormation has no such property")
                    continue
                self.node(sub, props[name], p)
                if sub["required"] != (name in required):
                    self.problem(p, "cairn says required=%s, CloudFormation says %s" %
                                 (sub["required"], name in required))
            missing = sorted(required - set(mine["properties"]))
            if missing:
                self.problem(path, "CloudFormation requires %s, which cairn does not support" % missing)
        elif k == "Map":
            if "object" not in kinds or "properties" in theirs:
                self.problem(path, "cairn says Map, CloudFormation says %s" % sorted(kinds))
                return
            vals = list(theirs.get("patternProperties", {}).values())
            if isinstance(theirs.get("additionalProperties"), dict):
                vals.append(theirs["additionalProperties"])
            if vals:
                self.node(mine["value"], vals[0], path + ".*")
        else:
            self.problem(path, "unknown kind %s in cairn's schema" % k)

    def supported(self, path):
        node = self.cairn["schema"]
        for part in path.split("/"):
            if node["kind"] == "List":
                node = node["item"]
            if node["kind"] != "Object" or part not in node["properties"]:
                return False
            node = node["properties"][part]
        return True

    def create_only(self):
        theirs = set()
        for p in self.cfn.get("createOnlyProperties", []):
            p = p[len("/properties/"):].replace("/properties/", "/").replace("/*", "")
            if self.supported(p):
                theirs.add(p)
        mine = set(self.cairn["create_only"])
        if mine != theirs:
            self.problem("", "create_only %s, CloudFormation's createOnlyProperties (supported) %s"
                         % (sorted(mine), sorted(theirs)))
        both = mine & set(self.cairn["immutable"])
        if both:
            self.problem("", "both create-only and immutable: %s" % sorted(both))
        for p in self.cairn["immutable"]:
            if not self.supported(p):
                self.problem("", "immutable %s is not a property" % p)

    def attributes(self):
        readonly = {}
        for p in self.cfn.get("readOnlyProperties", []):
            name = p[len("/properties/"):].replace("/", ".")
            readonly[name] = p
        # what cfn-lint accepts in Fn::GetAtt: the readOnlyProperties plus the
        # attributes CloudFormation documents for older, non-registry types
        # (AWS::SageMaker::Model's ModelName, ...)
        for name in self.cfn.get("x-cfnlint-getatts", []):
            readonly.setdefault(name, "/properties/" + name.replace(".", "/"))
        for a in self.cairn["attributes"]:
            if a not in readonly:
                self.problem("", "attribute %s is not one of CloudFormation's readOnlyProperties %s"
                             % (a, sorted(readonly)))
        for a in self.cairn["list_attributes"]:
            node = {"properties": self.cfn["properties"]}
            for part in a.split("."):
                node = resolve(self.cfn, node.get("properties", {}).get(part, {}))
            if "array" not in types_of(node):
                self.problem("", "list attribute %s is not an array in CloudFormation" % a)
        if self.cairn["ref"] and self.cairn["ref"] not in readonly:
            self.problem("", "ref %s is not a readOnlyProperty" % self.cairn["ref"])

    def tags_and_name(self):
        tagging = self.cfn.get("tagging", {})
        theirs = None
        if tagging.get("taggable", False) and tagging.get("tagProperty"):
            theirs = tagging["tagProperty"][len("/properties/"):]
        if self.cairn["tags"] != theirs:
            self.problem("", "tags %s, CloudFormation's tagProperty %s" % (self.cairn["tags"], theirs))
        gen = self.cairn["generated_name"]
        if gen:
            prop = resolve(self.cfn, self.cfn["properties"].get(gen["property"], {}))
            limit = prop.get("maxLength")
            if limit is not None and gen["max"] > limit:
                self.problem(gen["property"], "generated names up to %d, CloudFormation allows %d"
                             % (gen["max"], limit))


class TestSchemaConformance(cairntest.CairnTestCase):
    needs_moto = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        r = subprocess.run([cairntest.CAIRN, "validate", "--dump-types"], capture_output=True,
                           text=True, check=True)
        cls.types = json.loads(r.stdout)["types"]
        cls.cfn = load_cfn_schemas([t["name"] for t in cls.types])

    def test_registry_is_not_empty(self):
        names = [t["name"] for t in self.types]
        self.assertIn("AWS::KMS::Key", names)
        self.assertIn("AWS::S3::Bucket", names)

    def test_every_type_conforms(self):
        problems = []
        for t in self.types:
            problems += Comparison(t, self.cfn[t["name"]]).run()
        self.assertEqual(problems, [], "\n" + "\n".join(problems))

    def test_the_comparison_finds_differences(self):
        bucket = next(t for t in self.types if t["name"] == "AWS::S3::Bucket")
        cfn = self.cfn["AWS::S3::Bucket"]

        def problems(edit):
            t = copy.deepcopy(bucket)
            edit(t)
            return Comparison(t, cfn).run()

        props = lambda t: t["schema"]["properties"]
        cases = [
            (lambda t: props(t).update(Nope={"kind": "String", "required": False}),
             "Nope: CloudFormation has no such property"),
            (lambda t: props(t).update(BucketName={"kind": "Boolean", "required": False}),
             "BucketName: cairn says Boolean"),
            (lambda t: props(t)["VersioningConfiguration"]["properties"]["Status"].update(required=False),
             "VersioningConfiguration.Status: cairn says required=False"),
            (lambda t: props(t)["VersioningConfiguration"]["properties"]["Status"]["enum"].append("On"),
             "enum values CloudFormation does not allow: ['On']"),
            (lambda t: t["create_only"].clear(), "create_only [], CloudFormation's"),
            (lambda t: t["create_only"].append("Tags"), "create_only ['BucketName', 'Tags']"),
            (lambda t: t["attributes"].append("Endpoint"), "attribute Endpoint is not one of"),
            (lambda t: t.update(tags=None), "tags None, CloudFormation's tagProperty Tags"),
            (lambda t: t["generated_name"].update(max=70), "generated names up to 70"),
            (lambda t: props(t)["BucketEncryption"]["properties"]["ServerSideEncryptionConfiguration"]
             .update(set=True), "cairn says set=True"),
            (lambda t: props(t).update(Tags={"kind": "List", "set": True, "required": False,
                                             "item": {"kind": "String", "required": False}}),
             "Tags[]: cairn says String"),
        ]
        for edit, want in cases:
            got = problems(edit)
            self.assertTrue(any(want in p for p in got), "%r not in %r" % (want, got))
        self.assertIn("AWS::S3::Bucket: Properties: CloudFormation has no such type",
                      Comparison(bucket, None).run())


if __name__ == "__main__":
    cairntest.main()
