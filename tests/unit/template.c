/* Unit tests for src/template/template.c: the loader, scalars, short
 * forms, marks, duplicate keys, the alias bound, syntax errors, JSON. */
#include <stdlib.h>
#include <unistd.h>

#include "cairn/common.h"
#include "cairn/template.h"
#include "test.h"

static cairn_template *parse(const char *text, cairn_diags *d)
{
	cairn_template *t = NULL;
	cairn_template_parse(&t, "t.yaml", text, strlen(text), d);
	return t;
}

static char *dump(const json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

#define CHECK_JSON(v, expected) do {                                 \
		char *s_ = dump(v);                                  \
		CHECK_STR(s_, expected);                             \
		free(s_);                                            \
	} while (0)

/* The first diagnostic, formatted. */
static char *first_diag(const cairn_diags *d)
{
	if (!d->n)
		return cairn_xstrdup("(none)");
	return cairn_xasprintf("%d:%d: %s", d->v[0].line, d->v[0].col, d->v[0].message);
}

TEST(plain_scalars_are_typed_as_yaml_1_1)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = parse("a: 5\nb: -12\nc: 1.5\nd: true\ne: no\nf: ~\ng: '5'\n"
				  "h: 0123\ni: 2010-09-09\nj: 1e3\nk: \"true\"\nl: 0x1F\n"
				  "m: 99999999999999999999\nn: .inf\no: On\np: !!str 7\nq:\n", &d);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_JSON(cairn_template_root(t),
		   "{\"a\":5,\"b\":-12,\"c\":1.5,\"d\":true,\"e\":false,\"f\":null,\"g\":\"5\","
		   "\"h\":\"0123\",\"i\":\"2010-09-09\",\"j\":1000.0,\"k\":\"true\",\"l\":31,"
		   "\"m\":\"99999999999999999999\",\"n\":\".inf\",\"o\":true,\"p\":\"7\",\"q\":null}");
	cairn_template_free(t);
	cairn_diags_dispose(&d);
}

TEST(short_forms_become_long_forms)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = parse(
		"a: !Ref X\n"
		"b: !GetAtt A.B.C\n"
		"c: !GetAtt [A, B]\n"
		"d: !Sub 'x-${AWS::Region}'\n"
		"e: !Sub\n  - '${A}-y'\n  - {A: !Ref B}\n"
		"f: !Join ['', [!Ref X, '-y']]\n"
		"g: !If [C, !Ref A, !Ref AWS::NoValue]\n"
		"h: !Equals [!Ref P, prod]\n"
		"i: !Not [!Condition C]\n"
		"j: !Select [0, !GetAZs '']\n"
		"k: !Cidr [!GetAtt V.CidrBlock, 6, 5]\n"
		"l: !FindInMap [M, !Ref AWS::Region, K]\n"
		"m: !Base64 abc\n"
		"n: !ImportValue Net-Vpc\n"
		"o: !Split [',', !ImportValue L]\n"
		"p: !And [!Condition A, !Or [!Condition B, !Condition C]]\n", &d);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_JSON(cairn_template_root(t),
		   "{\"a\":{\"Ref\":\"X\"},"
		   "\"b\":{\"Fn::GetAtt\":[\"A\",\"B.C\"]},"
		   "\"c\":{\"Fn::GetAtt\":[\"A\",\"B\"]},"
		   "\"d\":{\"Fn::Sub\":\"x-${AWS::Region}\"},"
		   "\"e\":{\"Fn::Sub\":[\"${A}-y\",{\"A\":{\"Ref\":\"B\"}}]},"
		   "\"f\":{\"Fn::Join\":[\"\",[{\"Ref\":\"X\"},\"-y\"]]},"
		   "\"g\":{\"Fn::If\":[\"C\",{\"Ref\":\"A\"},{\"Ref\":\"AWS::NoValue\"}]},"
		   "\"h\":{\"Fn::Equals\":[{\"Ref\":\"P\"},\"prod\"]},"
		   "\"i\":{\"Fn::Not\":[{\"Condition\":\"C\"}]},"
		   "\"j\":{\"Fn::Select\":[0,{\"Fn::GetAZs\":\"\"}]},"
		   "\"k\":{\"Fn::Cidr\":[{\"Fn::GetAtt\":[\"V\",\"CidrBlock\"]},6,5]},"
		   "\"l\":{\"Fn::FindInMap\":[\"M\",{\"Ref\":\"AWS::Region\"},\"K\"]},"
		   "\"m\":{\"Fn::Base64\":\"abc\"},"
		   "\"n\":{\"Fn::ImportValue\":\"Net-Vpc\"},"
		   "\"o\":{\"Fn::Split\":[\",\",{\"Fn::ImportValue\":\"L\"}]},"
		   "\"p\":{\"Fn::And\":[{\"Condition\":\"A\"},{\"Fn::Or\":[{\"Condition\":\"B\"},"
		   "{\"Condition\":\"C\"}]}]}}");
	cairn_template_free(t);
	cairn_diags_dispose(&d);
}

