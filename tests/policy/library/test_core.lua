-- cairn.policy core helpers: unknowns, paths, conversions.
local P = require "cairn.policy"
local stack = require("cairn.policy.stack").new()
local F = {}
local function eq(got, want, what)
  if got ~= want then
    F[#F + 1] = string.format("%s: got %s, want %s", what, tostring(got), tostring(want))
  end
end
local function undecided(f, what)
  local ok, e = pcall(f)
  if ok then F[#F + 1] = what .. ": did not raise" return end
  if type(e) ~= "table" or type(e.message) ~= "string" then
    F[#F + 1] = what .. ": raised " .. tostring(e) .. " instead of undecided"
  end
  return e
end

local b = stack:resource("ModelBucket")
local kid = P.get(b.Properties, "BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID")
eq(P.is_unknown(kid), true, "KMSMasterKeyID is unknown")
eq(P.get(b.Properties, "BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm"), "aws:kms", "SSEAlgorithm")
eq(P.get(b.Properties, "BucketEncryption.Missing.Deeper"), nil, "missing path")
eq(stack:target(kid), "ModelKey", "the key the bucket uses")
eq(select(2, stack:target(kid)), "Arn", "attribute")
eq(P.refs(kid)[1], "ModelKey", "refs")
local e = undecided(function() return kid.Foo end, "indexing an unknown")
eq(e and e.path, "Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.KMSMasterKeyID", "undecided path")
undecided(function() return kid .. "x" end, "concatenating an unknown")
undecided(function() return P.str(kid) end, "P.str of an unknown")
undecided(function() return P.known(kid) end, "P.known")
eq(tostring(kid), "(known after apply: Fn::GetAtt ModelKey.Arn)", "tostring")
eq(P.has_unknown(b.Properties), true, "has_unknown")
eq(P.has_unknown({ a = { 1, 2 } }), false, "has_unknown of known")

local shape, exact = P.shape(stack:resource("ModelBucketPolicy").Properties.PolicyDocument.Statement.Resource[2])
eq(shape, "${}/*", "shape of Sub")
eq(exact, false, "shape is not exact")
eq(P.shape("x"), "x", "shape of a string")

eq(P.bool("true"), true, "bool 'true'")
eq(P.bool("False"), false, "bool 'False'")
eq(P.bool(nil), nil, "bool nil")
eq(P.num("22"), 22, "num '22'")
eq(P.str(22), "22", "str 22")
eq(#P.list(nil), 0, "list nil")
eq(#P.list("a"), 1, "list scalar")
eq(P.days("1970-01-02"), 1, "days")
eq(P.days("2024-03-01T00:00:00Z") - P.days("2024-02-28"), 2, "days across a leap day")
eq(P.days("nope"), nil, "days of junk")
local parts = P.split_path("A.B[2].C")
eq(parts[3], 2, "split_path index")
eq(P.show("x"), '"x"', "show string")
eq(P.show(nil), "absent", "show nil")
local f = P.fail("Properties.X", "bad %s", "thing")
eq(f.message, "bad thing", "fail message")
eq(P.undecided("", "u").undecided, true, "undecided finding")
-- Properties are filled on demand, but behave as a plain table.
local fresh = stack:resource("Role").Properties
local n = 0
for k in pairs(fresh) do n = n + 1 end
eq(n, 3, "pairs sees every property")
local r2 = stack:resource("Trail").Properties
eq(next(r2) ~= nil, true, "next completes the table first")
local js = require("cairn.policy.json").encode(stack:resource("Vpc").Properties)
eq(js, '{"CidrBlock":"10.0.0.0/16"}', "json.encode of Properties")
eq(stack:resource("ModelKey").Properties.Nope, nil, "absent property")
return F
