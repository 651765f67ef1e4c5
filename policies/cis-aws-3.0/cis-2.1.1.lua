-- CIS AWS Foundations Benchmark v3.0.0, 2.1.1: "Ensure S3 Bucket Policy is
-- set to deny HTTP requests". The bucket needs an AWS::S3::BucketPolicy
-- with a statement that denies "s3:*" (or "*") to every principal when
-- aws:SecureTransport is false (Bool or BoolIfExists), on the bucket or
-- its objects.
local P = require "cairn.policy"
local iam = P.iam

local function denies_http(stack, bucket_id, s)
  if not iam.is_deny(s) or not iam.principal_is_public(s) then return false end
  local all = false
  for _, a in ipairs(s.Action or {}) do
    if a == "*" or P.ieq(a, "s3:*") then all = true end
  end
  if not all then return false end
  local tls = false
  for _, op in ipairs({ "Bool", "BoolIfExists" }) do
    for k, vals in pairs((s.Condition or {})[op] or {}) do
      if k:lower() == "aws:securetransport" then
        for _, v in ipairs(vals) do
          if v == false or P.ieq(v, "false") then tls = true end
        end
      end
    end
  end
  if not tls then return false end
  for _, res in ipairs(s.Resource or {}) do
    if res == "*" or iam.is_broad(res) or stack:points_to(res, bucket_id) then return true end
  end
  return false
end

return {
  id = "cis-2.1.1",
  title = "S3 bucket policy denies HTTP requests",
  severity = "medium",
  description = "Each bucket has a bucket policy with a Deny statement for Principal \"*\" and " ..
    "Action \"s3:*\" when aws:SecureTransport is false, so that only TLS requests succeed.",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = {
    ["cis-aws-3.0"] = { "2.1.1" },
    ["nist-800-53-r5"] = { "AC-17(2)", "AC-4", "IA-5(1)", "SC-12(3)", "SC-13", "SC-23",
                           "SC-23(3)", "SC-7(4)", "SC-8", "SC-8(1)", "SC-8(2)", "SI-7(6)" },
    ["aws-fsbp"] = { "S3.5" },
  },
  remediation = "Add an AWS::S3::BucketPolicy for the bucket with the statement { Effect: Deny, " ..
    "Principal: \"*\", Action: \"s3:*\", Resource: [bucket ARN, \"<bucket ARN>/*\"], " ..
    "Condition: { Bool: { aws:SecureTransport: \"false\" } } }.",
  check = function(r, stack)
    local pols = P.aws.bucket_policies(stack, r.id)
    if #pols == 0 then
      return P.fail("", "no AWS::S3::BucketPolicy in this stack denies requests without TLS " ..
                        "(aws:SecureTransport false) for this bucket")
    end
    for _, bp in ipairs(pols) do
      local doc, err = iam.parse(bp.Properties.PolicyDocument, "Properties.PolicyDocument")
      if not doc then
        return { resource = bp.id, path = "Properties.PolicyDocument",
                 message = "not a valid policy document: " .. err }
      end
      for _, s in ipairs(doc.Statement) do
        if denies_http(stack, r.id, s) then return nil end
      end
    end
    return { resource = pols[1].id, path = "Properties.PolicyDocument",
             message = "the bucket policy does not deny s3:* to everyone when " ..
                       "aws:SecureTransport is false" }
  end,
}
