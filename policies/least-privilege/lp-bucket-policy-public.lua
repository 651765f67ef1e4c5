-- Least privilege: a bucket policy does not grant to everyone. An Allow
-- statement with Principal "*" (or {AWS: "*"}) that no condition limits
-- to known principals or networks (aws:PrincipalOrgID, aws:SourceVpce,
-- aws:SourceIp, aws:SourceArn, ...) makes the bucket public. The TLS-only
-- pattern (Deny to "*" when aws:SecureTransport is false) is a Deny and
-- is fine.
local P = require "cairn.policy"
local iam = P.iam

return {
  id = "lp-bucket-policy-public",
  title = "Bucket policy does not grant access to everyone",
  severity = "critical",
  description = "No Allow statement of an S3 bucket policy has Principal \"*\" without a " ..
    "condition that limits who can use it.",
  resource_types = { "AWS::S3::BucketPolicy" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-3", "AC-4", "AC-6", "AC-21", "SC-7" },
    ["aws-fsbp"] = { "S3.2", "S3.3" },
  },
  remediation = "Grant to named principals (account roots or role ARNs), or add a condition " ..
    "such as aws:PrincipalOrgID or aws:SourceVpce; keep PublicAccessBlockConfiguration on.",
  check = function(r)
    local doc, err = iam.parse(r.Properties.PolicyDocument, "Properties.PolicyDocument")
    if not doc then
      return P.fail("Properties.PolicyDocument", "not a valid policy document: %s", err)
    end
    local out = {}
    for _, s in ipairs(doc.Statement) do
      if iam.is_allow(s) and iam.principal_is_public(s) and not iam.has_restricting_condition(s) then
        out[#out + 1] = P.fail(s.path .. ".Principal", "grants %s to everyone",
                               s.Action and table.concat(s.Action, ", ") or "actions")
      end
    end
    return out
  end,
}
