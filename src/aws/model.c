/*
 * model.c: loads the compiled-in AWS service models (see model.h).
 *
 * A model is parsed with jansson once per cairn_aws (the client keeps
 * the models it has loaded) and then only read: shapes and operations are
 * looked up by name in jansson's hash tables. The service metadata the
 * client needs on every request (protocol, signing name, JSON target
 * prefix, the service id used to name endpoint overrides) is extracted
 * into struct fields at load time.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws/model.h"
#include "cairn/embed.h"

static const char *meta_str(const json_t *meta, const char *key)
{
	return json_string_value(json_object_get(meta, key));
}

static int add_name(const cairn_embed_file *f, void *ud)
{
	cairn_buf *b = ud;
	const char *base = f->path + strlen("data/models/");
	size_t n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".json") == 0) {
		if (b->len)
			cairn_buf_puts(b, ", ");
		cairn_buf_put(b, base, n - 5);
	}
	return 0;
}

char *cairn_model_list(void)
{
	cairn_buf b = CAIRN_BUF_INIT;
	cairn_embed_foreach("data/models/", add_name, &b);
	return cairn_buf_detach(&b);
}

static int valid_service_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '-'))
			return 0;
	return 1;
}

int cairn_model_load(const char *service, cairn_model **out)
{
	char *path, *text = NULL;
	size_t len;
	json_t *root, *meta;
	json_error_t jerr;
	cairn_model *m;
	const char *proto;
	size_t i;
	int rc;

	*out = NULL;
	if (!valid_service_name(service)) {
		char *known = cairn_model_list();
		rc = cairn_error_setc(CAIRN_ENOTFOUND,
		                      "unknown AWS service '%s' (services compiled in: %s)",
		                      service, known);
		free(known);
		return rc;
	}
	path = cairn_xasprintf("data/models/%s.json", service);
	rc = cairn_embed_read(path, &text, &len);
	if (rc < 0) {
		char *known = cairn_model_list();
		rc = cairn_error_setc(
		    CAIRN_ENOTFOUND,
		    "unknown AWS service '%s' (services compiled in: %s; to add one, "
		    "list its operations in data/models/operations.txt and run "
		    "tools/gen-models.py)",
		    service, known);
		free(known);
		free(path);
		return rc;
	}
	root = json_loadb(text, len, 0, &jerr);
	free(text);
	if (!root) {
		rc = cairn_error_set("%s:%d:%d: bad service model: %s", path, jerr.line,
		                     jerr.column, jerr.text);
		free(path);
		return rc;
	}
	free(path);
	meta = json_object_get(root, "metadata");
	m = cairn_xcalloc(1, sizeof(*m));
	m->name = cairn_xstrdup(service);
	m->root = root;
	m->operations = json_object_get(root, "operations");
	m->shapes = json_object_get(root, "shapes");
	m->api_version = meta_str(meta, "apiVersion");
	m->endpoint_prefix = meta_str(meta, "endpointPrefix");
	m->signing_name = meta_str(meta, "signingName");
	if (!m->signing_name)
		m->signing_name = m->endpoint_prefix;
	m->service_id = meta_str(meta, "serviceId");
	m->json_version = meta_str(meta, "jsonVersion");
	m->target_prefix = meta_str(meta, "targetPrefix");
	m->query_compatible = json_object_get(meta, "awsQueryCompatible") != NULL;
	proto = meta_str(meta, "protocol");
	if (!proto || !m->endpoint_prefix || !m->service_id || !json_is_object(m->operations) ||
	    !json_is_object(m->shapes)) {
		cairn_model_free(m);
		return cairn_error_set(
		    "data/models/%s.json: not a service model (metadata missing)", service);
	}
	if (strcmp(proto, "query") == 0)
		m->protocol = CAIRN_PROTO_QUERY;
	else if (strcmp(proto, "ec2") == 0)
		m->protocol = CAIRN_PROTO_EC2;
	else if (strcmp(proto, "json") == 0)
		m->protocol = CAIRN_PROTO_JSON;
	else if (strcmp(proto, "rest-json") == 0)
		m->protocol = CAIRN_PROTO_REST_JSON;
	else if (strcmp(proto, "rest-xml") == 0)
		m->protocol = CAIRN_PROTO_REST_XML;
	else {
		cairn_model_free(m);
		return cairn_error_set("data/models/%s.json: protocol '%s' is not supported",
		                       service, proto);
	}
	/* The SDKs' naming of a service in AWS_ENDPOINT_URL_<ID> and in the
	 * config file's [services] sections: the service id with spaces as
	 * underscores, upper case for the environment, lower case in the file. */
	m->env_name = cairn_xstrdup(m->service_id);
	m->config_name = cairn_xstrdup(m->service_id);
	for (i = 0; m->env_name[i]; i++) {
		char c = m->env_name[i];
		if (c == ' ' || c == '-')
			c = '_';
		m->env_name[i] = (char)toupper((unsigned char)c);
		m->config_name[i] = (char)tolower((unsigned char)c);
	}
	*out = m;
	return 0;
}

void cairn_model_free(cairn_model *m)
{
	if (!m)
		return;
	json_decref(m->root);
	free(m->name);
	free(m->env_name);
	free(m->config_name);
	free(m);
}

const json_t *cairn_model_op(const cairn_model *m, const char *operation)
{
	return json_object_get(m->operations, operation);
}

int cairn_model_ref(const cairn_model *m, const json_t *ref, cairn_shref *out)
{
	const char *name = json_string_value(json_object_get(ref, "shape"));
	const json_t *shape = name ? json_object_get(m->shapes, name) : NULL;
	if (!shape)
		return -1;
	out->shape = shape;
	out->ref = ref;
	out->name = name;
	return 0;
}

int cairn_model_io(const cairn_model *m, const json_t *op, const char *which, cairn_shref *out)
{
	const json_t *ref = json_object_get(op, which);
	if (!ref || cairn_model_ref(m, ref, out) < 0)
		return -1;
	/* The top-level input/output reference carries no serialisation
	 * traits of a member, except the xmlNamespace/locationName of S3
	 * inputs, which botocore also merges. */
	return 0;
}

const json_t *cairn_shref_trait(const cairn_shref *s, const char *key)
{
	const json_t *v = s->ref ? json_object_get(s->ref, key) : NULL;
	return v ? v : json_object_get(s->shape, key);
}

const char *cairn_shref_str(const cairn_shref *s, const char *key)
{
	return json_string_value(cairn_shref_trait(s, key));
}

int cairn_shref_bool(const cairn_shref *s, const char *key)
{
	return json_is_true(cairn_shref_trait(s, key));
}

const char *cairn_shref_type(const cairn_shref *s)
{
	const char *t = json_string_value(json_object_get(s->shape, "type"));
	return t ? t : "";
}
