/*
 * model.h: private to src/aws: the compiled-in AWS service models
 * (data/models/<service>.json, botocore's service-2.json trimmed by
 * tools/gen-models.py) and shape references.
 *
 * A shape is reached through a member reference ({"shape": "X",
 * "locationName": ...}); the serialisation traits of a member
 * (locationName, queryName, flattened, xmlNamespace, timestampFormat,
 * location, jsonvalue, ...) override those of the shape it names, exactly
 * as botocore merges them. cairn_shref carries both so cairn_shref_trait
 * can look in the right order.
 */
#ifndef CAIRN_AWS_MODEL_H
#define CAIRN_AWS_MODEL_H

#include <jansson.h>

#include "cairn/common.h"

typedef enum cairn_proto {
	CAIRN_PROTO_QUERY,     /* IAM, STS */
	CAIRN_PROTO_EC2,       /* EC2 */
	CAIRN_PROTO_JSON,      /* JSON 1.0 / 1.1 with X-Amz-Target */
	CAIRN_PROTO_REST_JSON, /* Lambda, Access Analyzer */
	CAIRN_PROTO_REST_XML   /* S3 */
} cairn_proto;

typedef struct cairn_model {
	char *name;                  /* botocore's service name, "s3", "logs" */
	json_t *root;                /* the whole model (owned) */
	json_t *operations;          /* root.operations (borrowed from root) */
	json_t *shapes;              /* root.shapes (borrowed from root) */
	cairn_proto protocol;        /* the wire protocol */
	const char *api_version;     /* "2006-03-01" */
	const char *endpoint_prefix; /* "api.sagemaker" */
	const char *signing_name;    /* "sagemaker" (endpointPrefix when the model has none) */
	const char *service_id;      /* "CloudWatch Logs" */
	const char *json_version;    /* "1.1" (JSON protocol) */
	const char *target_prefix;   /* "TrentService" (JSON protocol) */
	char *env_name;              /* "CLOUDWATCH_LOGS": AWS_ENDPOINT_URL_<env_name> */
	char *config_name;           /* "cloudwatch_logs": the key in a [services] section */
	int query_compatible;        /* awsQueryCompatible: error codes in x-amzn-query-error */
} cairn_model;

/* A shape as reached through a member reference. */
typedef struct cairn_shref {
	const json_t *shape; /* the shape definition */
	const json_t *ref;   /* the member reference, or NULL at the top */
	const char *name;    /* the shape's name */
} cairn_shref;

/* Loads data/models/<service>.json (compiled in; CAIRN_HOME overrides).
 * Fails with CAIRN_ENOTFOUND and a message listing the known services. */
int cairn_model_load(const char *service, cairn_model **out);
void cairn_model_free(cairn_model *m);

/* The operation's definition, or NULL. */
const json_t *cairn_model_op(const cairn_model *m, const char *operation);
/* Resolves a {"shape": ...} reference into *out; 0, or -1 if the model
 * names a shape it does not define. */
int cairn_model_ref(const cairn_model *m, const json_t *ref, cairn_shref *out);
/* The input or output shape of an operation (which = "input"/"output");
 * -1 when the operation has none. */
int cairn_model_io(const cairn_model *m, const json_t *op, const char *which, cairn_shref *out);

/* A serialisation trait: the member reference's first, then the shape's. */
const json_t *cairn_shref_trait(const cairn_shref *s, const char *key);
const char *cairn_shref_str(const cairn_shref *s, const char *key);
int cairn_shref_bool(const cairn_shref *s, const char *key);
/* The shape's type: "structure", "list", "map", "string", "integer", ... */
const char *cairn_shref_type(const cairn_shref *s);

/* The names of the services compiled in, comma-separated (for messages). */
char *cairn_model_list(void);

#endif
