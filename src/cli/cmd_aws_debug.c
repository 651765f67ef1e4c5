/*
 * cmd_aws_debug.c: two hidden commands for tests and benchmarks of the
 * AWS client. They are not part of the user's interface (main.c leaves
 * them out of the usage text) and may change with the tests.
 *
 * `cairn __aws-lua SCRIPT [ARGS...]` runs SCRIPT as a runner task over a
 * real cairn_aws, with require "cairn.aws" available and a global
 * spawn(fn, ...) that starts more tasks and a global clock() giving
 * monotonic seconds (for benchmarks; os.clock() gives CPU time). When every task has ended it
 * prints the main task's first result as JSON on stdout, the errors of
 * failed tasks on stderr, and exits 1 if any task failed. This is how
 * the integration tests drive every protocol, the retry behaviour and
 * the scheduler from Lua exactly as providers will.
 *
 * `cairn __sigv4` reads a JSON list of requests on stdin and prints, for
 * each, the signed headers and signature cairn's signer produces (for the
 * botocore cross-check in tests/botocore). Nothing is sent anywhere.
 *
 * `cairn __aws-build` reads a JSON list of {service, operation, params}
 * and prints, for each, the request the wire protocol builds (method,
 * path, query pairs, headers, body) or the validation error, unsigned and
 * without an endpoint (for the serializer cross-check in tests/botocore).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "aws/model.h"
#include "aws/proto.h"
#include "aws/request.h"
#include "aws/sigv4.h"
#include "cairn/aws.h"
#include "cairn/luajson.h"
#include "cairn/runner.h"
#include "cli.h"

typedef struct dbg {
	cairn_runner *r; /* the runner */
	int failed;      /* tasks that failed */
	json_t *result;  /* the main task's first result */
} dbg;

static dbg *the_dbg;

static void task_done(void *ud, lua_State *co, int status, int nres, const char *message)
{
	dbg *d = the_dbg;
	int is_main = ud != NULL;
	if (status != LUA_OK) {
		fprintf(stderr, "task failed: %s\n", message);
		d->failed++;
		return;
	}
	if (is_main && nres > 0) {
		json_t *j = NULL;
		if (cairn_luajson_to(co, -nres, &j) == 0)
			d->result = j;
		else
			fprintf(stderr, "result: %s\n", cairn_error_last());
	}
}

static int l_clock(lua_State *L)
{
	lua_pushnumber(L, cairn_now());
	return 1;
}

static int l_spawn(lua_State *L)
{
	int n = lua_gettop(L);
	lua_State *main_L;
	luaL_checktype(L, 1, LUA_TFUNCTION);
	/* the runner spawns from its own (main) state: move function and args there */
	lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
	main_L = lua_tothread(L, -1);
	lua_pop(L, 1);
	lua_xmove(L, main_L, n);
	if (cairn_runner_spawn(the_dbg->r, n - 1, task_done, NULL) < 0)
		return luaL_error(L, "%s", cairn_error_last());
	return 0;
}

