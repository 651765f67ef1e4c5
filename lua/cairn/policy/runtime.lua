-- cairn.policy.runtime: how the engine calls a policy's check (internal;
-- policies need not use it).
--
-- The engine (src/policy/policy.c) creates the stack object once per
-- evaluation with runtime.stack(), then calls runtime.check_resource(check,
-- id, stack) for each resource of the policy's types, or
-- runtime.check_stack(check, stack) for a stack-scoped policy. What the
-- check returns becomes a plain list of findings:
--   nil or true                  -> passed (an empty list)
--   P.not_applicable             -> false (no result at all)
--   "message"                    -> one finding on the resource itself
--   { message=, path=, ... }     -> one finding
--   a list of the above          -> several findings
-- A finding may carry path ("Properties.A.B[0]"), undecided = true (could
-- not decide), resource (another logical id it is about) and subject
-- (what a stack-level finding is about, such as "root user").

local P = require "cairn.policy"
local S = require "cairn.policy.stack"

local R = {}

function R.stack()
  return S.new()
end

local function one(f, i)
  if type(f) == "string" then
    return { message = f, path = "" }
  end
  if type(f) ~= "table" then
    error(string.format("check returned a %s as finding %d (return a message string, " ..
                        "P.fail(path, message), or a list of them)", type(f), i), 0)
  end
  local msg = f.message
  if type(msg) ~= "string" or msg == "" then
    error(string.format("finding %d has no message (a non-empty string)", i), 0)
  end
  local path = f.path
  if path ~= nil and type(path) ~= "string" then
    error(string.format("finding %d: path must be a string such as \"Properties.Name\"", i), 0)
  end
  local res = f.resource
  if res ~= nil and type(res) ~= "string" then
    error(string.format("finding %d: resource must be a logical id", i), 0)
  end
  local subject = f.subject
  if subject ~= nil and type(subject) ~= "string" then
    error(string.format("finding %d: subject must be a string", i), 0)
  end
  return {
    message = msg,
    path = path or "",
    undecided = f.undecided and true or nil,
    resource = res,
    subject = subject,
  }
end

local function normalize(ret)
  if ret == nil or ret == true then return {} end
  if ret == P.not_applicable then return false end
  if type(ret) == "table" and ret.message == nil and (#ret > 0 or next(ret) == nil) then
    local out = {}
    for i = 1, #ret do out[i] = one(ret[i], i) end
    return out
  end
  if ret == false then
    error("check returned false: return nil when the resource passes, or findings", 0)
  end
  return { one(ret, 1) }
end

function R.check_resource(check, id, stack)
  local r = stack:resource(id)
  return normalize(check(r, stack))
end

function R.check_stack(check, stack)
  return normalize(check(stack))
end

return R
