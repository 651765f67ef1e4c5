-- SageMaker model registry: packages are approved by someone, on record.
-- A model package of a group (the registry's versioned packages) starts
-- as PendingManualApproval when ModelApprovalStatus is left out; one
-- written as Approved in the template must say who approved it and why
-- (ApprovalDescription), and a package outside any group has no approval
-- workflow at all.
local P = require "cairn.policy"

return {
  id = "sm-model-package-approval",
  title = "SageMaker model packages need a recorded approval",
  severity = "high",
  description = "AWS::SageMaker::ModelPackage belongs to a ModelPackageGroup, and one created " ..
    "Approved has an ApprovalDescription.",
  resource_types = { "AWS::SageMaker::ModelPackage" },
  frameworks = {
    ["nist-800-53-r5"] = { "CM-3", "CM-3(2)", "CM-5", "SA-10" },
  },
  remediation = "Register the package in a ModelPackageGroup and leave ModelApprovalStatus " ..
    "out (PendingManualApproval); approve it through the registry, or record the approval in " ..
    "ApprovalDescription when the template approves it.",
  check = function(r)
    local props = r.Properties
    if props.ModelPackageGroupName == nil then
      return P.fail("Properties.ModelPackageGroupName",
                    "the package is not in a model package group, so it has no approval workflow")
    end
    local status = P.str(props.ModelApprovalStatus)
    if status == "Approved" then
      local why = props.ApprovalDescription
      if why == nil or (not P.is_unknown(why) and P.str(why) == "") then
        return P.fail("Properties.ModelApprovalStatus",
                      "the package is Approved without an ApprovalDescription saying who approved it")
      end
    end
  end,
}
