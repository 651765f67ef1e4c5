-- SageMaker model registry: only approved packages are deployed. A model
-- whose container (PrimaryContainer or Containers) runs a model package
-- of this stack (ModelPackageName) needs that package's
-- ModelApprovalStatus to be Approved. Packages from outside the stack are
-- not judged here.
local P = require "cairn.policy"

return {
  id = "sm-model-deploys-approved",
  title = "SageMaker models deploy only approved model packages",
  severity = "high",
  description = "A model built from a model package of this stack uses a package whose " ..
    "ModelApprovalStatus is Approved.",
  resource_types = { "AWS::SageMaker::Model" },
  frameworks = {
    ["nist-800-53-r5"] = { "CM-3", "CM-5", "SI-7" },
  },
  remediation = "Point ModelPackageName at an approved package version (or approve the " ..
    "package first).",
  check = function(r, stack)
    local containers = {}
    if r.Properties.PrimaryContainer ~= nil then
      containers[1] = { c = r.Properties.PrimaryContainer, path = "Properties.PrimaryContainer" }
    end
    for i, c in ipairs(P.list(r.Properties.Containers)) do
      containers[#containers + 1] = { c = c, path = string.format("Properties.Containers[%d]", i - 1) }
    end
    local out, judged = {}, false
    for _, x in ipairs(containers) do
      P.known(x.c, x.path)
      local pkg = x.c.ModelPackageName
      local id = pkg ~= nil and stack:target(pkg, "AWS::SageMaker::ModelPackage")
      if id then
        judged = true
        local status = P.str(stack:resource(id).Properties.ModelApprovalStatus)
        if status ~= "Approved" then
          out[#out + 1] = P.fail(x.path .. ".ModelPackageName", "deploys model package %s, which " ..
                                 "is %s", id, status or "PendingManualApproval (not approved)")
        end
      end
    end
    if not judged then return P.not_applicable end
    return out
  end,
}