TEST(marks_point_at_keys_and_items)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	int line = 0, col = 0;
	cairn_template *t = parse("Resources:\n"
				  "  Bucket:\n"
				  "    Type: AWS::S3::Bucket\n"
				  "    Properties:\n"
				  "      Tags:\n"
				  "        - Key: a\n"
				  "          Value: !Ref X\n"
				  "        - {Key: b, Value: true}\n", &d);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_INT(cairn_template_mark(t, "", &line, &col), 0);
	CHECK(line == 1 && col == 1);
	CHECK_INT(cairn_template_mark(t, "/Resources/Bucket", &line, &col), 0);
	CHECK(line == 2 && col == 3);
	CHECK_INT(cairn_template_mark(t, "/Resources/Bucket/Properties/Tags/0/Key", &line, &col),
		  0);
	CHECK(line == 6 && col == 11);
	CHECK_INT(cairn_template_mark(t, "/Resources/Bucket/Properties/Tags/0/Value/Ref", &line,
				      &col), 0);
	CHECK(line == 7 && col == 18);
	/* true is shared by jansson; its mark is still its own */
	CHECK_INT(cairn_template_mark(t, "/Resources/Bucket/Properties/Tags/1/Value", &line, &col),
		  0);
	CHECK(line == 8 && col == 20);
	CHECK_INT(cairn_template_mark(t, "/Resources/Bucket/Properties/Tags/1", &line, &col), 0);
	CHECK(line == 8 && col == 11);
	/* a missing node: its deepest ancestor */
	CHECK_INT(cairn_template_mark(t, "/Resources/Bucket/Properties/Nope/x", &line, &col), 1);
	CHECK(line == 4 && col == 5);
	CHECK_INT(cairn_template_resource_mark(t, "Bucket", "Properties.Tags[1].Value", &line,
					       &col), 0);
	CHECK(line == 8 && col == 20);
	CHECK_INT(cairn_template_resource_mark(t, "Bucket", "", &line, &col), 0);
	CHECK(line == 2 && col == 3);
	CHECK_INT(cairn_template_resource_mark(t, "Bucket", "Properties.Tags[5]", &line, &col), 1);
	CHECK(line == 5 && col == 7);
	CHECK_INT(cairn_template_resource_mark(t, "Nope", "", &line, &col), 1);
	CHECK(line == 1 && col == 1);
	cairn_template_free(t);
	cairn_diags_dispose(&d);
}

TEST(duplicate_keys_are_errors_at_the_second)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	char *m;
	cairn_template *t = parse("Resources:\n  A:\n    Type: x\n  B: {}\n  A:\n    Type: y\n", &d);
	CHECK(t == NULL);
	CHECK_INT(d.nerrors, 1);
	m = first_diag(&d);
	CHECK_STR(m, "5:3: duplicate key 'A' (first at line 2, column 3)");
	free(m);
	cairn_diags_dispose(&d);
}

TEST(all_loader_errors_are_collected)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = parse("a: 1\na: 2\nb: !Bogus x\nc: 3\nc: 4\n", &d);
	CHECK(t == NULL);
	CHECK_INT(d.nerrors, 3);
	if (d.n == 3) {
		CHECK_INT(d.v[1].line, 3);
		CHECK_CONTAINS(d.v[1].message, "unknown tag !Bogus");
		CHECK_INT(d.v[2].line, 5);
	}
	cairn_diags_dispose(&d);
}

TEST(syntax_errors_carry_libyaml_positions)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = parse("Resources:\n  A: [1, 2\n  B: 3\n", &d);
	CHECK(t == NULL);
	CHECK_INT(d.nerrors, 1);
	if (d.n) {
		CHECK_INT(d.v[0].line, 3);
		CHECK_CONTAINS(d.v[0].message, "YAML syntax error");
		CHECK_CONTAINS(d.v[0].message, "flow sequence");
	}
	cairn_diags_dispose(&d);
}

TEST(alias_bombs_are_bounded)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	double t0 = cairn_now();
	cairn_template *t = parse(
		"a: &a [x, x, x, x, x, x, x, x, x, x]\n"
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n", &d);
	CHECK(t == NULL);
	CHECK_INT(d.nerrors, 1);
	if (d.n) {
		CHECK_CONTAINS(d.v[0].message, "beyond 1000000 nodes through aliases");
		CHECK_INT(d.v[0].line, 6);
	}
	CHECK(cairn_now() - t0 < 1.0);
	cairn_diags_dispose(&d);
}

TEST(aliases_within_the_bound_share_their_value)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = parse("tags: &t [{Key: a, Value: b}]\nother: *t\n", &d);
	int line, col;
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_JSON(json_object_get(cairn_template_root(t), "other"),
		   "[{\"Key\":\"a\",\"Value\":\"b\"}]");
	/* inside the alias, positions are the anchor's */
	CHECK_INT(cairn_template_mark(t, "/other/0/Value", &line, &col), 0);
	CHECK(line == 1 && col == 20);
	CHECK_INT(cairn_template_mark(t, "/other", &line, &col), 0);
	CHECK(line == 2 && col == 1);
	cairn_template_free(t);
	cairn_diags_dispose(&d);
}

