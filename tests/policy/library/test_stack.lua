-- cairn.policy.stack: queries across resources.
local stack = require("cairn.policy.stack").new()
local F = {}
local function eq(got, want, what)
  if got ~= want then
    F[#F + 1] = string.format("%s: got %s, want %s", what, tostring(got), tostring(want))
  end
end
eq(stack.name, "library-test", "name")
eq(stack.partition, "aws", "partition")
eq(stack.live, false, "live")
eq(stack.account, nil, "account unknown")
eq(stack:parameter("Env"), "dev", "parameter")
eq(#stack:resources("AWS::S3::Bucket"), 1, "buckets")
eq(#stack:resources(), 9, "all resources")
eq(stack:ids("AWS::IAM::Role")[1], "Role", "ids")
local refs = {}
for _, r in ipairs(stack:referrers("ModelBucket")) do refs[#refs + 1] = r.id end
eq(table.concat(refs, ","), "ModelBucketPolicy,Role,Trail", "referrers of the bucket (Ref, literal ARN, literal name)")
eq(#stack:referrers("ModelBucket", "AWS::S3::BucketPolicy"), 1, "referrers by type")
eq(stack:target("models-dev"), "ModelBucket", "target by name")
eq(stack:target("arn:aws:s3:::models-dev/*"), "ModelBucket", "target by object ARN")
eq(stack:target("arn:aws:s3:::models-dev", "AWS::IAM::Role"), nil, "target with the wrong type")
eq(stack:target("nothing"), nil, "target of nothing")
eq(stack:points_to(stack:resource("FlowLog").Properties.ResourceId, "Vpc"), true, "points_to")
eq(stack:resource("Nope"), nil, "missing resource")
eq(stack:account_data(), nil, "no account section")
local r = stack:resource("ModelBucket")
eq(r.id, "ModelBucket", "id")
eq(r.type, "AWS::S3::Bucket", "type")
eq(r.DependsOn[1], "ModelKey", "DependsOn")
eq(stack:resource("ModelBucket"), r, "resources are converted once")
return F
