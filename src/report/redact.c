/*
 * redact.c: the secret-hygiene pass every report goes through.
 *
 * Reports are committed to git and read by people who must never see a
 * credential, so everything a renderer writes is passed through here,
 * twice: once on the model's strings and JSON values (before escaping, so
 * a secret containing a quote or a newline is still found) and once on
 * the rendered bytes. Each pass replaces with "(redacted)":
 *
 *   - literals the caller registers (NoEcho parameter values): values of
 *     4 bytes or more wherever they occur, shorter ones only where a whole
 *     string (or a whole number, printed) equals them;
 *   - PEM private keys: "-----BEGIN ... PRIVATE KEY-----" through the
 *     matching END line (or to the end of the text when it is cut);
 *   - AWS access key ids: AKIA or ASIA and 16 more of [A-Z0-9], standing
 *     alone (not inside a longer word);
 *   - AWS secret access keys: a run of exactly 40 characters of
 *     [A-Za-z0-9+/] standing alone, mixing upper case, lower case and a
 *     digit or '+' or '/', with a Shannon entropy of at least 4.1 bits per
 *     character (random 40-character keys measure 4.15 at the very least;
 *     hex digests, which have no upper case, and word-like names such as
 *     "role/DataScienceSageMakerExecutionRole01" stay);
 *   - session tokens: a run of [A-Za-z0-9+/] (with '=' padding) of 80
 *     characters or more mixing upper case, lower case and digits, or of
 *     40 or more starting with a prefix STS tokens have ("FwoGZXIvYXdz",
 *     "FQoGZXIvYXdz", "IQoJb3JpZ2lu").
 *
 * Two entry points: cairn_redact_string and cairn_redact_json are the
 * value pass (every literal); cairn_redact_buf is the document pass over
 * rendered output, which leaves literals made only of hex digits alone
 * (they cannot be told from cairn's own hashes, serials and line numbers,
 * and the value pass has removed them from every value). Backslash
 * escapes ("\n" in JSON, "\*" in Markdown) count as separators, so an
 * escape letter never joins the run of characters after it.
 *
 * False positives are the safe failure: a redacted identifier costs an
 * auditor a look at the template; a leaked key costs a rotation.
 *
 * The redactor owns copies of its literals, sorted longest first so that a
 * literal that contains another is replaced whole.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cairn/report.h"

/* Literals of at least this many bytes are redacted as substrings. */
#define SUBSTRING_MIN 4

struct cairn_redactor {
	char **lit;    /* registered literals, longest first */
	size_t nlit;   /* how many */
	size_t caplit; /* allocated slots */
};

cairn_redactor *cairn_redactor_new(void)
{
	return cairn_xcalloc(1, sizeof(cairn_redactor));
}

void cairn_redactor_free(cairn_redactor *red)
{
	size_t i;
	if (!red)
		return;
	for (i = 0; i < red->nlit; i++)
		free(red->lit[i]);
	free(red->lit);
	free(red);
}

void cairn_redactor_add(cairn_redactor *red, const char *value)
{
	size_t i, n;
	if (!value || !*value)
		return;
	n = strlen(value);
	for (i = 0; i < red->nlit; i++)
		if (strcmp(red->lit[i], value) == 0)
			return;
	if (red->nlit == red->caplit) {
		red->caplit = red->caplit ? red->caplit * 2 : 8;
		red->lit = cairn_xrealloc(red->lit, red->caplit * sizeof(char *));
	}
	/* Insert keeping longest first. */
	for (i = red->nlit; i > 0 && strlen(red->lit[i - 1]) < n; i--)
		red->lit[i] = red->lit[i - 1];
	red->lit[i] = cairn_xstrdup(value);
	red->nlit++;
}

static int is_b64(int c)
{
	return isalnum(c) || c == '+' || c == '/';
}

/* Shannon entropy in bits per character of s[0..n). */
static double entropy(const char *s, size_t n)
{
	size_t count[256] = {0}, i;
	double h = 0;
	for (i = 0; i < n; i++)
		count[(unsigned char)s[i]]++;
	for (i = 0; i < 256; i++) {
		if (count[i]) {
			double p = (double)count[i] / (double)n;
			h -= p * log2(p);
		}
	}
	return h;
}

static int mixes(const char *s, size_t n, int need_digit_only)
{
	int up = 0, lo = 0, dig = 0, sym = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isupper(c))
			up = 1;
		else if (islower(c))
			lo = 1;
		else if (isdigit(c))
			dig = 1;
		else if (c == '+' || c == '/')
			sym = 1;
	}
	return up && lo && (dig || (!need_digit_only && sym));
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

