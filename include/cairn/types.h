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
} cairn_type;

/* Loads every provider module. Fails with a message naming the module
 * and the problem when a type table is malformed. */
int cairn_types_load(cairn_types **out);
void cairn_types_free(cairn_types *types);

const cairn_type *cairn_types_find(const cairn_types *types, const char *name);
size_t cairn_types_count(const cairn_types *types);
const cairn_type *cairn_types_at(const cairn_types *types, size_t i);

/* 1 when a change at this property path (relative to Properties, with
 * "/" separators, e.g. "BucketName") forces a replacement. */
int cairn_type_is_create_only(const cairn_type *t, const char *path);
int cairn_type_has_attribute(const cairn_type *t, const char *attribute);

#endif
