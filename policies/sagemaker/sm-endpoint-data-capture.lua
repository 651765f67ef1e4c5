-- SageMaker: endpoints capture their inference data. An endpoint
-- configuration needs DataCaptureConfig with capture enabled (EnableCapture
-- not false) and a sampling percentage above zero, so that model
-- monitoring and investigations have the requests and responses.
local P = require "cairn.policy"

return {
  id = "sm-endpoint-data-capture",
  title = "SageMaker endpoint captures inference data",
  severity = "medium",
  description = "AWS::SageMaker::EndpointConfig has DataCaptureConfig with EnableCapture " ..
    "true (the default) and InitialSamplingPercentage above 0.",
  resource_types = { "AWS::SageMaker::EndpointConfig" },
  frameworks = {
    ["nist-800-53-r5"] = { "AU-2", "AU-12", "SI-4" },
  },
  remediation = "Add DataCaptureConfig with DestinationS3Uri (an encrypted bucket), " ..
    "InitialSamplingPercentage, CaptureOptions (Input and Output) and KmsKeyId.",
  check = function(r)
    local dc = r.Properties.DataCaptureConfig
    if dc == nil then
      return P.fail("Properties.DataCaptureConfig", "the endpoint does not capture inference data")
    end
    P.known(dc, "Properties.DataCaptureConfig")
    if P.bool(dc.EnableCapture) == false then
      return P.fail("Properties.DataCaptureConfig.EnableCapture", "data capture is disabled")
    end
    local pct = P.num(dc.InitialSamplingPercentage)
    if pct ~= nil and pct <= 0 then
      return P.fail("Properties.DataCaptureConfig.InitialSamplingPercentage",
                    "data capture samples 0%% of requests")
    end
  end,
}