/* Is the run s[0..n) (a maximal run of base64 characters, '=' padding
 * included) a secret access key or a session token? */
static int secret_run(const char *s, size_t n)
{
	static const char *const sts_prefix[] = {"FwoGZXIvYXdz", "FQoGZXIvYXdz", "IQoJb3JpZ2lu"};
	size_t body = n, i;
	while (body > 0 && s[body - 1] == '=')
		body--;
	if (body == 40 && n == 40 && mixes(s, 40, 0) && entropy(s, 40) >= 4.1)
		return 1;
	if (body >= 80 && mixes(s, body, 1))
		return 1;
	if (body >= 40)
		for (i = 0; i < CAIRN_ARRAY_SIZE(sts_prefix); i++)
			if (starts_with(s, body, sts_prefix[i]))
				return 1;
	return 0;
}

/* Is s[0..20) an access key id standing alone at s (prev and next are the
 * characters around it, or 0)? */
static int access_key_id(const char *s, size_t left, int prev)
{
	size_t i;
	if (left < 20 || isalnum(prev))
		return 0;
	if (memcmp(s, "AKIA", 4) != 0 && memcmp(s, "ASIA", 4) != 0)
		return 0;
	for (i = 4; i < 20; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return 0;
	return left == 20 || !isalnum((unsigned char)s[20]);
}

/* Finds needle in hay[0..n); like memmem. */
static const char *find(const char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;
	if (k > n)
		return NULL;
	for (i = 0; i + k <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, k) == 0)
			return hay + i;
	return NULL;
}

/* PEM private keys in b, replaced in place. */
static size_t redact_pem(cairn_buf *b)
{
	size_t count = 0, at = 0;
	for (;;) {
		const char *s = cairn_buf_cstr(b), *beg, *label_end, *end, *close;
		size_t n = b->len, from, to;
		cairn_buf out = CAIRN_BUF_INIT;
		if (at >= n || !(beg = find(s + at, n - at, "-----BEGIN ")))
			break;
		label_end = find(beg + 11, n - (size_t)(beg + 11 - s), "-----");
		if (!label_end || !find(beg, (size_t)(label_end - beg), "PRIVATE KEY")) {
			at = (size_t)(beg - s) + 11;
			continue;
		}
		from = (size_t)(beg - s);
		end = find(label_end + 5, n - (size_t)(label_end + 5 - s), "-----END ");
		close = end ? find(end + 9, n - (size_t)(end + 9 - s), "-----") : NULL;
		to = close ? (size_t)(close - s) + 5 : n;
		cairn_buf_put(&out, s, from);
		cairn_buf_puts(&out, CAIRN_REDACTED);
		cairn_buf_put(&out, s + to, n - to);
		cairn_buf_dispose(b);
		*b = out;
		at = from + strlen(CAIRN_REDACTED);
		count++;
	}
	return count;
}

