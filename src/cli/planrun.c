/*
 * planrun.c: the steps `cairn plan`, `cairn apply` and `cairn destroy`
 * share (planrun.h).
 *
 * Opening: the AWS client is made from the global flags (--region,
 * --profile) and the environment, and asked for the account id (STS
 * GetCallerIdentity), which the stack needs for AWS::AccountId; the stack
 * is loaded with that region and account and with state_dir = the
 * directory of the state, so Fn::ImportValue finds the stacks beside it,
 * and, when the template uses Fn::GetAZs, with the region's Availability
 * Zones (EC2 DescribeAvailabilityZones, asked only then, so a role
 * without ec2:DescribeAvailabilityZones can plan other stacks);
 * the state is locked (failing at once when another cairn holds it) and
 * opened; the provider runtime is made. Planning turns the resources this
 * stack retained and the template has again into pending records (so they
 * are adopted back: engine.h, cairn_engine_readopt_retained), refreshes
 * every resource of the state through its provider (in parallel), makes
 * the plan, and refuses it when it takes away an export another stack
 * imports (cairn_engine_check_exports).
 *
 * A saved plan is opened from what it records: its template (whose hash
 * must not have changed), its parameter values, its state (whose lineage
 * and serial must not have changed) and its region.
 *
 * The lock is held from opening to disposing, so nothing changes the
 * state between the plan and the apply of one command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/log.h"
#include "cli.h"
#include "planrun.h"

void cli_planrun_init(cli_planrun *r, const char *cmd)
{
	memset(r, 0, sizeof(*r));
	r->cmd = cmd;
	cli_stackopts_init(&r->so, cmd);
	r->targets = cairn_xcalloc(1, sizeof(char *));
}

int cli_planrun_take(cli_planrun *r, int id, const char *val)
{
	int t = cli_stackopts_take(&r->so, id, val);
	if (t != 0)
		return t;
	switch (id) {
	case CLI_PR_STATE:
		r->state_flag = val;
		return 1;
	case CLI_PR_PARALLELISM: {
		char *end;
		long n = strtol(val, &end, 10);
		if (*end || n < 1 || n > 1000) {
			cli_fail(r->cmd, "--parallelism %s: give a number from 1 to 1000", val);
			return -1;
		}
		r->parallelism = (int)n;
		return 1;
	}
	case CLI_PR_TARGET:
		r->targets = cairn_xrealloc(r->targets, (size_t)(r->ntargets + 2) * sizeof(char *));
		r->targets[r->ntargets++] = val;
		r->targets[r->ntargets] = NULL;
		return 1;
	}
	return 0;
}

static int open_aws(cli_planrun *r)
{
	cairn_aws_options ao;
	memset(&ao, 0, sizeof(ao));
	ao.region = cli_g.region;
	ao.profile = cli_g.profile;
	if (cairn_aws_new(&r->aws, &ao) < 0) {
		cli_fail(r->cmd, "%s", cairn_error_last());
		return -1;
	}
	if (cairn_aws_account_id(r->aws, &r->account) < 0) {
		cli_fail(r->cmd, "cannot tell which AWS account this is: %s", cairn_error_last());
		return -1;
	}
	return 0;
}

/* 1 when the file mentions Fn::GetAZs (long or short form). A mention in
 * a comment costs one extra read-only call, nothing more. */
static int uses_getazs(const char *file)
{
	char *text;
	int found;
	if (cairn_file_read(file, &text, NULL) < 0)
		return 0; /* cairn_stack_load reports it */
	found = strstr(text, "GetAZs") != NULL;
	free(text);
	return found;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The region's Availability Zones, as CloudFormation's Fn::GetAZs gives
 * them: the zones (not Local or Wavelength Zones) that are available, in
 * name order. */
static int load_azs(cli_planrun *r)
{
	json_t *params = json_pack("{s:[{s:s,s:[s]},{s:s,s:[s]}]}", "Filters",
				   "Name", "zone-type", "Values", "availability-zone",
				   "Name", "state", "Values", "available");
	json_t *out = NULL, *zones, *z;
	size_t i;
	int rc = cairn_aws_call(r->aws, "ec2", "DescribeAvailabilityZones", params, &out, NULL);
	json_decref(params);
	if (rc < 0) {
		cli_fail(r->cmd, "the template uses Fn::GetAZs, and the Availability Zones of %s "
			 "could not be read: %s", cairn_aws_region(r->aws), cairn_error_last());
		return -1;
	}
	zones = json_object_get(out, "AvailabilityZones");
	r->azs = cairn_xcalloc(json_array_size(zones) + 1, sizeof(char *));
	json_array_foreach(zones, i, z) {
		const char *name = json_string_value(json_object_get(z, "ZoneName"));
		if (name)
			r->azs[r->nazs++] = cairn_xstrdup(name);
	}
	json_decref(out);
	qsort(r->azs, r->nazs, sizeof(char *), cmp_str);
	return 0;
}

static int load_stack(cli_planrun *r, const char *file, const char *state_dir)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	int rc;

	if (!r->azs && uses_getazs(file) && load_azs(r) < 0)
		return -1;
	r->so.opts.azs = (const char *const *)r->azs;
	r->so.opts.nazs = r->nazs;
	r->so.opts.region = cairn_aws_region(r->aws);
	r->so.opts.account_id = r->account;
	r->so.opts.partition = cairn_aws_partition(r->aws);
	r->so.opts.url_suffix = cairn_aws_url_suffix(r->aws);
	r->so.opts.state_dir = state_dir;
	rc = cairn_stack_load(&r->stack, file, &r->so.opts, &d);
	cairn_diags_print(&d, stderr);
	if (rc < 0)
		fprintf(stderr, "cairn %s: %zu error%s in %s; nothing was %s\n", r->cmd,
			d.nerrors, d.nerrors == 1 ? "" : "s", file,
			strcmp(r->cmd, "drift") == 0 || strcmp(r->cmd, "audit") == 0 ? "checked"
										      : "planned");
	cairn_diags_dispose(&d);
	return rc < 0 ? -1 : 0;
}

