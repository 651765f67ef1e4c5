-- The IAM resource types: AWS::IAM::Role, AWS::IAM::ManagedPolicy,
-- AWS::IAM::Policy, AWS::IAM::InstanceProfile, AWS::IAM::Group and
-- AWS::IAM::User.
--
-- The declarative part of each type (schema, create-only properties,
-- attributes, Ref, generated names) is what the type registry reads; the
-- lifecycle functions beside it are the provider runtime's. Property
-- names, kinds and create-only properties are CloudFormation's (a test
-- checks them against the schemas cfn-lint ships).
--
-- How it works. Roles, users and groups share one set of helpers for what
-- hangs off them (inline policies, attached managed policies), driven by
-- a table of the operation names per principal kind (KINDS). Policy
-- documents go to IAM as JSON text (P.json) and come back URL-encoded
-- (RFC 3986) from GetRole, Get*Policy and GetPolicyVersion: doc() decodes
-- them into tables, which plan compares semantically.
--
-- Attachments are not exclusive. A role's Policies and ManagedPolicyArns,
-- a user's Groups, a managed policy's Roles/Groups/Users: read reports,
-- and update adds or removes, only the entries the resource's own
-- properties name. What else is attached to the same role (an
-- AWS::IAM::Policy, a managed policy's Roles, something done by hand) is
-- left alone, as CloudFormation leaves it: two resources of a stack may
-- attach to one role without undoing each other. An update attaches (or
-- puts) everything its new properties name, not only what differs from
-- `old`: a role or managed policy replaced under the same name since the
-- plan read `old` (a delete-first replacement) has lost its attachments,
-- and attaching and putting are idempotent in IAM.
--
-- IAM is global and eventually consistent: right after a create, the new
-- entity may be unknown for a moment to the calls that follow, so those
-- are retried on NoSuchEntity for a bounded time (settle), concurrent
-- changes to one entity (ConcurrentModification) are retried too, and a
-- trust policy naming a role or user created a moment ago waits until IAM
-- accepts that principal (trust_call).
--
-- Cairn's own tags (cairn:stack, cairn:logical-id) go into the create call
-- of every entity IAM can tag (roles, users, managed policies, instance
-- profiles; not groups), also where CloudFormation's schema has no Tags
-- property, so find() can recognise what an interrupted apply made.

local aws = require "cairn.aws"
local P = require "cairn.provider"

-- ---- shared helpers ---------------------------------------------------------

-- A document as IAM returns it (URL-encoded JSON text) as a table; text
-- that is not JSON is returned as it is (plan then shows it as it is).
-- Percent-escapes are decoded as RFC 3986 says (and botocore does): a "+"
-- stays a "+". Text that does not start with an escape is JSON already
-- (moto returns some documents unencoded).
local function doc(text)
  if type(text) ~= "string" then return text end
  local s = text
  if s:match("^%s*%%") then
    s = s:gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)
  end
  local ok, v = pcall(P.json_decode, s)
  return ok and v or s
end

