/* Unit tests for src/engine/state.c: the state file and its lock. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/state.h"
#include "test.h"

static char *scratch(void)
{
	char tmpl[] = "/tmp/cairn-unit-state-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? cairn_xstrdup(d) : NULL;
}

static void rm_rf(const char *dir)
{
	char *cmd = cairn_xasprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

TEST(new_state_is_empty_until_saved)
{
	char *dir = scratch(), *path = cairn_xasprintf("%s/.cairn/s.state.json", dir);
	cairn_state *st = NULL;
	struct stat sb;
	const char *lin;

	CHECK_INT(cairn_state_open(&st, path, "s"), 0);
	CHECK(!cairn_state_exists(st));
	CHECK_INT(cairn_state_serial(st), 0);
	lin = cairn_state_lineage(st);
	CHECK(lin && strlen(lin) == 36 && lin[14] == '4' && lin[8] == '-');
	CHECK(stat(path, &sb) != 0);
	CHECK_INT(cairn_state_count(st), 0);
	cairn_state_free(st);
	rm_rf(dir);
	free(path);
	free(dir);
}

TEST(save_writes_0600_and_increments_serial)
{
	char *dir = scratch(), *path = cairn_xasprintf("%s/.cairn/s.state.json", dir);
	cairn_state *st = NULL, *again = NULL;
	struct stat sb;
	char *lineage;
	const char *deps[] = {"Key"};

	CHECK_INT(cairn_state_open(&st, path, "s"), 0);
	lineage = cairn_xstrdup(cairn_state_lineage(st));
	json_t *props = json_pack("{s:s}", "BucketName", "b-1");

	cairn_state_set_resource(st, "Bucket",
				 cairn_state_record_new("AWS::S3::Bucket", "b-1", props, NULL,
							deps, 1));
	json_decref(props); /* record_new copied it */
	CHECK_INT(cairn_state_save(st), 0);
	CHECK_INT(cairn_state_serial(st), 1);
	CHECK(cairn_state_exists(st));
	CHECK_INT(cairn_state_save(st), 0);
	CHECK_INT(cairn_state_serial(st), 2);
	CHECK_INT(stat(path, &sb), 0);
	CHECK_INT(sb.st_mode & 0777, 0600);
	cairn_state_free(st);

	CHECK_INT(cairn_state_open(&again, path, "s"), 0);
	CHECK_STR(cairn_state_lineage(again), lineage);
	CHECK_INT(cairn_state_serial(again), 2);
	CHECK_STR(json_string_value(json_object_get(cairn_state_resource(again, "Bucket"), "id")),
		  "b-1");
	CHECK_STR(json_string_value(json_array_get(
			  json_object_get(cairn_state_resource(again, "Bucket"), "depends_on"), 0)),
		  "Key");
	CHECK_INT(cairn_state_remove_resource(again, "Bucket"), 0);
	CHECK_INT(cairn_state_remove_resource(again, "Bucket"), CAIRN_ENOTFOUND);
	cairn_state_free(again);
	free(lineage);
	rm_rf(dir);
	free(path);
	free(dir);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(bad_files_are_explained)
{
	char *dir = scratch(), *path = cairn_xasprintf("%s/x.state.json", dir);
	cairn_state *st = NULL;

	write_file(path, "{\"format_version\": 1, \"lineage\": \"l\", \"serial\": 3,\n \"stack\": \"other\"}");
	CHECK_INT(cairn_state_open(&st, path, "mine"), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "belongs to stack 'other', not 'mine'");
	CHECK(st == NULL);

	write_file(path, "{\"format_version\": 2, \"lineage\": \"l\", \"serial\": 3}");
	CHECK_INT(cairn_state_open(&st, path, NULL), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "format version 2");

	write_file(path, "{\"format_version\": 1,\n \"lineage\": ");
	CHECK_INT(cairn_state_open(&st, path, NULL), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "x.state.json:2:");

	write_file(path, "[1, 2]");
	CHECK_INT(cairn_state_open(&st, path, NULL), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "not a cairn state file");

	unlink(path);
	CHECK_INT(cairn_state_read(&st, path), CAIRN_ENOTFOUND);
	CHECK_CONTAINS(cairn_error_last(), "no state file");
	rm_rf(dir);
	free(path);
	free(dir);
}

TEST(second_locker_fails_naming_the_holder)
{
	char *dir = scratch(), *path = cairn_xasprintf("%s/.cairn/s.state.json", dir);
	cairn_lock *a = NULL, *b = NULL;
	json_t *info = NULL;
	char pid[32];

	CHECK_INT(cairn_state_lock(&a, path, "apply"), 0);
	CHECK(a != NULL);
	CHECK_INT(cairn_state_lock(&b, path, "plan"), CAIRN_ELOCKED);
	CHECK(b == NULL);
	snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
	CHECK_CONTAINS(cairn_error_last(), "is locked by ");
	CHECK_CONTAINS(cairn_error_last(), "cairn apply");
	CHECK_CONTAINS(cairn_error_last(), pid);
	CHECK_CONTAINS(cairn_error_last(), cairn_lock_id(a));
	CHECK(strstr(cairn_error_last(), "stale") == NULL);

	CHECK_INT(cairn_state_lock_info(path, &info), 0);
	CHECK_STR(json_string_value(json_object_get(info, "id")), cairn_lock_id(a));
	CHECK_STR(json_string_value(json_object_get(info, "operation")), "apply");
	CHECK(!cairn_state_lock_is_stale(info));
	json_decref(info);

	CHECK_INT(cairn_state_unlock(a), 0);
	CHECK_INT(cairn_state_lock_info(path, &info), CAIRN_ENOTFOUND);
	CHECK_INT(cairn_state_lock(&b, path, "plan"), 0);
	CHECK_INT(cairn_state_unlock(b), 0);
	rm_rf(dir);
	free(path);
	free(dir);
}

