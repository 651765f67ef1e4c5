/*
 * xml.h: private to src/aws: a small XML tree built with expat, for the
 * responses of the XML protocols (EC2, Query, REST-XML), and XML text
 * escaping for the REST-XML request bodies.
 *
 * The tree keeps, per element, its local name (any "prefix:" removed),
 * its attributes as written, its character data concatenated, and its
 * child elements in document order. Documents with a DOCTYPE are refused
 * (no entity expansion of any kind), and nesting is capped.
 */
#ifndef CAIRN_AWS_XML_H
#define CAIRN_AWS_XML_H

#include "aws/request.h"

#define CAIRN_XML_MAXDEPTH 128

typedef struct cairn_xml_node {
	char *name;                   /* local name, "Bucket" */
	cairn_kvlist attrs;           /* attributes, names as written ("xsi:type") */
	cairn_buf text;               /* character data directly inside, concatenated */
	struct cairn_xml_node **kids; /* child elements in order */
	size_t nkids;                 /* children used */
	size_t cap;                   /* children allocated */
} cairn_xml_node;

/* Parses data into a tree; on failure returns CAIRN_EINVALID with a
 * message giving expat's reason and the line. */
int cairn_xml_parse(const char *data, size_t len, cairn_xml_node **out);
void cairn_xml_free(cairn_xml_node *n);

/* The first child element named name, or NULL. */
const cairn_xml_node *cairn_xml_child(const cairn_xml_node *n, const char *name);
/* The first element named name in the subtree (n included), depth first. */
const cairn_xml_node *cairn_xml_find(const cairn_xml_node *n, const char *name);
/* The attribute's value, or NULL; name compared with any prefix removed. */
const char *cairn_xml_attr(const cairn_xml_node *n, const char *name);

/* Appends s escaped for element text (&, <, >) or, when attr, for a
 * double-quoted attribute value (also ", CR, LF and TAB). */
void cairn_xml_escape(cairn_buf *b, const char *s, size_t len, int attr);

#endif