int cli_cmd_aws_lua(int argc, char **argv)
{
	static const cli_opt opts[] = {{NULL, 0, 0, NULL}};
	cli_parser p;
	const char *v, *script = NULL;
	char **args = cairn_xcalloc((size_t)argc + 1, sizeof(char *));
	int nargs = 0, i, rc = 0;
	lua_State *L;
	cairn_aws *aws = NULL;
	cairn_aws_options o;
	dbg d;

	cli_init(&p, argc, argv, "cairn __aws-lua SCRIPT [ARGS...]", opts);
	for (;;) {
		int id = cli_next(&p, &v);
		if (id == CLI_END)
			break;
		if (id == CLI_ERR) {
			free(args);
			return 1;
		}
		if (!script)
			script = v;
		else
			args[nargs++] = (char *)v;
	}
	if (!script) {
		free(args);
		return cli_fail("__aws-lua", "a script is needed");
	}
	memset(&o, 0, sizeof(o));
	o.region = cli_g.region;
	o.profile = cli_g.profile;
	if (cairn_aws_new(&aws, &o) < 0) {
		free(args);
		return cli_fail("__aws-lua", "%s", cairn_error_last());
	}
	L = luaL_newstate();
	luaL_openlibs(L);
	memset(&d, 0, sizeof(d));
	the_dbg = &d;
	cairn_runner_new(&d.r, L, aws);
	lua_pushcfunction(L, l_spawn);
	lua_setglobal(L, "spawn");
	lua_pushcfunction(L, l_clock);
	lua_setglobal(L, "clock");
	if (luaL_loadfile(L, script) != LUA_OK) {
		rc = cli_fail("__aws-lua", "%s", lua_tostring(L, -1));
		goto out;
	}
	for (i = 0; i < nargs; i++)
		lua_pushstring(L, args[i]);
	cairn_runner_spawn(d.r, nargs, task_done, &d);
	cairn_runner_run(d.r);
	if (d.result) {
		char *s = json_dumps(d.result, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		printf("%s\n", s);
		free(s);
		json_decref(d.result);
	}
	rc = d.failed ? 1 : 0;
out:
	cairn_runner_free(d.r);
	lua_close(L);
	cairn_aws_free(aws);
	free(args);
	the_dbg = NULL;
	return rc;
}

/* ---- __sigv4 ---------------------------------------------------------- */

static void sign_one(const json_t *in, json_t *outlist)
{
	cairn_awsreq r;
	cairn_sigv4_params sp;
	cairn_sigv4_trace tr;
	const char *k;
	json_t *v, *out = json_object(), *hdrs = json_object();
	size_t i;
	int presign = json_is_true(json_object_get(in, "presign"));

	cairn_awsreq_init(&r);
	memset(&sp, 0, sizeof(sp));
	memset(&tr, 0, sizeof(tr));
	r.method = cairn_xstrdup(json_string_value(json_object_get(in, "method")));
	r.scheme = cairn_xstrdup("https");
	r.host = cairn_xstrdup(json_string_value(json_object_get(in, "host")));
	r.path = cairn_xstrdup(json_string_value(json_object_get(in, "path")));
	for (i = 0; i < json_array_size(json_object_get(in, "query")); i++) {
		const json_t *pair = json_array_get(json_object_get(in, "query"), i);
		cairn_kvlist_add(&r.query, json_string_value(json_array_get(pair, 0)),
		                 json_string_value(json_array_get(pair, 1)));
	}
	for (i = 0; i < json_array_size(json_object_get(in, "headers")); i++) {
		const json_t *pair = json_array_get(json_object_get(in, "headers"), i);
		cairn_kvlist_add(&r.headers, json_string_value(json_array_get(pair, 0)),
		                 json_string_value(json_array_get(pair, 1)));
	}
	v = json_object_get(in, "body");
	if (json_is_string(v))
		cairn_buf_put(&r.body, json_string_value(v), json_string_length(v));
	sp.access_key_id = json_string_value(json_object_get(in, "access_key"));
	sp.secret_access_key = json_string_value(json_object_get(in, "secret_key"));
	sp.session_token = json_string_value(json_object_get(in, "token"));
	sp.region = json_string_value(json_object_get(in, "region"));
	sp.service = json_string_value(json_object_get(in, "service"));
	sp.when = (time_t)json_integer_value(json_object_get(in, "time"));
	sp.s3 = json_is_true(json_object_get(in, "s3"));
	sp.content_sha256_header = sp.s3;
	sp.payload_hash = json_string_value(json_object_get(in, "payload_hash"));
	sp.expires = (long)json_integer_value(json_object_get(in, "expires"));
	if (presign)
		cairn_sigv4_presign(&r, &sp, &tr);
	else
		cairn_sigv4_sign(&r, &sp, &tr);
	for (i = 0; i < r.headers.n; i++)
		json_object_set_new(hdrs, r.headers.v[i].key, json_string(r.headers.v[i].value));
	json_object_set_new(out, "headers", hdrs);
	{
		char *url = cairn_awsreq_url(&r);
		json_object_set_new(out, "url", json_string(url));
		free(url);
	}
	json_object_set_new(out, "signature", json_string(tr.signature));
	json_object_set_new(
	    out, "canonical_request",
	    json_stringn_nocheck(cairn_buf_cstr(&tr.canonical_request), tr.canonical_request.len));
	json_array_append_new(outlist, out);
	(void)k;
	cairn_sigv4_trace_dispose(&tr);
	cairn_awsreq_dispose(&r);
}

int cli_cmd_aws_sigv4(int argc, char **argv)
{
	json_error_t e;
	json_t *in, *out;
	size_t i;
	char *s;
	(void)argc;
	(void)argv;
	in = json_loadf(stdin, 0, &e);
	if (!json_is_array(in))
		return cli_fail("__sigv4", "stdin: expected a JSON list of requests (%s)", e.text);
	out = json_array();
	for (i = 0; i < json_array_size(in); i++)
		sign_one(json_array_get(in, i), out);
	s = json_dumps(out, JSON_COMPACT);
	printf("%s\n", s);
	free(s);
	json_decref(in);
	json_decref(out);
	return 0;
}

/* ---- __aws-build -------------------------------------------------------- */

static json_t *build_one(const json_t *in)
{
	const char *svc = json_string_value(json_object_get(in, "service"));
	const char *opname = json_string_value(json_object_get(in, "operation"));
	const json_t *params = json_object_get(in, "params");
	cairn_model *m = NULL;
	const json_t *op;
	cairn_awsreq r;
	json_t *out, *q, *h;
	size_t i;

	if (!svc || !opname || cairn_model_load(svc, &m) < 0)
		return json_pack("{s:s}", "error", cairn_error_last());
	op = cairn_model_op(m, opname);
	if (!op) {
		cairn_model_free(m);
		return json_pack("{s:s}", "error", "no such operation");
	}
	cairn_awsreq_init(&r);
	if (cairn_proto_validate(m, op, params) < 0 ||
	    cairn_proto_build(m, opname, op, params, &r) < 0) {
		out = json_pack("{s:s}", "error", cairn_error_last());
		cairn_awsreq_dispose(&r);
		cairn_model_free(m);
		return out;
	}
	q = json_array();
	for (i = 0; i < r.query.n; i++)
		json_array_append_new(q,
		                      json_pack("[s, s?]", r.query.v[i].key, r.query.v[i].value));
	h = json_object();
	for (i = 0; i < r.headers.n; i++)
		json_object_set_new(h, r.headers.v[i].key, json_string(r.headers.v[i].value));
	out = json_pack("{s:s, s:s, s:o, s:o, s:s%}", "method", r.method, "path", r.path, "query",
	                q, "headers", h, "body", cairn_buf_cstr(&r.body), r.body.len);
	cairn_awsreq_dispose(&r);
	cairn_model_free(m);
	return out;
}

int cli_cmd_aws_build(int argc, char **argv)
{
	json_error_t e;
	json_t *in, *out;
	size_t i;
	char *s;
	(void)argc;
	(void)argv;
	in = json_loadf(stdin, 0, &e);
	if (!json_is_array(in))
		return cli_fail("__aws-build",
		                "stdin: expected a JSON list of {service, operation, params} (%s)",
		                e.text);
	out = json_array();
	for (i = 0; i < json_array_size(in); i++)
		json_array_append_new(out, build_one(json_array_get(in, i)));
	s = json_dumps(out, JSON_COMPACT);
	printf("%s\n", s ? s : "[]");
	free(s);
	json_decref(in);
	json_decref(out);
	return 0;
}