TEST(force_unlock_needs_the_right_id)
{
	char *dir = scratch(), *path = cairn_xasprintf("%s/s.state.json", dir);
	cairn_lock *a = NULL, *b = NULL;
	char *id;

	CHECK_INT(cairn_state_force_unlock(path, "nope"), CAIRN_ENOTFOUND);
	CHECK_INT(cairn_state_lock(&a, path, "apply"), 0);
	id = cairn_xstrdup(cairn_lock_id(a));
	CHECK_INT(cairn_state_force_unlock(path, "0123"), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), id);
	CHECK_INT(cairn_state_force_unlock(path, id), 0);
	/* someone else takes it; the first holder must not remove it */
	CHECK_INT(cairn_state_lock(&b, path, "apply"), 0);
	CHECK(cairn_state_unlock(a) < 0);
	CHECK_CONTAINS(cairn_error_last(), "taken by someone else");
	CHECK_INT(cairn_state_unlock(b), 0);
	free(id);
	rm_rf(dir);
	free(path);
	free(dir);
}

TEST(lock_of_a_dead_process_is_stale)
{
	char *dir, *path, *lp, *text, host[256] = "";
	cairn_lock *a = NULL;
	pid_t child;
	int status;

	/* a process that has come and gone: its pid is free now */
	child = fork();
	if (child == 0)
		_exit(0);
	CHECK(child > 0);
	waitpid(child, &status, 0);
	dir = scratch();
	path = cairn_xasprintf("%s/s.state.json", dir);
	lp = cairn_state_lock_path(path);
	gethostname(host, sizeof(host) - 1);
	text = cairn_xasprintf("{\"id\": \"abc123\", \"holder\": \"ci@%s\", \"pid\": %ld, "
			       "\"host\": \"%s\", \"time\": \"2026-01-01T00:00:00Z\", "
			       "\"operation\": \"apply\"}",
			       host, (long)child, host);
	write_file(lp, text);
	CHECK_INT(cairn_state_lock(&a, path, "apply"), CAIRN_ELOCKED);
	CHECK_CONTAINS(cairn_error_last(), "no longer runs: the lock is stale");
	CHECK_CONTAINS(cairn_error_last(), "cairn force-unlock abc123 --state ");
	CHECK_CONTAINS(cairn_error_last(), path);
	/* another host's lock is never called stale */
	free(text);
	text = cairn_xasprintf("{\"id\": \"abc123\", \"pid\": %ld, \"host\": \"elsewhere.example\"}",
			       (long)child);
	write_file(lp, text);
	CHECK_INT(cairn_state_lock(&a, path, "apply"), CAIRN_ELOCKED);
	CHECK(strstr(cairn_error_last(), "stale") == NULL);
	CHECK_INT(cairn_state_force_unlock(path, "abc123"), 0);
	CHECK_INT(cairn_state_lock(&a, path, "apply"), 0);
	CHECK_INT(cairn_state_unlock(a), 0);
	free(text);
	free(lp);
	rm_rf(dir);
	free(path);
	free(dir);
}

TEST(which_state_a_command_uses)
{
	char *dir = scratch(), cwd[4096], *out = NULL;
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_INT(chdir(dir), 0);

	CHECK_INT(cairn_state_resolve_path("x/y.json", "s", &out), 0);
	CHECK_STR(out, "x/y.json");
	free(out);
	CHECK_INT(cairn_state_resolve_path(NULL, "s", &out), 0);
	CHECK_STR(out, ".cairn/s.state.json");
	free(out);
	CHECK_INT(cairn_state_resolve_path(NULL, NULL, &out), CAIRN_ENOTFOUND);
	CHECK_CONTAINS(cairn_error_last(), "--stack-name NAME or --state PATH");
	CHECK_INT(cairn_mkdir_p(".cairn", 0700), 0);
	write_file(".cairn/one.state.json", "{}");
	write_file(".cairn/one.state.json.lock", "{}");
	CHECK_INT(cairn_state_resolve_path(NULL, NULL, &out), 0);
	CHECK_STR(out, ".cairn/one.state.json");
	free(out);
	write_file(".cairn/two.state.json", "{}");
	CHECK_INT(cairn_state_resolve_path(NULL, NULL, &out), CAIRN_EINVALID);
	CHECK_CONTAINS(cairn_error_last(), "several stacks");
	CHECK_CONTAINS(cairn_error_last(), "one");
	CHECK_CONTAINS(cairn_error_last(), "two");
	CHECK(out == NULL);

	CHECK_INT(chdir(cwd), 0);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	RUN(which_state_a_command_uses);
	RUN(new_state_is_empty_until_saved);
	RUN(save_writes_0600_and_increments_serial);
	RUN(bad_files_are_explained);
	RUN(second_locker_fails_naming_the_holder);
	RUN(force_unlock_needs_the_right_id);
	RUN(lock_of_a_dead_process_is_stale);
	return test_done();
}
