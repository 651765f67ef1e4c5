/*
 * xml.c: the expat adapter (see xml.h): the only file that includes
 * expat. Builds a tree of cairn_xml_node from a response body.
 *
 * expat is driven with namespace processing off, so element names arrive
 * as written; the tree stores the local part. A DOCTYPE declaration stops
 * the parser: AWS never sends one, and refusing it rules out entity
 * expansion attacks from a hostile endpoint. Depth is capped at
 * CAIRN_XML_MAXDEPTH.
 */
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "aws/xml.h"

typedef struct pstate {
	XML_Parser p;           /* the expat parser */
	cairn_xml_node *root;   /* the document element, once seen */
	cairn_xml_node **stack; /* open elements, innermost last */
	int depth;              /* how many are open */
	const char *fail;       /* why we stopped the parser, or NULL */
} pstate;

static const char *local(const char *name)
{
	const char *c = strrchr(name, ':');
	return c ? c + 1 : name;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
	pstate *s = ud;
	cairn_xml_node *n;
	int i;

	if (s->fail)
		return;
	if (s->depth >= CAIRN_XML_MAXDEPTH) {
		s->fail = "nested too deeply";
		XML_StopParser(s->p, XML_FALSE);
		return;
	}
	n = cairn_xcalloc(1, sizeof(*n));
	n->name = cairn_xstrdup(local(name));
	for (i = 0; atts[i]; i += 2)
		cairn_kvlist_add(&n->attrs, atts[i], atts[i + 1]);
	if (s->depth == 0) {
		if (s->root) {
			cairn_xml_free(n);
			s->fail = "more than one document element";
			XML_StopParser(s->p, XML_FALSE);
			return;
		}
		s->root = n;
	} else {
		cairn_xml_node *parent = s->stack[s->depth - 1];
		if (parent->nkids == parent->cap) {
			parent->cap = parent->cap ? parent->cap * 2 : 4;
			parent->kids =
			    cairn_xrealloc(parent->kids, parent->cap * sizeof(*parent->kids));
		}
		parent->kids[parent->nkids++] = n;
	}
	s->stack[s->depth++] = n;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
	pstate *s = ud;
	(void)name;
	if (s->fail || s->depth == 0)
		return;
	s->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *t, int len)
{
	pstate *s = ud;
	if (s->fail || s->depth == 0)
		return;
	cairn_buf_put(&s->stack[s->depth - 1]->text, t, (size_t)len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
	pstate *s = ud;
	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal;
	s->fail = "a DOCTYPE is not accepted";
	XML_StopParser(s->p, XML_FALSE);
}

int cairn_xml_parse(const char *data, size_t len, cairn_xml_node **out)
{
	pstate s;
	cairn_xml_node *stack[CAIRN_XML_MAXDEPTH];
	int rc = 0;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	s.stack = stack;
	s.p = XML_ParserCreate("UTF-8");
	if (!s.p)
		cairn_die("out of memory creating an XML parser");
	XML_SetUserData(s.p, &s);
	XML_SetElementHandler(s.p, on_start, on_end);
	XML_SetCharacterDataHandler(s.p, on_text);
	XML_SetStartDoctypeDeclHandler(s.p, on_doctype);
	if (XML_Parse(s.p, data, (int)len, XML_TRUE) == XML_STATUS_ERROR || s.fail) {
		rc = cairn_error_setc(CAIRN_EINVALID, "malformed XML at line %lu: %s",
		                      (unsigned long)XML_GetCurrentLineNumber(s.p),
		                      s.fail ? s.fail : XML_ErrorString(XML_GetErrorCode(s.p)));
	} else if (!s.root) {
		rc = cairn_error_setc(CAIRN_EINVALID, "malformed XML: no document element");
	}
	XML_ParserFree(s.p);
	if (rc < 0) {
		cairn_xml_free(s.root);
		return rc;
	}
	*out = s.root;
	return 0;
}

void cairn_xml_free(cairn_xml_node *n)
{
	size_t i;
	if (!n)
		return;
	for (i = 0; i < n->nkids; i++)
		cairn_xml_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	cairn_kvlist_dispose(&n->attrs);
	cairn_buf_dispose(&n->text);
	free(n);
}

const cairn_xml_node *cairn_xml_child(const cairn_xml_node *n, const char *name)
{
	size_t i;
	if (!n)
		return NULL;
	for (i = 0; i < n->nkids; i++)
		if (strcmp(n->kids[i]->name, name) == 0)
			return n->kids[i];
	return NULL;
}

const cairn_xml_node *cairn_xml_find(const cairn_xml_node *n, const char *name)
{
	size_t i;
	if (!n)
		return NULL;
	if (strcmp(n->name, name) == 0)
		return n;
	for (i = 0; i < n->nkids; i++) {
		const cairn_xml_node *f = cairn_xml_find(n->kids[i], name);
		if (f)
			return f;
	}
	return NULL;
}

const char *cairn_xml_attr(const cairn_xml_node *n, const char *name)
{
	size_t i;
	for (i = 0; i < n->attrs.n; i++)
		if (strcmp(local(n->attrs.v[i].key), local(name)) == 0)
			return n->attrs.v[i].value;
	return NULL;
}

void cairn_xml_escape(cairn_buf *b, const char *s, size_t len, int attr)
{
	size_t i;
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&':
			cairn_buf_puts(b, "&amp;");
			break;
		case '<':
			cairn_buf_puts(b, "&lt;");
			break;
		case '>':
			cairn_buf_puts(b, "&gt;");
			break;
		case '"':
			if (attr) {
				cairn_buf_puts(b, "&quot;");
				break;
			}
			cairn_buf_putc(b, s[i]);
			break;
		case '\r':
			cairn_buf_puts(b, "&#13;");
			break;
		case '\n':
			if (attr) {
				cairn_buf_puts(b, "&#10;");
				break;
			}
			cairn_buf_putc(b, s[i]);
			break;
		case '\t':
			if (attr) {
				cairn_buf_puts(b, "&#9;");
				break;
			}
			cairn_buf_putc(b, s[i]);
			break;
		default:
			cairn_buf_putc(b, s[i]);
		}
	}
	if (!b->ptr)
		cairn_buf_put(b, "", 0);
}