-- Calls aws.iam[op](params), retrying while IAM answers with one of codes
-- (and always ConcurrentModification), for at most `timeout` seconds
-- (30), saying why in ctx.log.
local function call(ctx, what, op, params, codes, timeout)
  local all = { "ConcurrentModification" }
  for _, c in ipairs(codes or {}) do all[#all + 1] = c end
  return P.retry(ctx, what, function() return aws.iam[op](params) end,
    { codes = all, timeout = timeout or 30 })
end

-- The same, for the first calls on an entity created a moment ago.
local function settle(ctx, what, op, params)
  return call(ctx, what, op, params, { "NoSuchEntity" })
end

-- A delete right after what it depends on was removed (detached policies,
-- an emptied group) may still meet DeleteConflict for a moment; a conflict
-- that lasts is real, and reported after this many seconds.
local CONFLICT_WAIT = 5

-- aws.iam[op](params) for an operation that takes a trust policy
-- (CreateRole, UpdateAssumeRolePolicy). IAM refuses a principal it does
-- not know yet with MalformedPolicyDocument "Invalid principal": a role or
-- user created a moment ago (by this very apply) takes a few seconds to
-- become one. That is retried for at most TRUST_WAIT seconds, saying why;
-- after that the error stands, with what to check.
local TRUST_WAIT = 40

local function trust_call(ctx, what, op, params)
  local waited, delay = 0, 1
  while true do
    local ok, r = pcall(aws.iam[op], params)
    if ok then return r end
    local principal = P.is(r, "MalformedPolicyDocument")
      and tostring(r.message or ""):lower():find("principal", 1, true)
    if not principal then error(r, 0) end
    if waited >= TRUST_WAIT then
      P.fail(r, ("a principal in the trust policy of %s is still unknown to IAM after %ds: check "
        .. "that every role, user and account it names exists"):format(what, waited))
    end
    if ctx.log then
      ctx.log(("waiting for IAM to know the principals of %s's trust policy (%ds so far)")
        :format(what, waited))
    end
    aws.sleep(delay)
    waited = waited + delay
    delay = math.min(delay * 2, 10)
  end
end

-- Every item of a paginated IAM list: r[key] over all pages.
local function pages(op, params, key)
  local out, marker = P.array(), nil
  repeat
    params.Marker = marker
    local r = aws.iam[op](params)
    for _, x in ipairs(r[key] or {}) do out[#out + 1] = x end
    marker = r.IsTruncated and r.Marker or nil
  until not marker
  return out
end

-- Ignores NoSuchEntity (the thing to remove is already gone).
local function gone_ok(ok, err)
  if not ok and not P.not_found(err, "NoSuchEntity") then error(err, 0) end
end

local function set_of(list)
  local s = {}
  for _, v in ipairs(list or {}) do s[v] = true end
  return s
end

-- The values of list that are in the set s, in list's order, each once.
local function only(list, s)
  local out, seen = P.array(), {}
  for _, v in ipairs(list or {}) do
    if s[v] and not seen[v] then
      out[#out + 1] = v
      seen[v] = true
    end
  end
  return out
end

local function arn(ctx, kind, path, name)
  return ("arn:%s:iam::%s:%s%s%s"):format(ctx.partition or "aws", ctx.account or "",
    kind, path or "/", name)
end

-- The error raised when a name is taken. tags (optional): a function
-- returning the existing entity's tags, and delete: the commands that
-- delete it; when the tags say it is this resource's, it is one this
-- stack retained without a record in the state, and the message says so
-- (P.retained_advice). Otherwise cairn did not make it.
local function taken(ctx, err, what, prop, name, tags, delete)
  if P.is(err, "EntityAlreadyExists") then
    local rename = ("give %s another value (or leave it out and cairn generates one)")
      :format(prop)
    local ok, t = false, nil
    if tags then ok, t = pcall(tags) end
    local advice = ok and P.retained_advice(ctx, t, ("%s named %s"):format(what, name), rename,
      delete)
    if advice then P.fail(err, advice) end
    P.fail(err, ("%s named %s already exists and cairn did not make it (or it is another "
      .. "resource's): give %s another value, or leave it out and cairn generates one")
      :format(what, name, prop))
  end
  error(err, 0)
end

-- ---- inline and managed policies of roles, users and groups -----------------

local KINDS = {
  Role = {
    param = "RoleName", put = "PutRolePolicy", get = "GetRolePolicy",
    delete = "DeleteRolePolicy", list = "ListRolePolicies", attach = "AttachRolePolicy",
    detach = "DetachRolePolicy", attached = "ListAttachedRolePolicies",
  },
  User = {
    param = "UserName", put = "PutUserPolicy", get = "GetUserPolicy",
    delete = "DeleteUserPolicy", list = "ListUserPolicies", attach = "AttachUserPolicy",
    detach = "DetachUserPolicy", attached = "ListAttachedUserPolicies",
  },
  Group = {
    param = "GroupName", put = "PutGroupPolicy", get = "GetGroupPolicy",
    delete = "DeleteGroupPolicy", list = "ListGroupPolicies", attach = "AttachGroupPolicy",
    detach = "DetachGroupPolicy", attached = "ListAttachedGroupPolicies",
  },
}

local function put_inline(ctx, k, name, policy_name, document)
  settle(ctx, ("%s %s to take policy %s"):format(k.param:sub(1, -5):lower(), name, policy_name),
    k.put, { [k.param] = name, PolicyName = policy_name, PolicyDocument = P.json(document) })
end

local function delete_inline(ctx, k, name, policy_name)
  gone_ok(pcall(call, ctx, "IAM", k.delete, { [k.param] = name, PolicyName = policy_name }))
end

-- The inline policies of the principal that `wanted` names (a Policies
-- list), as {PolicyName, PolicyDocument}: what Policies reads as.
local function read_inline(k, name, wanted)
  local out = P.array()
  if not wanted or #wanted == 0 then return out end
  local live = set_of(pages(k.list, { [k.param] = name }, "PolicyNames"))
  local seen = {}
  for _, w in ipairs(wanted) do
    local pn = w.PolicyName
    if live[pn] and not seen[pn] then
      seen[pn] = true
      local ok, r = pcall(aws.iam[k.get], { [k.param] = name, PolicyName = pn })
      if ok then
        out[#out + 1] = { PolicyName = pn, PolicyDocument = doc(r.PolicyDocument) }
      elseif not P.not_found(r, "NoSuchEntity") then
        error(r, 0)
      end
    end
  end
  return out
end

-- Makes the inline policies named in old (what is live) into new: puts
-- what is new or changed, then deletes what new no longer names.
local function sync_inline(ctx, k, name, new, old)
  local before, after = {}, {}
  for _, p in ipairs(old or {}) do before[p.PolicyName] = p.PolicyDocument end
  for _, p in ipairs(new or {}) do
    after[p.PolicyName] = true
    if before[p.PolicyName] == nil or P.changed("PolicyDocument", p.PolicyDocument, before[p.PolicyName]) then
      put_inline(ctx, k, name, p.PolicyName, p.PolicyDocument)
    end
  end
  for _, p in ipairs(old or {}) do
    if not after[p.PolicyName] then delete_inline(ctx, k, name, p.PolicyName) end
  end
end

-- The ARNs of `wanted` (a ManagedPolicyArns list) attached to the principal.
local function read_managed(k, name, wanted)
  if not wanted or #wanted == 0 then return P.array() end
  local live = {}
  for _, a in ipairs(pages(k.attached, { [k.param] = name }, "AttachedPolicies")) do
    live[a.PolicyArn] = true
  end
  return only(wanted, live)
end

-- Attaches every policy of new, also those old says are attached already
-- (attaching is idempotent in IAM, and a policy replaced under the same
-- ARN since the plan read `old`, its name and path being fixed, starts
-- attached nowhere), then detaches what new no longer lists.
local function sync_managed(ctx, k, name, new, old)
  local after = set_of(new)
  for _, a in ipairs(new or {}) do
    settle(ctx, ("%s %s to take managed policy %s"):format(k.param:sub(1, -5):lower(), name, a),
      k.attach, { [k.param] = name, PolicyArn = a })
  end
  for _, a in ipairs(old or {}) do
    if not after[a] then
      gone_ok(pcall(call, ctx, "IAM", k.detach, { [k.param] = name, PolicyArn = a }))
    end
  end
end

-- Deletes every inline policy of the principal and detaches every managed
-- policy, as IAM requires before the principal itself can be deleted.
local function strip(ctx, k, name)
  local ok, names = pcall(pages, k.list, { [k.param] = name }, "PolicyNames")
  if not ok then gone_ok(ok, names); return end
  for _, pn in ipairs(names) do delete_inline(ctx, k, name, pn) end
  local aok, attached = pcall(pages, k.attached, { [k.param] = name }, "AttachedPolicies")
  if not aok then gone_ok(aok, attached); return end
  for _, a in ipairs(attached) do
    gone_ok(pcall(call, ctx, "IAM", k.detach, { [k.param] = name, PolicyArn = a.PolicyArn }))
  end
end

-- Tags of a role or user: untag what the template dropped, then tag with
-- the user's tags plus cairn's (also when adopting what an interrupted
-- create made: its create call tagged it, this makes sure).
local function retag(ctx, tag_op, untag_op, param, name, new, old)
  if not ctx.adopt and not P.changed("Tags", new or P.array(), old) then return end
  local removed = P.removed_tag_keys(new, old)
  if #removed > 0 then call(ctx, "IAM", untag_op, { [param] = name, TagKeys = removed }) end
  call(ctx, "IAM", tag_op, { [param] = name, Tags = P.tags_with(ctx, new) })
end

local POLICY = P.required { PolicyName = "String!", PolicyDocument = "PolicyDocument!" }

-- ---- AWS::IAM::Role -----------------------------------------------------------

local Role = {
  type = "AWS::IAM::Role",
  properties = {
    AssumeRolePolicyDocument = "PolicyDocument!",
    Description = "String",
    ManagedPolicyArns = { "String", set = true },
    MaxSessionDuration = "Integer",
    Path = "String",
    PermissionsBoundary = "String",
    Policies = { POLICY, set = true },
    RoleName = "String",
    Tags = "Tags",
  },
  create_only = { "Path", "RoleName" },
  attributes = { "Arn", "RoleId" },
  ref = nil, -- Ref returns the role name (the physical id)
  tags = "Tags",
  name = { property = "RoleName", max = 64 },
}

local function role_attrs(r)
  return { Arn = r.Arn, RoleId = r.RoleId }
end

function Role.create(ctx, props)
  local name = props.RoleName
  local ok, r = pcall(trust_call, ctx, "role " .. name, "CreateRole", {
    RoleName = name,
    Path = props.Path,
    AssumeRolePolicyDocument = P.json(props.AssumeRolePolicyDocument),
    Description = props.Description,
    MaxSessionDuration = P.int(props.MaxSessionDuration),
    PermissionsBoundary = props.PermissionsBoundary,
    Tags = P.tags_with(ctx, props.Tags),
  })
  if not ok then
    taken(ctx, r, "a role", "RoleName", name,
      function() return pages("ListRoleTags", { RoleName = name }, "Tags") end,
      ("aws iam delete-role --role-name %s, after removing its policies (aws iam "
        .. "list-role-policies / list-attached-role-policies --role-name %s) and its instance "
        .. "profiles"):format(name, name))
  end
  -- the role exists and is tagged from here on; the rest is configuration,
  -- which an interrupted run completes by adopting the role and updating it
  settle(ctx, "the new role " .. name, "GetRole", { RoleName = name })
  sync_inline(ctx, KINDS.Role, name, props.Policies, nil)
  sync_managed(ctx, KINDS.Role, name, props.ManagedPolicyArns, nil)
  return name, role_attrs(r.Role)
end

function Role.read(ctx, id, props)
  local ok, r = pcall(aws.iam.GetRole, { RoleName = id })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  local role = r.Role
  props = props or {}
  local live = {
    RoleName = role.RoleName,
    Path = role.Path,
    AssumeRolePolicyDocument = doc(role.AssumeRolePolicyDocument),
    Description = role.Description or "",
    MaxSessionDuration = role.MaxSessionDuration,
    PermissionsBoundary = role.PermissionsBoundary and role.PermissionsBoundary.PermissionsBoundaryArn,
    Tags = P.user_tags(role.Tags),
    Policies = read_inline(KINDS.Role, id, props.Policies),
    ManagedPolicyArns = read_managed(KINDS.Role, id, props.ManagedPolicyArns),
  }
  return live, role_attrs(role)
end

function Role.update(ctx, id, new, old)
  if P.changed("PolicyDocument", new.AssumeRolePolicyDocument, old.AssumeRolePolicyDocument) then
    trust_call(ctx, "role " .. id, "UpdateAssumeRolePolicy",
      { RoleName = id, PolicyDocument = P.json(new.AssumeRolePolicyDocument) })
  end
  -- a property neither the template nor the last apply set is left alone
  local desc = (new.Description ~= nil or old.Description ~= nil)
    and P.changed("String", new.Description or "", old.Description or "")
  local msd = (new.MaxSessionDuration ~= nil or old.MaxSessionDuration ~= nil)
    and P.changed("Integer", new.MaxSessionDuration or 3600, old.MaxSessionDuration or 3600)
  if desc or msd then
    -- absent from the template: IAM's defaults, as CloudFormation puts back
    call(ctx, "IAM", "UpdateRole", {
      RoleName = id,
      Description = desc and (new.Description or "") or nil,
      MaxSessionDuration = msd and (P.int(new.MaxSessionDuration) or 3600) or nil,
    })
  end
  if P.changed("String", new.PermissionsBoundary, old.PermissionsBoundary) then
    if new.PermissionsBoundary then
      call(ctx, "IAM", "PutRolePermissionsBoundary",
        { RoleName = id, PermissionsBoundary = new.PermissionsBoundary })
    else
      gone_ok(pcall(call, ctx, "IAM", "DeleteRolePermissionsBoundary", { RoleName = id }))
    end
  end
  retag(ctx, "TagRole", "UntagRole", "RoleName", id, new.Tags, old.Tags)
  sync_inline(ctx, KINDS.Role, id, new.Policies, old.Policies)
  sync_managed(ctx, KINDS.Role, id, new.ManagedPolicyArns, old.ManagedPolicyArns)
  return role_attrs(settle(ctx, "role " .. id, "GetRole", { RoleName = id }).Role)
end

-- IAM deletes a role only without inline policies, attached policies and
-- instance profiles: those go first (an instance profile of the stack
-- that holds the role is deleted before it, by dependency order; one made
-- elsewhere just loses the role).
function Role.delete(ctx, id, props)
  local ok, profiles = pcall(pages, "ListInstanceProfilesForRole", { RoleName = id }, "InstanceProfiles")
  if not ok then gone_ok(ok, profiles); return end
  for _, ip in ipairs(profiles) do
    gone_ok(pcall(call, ctx, "IAM", "RemoveRoleFromInstanceProfile",
      { InstanceProfileName = ip.InstanceProfileName, RoleName = id }))
  end
  strip(ctx, KINDS.Role, id)
  local dok, err = pcall(call, ctx, "the detached policies of role " .. id, "DeleteRole",
    { RoleName = id }, { "DeleteConflict" }, CONFLICT_WAIT)
  if not dok and P.is(err, "DeleteConflict") then
    P.fail(err, ("role %s still has policies or instance profiles attached; remove them "
      .. "and run the command again"):format(id))
  end
  gone_ok(dok, err)
end

-- The role an interrupted create made: the recorded name exists and is
-- tagged as this resource's (CreateRole takes the tags, so a role cairn
-- made is never untagged).
function Role.find(ctx, props)
  local name = props and props.RoleName
  if not name or P.excluded(ctx, name) then return nil end
  local ok, r = pcall(aws.iam.GetRole, { RoleName = name })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  local tags = r.Role.Tags
  if tags == nil then tags = pages("ListRoleTags", { RoleName = name }, "Tags") end
  return P.is_ours(ctx, tags) and name or nil
end

-- ---- AWS::IAM::ManagedPolicy --------------------------------------------------

local ManagedPolicy = {
  type = "AWS::IAM::ManagedPolicy",
  properties = {
    Description = "String",
    Groups = { "String", set = true },
    ManagedPolicyName = "String",
    Path = "String",
    PolicyDocument = "PolicyDocument!",
    Roles = { "String", set = true },
    Users = { "String", set = true },
  },
  create_only = { "Description", "ManagedPolicyName", "Path" },
  attributes = {
    "PolicyArn", "PolicyId", "DefaultVersionId", "AttachmentCount", "IsAttachable",
    "PermissionsBoundaryUsageCount", "CreateDate", "UpdateDate",
  },
  ref = nil, -- Ref returns the policy's ARN (the physical id)
  tags = nil, -- CloudFormation's schema has no Tags (cairn's own are still put)
  name = { property = "ManagedPolicyName", max = 128 },
}

-- Which principals a managed policy attaches to, per property.
local ATTACH = {
  { prop = "Roles", kind = KINDS.Role, list = "PolicyRoles", key = "RoleName" },
  { prop = "Groups", kind = KINDS.Group, list = "PolicyGroups", key = "GroupName" },
  { prop = "Users", kind = KINDS.User, list = "PolicyUsers", key = "UserName" },
}

local function policy_attrs(p)
  return {
    PolicyArn = p.Arn,
    PolicyId = p.PolicyId,
    DefaultVersionId = p.DefaultVersionId,
    AttachmentCount = p.AttachmentCount or 0,
    IsAttachable = p.IsAttachable ~= false,
    PermissionsBoundaryUsageCount = p.PermissionsBoundaryUsageCount or 0,
    CreateDate = p.CreateDate,
    UpdateDate = p.UpdateDate or p.CreateDate,
  }
end

-- Every entity the policy is attached to: { Roles = {names}, ... }.
local function entities(id)
  local out = { Roles = P.array(), Groups = P.array(), Users = P.array() }
  local marker
  repeat
    local r = aws.iam.ListEntitiesForPolicy { PolicyArn = id, Marker = marker }
    for _, a in ipairs(ATTACH) do
      for _, e in ipairs(r[a.list] or {}) do out[a.prop][#out[a.prop] + 1] = e[a.key] end
    end
    marker = r.IsTruncated and r.Marker or nil
  until not marker
  return out
end

-- Attaches the policy to every role, group and user of new, also those
-- old says have it (idempotent in IAM; and a role replaced under the same
-- name since the plan read `old` has lost it), then detaches it from
-- those new no longer names.
local function attach_policy(ctx, id, new, old)
  for _, a in ipairs(ATTACH) do
    local after = set_of(new and new[a.prop])
    for _, name in ipairs(new and new[a.prop] or {}) do
      settle(ctx, ("%s %s to take policy %s"):format(a.prop:sub(1, -2):lower(), name, id),
        a.kind.attach, { [a.kind.param] = name, PolicyArn = id })
    end
    for _, name in ipairs(old and old[a.prop] or {}) do
      if not after[name] then
        gone_ok(pcall(call, ctx, "IAM", a.kind.detach, { [a.kind.param] = name, PolicyArn = id }))
      end
    end
  end
end

local function version_number(v)
  return tonumber(tostring(v.VersionId):match("(%d+)")) or 0
end

-- A new default version with document. IAM keeps at most 5 versions: at
-- the limit, the oldest version that is not the default goes first.
local function new_version(ctx, id, document)
  local versions = pages("ListPolicyVersions", { PolicyArn = id }, "Versions")
  if #versions >= 5 then
    local oldest
    for _, v in ipairs(versions) do
      if not v.IsDefaultVersion and (not oldest or version_number(v) < version_number(oldest)) then
        oldest = v
      end
    end
    if oldest then
      if ctx.log then ctx.log(("deleting policy version %s (IAM keeps 5)"):format(oldest.VersionId)) end
      gone_ok(pcall(call, ctx, "IAM", "DeletePolicyVersion",
        { PolicyArn = id, VersionId = oldest.VersionId }))
    end
  end
  call(ctx, "IAM", "CreatePolicyVersion",
    { PolicyArn = id, PolicyDocument = P.json(document), SetAsDefault = true })
end

function ManagedPolicy.create(ctx, props)
  local name = props.ManagedPolicyName
  local ok, r = pcall(aws.iam.CreatePolicy, {
    PolicyName = name,
    Path = props.Path,
    Description = props.Description,
    PolicyDocument = P.json(props.PolicyDocument),
    Tags = P.tags_with(ctx, nil),
  })
  if not ok then taken(ctx, r, "a managed policy", "ManagedPolicyName", name) end
  local id = r.Policy.Arn
  attach_policy(ctx, id, props, nil)
  return id, policy_attrs(settle(ctx, "the new policy " .. name, "GetPolicy", { PolicyArn = id }).Policy)
end

function ManagedPolicy.read(ctx, id, props)
  local ok, r = pcall(aws.iam.GetPolicy, { PolicyArn = id })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  local p = r.Policy
  local v = aws.iam.GetPolicyVersion { PolicyArn = id, VersionId = p.DefaultVersionId }
  local live = {
    ManagedPolicyName = p.PolicyName,
    Path = p.Path,
    Description = p.Description or "",
    PolicyDocument = doc(v.PolicyVersion.Document),
  }
  props = props or {}
  local ents
  for _, a in ipairs(ATTACH) do
    if props[a.prop] and #props[a.prop] > 0 then
      ents = ents or entities(id)
      live[a.prop] = only(props[a.prop], set_of(ents[a.prop]))
    else
      live[a.prop] = P.array()
    end
  end
  return live, policy_attrs(p)
end

function ManagedPolicy.update(ctx, id, new, old)
  if ctx.adopt then
    call(ctx, "IAM", "TagPolicy", { PolicyArn = id, Tags = P.tags_with(ctx, nil) })
  end
  if P.changed("PolicyDocument", new.PolicyDocument, old.PolicyDocument) then
    new_version(ctx, id, new.PolicyDocument)
  end
  attach_policy(ctx, id, new, old)
  return policy_attrs(settle(ctx, "policy " .. id, "GetPolicy", { PolicyArn = id }).Policy)
end

-- IAM deletes a managed policy only when it is attached nowhere and has
-- no version but the default.
function ManagedPolicy.delete(ctx, id, props)
  local ok, ents = pcall(entities, id)
  if not ok then gone_ok(ok, ents); return end
  for _, a in ipairs(ATTACH) do
    for _, name in ipairs(ents[a.prop]) do
      gone_ok(pcall(call, ctx, "IAM", a.kind.detach, { [a.kind.param] = name, PolicyArn = id }))
    end
  end
  local vok, versions = pcall(pages, "ListPolicyVersions", { PolicyArn = id }, "Versions")
  if not vok then gone_ok(vok, versions); return end
  for _, v in ipairs(versions) do
    if not v.IsDefaultVersion then
      gone_ok(pcall(call, ctx, "IAM", "DeletePolicyVersion", { PolicyArn = id, VersionId = v.VersionId }))
    end
  end
  local dok, err = pcall(call, ctx, "the detached policy " .. id, "DeletePolicy",
    { PolicyArn = id }, { "DeleteConflict" }, CONFLICT_WAIT)
  if not dok and P.is(err, "DeleteConflict") then
    P.fail(err, ("policy %s is still in use (attached somewhere, or with versions made outside "
      .. "cairn); see aws iam list-entities-for-policy and list-policy-versions, remove that "
      .. "use and run the command again"):format(id))
  end
  gone_ok(dok, err)
end

-- The policy an interrupted create made: its ARN follows from the
-- recorded name; it is ours when it carries this resource's tags.
function ManagedPolicy.find(ctx, props)
  local name = props and props.ManagedPolicyName
  if not name then return nil end
  local id = arn(ctx, "policy", props.Path, name)
  if P.excluded(ctx, id) then return nil end
  local ok, r = pcall(aws.iam.GetPolicy, { PolicyArn = id })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  local tags = r.Policy.Tags
  if tags == nil then tags = pages("ListPolicyTags", { PolicyArn = id }, "Tags") end
  return P.is_ours(ctx, tags) and id or nil
end

-- ---- AWS::IAM::Policy -----------------------------------------------------------

local Policy = {
  type = "AWS::IAM::Policy",
  properties = {
    Groups = { "String", set = true },
    PolicyDocument = "PolicyDocument!",
    PolicyName = "String!",
    Roles = { "String", set = true },
    Users = { "String", set = true },
  },
  create_only = {},
  attributes = { "Id" },
  ref = nil, -- Ref returns the physical id, made as CloudFormation makes it
}

local TARGETS = {
  { prop = "Roles", kind = KINDS.Role },
  { prop = "Groups", kind = KINDS.Group },
  { prop = "Users", kind = KINDS.User },
}

-- An inline policy has no identifier in IAM; CloudFormation's is the
-- stack name and logical id, shortened, and a random suffix. cairn's
-- suffix comes from the create's idempotency token, so find() after an
-- interrupted create gives the same id.
local function policy_id(ctx)
  local suffix = (ctx.token or ""):sub(1, 13):upper()
  if #suffix < 13 then
    local t = {}
    for i = 1, 13 do t[i] = string.char(string.byte("A") + math.random(0, 25)) end
    suffix = table.concat(t)
  end
  return ("%s-%s-%s"):format((ctx.stack or "cairn"):sub(1, 5), (ctx.logical_id or "Policy"):sub(1, 5),
    suffix)
end

local function check_targets(props)
  for _, t in ipairs(TARGETS) do
    if props[t.prop] and #props[t.prop] > 0 then return end
  end
  error("AWS::IAM::Policy needs at least one of Roles, Groups or Users: name the roles, "
    .. "groups or users the policy is for", 0)
end

function Policy.create(ctx, props)
  check_targets(props)
  for _, t in ipairs(TARGETS) do
    for _, name in ipairs(props[t.prop] or {}) do
      put_inline(ctx, t.kind, name, props.PolicyName, props.PolicyDocument)
    end
  end
  local id = policy_id(ctx)
  return id, { Id = id }
end

-- Where the policy still is, among the roles, groups and users props
-- names; nil when it is on none of them any more. The document shown is
-- one that differs from props' when there is such a copy.
function Policy.read(ctx, id, props)
  if not props or not props.PolicyName then return nil end
  local live = { PolicyName = props.PolicyName }
  local found, first, differing = false, nil, nil
  for _, t in ipairs(TARGETS) do
    live[t.prop] = P.array()
    for _, name in ipairs(props[t.prop] or {}) do
      local ok, r = pcall(aws.iam[t.kind.get], { [t.kind.param] = name, PolicyName = props.PolicyName })
      if ok then
        found = true
        table.insert(live[t.prop], name)
        local d = doc(r.PolicyDocument)
        first = first or d
        if not differing and P.changed("PolicyDocument", props.PolicyDocument, d) then differing = d end
      elseif not P.not_found(r, "NoSuchEntity") then
        error(r, 0)
      end
    end
  end
  if not found then return nil end
  live.PolicyDocument = differing or first
  return live, { Id = id }
end

-- The policy is put on every role, group and user of new, also where old
-- says it is already (PutRolePolicy is idempotent; and a role replaced
-- under the same name since the plan read `old` has lost it), then
-- deleted where new no longer puts it, or under its old name.
function Policy.update(ctx, id, new, old)
  check_targets(new)
  local renamed = old.PolicyName ~= nil and old.PolicyName ~= new.PolicyName
  for _, t in ipairs(TARGETS) do
    local after = set_of(new[t.prop])
    for _, name in ipairs(new[t.prop] or {}) do
      put_inline(ctx, t.kind, name, new.PolicyName, new.PolicyDocument)
    end
    for _, name in ipairs(old[t.prop] or {}) do
      if renamed or not after[name] then
        delete_inline(ctx, t.kind, name, old.PolicyName or new.PolicyName)
      end
    end
  end
  return { Id = id }
end

function Policy.delete(ctx, id, props)
  if not props or not props.PolicyName then return end
  for _, t in ipairs(TARGETS) do
    for _, name in ipairs(props[t.prop] or {}) do
      delete_inline(ctx, t.kind, name, props.PolicyName)
    end
  end
end

-- What an interrupted create put: the policy is on one of its roles,
-- groups or users (read then says where it is missing).
function Policy.find(ctx, props)
  if not props or not props.PolicyName then return nil end
  local id = policy_id(ctx)
  if P.excluded(ctx, id) then return nil end
  for _, t in ipairs(TARGETS) do
    for _, name in ipairs(props[t.prop] or {}) do
      local ok, r = pcall(aws.iam[t.kind.get], { [t.kind.param] = name, PolicyName = props.PolicyName })
      if ok then return id end
      if not P.not_found(r, "NoSuchEntity") then error(r, 0) end
    end
  end
  return nil
end

-- ---- AWS::IAM::InstanceProfile ------------------------------------------------

local InstanceProfile = {
  type = "AWS::IAM::InstanceProfile",
  properties = {
    InstanceProfileName = "String",
    Path = "String",
    Roles = P.required { "String", set = true },
  },
  create_only = { "InstanceProfileName", "Path" },
  attributes = { "Arn" },
  ref = nil, -- Ref returns the instance profile name (the physical id)
  tags = nil, -- CloudFormation's schema has no Tags (cairn's own are still put)
  name = { property = "InstanceProfileName", max = 128 },
}

local function one_role(props)
  local roles = props.Roles or {}
  if #roles ~= 1 then
    error(("AWS::IAM::InstanceProfile: Roles lists %d roles; an instance profile holds exactly "
      .. "one role (IAM's limit): list one"):format(#roles), 0)
  end
end

-- Makes the profile's roles new's. What is live is read again rather than
-- taken from `old`: a role replaced under the same name since the plan
-- read it has left the profile, and AddRoleToInstanceProfile is not
-- idempotent (a profile holds one role).
local function sync_profile_roles(ctx, name, new)
  local live = P.array()
  local r = settle(ctx, "instance profile " .. name, "GetInstanceProfile", { InstanceProfileName = name })
  for _, role in ipairs(r.InstanceProfile.Roles or {}) do live[#live + 1] = role.RoleName end
  local before, after = set_of(live), set_of(new)
  for _, role in ipairs(live) do
    if not after[role] then
      gone_ok(pcall(call, ctx, "IAM", "RemoveRoleFromInstanceProfile",
        { InstanceProfileName = name, RoleName = role }))
    end
  end
  for _, role in ipairs(new or {}) do
    if not before[role] then
      settle(ctx, ("instance profile %s to take role %s"):format(name, role),
        "AddRoleToInstanceProfile", { InstanceProfileName = name, RoleName = role })
    end
  end
end

function InstanceProfile.create(ctx, props)
  one_role(props)
  local name = props.InstanceProfileName
  local ok, r = pcall(aws.iam.CreateInstanceProfile, {
    InstanceProfileName = name,
    Path = props.Path,
    Tags = P.tags_with(ctx, nil),
  })
  if not ok then taken(ctx, r, "an instance profile", "InstanceProfileName", name) end
  sync_profile_roles(ctx, name, props.Roles)
  return name, { Arn = r.InstanceProfile.Arn }
end

function InstanceProfile.read(ctx, id, props)
  local ok, r = pcall(aws.iam.GetInstanceProfile, { InstanceProfileName = id })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  local ip = r.InstanceProfile
  local roles = P.array()
  for _, role in ipairs(ip.Roles or {}) do roles[#roles + 1] = role.RoleName end
  return {
    InstanceProfileName = ip.InstanceProfileName,
    Path = ip.Path,
    Roles = roles,
  }, { Arn = ip.Arn }
end

function InstanceProfile.update(ctx, id, new, old)
  one_role(new)
  if ctx.adopt then
    call(ctx, "IAM", "TagInstanceProfile", { InstanceProfileName = id, Tags = P.tags_with(ctx, nil) })
  end
  sync_profile_roles(ctx, id, new.Roles)
  local r = settle(ctx, "instance profile " .. id, "GetInstanceProfile", { InstanceProfileName = id })
  return { Arn = r.InstanceProfile.Arn }
end

function InstanceProfile.delete(ctx, id, props)
  local ok, r = pcall(aws.iam.GetInstanceProfile, { InstanceProfileName = id })
  if not ok then gone_ok(ok, r); return end
  for _, role in ipairs(r.InstanceProfile.Roles or {}) do
    gone_ok(pcall(call, ctx, "IAM", "RemoveRoleFromInstanceProfile",
      { InstanceProfileName = id, RoleName = role.RoleName }))
  end
  gone_ok(pcall(call, ctx, "the emptied instance profile " .. id, "DeleteInstanceProfile",
    { InstanceProfileName = id }, { "DeleteConflict" }, CONFLICT_WAIT))
end

function InstanceProfile.find(ctx, props)
  local name = props and props.InstanceProfileName
  if not name or P.excluded(ctx, name) then return nil end
  local ok, r = pcall(aws.iam.GetInstanceProfile, { InstanceProfileName = name })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  return P.is_ours(ctx, r.InstanceProfile.Tags) and name or nil
end

-- ---- AWS::IAM::Group ------------------------------------------------------------

local Group = {
  type = "AWS::IAM::Group",
  properties = {
    GroupName = "String",
    ManagedPolicyArns = { "String", set = true },
    Path = "String",
    Policies = { POLICY, set = true },
  },
  create_only = { "GroupName" },
  attributes = { "Arn" },
  ref = nil, -- Ref returns the group name (the physical id)
  name = { property = "GroupName", max = 128 },
}

function Group.create(ctx, props)
  local name = props.GroupName
  local ok, r = pcall(aws.iam.CreateGroup, { GroupName = name, Path = props.Path })
  if not ok then taken(ctx, r, "a group", "GroupName", name) end
  settle(ctx, "the new group " .. name, "GetGroup", { GroupName = name })
  sync_inline(ctx, KINDS.Group, name, props.Policies, nil)
  sync_managed(ctx, KINDS.Group, name, props.ManagedPolicyArns, nil)
  return name, { Arn = r.Group.Arn }
end

function Group.read(ctx, id, props)
  local ok, r = pcall(aws.iam.GetGroup, { GroupName = id, MaxItems = 1 })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  props = props or {}
  return {
    GroupName = r.Group.GroupName,
    Path = r.Group.Path,
    Policies = read_inline(KINDS.Group, id, props.Policies),
    ManagedPolicyArns = read_managed(KINDS.Group, id, props.ManagedPolicyArns),
  }, { Arn = r.Group.Arn }
end

function Group.update(ctx, id, new, old)
  if (new.Path ~= nil or old.Path ~= nil) and P.changed("String", new.Path or "/", old.Path or "/") then
    call(ctx, "IAM", "UpdateGroup", { GroupName = id, NewPath = new.Path or "/" })
  end
  sync_inline(ctx, KINDS.Group, id, new.Policies, old.Policies)
  sync_managed(ctx, KINDS.Group, id, new.ManagedPolicyArns, old.ManagedPolicyArns)
  local r = settle(ctx, "group " .. id, "GetGroup", { GroupName = id, MaxItems = 1 })
  return { Arn = r.Group.Arn }
end

-- IAM deletes a group only when it has no members and no policies.
function Group.delete(ctx, id, props)
  local ok, users = pcall(pages, "GetGroup", { GroupName = id }, "Users")
  if not ok then gone_ok(ok, users); return end
  for _, u in ipairs(users) do
    gone_ok(pcall(call, ctx, "IAM", "RemoveUserFromGroup", { GroupName = id, UserName = u.UserName }))
  end
  strip(ctx, KINDS.Group, id)
  gone_ok(pcall(call, ctx, "the emptied group " .. id, "DeleteGroup", { GroupName = id },
    { "DeleteConflict" }, CONFLICT_WAIT))
end

-- IAM groups take no tags: the group an interrupted create made is found
-- only by a name cairn generated (random, so no one else's). A group with
-- a name the template fixes is never taken over; the next create says it
-- exists.
function Group.find(ctx, props)
  local name = props and props.GroupName
  if not name or not ctx.name_generated or P.excluded(ctx, name) then return nil end
  local ok, r = pcall(aws.iam.GetGroup, { GroupName = name, MaxItems = 1 })
  if ok then return name end
  if P.not_found(r, "NoSuchEntity") then return nil end
  error(r, 0)
end

-- ---- AWS::IAM::User -------------------------------------------------------------

-- LoginProfile (a console password) is left out on purpose: cairn keeps
-- no secrets in templates or state. Access keys are a type of their own
-- in CloudFormation and are not provided either.
local User = {
  type = "AWS::IAM::User",
  properties = {
    Groups = { "String", set = true },
    ManagedPolicyArns = { "String", set = true },
    Path = "String",
    PermissionsBoundary = "String",
    Policies = { POLICY, set = true },
    Tags = "Tags",
    UserName = "String",
  },
  create_only = { "UserName" },
  attributes = { "Arn" },
  ref = nil, -- Ref returns the user name (the physical id)
  tags = "Tags",
  name = { property = "UserName", max = 64 },
}

local function sync_groups(ctx, name, new, old)
  local before, after = set_of(old), set_of(new)
  for _, g in ipairs(new or {}) do
    if not before[g] then
      settle(ctx, ("user %s to join group %s"):format(name, g), "AddUserToGroup",
        { GroupName = g, UserName = name })
      before[g] = true
    end
  end
  for _, g in ipairs(old or {}) do
    if not after[g] then
      gone_ok(pcall(call, ctx, "IAM", "RemoveUserFromGroup", { GroupName = g, UserName = name }))
    end
  end
end

function User.create(ctx, props)
  local name = props.UserName
  local ok, r = pcall(aws.iam.CreateUser, {
    UserName = name,
    Path = props.Path,
    PermissionsBoundary = props.PermissionsBoundary,
    Tags = P.tags_with(ctx, props.Tags),
  })
  if not ok then
    taken(ctx, r, "a user", "UserName", name,
      function() return pages("ListUserTags", { UserName = name }, "Tags") end,
      ("aws iam delete-user --user-name %s, after removing its policies and groups (aws iam "
        .. "list-user-policies / list-attached-user-policies / list-groups-for-user "
        .. "--user-name %s)"):format(name, name))
  end
  settle(ctx, "the new user " .. name, "GetUser", { UserName = name })
  sync_groups(ctx, name, props.Groups, nil)
  sync_inline(ctx, KINDS.User, name, props.Policies, nil)
  sync_managed(ctx, KINDS.User, name, props.ManagedPolicyArns, nil)
  return name, { Arn = r.User.Arn }
end

function User.read(ctx, id, props)
  local ok, r = pcall(aws.iam.GetUser, { UserName = id })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  local u = r.User
  props = props or {}
  local groups = P.array()
  if props.Groups and #props.Groups > 0 then
    local live = {}
    for _, g in ipairs(pages("ListGroupsForUser", { UserName = id }, "Groups")) do
      live[g.GroupName] = true
    end
    groups = only(props.Groups, live)
  end
  return {
    UserName = u.UserName,
    Path = u.Path,
    PermissionsBoundary = u.PermissionsBoundary and u.PermissionsBoundary.PermissionsBoundaryArn,
    Tags = P.user_tags(u.Tags),
    Groups = groups,
    Policies = read_inline(KINDS.User, id, props.Policies),
    ManagedPolicyArns = read_managed(KINDS.User, id, props.ManagedPolicyArns),
  }, { Arn = u.Arn }
end

function User.update(ctx, id, new, old)
  if (new.Path ~= nil or old.Path ~= nil) and P.changed("String", new.Path or "/", old.Path or "/") then
    call(ctx, "IAM", "UpdateUser", { UserName = id, NewPath = new.Path or "/" })
  end
  if P.changed("String", new.PermissionsBoundary, old.PermissionsBoundary) then
    if new.PermissionsBoundary then
      call(ctx, "IAM", "PutUserPermissionsBoundary",
        { UserName = id, PermissionsBoundary = new.PermissionsBoundary })
    else
      gone_ok(pcall(call, ctx, "IAM", "DeleteUserPermissionsBoundary", { UserName = id }))
    end
  end
  retag(ctx, "TagUser", "UntagUser", "UserName", id, new.Tags, old.Tags)
  sync_groups(ctx, id, new.Groups, old.Groups)
  sync_inline(ctx, KINDS.User, id, new.Policies, old.Policies)
  sync_managed(ctx, KINDS.User, id, new.ManagedPolicyArns, old.ManagedPolicyArns)
  return { Arn = settle(ctx, "user " .. id, "GetUser", { UserName = id }).User.Arn }
end

-- IAM deletes a user only without group memberships and policies; those
-- go first. Credentials made outside cairn (a console password, access
-- keys, MFA devices, SSH keys, certificates) are not deleted: the error
-- says to remove them.
function User.delete(ctx, id, props)
  local ok, groups = pcall(pages, "ListGroupsForUser", { UserName = id }, "Groups")
  if not ok then gone_ok(ok, groups); return end
  for _, g in ipairs(groups) do
    gone_ok(pcall(call, ctx, "IAM", "RemoveUserFromGroup", { GroupName = g.GroupName, UserName = id }))
  end
  strip(ctx, KINDS.User, id)
  local dok, err = pcall(call, ctx, "IAM", "DeleteUser", { UserName = id })
  if not dok and P.is(err, "DeleteConflict") then
    P.fail(err, ("user %s still has credentials made outside cairn (a console password, access "
      .. "keys, MFA devices, SSH keys or signing certificates); remove them (aws iam "
      .. "delete-login-profile, delete-access-key, ...) and run the command again"):format(id))
  end
  gone_ok(dok, err)
end

function User.find(ctx, props)
  local name = props and props.UserName
  if not name or P.excluded(ctx, name) then return nil end
  local ok, r = pcall(aws.iam.GetUser, { UserName = name })
  if not ok then
    if P.not_found(r, "NoSuchEntity") then return nil end
    error(r, 0)
  end
  local tags = r.User.Tags
  if tags == nil then tags = pages("ListUserTags", { UserName = name }, "Tags") end
  return P.is_ours(ctx, tags) and name or nil
end

return { Role, ManagedPolicy, Policy, InstanceProfile, Group, User }
