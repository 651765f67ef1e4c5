-- SageMaker: models run with network isolation. EnableNetworkIsolation
-- keeps the model's containers from making any outbound network call, so
-- inference code cannot send data out.
local P = require "cairn.policy"

return {
  id = "sm-model-network-isolation",
  title = "SageMaker model has network isolation",
  severity = "high",
  description = "AWS::SageMaker::Model sets EnableNetworkIsolation: true.",
  resource_types = { "AWS::SageMaker::Model" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-4", "AC-4(21)", "SC-7", "SC-7(11)", "SC-7(16)", "SC-7(21)",
                           "SC-7(4)", "SC-7(5)" },
    ["aws-fsbp"] = { "SageMaker.5" },
  },
  remediation = "Set EnableNetworkIsolation: true on the model (the container then gets its " ..
    "artifacts from S3 through SageMaker, not over its own network).",
  check = function(r)
    if P.bool(r.Properties.EnableNetworkIsolation) ~= true then
      return P.fail("Properties.EnableNetworkIsolation", "network isolation is not enabled")
    end
  end,
}