static int hex_only(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Registered literals of SUBSTRING_MIN bytes or more, and (whole ==
 * 1) shorter ones when they equal the whole buffer. In a document
 * (document == 1), literals of hex digits only are skipped: they cannot be
 * told from the hashes, serials and line numbers cairn writes itself, and
 * the value pass has already removed them from every value. */
static size_t redact_literals(const cairn_redactor *red, cairn_buf *b, int whole, int document)
{
	size_t count = 0, i;
	if (!red)
		return 0;
	for (i = 0; i < red->nlit; i++) {
		const char *lit = red->lit[i];
		size_t k = strlen(lit), at = 0;
		cairn_buf out = CAIRN_BUF_INIT;
		int changed = 0;
		if (document && hex_only(lit))
			continue;
		if (k < SUBSTRING_MIN) {
			if (whole && b->len == k && memcmp(b->ptr, lit, k) == 0) {
				cairn_buf_clear(b);
				cairn_buf_puts(b, CAIRN_REDACTED);
				count++;
			}
			continue;
		}
		while (at < b->len) {
			const char *hit = find(b->ptr + at, b->len - at, lit);
			if (!hit) {
				cairn_buf_put(&out, b->ptr + at, b->len - at);
				break;
			}
			cairn_buf_put(&out, b->ptr + at, (size_t)(hit - (b->ptr + at)));
			cairn_buf_puts(&out, CAIRN_REDACTED);
			at = (size_t)(hit - b->ptr) + k;
			changed = 1;
			count++;
		}
		if (changed) {
			cairn_buf_dispose(b);
			if (!out.ptr)
				cairn_buf_puts(&out, "");
			*b = out;
		} else {
			cairn_buf_dispose(&out);
		}
	}
	return count;
}

/* Access key ids, secret keys and session tokens. */
static size_t redact_tokens(cairn_buf *b)
{
	cairn_buf out = CAIRN_BUF_INIT;
	size_t i = 0, count = 0, n = b->len;
	const char *s = b->ptr;
	int after_escape = 0;
	if (!s)
		return 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		int prev = i > 0 ? (unsigned char)s[i - 1] : 0;
		if (c == '\\' && i + 1 < n) {
			/* An escape (JSON "\n", "\u00e9", Markdown "\*") is one
			 * separator: its letter never joins the run after it. */
			size_t k = s[i + 1] == 'u' && i + 6 <= n ? 6 : 2;
			cairn_buf_put(&out, s + i, k);
			i += k;
			after_escape = 1;
			continue;
		}
		if (after_escape) {
			prev = 0;
			after_escape = 0;
		}
		if ((c == 'A') && access_key_id(s + i, n - i, prev)) {
			cairn_buf_puts(&out, CAIRN_REDACTED);
			i += 20;
			count++;
			continue;
		}
		if (is_b64(c) && !is_b64(prev)) {
			size_t j = i;
			while (j < n && is_b64((unsigned char)s[j]))
				j++;
			while (j < n && s[j] == '=')
				j++;
			if (secret_run(s + i, j - i)) {
				cairn_buf_puts(&out, CAIRN_REDACTED);
				count++;
				i = j;
				continue;
			}
			/* Not a secret as a whole: copy up to the next place an
			 * access key id could start, and look again there. */
			{
				size_t k = i + 1;
				while (k < j && !(s[k] == 'A' && !isalnum((unsigned char)s[k - 1])) &&
				       s[k] != '\\')
					k++;
				cairn_buf_put(&out, s + i, k - i);
				i = k;
				continue;
			}
		}
		cairn_buf_putc(&out, c);
		i++;
	}
	if (count) {
		cairn_buf_dispose(b);
		*b = out;
	} else {
		cairn_buf_dispose(&out);
	}
	return count;
}

static size_t redact(const cairn_redactor *red, cairn_buf *b, int document)
{
	size_t n = 0;
	n += redact_pem(b);
	n += redact_literals(red, b, 1, document);
	n += redact_tokens(b);
	return n;
}

size_t cairn_redact_buf(const cairn_redactor *red, cairn_buf *b)
{
	return redact(red, b, 1);
}

char *cairn_redact_string(const cairn_redactor *red, const char *s)
{
	cairn_buf b = CAIRN_BUF_INIT;
	cairn_buf_puts(&b, s ? s : "");
	redact(red, &b, 0);
	return cairn_buf_detach(&b);
}

/* A number printed equals (or contains) a literal: the whole number goes. */
static int number_is_secret(const cairn_redactor *red, const json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	cairn_buf b = CAIRN_BUF_INIT;
	size_t n;
	if (!text)
		cairn_die("json_dumps failed");
	cairn_buf_puts(&b, text);
	free(text);
	n = redact_literals(red, &b, 1, 0);
	cairn_buf_dispose(&b);
	return n > 0;
}

json_t *cairn_redact_json(const cairn_redactor *red, const json_t *v)
{
	json_t *out;
	if (!v)
		return NULL;
	switch (json_typeof(v)) {
	case JSON_STRING: {
		cairn_buf b = CAIRN_BUF_INIT;
		cairn_buf_put(&b, json_string_value(v), json_string_length(v));
		redact(red, &b, 0);
		out = json_stringn(cairn_buf_cstr(&b), b.len);
		cairn_buf_dispose(&b);
		break;
	}
	case JSON_INTEGER:
	case JSON_REAL:
		if (red && number_is_secret(red, v))
			out = json_string(CAIRN_REDACTED);
		else
			out = json_deep_copy(v);
		break;
	case JSON_ARRAY: {
		size_t i;
		json_t *item;
		out = json_array();
		json_array_foreach(v, i, item)
			json_array_append_new(out, cairn_redact_json(red, item));
		break;
	}
	case JSON_OBJECT: {
		const char *key;
		json_t *item;
		out = json_object();
		json_object_foreach((json_t *)v, key, item) {
			char *k = cairn_redact_string(red, key);
			json_object_set_new(out, k, cairn_redact_json(red, item));
			free(k);
		}
		break;
	}
	default:
		out = json_deep_copy(v);
		break;
	}
	if (!out)
		cairn_die("out of memory copying JSON");
	return out;
}
