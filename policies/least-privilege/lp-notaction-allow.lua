-- Least privilege: no Allow with NotAction. "Allow everything except ..."
-- grants every action that exists now and every one AWS adds later.
local P = require "cairn.policy"

local DOCS = {
  ["AWS::S3::BucketPolicy"] = "Properties.PolicyDocument",
  ["AWS::KMS::Key"] = "Properties.KeyPolicy",
}

return {
  id = "lp-notaction-allow",
  title = "No Allow statement uses NotAction",
  severity = "high",
  description = "Allow statements list the actions they allow (Action), never the ones they " ..
    "do not (NotAction).",
  resource_types = { "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy",
                     "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy", "AWS::KMS::Key" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-6", "AC-3" },
  },
  remediation = "Replace NotAction with the list of actions the principal needs; keep " ..
    "NotAction for Deny statements only.",
  check = function(r)
    local docs = P.aws.identity_documents(r)
    if DOCS[r.type] then
      local path = DOCS[r.type]
      docs = { { document = P.get(r, path), path = path } }
    end
    local out = {}
    for _, d in ipairs(docs) do
      local doc, err = P.iam.parse(d.document, d.path)
      if not doc then
        out[#out + 1] = P.fail(d.path, "not a valid policy document: %s", err)
      else
        for _, s in ipairs(doc.Statement) do
          if P.iam.is_allow(s) and s.NotAction then
            out[#out + 1] = P.fail(s.path .. ".NotAction", "allows every action except %s",
                                   P.show(s.raw.NotAction))
          end
        end
      end
    end
    return out
  end,
}
