-- cairn.policy.arn: Amazon Resource Names.
--
--   local arn = require "cairn.policy.arn"      -- or P.arn
--   local a = arn.parse("arn:aws:iam::123456789012:role/path/Name")
--   -- a.partition "aws", a.service "iam", a.region "", a.account
--   -- "123456789012", a.resource "role/path/Name", a.resource_type "role",
--   -- a.resource_id "path/Name"

local A = {}

-- The parts of an ARN, or nil when s is not one.
function A.parse(s)
  if type(s) ~= "string" then return nil end
  local partition, service, region, account, resource =
    s:match("^arn:([^:]*):([^:]*):([^:]*):([^:]*):(.*)$")
  if not partition then return nil end
  local rtype, rid = resource:match("^([^:/]+)[:/](.*)$")
  return {
    partition = partition,
    service = service,
    region = region,
    account = account,
    resource = resource,
    resource_type = rtype,
    resource_id = rid or resource,
  }
end

-- True when s is an ARN.
function A.is_arn(s)
  return A.parse(s) ~= nil
end

-- The account an IAM principal value names: "123456789012" for an
-- account id, an account root ARN or any IAM ARN; "*" for "*"; nil when
-- it names none (a service principal, a canonical user id).
function A.principal_account(s)
  if type(s) ~= "string" then return nil end
  if s == "*" then return "*" end
  if s:match("^%d%d%d%d%d%d%d%d%d%d%d%d$") then return s end
  local a = A.parse(s)
  if a and a.account ~= "" then return a.account end
  return nil
end

-- The AWS managed policy name of an ARN such as
-- "arn:aws:iam::aws:policy/AdministratorAccess" (also with a path,
-- "arn:aws:iam::aws:policy/service-role/X"), or nil.
function A.aws_managed_policy(s)
  if type(s) ~= "string" then return nil end
  local name = s:match("^arn:[^:]*:iam::aws:policy/(.+)$")
  if not name then return nil end
  return name:match("([^/]+)$")
end

return A
