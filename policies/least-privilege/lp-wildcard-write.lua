-- Least privilege: no wildcard on write or permissions-management actions.
-- An Allow statement of an identity policy fails when
--   * an action pattern with a wildcard can reach write or permissions
--     actions ("*", "s3:*", "s3:Put*", "iam:*Policy"); patterns that only
--     read ("s3:Get*", "ec2:Describe*") are fine; or
--   * it writes on every resource (Resource "*", or NotResource), unless
--     a condition scopes it (resource or request tags, VPC, a service it
--     must go through) or every such action has no resource-level
--     permissions in IAM (cloudwatch:PutMetricData, xray:PutTraceSegments,
--     the EC2 network-interface actions SageMaker's VPC mode needs).
-- AWS managed "*FullAccess", AdministratorAccess and PowerUserAccess in
-- ManagedPolicyArns are wildcards too.
local P = require "cairn.policy"
local iam = P.iam

-- Write actions IAM only allows on "*".
local NO_RESOURCE_LEVEL = {
  "cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
  "ec2:CreateNetworkInterface", "ec2:CreateNetworkInterfacePermission",
  "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission",
  "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses", "kms:CreateKey",
  "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:UpdateLogDelivery",
}

local SCOPING_KEYS = {
  "aws:resourcetag/", "aws:requesttag/", "aws:tagkeys", "aws:resourceaccount",
  "aws:resourceorgid", "aws:sourcevpc", "aws:sourcevpce", "aws:calledvia", "kms:viaservice",
  "iam:passedtoservice", "ec2:vpc", "ec2:subnet", "ec2:resourcetag/", "sagemaker:vpcsubnets",
  "sagemaker:vpcsecuritygroupids", "sagemaker:resourcetag/", "s3:prefix",
}

local function scoped(s)
  for k in pairs(iam.condition_keys(s)) do
    for _, p in ipairs(SCOPING_KEYS) do
      if k:sub(1, #p) == p then return true end
    end
  end
  return false
end

local function exempt(action)
  for _, a in ipairs(NO_RESOURCE_LEVEL) do
    if P.ieq(a, action) then return true end
  end
  return false
end

local function judge(stmt)
  if not iam.is_allow(stmt) or stmt.NotAction then return nil end
  local wild, pm = {}, false
  for _, a in ipairs(stmt.Action or {}) do
    if type(a) == "string" and iam.is_wildcard(a) then
      local c = iam.action_class(a)
      if c.write then wild[#wild + 1] = a end
      if c.permissions then pm = true end
    end
  end
  if #wild > 0 then
    return P.fail(stmt.path, "allows %s: a wildcard that reaches write%s actions",
                  table.concat(wild, ", "), pm and " and permissions-management" or "")
  end
  if iam.resource_is_star(stmt) and not scoped(stmt) then
    local writes = {}
    for _, a in ipairs(stmt.Action or {}) do
      if type(a) == "string" and iam.action_class(a).write and not exempt(a) then
        writes[#writes + 1] = a
      end
    end
    if #writes > 0 then
      return P.fail(stmt.path, "allows %s on every resource (\"*\")", table.concat(writes, ", "))
    end
  end
  return nil
end

local function broad_managed(name)
  return name and (name == "AdministratorAccess" or name == "PowerUserAccess" or
                   name:find("FullAccess$") ~= nil)
end

return {
  id = "lp-wildcard-write",
  title = "No wildcard actions or \"*\" resources on write and permissions actions",
  severity = "high",
  description = "Identity policies name the write and permissions-management actions they " ..
    "allow (no \"s3:*\", \"*\" or \"iam:*\") and the resources they apply to (no " ..
    "Resource \"*\" for writes), unless IAM offers no resource-level permission for the action.",
  resource_types = { "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy",
                     "AWS::IAM::ManagedPolicy" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-6", "AC-6(1)", "AC-6(10)", "AC-3" },
    ["aws-fsbp"] = { "IAM.21" },
  },
  remediation = "List the actions the principal needs (s3:GetObject, s3:PutObject, ...) and " ..
    "the ARNs it works on (arn:aws:s3:::bucket/prefix/*); use conditions such as " ..
    "aws:ResourceTag where an action cannot name resources.",
  check = function(r)
    local out = {}
    for _, d in ipairs(P.aws.identity_documents(r)) do
      local doc, err = iam.parse(d.document, d.path)
      if not doc then
        out[#out + 1] = P.fail(d.path, "not a valid policy document: %s", err)
      else
        for _, s in ipairs(doc.Statement) do
          local f = judge(s)
          if f then out[#out + 1] = f end
        end
      end
    end
    for i, a in ipairs(P.list(r.Properties.ManagedPolicyArns)) do
      local name = P.aws.managed_policy_name(a)
      if broad_managed(name) then
        out[#out + 1] = P.fail(string.format("Properties.ManagedPolicyArns[%d]", i - 1),
                               "attaches the AWS managed %s policy (wildcard actions)", name)
      end
    end
    return out
  end,
}
