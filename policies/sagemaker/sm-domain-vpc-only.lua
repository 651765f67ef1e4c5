-- SageMaker: Studio domains reach the network only through the VPC.
-- AppNetworkAccessType defaults to PublicInternetOnly; VpcOnly sends all
-- Studio traffic through the domain's subnets and security groups.
local P = require "cairn.policy"

return {
  id = "sm-domain-vpc-only",
  title = "SageMaker domain uses VPC-only network access",
  severity = "medium",
  description = "AWS::SageMaker::Domain sets AppNetworkAccessType: VpcOnly.",
  resource_types = { "AWS::SageMaker::Domain" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-4", "SC-7", "SC-7(4)" },
  },
  remediation = "Set AppNetworkAccessType: VpcOnly with private SubnetIds and the VPC " ..
    "endpoints Studio needs.",
  check = function(r)
    if P.str(r.Properties.AppNetworkAccessType) ~= "VpcOnly" then
      return P.fail("Properties.AppNetworkAccessType",
                    "Studio apps reach the internet directly (AppNetworkAccessType is not VpcOnly)")
    end
  end,
}