TEST(anchored_keys_can_be_aliased)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = parse("a:\n  &k Name: 1\nb:\n  *k : 2\n", &d);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_JSON(cairn_template_root(t), "{\"a\":{\"Name\":1},\"b\":{\"Name\":2}}");
	cairn_template_free(t);
	cairn_diags_dispose(&d);
}

TEST(json_templates_load_with_positions)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	int line, col;
	cairn_template *t = parse("{\n\t\"Resources\": {\n\t\t\"B\": {\"Type\": \"AWS::S3::Bucket\","
				  " \"Properties\": {\"N\": 5, \"S\": \"a\\/b\"}}\n\t}\n}\n", &d);
	CHECK(t != NULL);
	if (!t)
		return;
	CHECK_JSON(cairn_template_root(t), "{\"Resources\":{\"B\":{\"Type\":\"AWS::S3::Bucket\","
					   "\"Properties\":{\"N\":5,\"S\":\"a/b\"}}}}");
	CHECK_INT(cairn_template_mark(t, "/Resources/B/Properties", &line, &col), 0);
	CHECK(line == 3 && col == 36);
	cairn_template_free(t);
	cairn_diags_dispose(&d);
}

TEST(bad_shapes_and_bounds_are_reported)
{
	static const struct {
		const char *text;
		const char *msg;
	} cases[] = {
		{"a: !Ref [x]\n", "1:4: !Ref takes a name, not a list"},
		{"a: !GetAtt Foo\n", "1:4: !GetAtt 'Foo': write it as !GetAtt Resource.Attribute"},
		{"a: 1\n---\nb: 2\n", "2:1: a template is one YAML document; a second one starts here"},
		{"", "0:0: the template is empty"},
		{"# only a comment\n", "0:0: the template is empty"},
		{"? [a, b]\n: c\nd: 1\n", "1:3: a mapping key must be a scalar, not a list"},
		{"base: &b {x: 1}\nc:\n  <<: *b\n", "3:3: YAML merge keys (<<) are not supported: "
						    "write the keys out"},
		{"a: *nope\n", "1:4: alias *nope names no anchor defined before it"},
		{"a: !!int abc\n", "1:4: 'abc' is not a valid int"},
	};
	size_t i;
	for (i = 0; i < CAIRN_ARRAY_SIZE(cases); i++) {
		cairn_diags d = CAIRN_DIAGS_INIT;
		cairn_template *t = parse(cases[i].text, &d);
		char *m = first_diag(&d);
		CHECK(t == NULL);
		CHECK_STR(m, cases[i].msg);
		free(m);
		cairn_template_free(t);
		cairn_diags_dispose(&d);
	}
}

TEST(deep_nesting_is_bounded)
{
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_buf b = CAIRN_BUF_INIT;
	cairn_template *t;
	int i;
	cairn_buf_puts(&b, "a: ");
	for (i = 0; i < 100000; i++)
		cairn_buf_putc(&b, '[');
	for (i = 0; i < 100000; i++)
		cairn_buf_putc(&b, ']');
	t = parse(cairn_buf_cstr(&b), &d);
	CHECK(t == NULL);
	CHECK_INT(d.nerrors, 1);
	if (d.n)
		CHECK_CONTAINS(d.v[0].message, "nesting deeper than 512 levels");
	cairn_buf_dispose(&b);
	cairn_diags_dispose(&d);
}

TEST(load_reads_files_and_hashes_them)
{
	char path[] = "/tmp/cairn-unit-tpl-XXXXXX";
	int fd = mkstemp(path);
	cairn_diags d = CAIRN_DIAGS_INIT;
	cairn_template *t = NULL;
	char hex[65];
	CHECK(fd >= 0);
	CHECK(write(fd, "a: 1\n", 5) == 5);
	close(fd);
	CHECK_INT(cairn_template_load(&t, path, &d), 0);
	cairn_sha256_hex("a: 1\n", 5, hex);
	if (t) {
		CHECK_STR(cairn_template_sha256(t), hex);
		CHECK_STR(cairn_template_path(t), path);
	}
	cairn_template_free(t);
	unlink(path);
	CHECK_INT(cairn_template_load(&t, path, &d), CAIRN_EINVALID);
	CHECK(t == NULL);
	CHECK_INT(d.nerrors, 1);
	if (d.n)
		CHECK_STR(d.v[0].message, "no such file");
	cairn_diags_dispose(&d);
}

int main(void)
{
	RUN(plain_scalars_are_typed_as_yaml_1_1);
	RUN(short_forms_become_long_forms);
	RUN(marks_point_at_keys_and_items);
	RUN(duplicate_keys_are_errors_at_the_second);
	RUN(all_loader_errors_are_collected);
	RUN(syntax_errors_carry_libyaml_positions);
	RUN(alias_bombs_are_bounded);
	RUN(aliases_within_the_bound_share_their_value);
	RUN(anchored_keys_can_be_aliased);
	RUN(json_templates_load_with_positions);
	RUN(bad_shapes_and_bounds_are_reported);
	RUN(deep_nesting_is_bounded);
	RUN(load_reads_files_and_hashes_them);
	return test_done();
}
