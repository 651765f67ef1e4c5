-- cairn.policy.iam: documents, matching, classification.
local P = require "cairn.policy"
local iam = P.iam
local stack = require("cairn.policy.stack").new()
local F = {}
local function eq(got, want, what)
  if got ~= want then
    F[#F + 1] = string.format("%s: got %s, want %s", what, tostring(got), tostring(want))
  end
end

eq(iam.matches("s3:Get*", "s3:GetObject"), true, "s3:Get* covers s3:GetObject")
eq(iam.matches("S3:get*", "s3:GetObject"), true, "case-insensitive")
eq(iam.matches("s3:Get*", "s3:PutObject"), false, "Get* does not cover Put")
eq(iam.matches("s3:*Object", "s3:DeleteObject"), true, "suffix wildcard")
eq(iam.matches("s3:Get?bject", "s3:GetObject"), true, "?")
eq(iam.matches("*", "iam:PassRole"), true, "*")
eq(iam.matches("s3:Get.Object", "s3:GetXObject"), false, "dot is literal")
eq(iam.matches("iam:Pass%Role", "iam:Pass%Role"), true, "percent is literal")

-- Statement as one object, JSON text, URL-encoded JSON
local d = iam.parse({ Statement = { Effect = "Allow", Action = "s3:GetObject", Resource = "*" } }, "Properties.PolicyDocument")
eq(#d.Statement, 1, "object statement")
eq(d.Statement[1].path, "Properties.PolicyDocument.Statement", "path of an object statement")
eq(d.Statement[1].Action[1], "s3:GetObject", "Action as list")
local role = stack:resource("Role")
local t = iam.parse(role.Properties.AssumeRolePolicyDocument, "Properties.AssumeRolePolicyDocument")
eq(t.Statement[1].Principal.Service[1], "sagemaker.amazonaws.com", "JSON text document")
eq(t.Statement[1].path, "Properties.AssumeRolePolicyDocument.Statement[0]", "list statement path")
local u = iam.parse("%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Deny%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D")
eq(iam.is_deny(u.Statement[1]), true, "URL-encoded document")
local bad, err = iam.parse("{not json")
eq(bad, nil, "bad JSON")
eq(type(err), "string", "bad JSON message")

-- Principals
local p = iam.parse({ Statement = { { Effect = "Allow", Principal = "*", Action = "s3:GetObject" },
  { Effect = "Allow", Principal = { AWS = { "arn:aws:iam::111122223333:root", "*" } }, Action = "x:y" },
  { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "x:y",
    Condition = { StringEquals = { ["aws:PrincipalOrgID"] = "o-123" } } },
  { Effect = "Allow", Principal = { Federated = "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com" },
    Action = "sts:AssumeRoleWithWebIdentity",
    Condition = { StringLike = { ["token.actions.githubusercontent.com:sub"] = "repo:org/x:*" } } },
  { Effect = "Allow", Principal = "*", Action = "x:y", Condition = { StringLike = { ["aws:SourceArn"] = "*" } } },
} }).Statement
eq(iam.principal_is_public(p[1]), true, "Principal *")
eq(iam.principal_is_public(p[2]), true, "AWS list with *")
eq(iam.principal_is_public(p[3]), false, "an account")
eq(iam.has_restricting_condition(p[3]), true, "PrincipalOrgID restricts")
eq(iam.has_restricting_condition(p[4]), true, "OIDC sub restricts")
eq(iam.has_restricting_condition(p[5]), false, "SourceArn * does not restrict")
eq(iam.has_restricting_condition(p[1]), false, "no condition")
eq(#iam.condition(p[3], "AWS:PrincipalOrgId"), 1, "condition lookup is case-insensitive")

-- Allows, NotAction, Deny
local s = iam.parse({ Statement = {
  { Effect = "Allow", NotAction = "iam:*", Resource = "*" },
  { Effect = "Allow", Action = { "s3:Get*", "s3:List*" }, Resource = "arn:aws:s3:::b/*" },
} }).Statement
eq(iam.allows(s[1], "s3:PutObject"), true, "NotAction allows everything else")
eq(iam.allows(s[1], "iam:PassRole"), false, "NotAction excludes")
eq(iam.allows(s[2], "s3:GetObject"), true, "Get*")
eq(iam.resource_is_star(s[1]), true, "Resource *")
eq(iam.resource_is_broad(s[2]), false, "one bucket's objects are not broad")
eq(iam.is_broad("arn:aws:iam::123456789012:role/*"), true, "every role is broad")
eq(iam.is_broad("arn:aws:iam::123456789012:role/path/*"), false, "a path of roles is not")
eq(iam.is_broad("arn:aws:s3:::*"), true, "every bucket")
eq(iam.is_broad(stack:resource("ModelBucketPolicy").Properties.PolicyDocument.Statement.Resource[2]), false, "an unknown is never broad")

-- Classification
local c = iam.action_class("s3:Get*")
eq(c.read, true, "Get* reads")
eq(c.write, false, "Get* does not write")
eq(iam.action_class("s3:*").write, true, "s3:* writes")
eq(iam.action_class("s3:*").permissions, true, "s3:* manages permissions")
eq(iam.action_class("s3:PutObject").write, true, "PutObject writes")
eq(iam.action_class("s3:PutObject").permissions, false, "PutObject is not permissions")
eq(iam.action_class("s3:De*").read, true, "De* may Describe")
eq(iam.action_class("s3:De*").write, true, "De* may Delete")
eq(iam.action_class("iam:PassRole").permissions, true, "PassRole")
eq(iam.action_class("kms:Decrypt").write, false, "Decrypt reads (an SSE-KMS object)")
eq(iam.action_class("kms:Encrypt").write, true, "Encrypt is not a read verb")
eq(iam.action_class("sagemaker:Describe*").write, false, "Describe* is read")

-- Escalations across the role's documents
local stmts = P.aws.principal_statements(stack, role)
eq(#stmts, 3, "inline, attached and managed documents")
local esc = iam.escalations(stmts)
local found = false
for _, e in ipairs(esc) do
  if e.actions[1] == "iam:PassRole" and e.actions[2] == "ec2:RunInstances" then found = true end
end
eq(found, true, "PassRole * + RunInstances * is an escalation")
eq(iam.grants(stmts, "s3:PutObject", false), nil, "PutObject only on one bucket is not broad")
eq(iam.grants(stmts, "s3:PutObject", true) ~= nil, true, "PutObject on any resource")
eq(P.aws.managed_policy_name(role.Properties.ManagedPolicyArns[2]), "ReadOnlyAccess", "managed policy via Sub")
eq(P.aws.is_read_only(role), true, "ReadOnlyAccess makes a read-only role")
eq(P.aws.is_attached(stack, stack:resource("Managed")), true, "managed policy attached through ManagedPolicyArns")
return F
