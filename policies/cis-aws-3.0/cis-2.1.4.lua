-- CIS AWS Foundations Benchmark v3.0.0, 2.1.4: "Ensure that S3 Buckets are
-- configured with 'Block public access (bucket settings)'". All four
-- settings of PublicAccessBlockConfiguration must be true. On a live
-- stack, the account-level block (account_data.s3_public_access_block)
-- with all four true also satisfies the control, as the benchmark allows.
local P = require "cairn.policy"

local FLAGS = { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }

local function all_true(t)
  if type(t) ~= "table" then return false end
  for _, f in ipairs(FLAGS) do
    if P.bool(t[f]) ~= true then return false end
  end
  return true
end

return {
  id = "cis-2.1.4",
  title = "S3 bucket blocks public access",
  severity = "high",
  description = "PublicAccessBlockConfiguration sets BlockPublicAcls, BlockPublicPolicy, " ..
    "IgnorePublicAcls and RestrictPublicBuckets to true.",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = {
    ["cis-aws-3.0"] = { "2.1.4" },
    ["nist-800-53-r5"] = { "AC-21", "AC-3", "AC-3(7)", "AC-4", "AC-4(21)", "AC-6", "SC-7",
                           "SC-7(11)", "SC-7(16)", "SC-7(20)", "SC-7(21)", "SC-7(3)", "SC-7(4)",
                           "SC-7(9)" },
    ["aws-fsbp"] = { "S3.8" },
  },
  remediation = "Set PublicAccessBlockConfiguration with BlockPublicAcls, BlockPublicPolicy, " ..
    "IgnorePublicAcls and RestrictPublicBuckets all true.",
  check = function(r, stack)
    if stack.live then
      local data = stack:account_data()
      if data and all_true(data.s3_public_access_block) then return nil end
    end
    local pab = r.Properties.PublicAccessBlockConfiguration
    if pab == nil then
      return P.fail("Properties.PublicAccessBlockConfiguration",
                    "PublicAccessBlockConfiguration is not set: set all four settings to true " ..
                    "(an explicit setting is what drift detection and audits hold on to)")
    end
    P.known(pab, "Properties.PublicAccessBlockConfiguration")
    local out = {}
    for _, f in ipairs(FLAGS) do
      local v = P.bool(pab[f])
      if v ~= true then
        out[#out + 1] = P.fail("Properties.PublicAccessBlockConfiguration." .. f, "%s is %s",
                               f, v == nil and "not set (false)" or "false")
      end
    end
    return out
  end,
}
