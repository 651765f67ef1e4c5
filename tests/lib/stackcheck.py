"""stackcheck: helpers for the seed-stack tests (tests/integration/
test_stacks*.py), independent of cairn.

  - Template: reads a stack template with PyYAML (CloudFormation's short
    tags become long-form intrinsics) and evaluates the parts a test needs
    to compare with AWS (policy documents, names) from values the test
    found with boto3: the ARNs of the keys, buckets and roles it looked up,
    the exports of another stack. cairn's own evaluator is not involved, so
    "the role's policy is what the template says" is checked against a
    second reading of the template.
  - norm_policy: an IAM policy document in a canonical form (statement
    order, single values and lists, action order do not matter), as IAM
    compares them.
  - empty_bucket: deletes every object version and delete marker (what an
    operator does before destroying a stack; cairn never deletes objects).
"""
import json
import re

import yaml

ACCOUNT = "123456789012"
REGION = "us-east-1"

_TAGS = ["Ref", "Sub", "GetAtt", "If", "Join", "Select", "Split", "Equals", "Not", "And", "Or",
         "FindInMap", "GetAZs", "Base64", "Cidr", "ImportValue", "Condition"]


class _Loader(yaml.SafeLoader):
    pass


def _construct(tag):
    long = tag if tag in ("Ref", "Condition") else "Fn::" + tag

    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            v = loader.construct_scalar(node)
            if tag == "GetAtt":
                v = v.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            v = loader.construct_sequence(node, deep=True)
        else:
            v = loader.construct_mapping(node, deep=True)
        return {long: v}
    return construct


for _t in _TAGS:
    _Loader.add_constructor("!" + _t, _construct(_t))


class NoValue:
    """AWS::NoValue: removed from the list or mapping that holds it."""


class Template:
    """A template and what its intrinsics evaluate to, given:
    refs    {logical id: Ref value}
    atts    {(logical id, attribute): value}
    imports {export name: value}
    params  {name: value} (the rest from each parameter's Default)
    stack   the stack name"""

    def __init__(self, path, stack, refs=None, atts=None, imports=None, params=None):
        with open(path) as f:
            self.doc = yaml.load(f, Loader=_Loader)
        self.stack = stack
        self.refs = dict(refs or {})
        self.atts = dict(atts or {})
        self.imports = dict(imports or {})
        self.params = {}
        for name, p in (self.doc.get("Parameters") or {}).items():
            if "Default" in p:
                self.params[name] = p["Default"]
        self.params.update(params or {})

    def resource(self, logical_id):
        return self.doc["Resources"][logical_id]

    def prop(self, logical_id, *path):
        """The evaluated property at path ("Policies", 0, "PolicyDocument")."""
        v = self.resource(logical_id)["Properties"]
        for p in path:
            v = v[p]
        return self.eval(v)

    def ids(self, type_name):
        return [k for k, r in self.doc["Resources"].items() if r["Type"] == type_name]

    def pseudo(self, name):
        return {"AWS::AccountId": ACCOUNT, "AWS::Region": REGION, "AWS::Partition": "aws",
                "AWS::URLSuffix": "amazonaws.com", "AWS::StackName": self.stack}[name]

    def ref(self, name):
        if name == "AWS::NoValue":
            return NoValue
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.params:
            return self.params[name]
        if name in self.refs:
            return self.refs[name]
        raise KeyError("the test did not give Ref %s" % name)

    def getatt(self, lid, att):
        if (lid, att) not in self.atts:
            raise KeyError("the test did not give GetAtt %s.%s" % (lid, att))
        return self.atts[(lid, att)]

    def condition(self, name):
        return self._cond(self.doc["Conditions"][name])

    def _cond(self, c):
        (fn, arg), = c.items()
        if fn == "Fn::Equals":
            a, b = (self.eval(x) for x in arg)
            return str(a) == str(b)
        if fn == "Fn::Not":
            return not self._cond(arg[0])
        if fn == "Fn::And":
            return all(self._cond(x) for x in arg)
        if fn == "Fn::Or":
            return any(self._cond(x) for x in arg)
        if fn == "Condition":
            return self.condition(arg)
        raise ValueError("condition %s" % fn)

    def _sub(self, text, variables):
        def one(m):
            name = m.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.getatt(*name.split(".", 1)))
            return str(self.ref(name))
        return re.sub(r"\$\{([^}]+)\}", one, text)

    def eval(self, v):
        if isinstance(v, list):
            out = [self.eval(x) for x in v]
            return [x for x in out if x is not NoValue]
        if not isinstance(v, dict):
            return v
        if len(v) == 1:
            (k, arg), = v.items()
            if k == "Ref":
                return self.ref(arg)
            if k == "Fn::GetAtt":
                return self.getatt(*arg)
            if k == "Fn::Sub":
                if isinstance(arg, list):
                    return self._sub(arg[0], {n: self.eval(x) for n, x in arg[1].items()})
                return self._sub(arg, {})
            if k == "Fn::If":
                return self.eval(arg[1] if self.condition(arg[0]) else arg[2])
            if k == "Fn::Join":
                return arg[0].join(str(x) for x in self.eval(arg[1]))
            if k == "Fn::Select":
                return self.eval(arg[1])[int(self.eval(arg[0]))]
            if k == "Fn::ImportValue":
                return self.imports[self.eval(arg)]
        out = {}
        for key, x in v.items():
            y = self.eval(x)
            if y is not NoValue:
                out[key] = y
        return out


def _listed(v):
    if v is None:
        return []
    return sorted(str(x) for x in (v if isinstance(v, list) else [v]))


def norm_policy(doc):
    """A policy document (dict or JSON text) in canonical form."""
    if isinstance(doc, str):
        doc = json.loads(doc)
    stmts = doc.get("Statement")
    stmts = stmts if isinstance(stmts, list) else [stmts]
    out = []
    for s in stmts:
        n = {}
        for k, v in s.items():
            if k in ("Action", "NotAction", "Resource", "NotResource"):
                n[k] = _listed(v)
            elif k in ("Principal", "NotPrincipal"):
                n[k] = v if v == "*" else {pk: _listed(pv) for pk, pv in v.items()}
            elif k == "Condition":
                n[k] = {op: {ck: _listed(cv) for ck, cv in kv.items()} for op, kv in v.items()}
            else:
                n[k] = v
        out.append(n)
    out.sort(key=lambda s: json.dumps(s, sort_keys=True))
    return {"Version": doc.get("Version"), "Statement": out}


def release_deletion_guards(s3, bucket):
    """Removes from the bucket's policy the statements that deny deleting
    objects (the access-log and ingestion buckets have them), so that the
    bucket can be emptied."""
    try:
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    except s3.exceptions.ClientError:
        return
    keep = [st for st in policy["Statement"]
            if not (st["Effect"] == "Deny" and
                    any(a.startswith("s3:DeleteObject") for a in _listed(st["Action"])))]
    if len(keep) != len(policy["Statement"]):
        policy["Statement"] = keep
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))


def empty_bucket(s3, bucket):
    """Deletes every object version and delete marker of bucket."""
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        for v in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"],
                             BypassGovernanceRetention=True)