static int open_state_and_engine(cli_planrun *r)
{
	cairn_engine_options eo;

	if (cairn_state_lock(&r->lock, r->state_path, r->cmd) < 0) {
		cli_fail(r->cmd, "%s", cairn_error_last());
		return -1;
	}
	if (cairn_state_open(&r->st, r->state_path, cairn_stack_name(r->stack)) < 0) {
		cli_fail(r->cmd, "%s", cairn_error_last());
		return -1;
	}
	memset(&eo, 0, sizeof(eo));
	eo.aws = r->aws;
	eo.stack = cairn_stack_name(r->stack);
	eo.account = r->account;
	eo.parallelism = r->parallelism;
	eo.progress = stdout;
	eo.color = cli_g.color;
	if (cairn_engine_new(&r->eng, &eo) < 0) {
		cli_fail(r->cmd, "%s", cairn_error_last());
		return -1;
	}
	return 0;
}

int cli_planrun_open(cli_planrun *r, const char *file)
{
	char *sdir;
	int rc;

	if (cli_stackopts_finish(&r->so) < 0)
		return -1;
	if (open_aws(r) < 0)
		return -1;
	sdir = r->state_flag ? cairn_path_dir(r->state_flag) : cairn_xstrdup(".cairn");
	rc = load_stack(r, file, sdir);
	free(sdir);
	if (rc < 0)
		return -1;
	r->state_path = r->state_flag ? cairn_xstrdup(r->state_flag)
				      : cairn_state_default_path(cairn_stack_name(r->stack));
	return open_state_and_engine(r);
}

int cli_planrun_open_saved(cli_planrun *r, const char *planfile)
{
	char *sdir;
	int rc;

	if (cairn_plan_load(&r->plan, planfile) < 0) {
		cli_fail(r->cmd, "%s", cairn_error_last());
		return -1;
	}
	r->saved = 1;
	if (open_aws(r) < 0)
		return -1;
	if (r->plan->region && strcmp(r->plan->region, cairn_aws_region(r->aws)) != 0) {
		cli_fail(r->cmd, "%s was planned for region %s, and this run is in %s: pass "
				 "--region %s (or plan again)",
			 planfile, r->plan->region, cairn_aws_region(r->aws), r->plan->region);
		return -1;
	}
	if (r->plan->account && strcmp(r->plan->account, r->account) != 0) {
		cli_fail(r->cmd, "%s was planned for account %s, and these credentials are of "
				 "account %s; use the credentials it was planned with",
			 planfile, r->plan->account, r->account);
		return -1;
	}
	/* the stack exactly as planned: its template, parameters and name */
	r->so.opts.name = r->plan->stack;
	r->so.opts.params = r->plan->parameters;
	r->state_path = cairn_xstrdup(r->state_flag ? r->state_flag : r->plan->state_path);
	sdir = cairn_path_dir(r->state_path);
	rc = load_stack(r, r->plan->template_path, sdir);
	free(sdir);
	if (rc < 0)
		return -1;
	if (open_state_and_engine(r) < 0)
		return -1;
	if (cairn_plan_check_fresh(r->plan, r->st,
				   cairn_template_sha256(cairn_stack_template(r->stack))) < 0) {
		cli_fail(r->cmd, "%s: %s", planfile, cairn_error_last());
		return -1;
	}
	/* the pending records of retained resources it adopts back, as when
	 * it was made (the template and state are unchanged) */
	if (!r->plan->destroy)
		cairn_engine_readopt_retained(r->stack, r->st);
	/* another stack may have imported an export since the plan was made */
	if (cairn_engine_check_exports(r->plan, r->st) < 0) {
		cli_fail(r->cmd, "%s: %s", planfile, cairn_error_last());
		return -1;
	}
	return 0;
}

