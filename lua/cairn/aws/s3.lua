-- AWS::S3::Bucket: an S3 bucket.
--
-- The declarative part (schema, attributes, Ref, the generated name) is
-- what the type registry reads; the lifecycle functions (create, read,
-- update, delete, find) are the provider runtime's and are added beside
-- it. Property names, kinds and create-only properties follow
-- CloudFormation's resource schema (a test checks them against the
-- schemas cfn-lint ships).

local P = require "cairn.provider"

local Bucket = {
  type = "AWS::S3::Bucket",
  properties = {
    BucketName = "String",
    VersioningConfiguration = {
      Status = "Enabled|Suspended!",
    },
    BucketEncryption = {
      ServerSideEncryptionConfiguration = P.required {
        {
          BucketKeyEnabled = "Boolean",
          ServerSideEncryptionByDefault = {
            SSEAlgorithm = "aws:kms|AES256|aws:kms:dsse!",
            KMSMasterKeyID = "String",
          },
        },
      },
    },
    PublicAccessBlockConfiguration = {
      BlockPublicAcls = "Boolean",
      BlockPublicPolicy = "Boolean",
      IgnorePublicAcls = "Boolean",
      RestrictPublicBuckets = "Boolean",
    },
    Tags = "Tags",
  },
  create_only = { "BucketName" },
  attributes = { "Arn", "DomainName", "RegionalDomainName", "DualStackDomainName", "WebsiteURL" },
  ref = nil, -- Ref returns the bucket name (the physical id)
  tags = "Tags",
  name = { property = "BucketName", max = 63, lower = true },
}

return { Bucket }
