/*
 * opts.c: the option parser shared by every command, and the global
 * options (see cli.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairn/log.h"
#include "cli.h"

cli_globals cli_g;

enum { G_REGION = 10001, G_PROFILE, G_LOGLEVEL, G_NOCOLOR, G_HELP };

static const cli_opt global_opts[] = {
	{"region", 1, G_REGION, "REGION  AWS region (overrides AWS_REGION and the profile)"},
	{"profile", 1, G_PROFILE, "NAME  AWS profile from ~/.aws/config"},
	{"log-level", 1, G_LOGLEVEL, "LEVEL  error, warn, info, debug or trace (or CAIRN_LOG)"},
	{"no-color", 0, G_NOCOLOR, "do not colour the output (or NO_COLOR)"},
	{"help", 0, G_HELP, "show this help"},
	{NULL, 0, 0, NULL}
};

void cli_init(cli_parser *p, int argc, char **argv, const char *usage, const cli_opt *opts)
{
	memset(p, 0, sizeof(*p));
	p->argc = argc;
	p->argv = argv;
	p->i = 1;
	p->cmd = argv[0];
	p->usage = usage;
	p->opts = opts;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "cairn %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void print_opts(FILE *out, const cli_opt *o)
{
	for (; o && o->name; o++) {
		const char *h = o->help ? o->help : "";
		if (o->has_arg) {
			const char *sp = strchr(h, ' ');
			int n = sp ? (int)(sp - h) : (int)strlen(h);
			char left[64];
			snprintf(left, sizeof(left), "--%s %.*s", o->name, n, h);
			fprintf(out, "  %-28s %s\n", left, sp ? sp + 2 : "");
		} else {
			char left[64];
			snprintf(left, sizeof(left), "--%s", o->name);
			fprintf(out, "  %-28s %s\n", left, h);
		}
	}
}

void cli_usage(const cli_parser *p, FILE *out)
{
	fprintf(out, "usage: %s\n", p->usage);
	if (p->opts && p->opts->name) {
		fprintf(out, "\noptions:\n");
		print_opts(out, p->opts);
	}
	fprintf(out, "\nglobal options:\n");
	print_opts(out, global_opts);
}

static const cli_opt *find(const cli_opt *opts, const char *name, size_t n)
{
	for (; opts && opts->name; opts++)
		if (strlen(opts->name) == n && strncmp(opts->name, name, n) == 0)
			return opts;
	return NULL;
}

int cli_next(cli_parser *p, const char **val)
{
	for (;;) {
		const char *a, *name, *eq;
		const cli_opt *o;
		size_t n;

		*val = NULL;
		if (p->i >= p->argc)
			return CLI_END;
		a = p->argv[p->i++];
		if (p->only_args || a[0] != '-' || a[1] == '\0') {
			*val = a;
			return CLI_ARG;
		}
		if (strcmp(a, "--") == 0) {
			p->only_args = 1;
			continue;
		}
		name = a + 1 + (a[1] == '-');
		eq = strchr(name, '=');
		n = eq ? (size_t)(eq - name) : strlen(name);
		if (n == 1 && name[0] == 'h')
			name = "help", n = 4;
		o = find(p->opts, name, n);
		if (!o)
			o = find(global_opts, name, n);
		if (!o) {
			fprintf(stderr, "cairn %s: unknown option '%s' (see 'cairn %s --help')\n",
				p->cmd, a, p->cmd);
			return CLI_ERR;
		}
		if (o->has_arg) {
			if (eq)
				*val = eq + 1;
			else if (p->i < p->argc)
				*val = p->argv[p->i++];
			else {
				fprintf(stderr, "cairn %s: option '--%s' needs a value\n", p->cmd, o->name);
				return CLI_ERR;
			}
		} else if (eq) {
			fprintf(stderr, "cairn %s: option '--%s' takes no value\n", p->cmd, o->name);
			return CLI_ERR;
		}
		switch (o->id) {
		case G_REGION:
			cli_g.region = *val;
			continue;
		case G_PROFILE:
			cli_g.profile = *val;
			continue;
		case G_LOGLEVEL: {
			int l = cairn_log_parse_level(*val);
			if (l < 0) {
				fprintf(stderr, "cairn %s: unknown log level '%s' (error, warn, info, debug, trace)\n",
					p->cmd, *val);
				return CLI_ERR;
			}
			cairn_log_set_level((cairn_log_level)l);
			continue;
		}
		case G_NOCOLOR:
			cli_g.no_color = 1;
			cli_g.color = 0;
			continue;
		case G_HELP:
			cli_usage(p, stdout);
			exit(0);
		default:
			return o->id;
		}
	}
}

const char *cli_color(const char *code)
{
	static char buf[8][16];
	static int slot;
	if (!cli_g.color)
		return "";
	slot = (slot + 1) % 8;
	snprintf(buf[slot], sizeof(buf[slot]), "\033[%sm", code);
	return buf[slot];
}

const char *cli_reset(void)
{
	return cli_g.color ? "\033[0m" : "";
}
