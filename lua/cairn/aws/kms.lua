-- AWS::KMS::Key: a customer managed KMS key.
--
-- The declarative part (schema, attributes, Ref) is what the type registry
-- reads; the lifecycle functions (create, read, update, delete, find) are
-- the provider runtime's and are added beside it. Property names, kinds
-- and create-only properties follow CloudFormation's resource schema (a
-- test checks them against the schemas cfn-lint ships).

local KEY_SPECS = "SYMMETRIC_DEFAULT|RSA_2048|RSA_3072|RSA_4096|ECC_NIST_P256|ECC_NIST_P384|"
  .. "ECC_NIST_P521|ECC_SECG_P256K1|HMAC_224|HMAC_256|HMAC_384|HMAC_512|SM2|ML_DSA_44|"
  .. "ML_DSA_65|ML_DSA_87|ECC_NIST_EDWARDS25519"

local Key = {
  type = "AWS::KMS::Key",
  properties = {
    Description = "String",
    KeyPolicy = "PolicyDocument",
    EnableKeyRotation = "Boolean",
    Enabled = "Boolean",
    KeyUsage = "ENCRYPT_DECRYPT|SIGN_VERIFY|GENERATE_VERIFY_MAC|KEY_AGREEMENT",
    KeySpec = KEY_SPECS,
    PendingWindowInDays = "Integer",
    Tags = "Tags",
  },
  -- CloudFormation's schema has no create-only property for keys: it
  -- refuses to change KeySpec or KeyUsage rather than replace a key (and
  -- with it every ciphertext). cairn does the same: see `immutable`.
  create_only = {},
  immutable = { "KeySpec", "KeyUsage" },
  attributes = { "Arn", "KeyId" },
  ref = nil, -- Ref returns the key id (the physical id)
  tags = "Tags",
}

return { Key }
