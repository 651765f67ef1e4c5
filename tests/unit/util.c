/* Unit tests for src/util: buffers, atomic files, diagnostics, embedding. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/diag.h"
#include "cairn/embed.h"
#include "test.h"

TEST(buf_grows_and_detaches)
{
	cairn_buf b = CAIRN_BUF_INIT;
	int i;
	char *s;
	CHECK_STR(cairn_buf_cstr(&b), "");
	for (i = 0; i < 1000; i++)
		cairn_buf_putc(&b, 'a' + i % 26);
	CHECK_INT(b.len, 1000);
	cairn_buf_printf(&b, "-%d-", 42);
	CHECK_INT(b.len, 1004);
	CHECK(strcmp(b.ptr + 1000, "-42-") == 0);
	s = cairn_buf_detach(&b);
	CHECK(b.ptr == NULL && b.len == 0);
	CHECK_INT(strlen(s), 1004);
	free(s);
	cairn_buf_dispose(&b);
}

TEST(atomic_write_replaces_and_sets_mode)
{
	char dir[] = "/tmp/cairn-unit-XXXXXX", *path, *data;
	size_t len;
	struct stat st;
	CHECK(mkdtemp(dir) != NULL);
	path = cairn_xasprintf("%s/a/b/state.json", dir);
	{
		char *sub = cairn_xasprintf("%s/a/b", dir);
		CHECK_INT(cairn_mkdir_p(sub, 0700), 0);
		free(sub);
	}
	CHECK_INT(cairn_file_write_atomic(path, "one", 3, 0600), 0);
	CHECK_INT(cairn_file_write_atomic(path, "second", 6, 0600), 0);
	CHECK_INT(cairn_file_read(path, &data, &len), 0);
	CHECK_STR(data, "second");
	CHECK_INT(len, 6);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	free(data);
	CHECK_INT(cairn_file_read("/nonexistent/x", &data, &len), CAIRN_ENOTFOUND);
	unlink(path);
	free(path);
	path = cairn_xasprintf("rm -rf %s", dir);
	CHECK(system(path) == 0);
	free(path);
}

TEST(diags_sort_and_print)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	cairn_diags_add(&d, CAIRN_DIAG_ERROR, "t.yaml", 9, 3, "second");
	cairn_diags_add(&d, CAIRN_DIAG_ERROR, "t.yaml", 2, 5, "first %s", "one");
	cairn_diags_add(&d, CAIRN_DIAG_WARNING, "t.yaml", 9, 3, "third");
	cairn_diags_sort(&d);
	cairn_diags_print(&d, f);
	fclose(f);
	CHECK_STR(out, "t.yaml:2:5: first one\nt.yaml:9:3: second\nt.yaml:9:3: warning: third\n");
	CHECK_INT(d.nerrors, 2);
	free(out);
	cairn_diags_dispose(&d);
}

TEST(path_dir_of_relative_absolute_and_bare_names)
{
	char *d;
	CHECK_STR((d = cairn_path_dir("a/b/c.json")), "a/b");
	free(d);
	CHECK_STR((d = cairn_path_dir("c.json")), ".");
	free(d);
	CHECK_STR((d = cairn_path_dir("/c.json")), "/");
	free(d);
	CHECK_STR((d = cairn_path_dir(".cairn/x.state.json")), ".cairn");
	free(d);
}

TEST(sha256_known_vector)
{
	char hex[65];
	cairn_sha256_hex("abc", 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(embed_table_is_sorted)
{
	size_t i;
	for (i = 1; i < cairn_embed_nfiles; i++)
		CHECK(strcmp(cairn_embed_files[i - 1].path, cairn_embed_files[i].path) < 0);
	for (i = 0; i < cairn_embed_nfiles; i++)
		CHECK(cairn_embed_find(cairn_embed_files[i].path) == &cairn_embed_files[i]);
	CHECK(cairn_embed_find("no/such/file") == NULL);
}

TEST(error_message_may_wrap_the_previous_one)
{
	cairn_error_set("inner %d", 7);
	cairn_error_set("outer: %s", cairn_error_last());
	CHECK_STR(cairn_error_last(), "outer: inner 7");
}

int main(void)
{
	RUN(error_message_may_wrap_the_previous_one);
	RUN(buf_grows_and_detaches);
	RUN(atomic_write_replaces_and_sets_mode);
	RUN(diags_sort_and_print);
	RUN(path_dir_of_relative_absolute_and_bare_names);
	RUN(sha256_known_vector);
	RUN(embed_table_is_sorted);
	return test_done();
}
