/*
 * types.h: the registry of resource types cairn supports.
 *
 * Loaded from the provider modules lua/cairn/aws/<service>.lua (compiled into the
 * binary; see docs/internals/providers.md): the declarative part of each
 * type table, its property schema, create-only properties, attributes,
 * what Ref returns, its tags property and its generated-name rule, turned
 * into C and JSON values. No cloud access and no provider code runs here;
 * the registry is what `cairn validate` and `cairn check` need.
 *
 * The normalised schema (cairn_type.schema) is JSON, one node per value:
 *   {"kind": "String"|"Integer"|"Double"|"Boolean"|"Json"|"PolicyDocument"|"Tags",
 *    "required": bool, "enum": ["A", "B"] (Strings only, optional)}
 *   {"kind": "List", "item": <node>, "set": bool, "required": bool}
 *   {"kind": "Object", "properties": {"Name": <node>, ...}, "required": bool}
 *   {"kind": "Map", "value": <node>, "required": bool}
 * and the schema of a type's Properties is an Object node. The diff, the
 * validator and the schema conformance test all read this form.
 */
#ifndef CAIRN_TYPES_H
#define CAIRN_TYPES_H

#include <jansson.h>

#include "cairn/common.h"

typedef struct cairn_types cairn_types;

typedef struct cairn_type {
	const char *name;          /* "AWS::S3::Bucket" */
	const char *module;        /* "lua/cairn/aws/s3.lua" */
	json_t *schema;            /* normalised schema of Properties (types.c documents the form) */
	const char **create_only;  /* property paths ("BucketName", "VpcConfig/SubnetIds") */
	size_t ncreate_only;
	const char **attributes;   /* GetAtt names */
	size_t nattributes;
	const char *ref;           /* attribute Ref returns, or NULL for the physical id */
	const char *tags;          /* the tags property, or NULL */
	const char *name_property; /* generated-name property, or NULL */
	int name_max;              /* its maximum length */
	int name_lower;            /* generated names in lower case */
	const char **list_attributes; /* the attributes (of attributes) whose value is a list */
	size_t nlist_attributes;
	const char **immutable;    /* properties that cannot change after create: a change is an
				    * error, not a replacement (as CloudFormation does for a KMS
				    * key's KeySpec) */
	size_t nimmutable;
} cairn_type;

/* Loads every provider module. Fails with a message naming the module
 * and the problem when a type table is malformed. */
int cairn_types_load(cairn_types **out);
void cairn_types_free(cairn_types *types);

const cairn_type *cairn_types_find(const cairn_types *types, const char *name);
size_t cairn_types_count(const cairn_types *types);
const cairn_type *cairn_types_at(const cairn_types *types, size_t i);

/* 1 when a change at this property path (relative to Properties, with
 * "/" separators, e.g. "BucketName") forces a replacement: the path is a
 * create-only path, lies under one, or lies above one (a change there may
 * include it), so ask about the most specific path that changed. Numeric
 * segments (list indices, "Containers/0/Image") are ignored. */
int cairn_type_is_create_only(const cairn_type *t, const char *path);
/* The same for immutable properties. */
int cairn_type_is_immutable(const cairn_type *t, const char *path);
int cairn_type_has_attribute(const cairn_type *t, const char *attribute);
/* 1 when Fn::GetAtt of this attribute gives a list (else a string). */
int cairn_type_attribute_is_list(const cairn_type *t, const char *attribute);

/* Why a template may not set this tag key, or NULL when it may. cairn
 * owns exactly "cairn:stack" and "cairn:logical-id" (it puts them on
 * every resource it creates, so a later run recognises what it made);
 * AWS owns keys starting with "aws:" in any case (AWS refuses them). Every
 * other key, other "cairn:" keys included (cairn:access), is the user's:
 * sent, read back and compared like any tag. The same keys are the ones
 * plans and drift leave out when comparing Tags. */
const char *cairn_tag_key_reserved(const char *key);

/* The schema node (borrowed) at a property path ("BucketEncryption/
 * ServerSideEncryptionConfiguration/0/ServerSideEncryptionByDefault"; a
 * numeric segment or any segment steps into a List's item or a Map's
 * value), or NULL when the schema has no such property. */
const json_t *cairn_type_schema_at(const cairn_type *t, const char *path);

/* The whole registry as JSON, for tools and the schema conformance test
 * (`cairn validate --dump-types`; the form is in docs/internals/template.md):
 * {"types": [{"name", "module", "schema", "create_only", "immutable",
 * "attributes", "list_attributes", "ref", "tags", "generated_name":
 * {"property", "max", "lower"} or null}]}. *out is a new reference. */
int cairn_types_dump(const cairn_types *types, json_t **out);

#endif
