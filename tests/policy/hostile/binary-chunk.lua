-- Hostile policy: loads a binary chunk
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "binary-chunk",
  title = "loads a binary chunk",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "binary-chunk" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    -- string.dump is gone; a hand-written precompiled chunk must be refused
    assert(string.dump == nil, "string.dump is available")
    local f, err = load("\27LuaT\0\25\147\13\10\26\10\4\8\8xV\0\0\0\0\0\0\0\0\0\0\0(w@\1", "=bin", "b")
    if f then return "a binary chunk loaded" end
    error(err)
  end,
}
