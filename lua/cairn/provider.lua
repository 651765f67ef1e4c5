-- cairn.provider: helpers shared by the resource providers in
-- lua/cairn/aws/<service>.lua (see docs/internals/providers.md).
--
-- A plain module returning a table. For now it holds what the declarative
-- schemas need; the provider runtime adds its lifecycle helpers (tags,
-- waits, retries) here.

local P = {}

-- P.required(schema) marks a table schema (an object { Name = X } or a
-- list { X }) as required, and returns it. A scalar is marked required
-- with the "!" suffix instead ("String!", "Enabled|Suspended!"); the
-- registry reads this mark as the key "!" of the table, which can never
-- be a CloudFormation property name.
function P.required(schema)
  if type(schema) ~= "table" then
    error("P.required expects a table schema; mark a scalar required with '!' (\"String!\")", 2)
  end
  schema["!"] = true
  return schema
end

return P
