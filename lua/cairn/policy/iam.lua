-- cairn.policy.iam: IAM policy documents.
--
--   local iam = P.iam
--   local doc = iam.parse(r.Properties.PolicyDocument, "Properties.PolicyDocument")
--   for _, s in ipairs(doc.Statement) do
--     if iam.is_allow(s) and iam.allows(s, "iam:PassRole") and iam.resource_is_broad(s) then
--       findings[#findings + 1] = P.fail(s.path, "iam:PassRole on any role")
--     end
--   end
--
-- parse accepts a document as a table or as JSON text (URL-encoded JSON
-- too, as IAM's API returns it), with Statement as one object or a list,
-- and returns statements with every field as a list:
--   s.Effect            "Allow" or "Deny" (or an unknown)
--   s.Action, s.NotAction, s.Resource, s.NotResource   lists or nil
--   s.Principal, s.NotPrincipal  nil, or { star = bool, AWS = {...},
--                        Service = {...}, Federated = {...}, CanonicalUser = {...} }
--   s.Condition         { operator = { key = {values} } } or nil
--   s.path              "Properties.PolicyDocument.Statement[2]"
--   s.index             0-based position
-- Action matching is IAM's: case-insensitive, "*" and "?" wildcards.

local P = require "cairn.policy"
local json = require "cairn.policy.json"

local I = {}

---------------------------------------------------------------------------
-- wildcards

local compiled = {}

local function glob(pattern)
  local c = compiled[pattern]
  if c then return c end
  local lp = pattern:lower():gsub("[%^%$%(%)%%%.%[%]%+%-]", "%%%0")
  lp = "^" .. lp:gsub("%*", ".*"):gsub("%?", ".") .. "$"
  compiled[pattern] = lp
  return lp
end

-- True when an IAM pattern ("s3:Get*", "*", "s3:*Object") matches a
-- concrete value ("s3:GetObject"), case-insensitively.
local lowered = setmetatable({}, { __mode = "k" })

local function lower(s)
  local l = lowered[s]
  if not l then
    l = s:lower()
    lowered[s] = l
  end
  return l
end

function I.matches(pattern, value)
  if type(pattern) ~= "string" or type(value) ~= "string" then return false end
  if pattern == "*" then return true end
  if not pattern:find("[%*%?]") then return lower(pattern) == lower(value) end
  return lower(value):find(glob(pattern)) ~= nil
end

-- True when one of the patterns in a list matches value. Unknown
-- elements match nothing (an unknown action or resource name is always
-- a specific one).
function I.any_matches(list, value)
  for _, p in ipairs(list or {}) do
    if type(p) == "string" and I.matches(p, value) then return true end
  end
  return false
end

---------------------------------------------------------------------------
-- parsing

local function url_decode(s)
  s = s:gsub("%+", " ")
  s = s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  return s
end

-- A field as a list (nil stays nil; one value becomes a list of one; a
-- list is used as it is).
local function as_list(v)
  if v == nil or v == P.null then return nil end
  if type(v) == "table" then return v end
  return { v }
end

local function principal(v)
  if v == nil or v == P.null then return nil end
  local p = { star = false, AWS = {}, Service = {}, Federated = {}, CanonicalUser = {} }
  if v == "*" then
    p.star = true
    p.AWS = { "*" }
    return p
  end
  if P.is_unknown(v) or type(v) ~= "table" then
    p.AWS = { v }
    return p
  end
  for k, x in pairs(v) do
    local l = as_list(x) or {}
    if k ~= "star" then p[k] = l end
    if k == "AWS" then
      for _, a in ipairs(l) do
        if a == "*" then p.star = true end
      end
    end
  end
  return p
end

local function condition(v)
  if v == nil or v == P.null then return nil end
  P.known(v, "the statement's Condition")
  local out = {}
  for op, kv in pairs(v) do
    if type(kv) == "table" then
      local m = {}
      for key, vals in pairs(kv) do
        m[key] = as_list(vals) or {}
      end
      out[op] = m
    end
  end
  return out
end

-- Parses a policy document. prefix is the path of the document in the
-- resource ("Properties.PolicyDocument"), used for statement paths.
-- Returns the document { Version, Statement = {...} }, or nil and a
-- message when it is not a policy document. Raises undecided when the
-- document itself is not known before apply.
local parsed = setmetatable({}, { __mode = "k" })

function I.parse(d, prefix)
  prefix = prefix or ""
  if d == nil or d == P.null then return { Statement = {} } end
  -- the same document (a table of the stack document) parses the same way
  local byprefix = type(d) == "table" and parsed[d]
  if byprefix and byprefix[prefix] then return byprefix[prefix] end
  local doc, err = I.parse_uncached(d, prefix)
  if doc and type(d) == "table" then
    byprefix = byprefix or {}
    byprefix[prefix] = doc
    parsed[d] = byprefix
  end
  return doc, err
end

function I.parse_uncached(d, prefix)
  P.known(d, prefix ~= "" and prefix or "the policy document")
  if type(d) == "string" then
    local text = d
    if text:match("^%s*%%7[Bb]") then text = url_decode(text) end
    local ok, v = pcall(json.decode, text)
    if not ok then return nil, "not a JSON policy document: " .. tostring(v) end
    d = v
  end
  if type(d) ~= "table" then return nil, "a policy document must be a mapping" end
  local st = d.Statement
  local list, single
  if st == nil or st == P.null then
    list = {}
  elseif P.is_unknown(st) then
    P.known(st, prefix .. ".Statement")
  elseif type(st) == "table" and (st.Effect ~= nil or st.Action ~= nil or st.NotAction ~= nil) then
    list, single = { st }, true
  elseif type(st) == "table" then
    list = st
  else
    return nil, "Statement must be a mapping or a list"
  end
  local out = { Version = d.Version, Id = d.Id, Statement = {} }
  local base = (prefix ~= "" and prefix .. "." or "") .. "Statement"
  for i, s in ipairs(list) do
    if P.is_unknown(s) then P.known(s, base .. "[" .. (i - 1) .. "]") end
    if type(s) ~= "table" then return nil, "statement " .. i .. " is not a mapping" end
    out.Statement[i] = {
      Sid = s.Sid,
      Effect = s.Effect,
      Action = as_list(s.Action),
      NotAction = as_list(s.NotAction),
      Resource = as_list(s.Resource),
      NotResource = as_list(s.NotResource),
      Principal = principal(s.Principal),
      NotPrincipal = principal(s.NotPrincipal),
      Condition = condition(s.Condition),
      index = i - 1,
      path = single and base or (base .. "[" .. (i - 1) .. "]"),
      raw = s,
    }
  end
  return out
end

-- The statements of a document (parsing it first when needed).
function I.statements(d, prefix)
  if type(d) == "table" and d.Statement and d.Statement[1] and d.Statement[1].path then
    return d.Statement
  end
  local doc, err = I.parse(d, prefix)
  if not doc then error(err, 2) end
  return doc.Statement
end

---------------------------------------------------------------------------
-- statements

function I.is_allow(s)
  return P.str(s.Effect) == "Allow"
end

function I.is_deny(s)
  return P.str(s.Effect) == "Deny"
end

-- True when the statement's actions include action (Action matches it,
-- or NotAction does not).
function I.covers_action(s, action)
  if s.Action then return I.any_matches(s.Action, action) end
  if s.NotAction then return not I.any_matches(s.NotAction, action) end
  return false
end

-- True when an Allow statement grants action (conditions aside).
function I.allows(s, action)
  return I.is_allow(s) and I.covers_action(s, action)
end

-- A resource value that names everything, or every resource of a kind:
-- "*", "arn:aws:s3:::*", "arn:aws:iam::123456789012:role/*",
-- "arn:aws:kms:*:*:key/*". A value naming one bucket's objects
-- ("arn:aws:s3:::b/*") or a path of roles is not broad; an unknown never
-- is (it is always a specific resource).
function I.is_broad(v)
  if P.is_unknown(v) then
    -- "arn:aws:iam::${AWS::AccountId}:role/*" is every role: judge the
    -- shape, as long as the unknown parts are not in the resource part
    local s = P.shape(v)
    if type(s) ~= "string" then return false end
    local a = P.arn.parse(s)
    if not a or a.resource:find("${}", 1, true) then return false end
    v = s
  end
  if type(v) ~= "string" then return false end
  if v == "*" then return true end
  local a = P.arn.parse(v)
  if not a then return v:find("*", 1, true) == 1 end
  if a.service == "*" or a.resource == "*" then return true end
  -- S3's resource part is bucket/key: "b/*" is one bucket's objects
  if a.service == "s3" then return a.resource:match("^%*") ~= nil end
  return a.resource:match("^[%w%-_]*[:/]%*$") ~= nil
end

-- True when the statement applies to every resource ("*" or NotResource).
function I.resource_is_star(s)
  if s.NotResource then return true end
  for _, r in ipairs(s.Resource or {}) do
    if r == "*" then return true end
  end
  return false
end

-- True when the statement applies to all resources of some kind (see
-- is_broad), or to everything.
function I.resource_is_broad(s)
  if s.NotResource then return true end
  for _, r in ipairs(s.Resource or {}) do
    if I.is_broad(r) then return true end
  end
  return false
end

-- The condition keys of a statement, lower-cased, as a set.
function I.condition_keys(s)
  local keys = {}
  for _, kv in pairs(s.Condition or {}) do
    for k in pairs(kv) do keys[k:lower()] = true end
  end
  return keys
end

-- Every (operator, values) a condition key has in the statement.
function I.condition(s, key)
  local out = {}
  key = key:lower()
  for op, kv in pairs(s.Condition or {}) do
    for k, vals in pairs(kv) do
      if k:lower() == key then out[#out + 1] = { operator = op, values = vals } end
    end
  end
  return out
end

-- Condition keys that limit who can use a grant to "*".
I.RESTRICTING_KEYS = {
  "aws:principalaccount", "aws:principalorgid", "aws:principalorgpaths", "aws:principalarn",
  "aws:sourceaccount", "aws:sourcearn", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce",
  "aws:sourceip", "aws:sourceorgid", "aws:sourceorgpaths", "aws:userid", "aws:username",
  "aws:principalservicename", "kms:calleraccount", "sts:externalid",
  "s3:dataaccesspointaccount", "s3:dataaccesspointarn", "saml:aud", "saml:sub",
}

local restricting = {}
for _, k in ipairs(I.RESTRICTING_KEYS) do restricting[k] = true end

local function all_star(vals)
  for _, v in ipairs(vals) do
    if v ~= "*" then return false end
  end
  return #vals > 0
end

-- True when the statement has a condition that limits its principals or
-- callers (a key of RESTRICTING_KEYS, or an identity provider's ":sub",
-- ":aud" or ":amr" key) with a value other than "*".
function I.has_restricting_condition(s)
  for op, kv in pairs(s.Condition or {}) do
    if not op:lower():find("^null") then
      for k, vals in pairs(kv) do
        local l = k:lower()
        if (restricting[l] or l:find(":sub$") or l:find(":aud$") or l:find(":amr$"))
            and not all_star(vals) then
          return true
        end
      end
    end
  end
  return false
end

-- True when the statement's principal is everyone ("*", {AWS = "*"}).
function I.principal_is_public(s)
  return s.Principal ~= nil and s.Principal.star
end

---------------------------------------------------------------------------
-- what an action pattern can do

local READ_VERBS = {
  "get", "list", "describe", "head", "search", "query", "scan", "select", "batchget",
  "lookup", "view", "check", "validate", "preview", "estimate", "detect", "test",
  "download", "export", "retrieve", "read", "filter", "discover", "verify", "render",
}

-- Actions that change who may do what (permissions management).
I.PERMISSIONS_ACTIONS = {
  "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy",
  "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:PutUserPolicy",
  "iam:PutRolePermissionsBoundary", "iam:PutUserPermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary",
  "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion",
  "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:DetachGroupPolicy",
  "iam:DetachRolePolicy", "iam:DetachUserPolicy", "iam:DeleteGroupPolicy",
  "iam:DeleteRolePolicy", "iam:DeleteUserPolicy", "iam:UpdateAssumeRolePolicy",
  "iam:PassRole", "iam:AddUserToGroup", "iam:CreateAccessKey", "iam:CreateLoginProfile",
  "iam:UpdateLoginProfile", "iam:CreateRole", "iam:CreateUser",
  "kms:PutKeyPolicy", "kms:CreateGrant", "kms:RevokeGrant", "kms:RetireGrant",
  "s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutObjectAcl",
  "s3:PutObjectVersionAcl", "s3:PutBucketPublicAccessBlock",
  "s3:PutAccountPublicAccessBlock", "s3:PutAccessPointPolicy", "s3:PutBucketOwnershipControls",
  "sagemaker:PutModelPackageGroupPolicy", "sagemaker:DeleteModelPackageGroupPolicy",
  "lambda:AddPermission", "lambda:RemovePermission", "sns:AddPermission",
  "sns:SetTopicAttributes", "sqs:AddPermission", "sqs:SetQueueAttributes",
  "ecr:SetRepositoryPolicy", "secretsmanager:PutResourcePolicy",
  "logs:PutResourcePolicy", "events:PutPermission", "glue:PutResourcePolicy",
  "organizations:AttachPolicy", "ram:CreateResourceShare", "sts:AssumeRole",
}

local pm_by_service = {}
for _, a in ipairs(I.PERMISSIONS_ACTIONS) do
  local svc = a:match("^([^:]+):"):lower()
  pm_by_service[svc] = pm_by_service[svc] or {}
  table.insert(pm_by_service[svc], a)
end

-- Actions that only read although their verb does not say so (reading an
-- SSE-KMS object needs kms:Decrypt).
local READ_ACTIONS = {
  ["kms:decrypt"] = true, ["logs:startquery"] = true, ["logs:stopquery"] = true,
  ["athena:startqueryexecution"] = true, ["athena:stopqueryexecution"] = true,
  ["cloudtrail:startquery"] = true,
}

local function is_read_name(name)
  for _, v in ipairs(READ_VERBS) do
    if name:sub(1, #v) == v then return true end
  end
  return false
end

-- What an action pattern can reach: read, write, permissions (booleans).
-- Write includes permissions management. A concrete action is
-- classified by its verb; a pattern by what its literal prefix allows
-- ("s3:Get*" reads only; "s3:*", "s3:*Object" and "*" may write).
local class_cache = {}

local function action_class(pattern)
  if pattern == "*" then return { read = true, write = true, permissions = true } end
  local svc, name = pattern:match("^([^:]+):(.*)$")
  if not svc then return { read = true, write = true, permissions = true } end
  svc, name = svc:lower(), name:lower()
  local wild = name:find("[%*%?]")
  local pm = false
  if svc:find("[%*%?]") then
    pm = true
  else
    for _, a in ipairs(pm_by_service[svc] or {}) do
      if I.matches(pattern, a) then pm = true break end
    end
    -- any service's resource-policy writers
    if not pm and (I.matches(pattern, svc .. ":PutResourcePolicy") or
                   I.matches(pattern, svc .. ":PutPolicy")) then pm = true end
  end
  if not wild then
    local read = is_read_name(name) or READ_ACTIONS[svc .. ":" .. name] == true
    return { read = read, write = not read or pm, permissions = pm }
  end
  local prefix = name:sub(1, wild - 1)
  if prefix == "" then return { read = true, write = true, permissions = pm } end
  if is_read_name(prefix) then
    return { read = true, write = pm, permissions = pm }
  end
  -- a prefix shorter than a verb ("De*" is Describe and Delete)
  local read = false
  for _, v in ipairs(READ_VERBS) do
    if v:sub(1, #prefix) == prefix then read = true break end
  end
  return { read = read, write = true, permissions = pm }
end

function I.action_class(pattern)
  if type(pattern) ~= "string" then return { read = false, write = false, permissions = false } end
  local c = class_cache[pattern]
  if not c then
    c = action_class(pattern)
    class_cache[pattern] = c
  end
  return c
end

-- True when the pattern contains a wildcard.
function I.is_wildcard(pattern)
  return type(pattern) == "string" and pattern:find("[%*%?]") ~= nil
end

-- The action patterns of an Allow statement that can write (or manage
-- permissions); for NotAction statements, the NotAction list is returned
-- as { "*" } (everything but a few).
function I.write_actions(s)
  local out = {}
  if s.NotAction then return { "*" } end
  for _, a in ipairs(s.Action or {}) do
    if type(a) == "string" and I.action_class(a).write then out[#out + 1] = a end
  end
  return out
end

---------------------------------------------------------------------------
-- several documents together

-- True when some Allow statement of stmts grants action on a broad
-- resource (or on any resource when any_resource), and no unconditional
-- Deny statement covers it. Returns the granting statement.
function I.grants(stmts, action, any_resource)
  local grant
  for _, s in ipairs(stmts) do
    if I.allows(s, action) and (any_resource or I.resource_is_broad(s)) then
      grant = grant or s
    end
  end
  if not grant then return nil end
  for _, s in ipairs(stmts) do
    if I.is_deny(s) and s.Condition == nil and I.covers_action(s, action) and
        I.resource_is_star(s) then
      return nil
    end
  end
  return grant
end

-- Known ways to escalate privileges with IAM (after Rhino Security Labs'
-- list, plus SageMaker's): each needs every action on a broad resource.
I.ESCALATIONS = {
  { "iam:CreatePolicyVersion" },
  { "iam:SetDefaultPolicyVersion" },
  { "iam:CreateAccessKey" },
  { "iam:CreateLoginProfile" },
  { "iam:UpdateLoginProfile" },
  { "iam:AttachUserPolicy" },
  { "iam:AttachGroupPolicy" },
  { "iam:AttachRolePolicy" },
  { "iam:PutUserPolicy" },
  { "iam:PutGroupPolicy" },
  { "iam:PutRolePolicy" },
  { "iam:AddUserToGroup" },
  { "iam:UpdateAssumeRolePolicy", "sts:AssumeRole" },
  { "iam:PassRole", "ec2:RunInstances" },
  { "iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction" },
  { "iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping" },
  { "lambda:UpdateFunctionCode" },
  { "iam:PassRole", "glue:CreateDevEndpoint" },
  { "glue:UpdateDevEndpoint" },
  { "iam:PassRole", "cloudformation:CreateStack" },
  { "iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition" },
  { "iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild" },
  { "iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl" },
  { "iam:PassRole", "sagemaker:CreateTrainingJob" },
  { "iam:PassRole", "sagemaker:CreateProcessingJob" },
  { "sagemaker:CreatePresignedNotebookInstanceUrl" },
}

-- The escalations stmts allow: a list of { actions = {...}, statement = s }.
function I.escalations(stmts)
  local out = {}
  -- Only Allow statements on broad resources can grant an escalation.
  local broad, deny = {}, {}
  for _, s in ipairs(stmts) do
    if I.is_allow(s) and I.resource_is_broad(s) then broad[#broad + 1] = s end
    if I.is_deny(s) then deny[#deny + 1] = s end
  end
  if #broad == 0 then return out end
  local pool = {}
  for _, s in ipairs(broad) do pool[#pool + 1] = s end
  for _, s in ipairs(deny) do pool[#pool + 1] = s end
  for _, combo in ipairs(I.ESCALATIONS) do
    local first
    for _, a in ipairs(combo) do
      local s = I.grants(pool, a, false)
      if not s then first = nil break end
      first = first or s
    end
    if first then out[#out + 1] = { actions = combo, statement = first } end
  end
  return out
end

return I
