/*
 * template.h: a stack template read from YAML (or JSON, which is YAML).
 *
 * The loader (libyaml) builds a jansson tree of the whole document, with
 * CloudFormation's short tags turned into their long forms (!Ref X ->
 * {"Ref": "X"}, !GetAtt A.B -> {"Fn::GetAtt": ["A", "B"]}, !Sub ...), and
 * remembers the source position of every node, so that any error about the
 * template can say FILE:LINE:COL. Plain scalars become JSON numbers,
 * booleans and null as YAML 1.1 core says (CloudFormation's YAML); quoted
 * scalars are always strings.
 *
 * Syntax errors, duplicate keys, unknown tags and alias expansion beyond
 * the bound are reported as diagnostics, not loaded silently.
 */
#ifndef CAIRN_TEMPLATE_H
#define CAIRN_TEMPLATE_H

#include <jansson.h>

#include "cairn/diag.h"

typedef struct cairn_template cairn_template;

/* Loads path. On failure (returns CAIRN_EINVALID) diags says why; *out is
 * NULL. diags may receive warnings on success. */
int cairn_template_load(cairn_template **out, const char *path, cairn_diags *diags);
/* Same, from memory; name is used in messages. */
int cairn_template_parse(cairn_template **out, const char *name, const char *text,
			 size_t len, cairn_diags *diags);
void cairn_template_free(cairn_template *t);

/* The path as given, and the document (borrowed). */
const char *cairn_template_path(const cairn_template *t);
json_t *cairn_template_root(const cairn_template *t);
/* SHA-256 of the file's bytes, hex. */
const char *cairn_template_sha256(const cairn_template *t);

/* The position of the node at a JSON pointer ("/Resources/B/Properties/
 * Tags/0/Key"); for an object member it is the position of its key. When
 * the pointer does not exist, the position of its deepest existing
 * ancestor. Returns 0 when found exactly, 1 for an ancestor. */
int cairn_template_mark(const cairn_template *t, const char *pointer, int *line, int *col);

/* The same for a path relative to a resource, written as policies write
 * it: "Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]".
 * An empty path is the resource's logical id. */
int cairn_template_resource_mark(const cairn_template *t, const char *logical_id,
				 const char *path, int *line, int *col);

#endif