int cli_planrun_plan(cli_planrun *r, int destroy)
{
	cairn_plan_options po;

	if (!destroy)
		cairn_engine_readopt_retained(r->stack, r->st);
	if (cairn_state_count(r->st) > 0) {
		cairn_log(CAIRN_LOG_INFO, "reading %zu resources of %s", cairn_state_count(r->st),
			  cairn_state_path(r->st));
		if (cairn_engine_refresh(r->eng, r->st, NULL, &r->live) < 0 ||
		    cairn_engine_refresh_check(r->live) < 0) {
			cli_fail(r->cmd, "%s; nothing was planned", cairn_error_last());
			return -1;
		}
	}
	memset(&po, 0, sizeof(po));
	po.targets = r->ntargets ? r->targets : NULL;
	po.destroy = destroy;
	po.region = cairn_aws_region(r->aws);
	po.account = r->account;
	if (cairn_plan_make(&r->plan, r->stack, r->st, r->live, &po) < 0 ||
	    cairn_engine_check_exports(r->plan, r->st) < 0) {
		cli_fail(r->cmd, "%s", cairn_error_last());
		return -1;
	}
	return 0;
}

int cli_planrun_confirm(cli_planrun *r, int auto_approve, const char *what)
{
	char line[64];
	if (auto_approve)
		return 1;
	if (!isatty(STDIN_FILENO)) {
		cli_fail(r->cmd, "there is no terminal to ask for confirmation: pass "
				 "--auto-approve to %s without asking",
			 what);
		return -1;
	}
	printf("\n%sDo you want to %s?%s\n  cairn will %s as shown above.\n  Only 'yes' will be "
	       "accepted to approve.\n\n  Enter a value: ",
	       cli_color("1"), what, cli_reset(), what);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "yes\n") != 0) {
		printf("\n%s cancelled: nothing was changed.\n", r->cmd);
		return 0;
	}
	putchar('\n');
	return 1;
}

void cli_planrun_print_outputs(const json_t *outputs, FILE *out)
{
	const char *k;
	json_t *o;
	if (json_object_size(outputs) == 0)
		return;
	fprintf(out, "\nOutputs:\n\n");
	json_object_foreach((json_t *)outputs, k, o) {
		json_t *v = json_object_get(o, "value");
		char *s;
		if (json_is_true(json_object_get(o, "sensitive"))) {
			fprintf(out, "%s = (sensitive)\n", k);
			continue;
		}
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		fprintf(out, "%s = %s\n", k, s ? s : "null");
		free(s);
	}
}

int cli_planrun_apply(cli_planrun *r)
{
	cairn_apply_options ao;
	cairn_apply_result res;
	int rc;

	memset(&ao, 0, sizeof(ao));
	ao.lock_file = cairn_lock_file(r->lock);
	rc = cairn_engine_apply(r->eng, r->stack, r->st, r->plan, &ao, &res);
	if (rc == CAIRN_EINTR) {
		fprintf(stderr, "cairn %s: %s\n", r->cmd, cairn_error_last());
		return 130;
	}
	if (rc < 0) {
		fprintf(stderr, "\ncairn %s: %s\n", r->cmd, cairn_error_last());
		return 1;
	}
	if (r->plan->destroy) {
		printf("\n%sDestroy complete!%s Resources: %d destroyed", cli_color("32;1"),
		       cli_reset(), res.destroyed);
		if (res.retained)
			printf(", %d retained (left in AWS, removed from the state)", res.retained);
		printf(".\n");
		return 0;
	}
	printf("\n%sApply complete!%s Resources: %d added, %d changed, %d replaced, %d destroyed.\n",
	       cli_color("32;1"), cli_reset(), res.added, res.changed, res.replaced, res.destroyed);
	if (res.retained)
		printf("%d resource%s left in AWS and removed from the state (Retain).\n",
		       res.retained, res.retained == 1 ? "" : "s");
	if (res.adopted) {
		/* the plan's reason tells the retained ones (plan.c) */
		int back = 0;
		size_t i;
		for (i = 0; i < r->plan->n; i++)
			back += r->plan->v[i].adopt && r->plan->v[i].reason;
		if (back > res.adopted)
			back = res.adopted;
		if (res.adopted > back)
			printf("%d resource%s made by an interrupted apply adopted.\n",
			       res.adopted - back, res.adopted - back == 1 ? "" : "s");
		if (back)
			printf("%d resource%s this stack retained adopted back.\n", back,
			       back == 1 ? "" : "s");
	}
	cli_planrun_print_outputs(cairn_state_outputs(r->st), stdout);
	return 0;
}

void cli_planrun_dispose(cli_planrun *r)
{
	cairn_plan_free(r->plan);
	json_decref(r->live);
	cairn_engine_free(r->eng);
	cairn_state_free(r->st);
	if (r->lock && cairn_state_unlock(r->lock) < 0)
		fprintf(stderr, "cairn %s: %s\n", r->cmd, cairn_error_last());
	free(r->state_path);
	cairn_stack_free(r->stack);
	cairn_aws_free(r->aws);
	cli_stackopts_dispose(&r->so);
	free(r->targets);
	while (r->nazs > 0)
		free(r->azs[--r->nazs]);
	free(r->azs);
	memset(r, 0, sizeof(*r));
}
