-- SageMaker: models run in the stack's VPC. VpcConfig with subnets and
-- security groups puts the model's network interfaces in private
-- subnets, where VPC endpoints and flow logs apply.
local P = require "cairn.policy"

return {
  id = "sm-model-vpc",
  title = "SageMaker model runs in a VPC",
  severity = "medium",
  description = "AWS::SageMaker::Model has VpcConfig with Subnets and SecurityGroupIds.",
  resource_types = { "AWS::SageMaker::Model" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-4", "SC-7", "SC-7(4)", "SC-7(5)" },
  },
  remediation = "Set VpcConfig with the private Subnets and the SecurityGroupIds of the " ..
    "inference tier.",
  check = function(r)
    local vpc = r.Properties.VpcConfig
    if vpc == nil then
      return P.fail("Properties.VpcConfig", "the model does not run in a VPC (no VpcConfig)")
    end
    local out = {}
    if #P.list(P.get(r.Properties, "VpcConfig.Subnets")) == 0 then
      out[#out + 1] = P.fail("Properties.VpcConfig.Subnets", "VpcConfig has no subnets")
    end
    if #P.list(P.get(r.Properties, "VpcConfig.SecurityGroupIds")) == 0 then
      out[#out + 1] = P.fail("Properties.VpcConfig.SecurityGroupIds", "VpcConfig has no security groups")
    end
    return out
  end,
}
