/*
 * config.c: the parser for ~/.aws/config and ~/.aws/credentials (see
 * config.h).
 *
 * Line-oriented, as Python's configparser (which the AWS CLI uses) reads
 * these files: section headers, "key = value" or "key: value", comment
 * lines, indented continuation lines. Inline comments are not stripped
 * (configparser's default), so a secret containing ';' or '#' survives.
 * Values never appear in error messages: only the file, the line and
 * what was expected.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "aws/config.h"

char *cairn_expand_home(const char *path)
{
	const char *home = getenv("HOME");
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0') && home)
		return cairn_xasprintf("%s%s", home, path + 1);
	return cairn_xstrdup(path);
}

static char *trim(char *s)
{
	char *e;
	while (*s && isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static json_t *sub(json_t *o, const char *k)
{
	json_t *x = json_object_get(o, k);
	if (!json_is_object(x)) {
		x = json_object();
		json_object_set_new(o, k, x);
	}
	return x;
}

int cairn_awscfg_parse(const char *text, const char *path, int is_credentials, json_t *out)
{
	char *copy = cairn_xstrdup(text), *line = copy, *next;
	json_t *section = NULL; /* the current section's object, or NULL (ignored section) */
	json_t *nested = NULL;  /* the current nested sub-section, or NULL */
	char *lastkey = NULL;   /* the last key set in section, for continuations */
	int lineno = 0, rc = 0, in_section = 0;

	for (; line; line = next) {
		char *t, *eq;
		int indented;
		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] && line[strlen(line) - 1] == '\r')
			line[strlen(line) - 1] = '\0';
		indented = line[0] == ' ' || line[0] == '\t';
		t = trim(line);
		if (!*t || *t == '#' || *t == ';')
			continue;
		if (!indented && *t == '[') {
			char *close = strrchr(t, ']'), *name;
			if (!close) {
				rc = cairn_error_setc(CAIRN_EINVALID,
				                      "%s:%d: a section header needs a closing ']'",
				                      path, lineno);
				break;
			}
			*close = '\0';
			name = trim(t + 1);
			nested = NULL;
			free(lastkey);
			lastkey = NULL;
			in_section = 1;
			if (is_credentials) {
				section = sub(sub(out, "profiles"), name);
			} else if (strcmp(name, "default") == 0) {
				section = sub(sub(out, "profiles"), "default");
			} else if (strncmp(name, "profile", 7) == 0 &&
			           isspace((unsigned char)name[7])) {
				section = sub(sub(out, "profiles"), trim(name + 8));
			} else if (strncmp(name, "services", 8) == 0 &&
			           isspace((unsigned char)name[8])) {
				section = sub(sub(out, "services"), trim(name + 9));
			} else if (strncmp(name, "sso-session", 11) == 0 &&
			           isspace((unsigned char)name[11])) {
				section = sub(sub(out, "sso-session"), trim(name + 12));
			} else {
				section =
				    NULL; /* the CLI ignores other sections of the config file */
			}
			continue;
		}
		if (!in_section) {
			rc = cairn_error_setc(CAIRN_EINVALID,
			                      "%s:%d: a setting outside any [section] (start the "
			                      "file with [default] or [profile NAME])",
			                      path, lineno);
			break;
		}
		eq = strpbrk(t, "=:");
		if (indented && lastkey && !eq) {
			/* a continuation line of a multi-line value */
			if (section && !nested) {
				const char *old =
				    json_string_value(json_object_get(section, lastkey));
				if (old) {
					char *v = *old ? cairn_xasprintf("%s\n%s", old, t)
					               : cairn_xstrdup(t);
					json_object_set_new(section, lastkey, json_string(v));
					free(v);
				}
			}
			continue;
		}
		if (!eq) {
			rc = cairn_error_setc(CAIRN_EINVALID, "%s:%d: expected 'key = value'", path,
			                      lineno);
			break;
		}
		*eq = '\0';
		{
			char *k = trim(t), *v = trim(eq + 1);
			if (indented && nested) {
				json_object_set_new(nested, k, json_string(v));
				continue;
			}
			if (!section)
				continue;
			free(lastkey);
			lastkey = cairn_xstrdup(k);
			if (!*v && next && (*next == ' ' || *next == '\t')) {
				nested = json_object();
				json_object_set_new(section, k, nested);
			} else {
				nested = NULL;
				json_object_set_new(section, k, json_string(v));
			}
		}
	}
	free(lastkey);
	free(copy);
	return rc;
}

static int load_one(const char *path, int is_credentials, json_t *into)
{
	char *text = NULL;
	size_t len;
	int rc = cairn_file_read(path, &text, &len);
	if (rc == CAIRN_ENOTFOUND) {
		cairn_error_clear();
		return 0;
	}
	if (rc < 0)
		return rc;
	if (memchr(text, '\0', len)) {
		free(text);
		return cairn_error_setc(CAIRN_EINVALID, "%s: not a text file", path);
	}
	rc = cairn_awscfg_parse(text, path, is_credentials, into);
	free(text);
	return rc;
}

int cairn_awscfg_load(const char *config_path, const char *credentials_path, json_t **out)
{
	const char *ce = getenv("AWS_CONFIG_FILE"), *cr = getenv("AWS_SHARED_CREDENTIALS_FILE");
	char *cpath = cairn_expand_home(config_path ? config_path
	                                : ce && *ce ? ce
	                                            : "~/.aws/config");
	char *rpath = cairn_expand_home(credentials_path ? credentials_path
	                                : cr && *cr      ? cr
	                                                 : "~/.aws/credentials");
	json_t *cfg = json_object(), *creds = json_object();
	int rc;

	*out = NULL;
	rc = load_one(cpath, 0, cfg);
	if (rc == 0)
		rc = load_one(rpath, 1, creds);
	if (rc == 0) {
		/* credentials-file profiles override the config file's keys */
		json_t *profiles = sub(cfg, "profiles");
		const char *name;
		json_t *p;
		json_object_foreach(json_object_get(creds, "profiles"), name, p)
		    json_object_update(sub(profiles, name), p);
		/* kept apart too: the chain tells the two files' keys apart */
		json_object_set(cfg, "credentials_file", sub(creds, "profiles"));
		json_object_set_new(cfg, "config_path", json_string(cpath));
		json_object_set_new(cfg, "credentials_path", json_string(rpath));
		*out = cfg;
		cfg = NULL;
	}
	json_decref(cfg);
	json_decref(creds);
	free(cpath);
	free(rpath);
	return rc;
}

json_t *cairn_awscfg_profile(const json_t *cfg, const char *name)
{
	return json_object_get(json_object_get(cfg, "profiles"), name);
}

const char *cairn_awscfg_get(const json_t *cfg, const char *profile, const char *key)
{
	return json_string_value(json_object_get(cairn_awscfg_profile(cfg, profile), key));
}
