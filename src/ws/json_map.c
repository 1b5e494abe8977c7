/* XML element <-> JSON value, driven by the schema model (xsd_model.h): which children repeat
 * (arrays), which are text, and the schema order of children when building XML. */
#include "ws/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ws/ws_int.h"

typedef struct {
	char *msg;
	size_t cap;
	char path[200];
} ctx;

static m2m_err fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static m2m_err fail(ctx *c, const char *fmt, ...)
{
	char why[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	if (c->msg && c->cap)
		snprintf(c->msg, c->cap, "%s%s%s", c->path, c->path[0] ? ": " : "", why);
	return M2M_ERR_FORMAT;
}

/* Appends "/name" to the error path; returns the old length to restore. */
static size_t push(ctx *c, const char *name)
{
	size_t len = strlen(c->path);
	snprintf(c->path + len, sizeof c->path - len, "%s%s", len ? "/" : "", name);
	return len;
}

static void key_of(const xmlNode *n, char *out, size_t cap)
{
	m2m_ws_ns ns = M2M_WS_NS_GSMA;
	m2m_ws_node_ns(n, &ns);
	snprintf(out, cap, "%s%s", ns == M2M_WS_NS_DS ? "ds:" : "", (const char *)n->name);
}

/* --- XML -> JSON -------------------------------------------------------------------------- */

static m2m_err to_json(ctx *c, const xmlNode *n, const m2m_ws_xsd_type *t, unsigned depth,
		       json_t **out);

static bool blank(const char *s)
{
	return strspn(s, " \t\r\n") == strlen(s);
}

/* Attributes as "@name" members; namespaced attributes are not part of the mapping. */
static m2m_err attrs_to_json(ctx *c, const xmlNode *n, json_t *obj)
{
	char key[128];
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		if (a->ns)
			return fail(c, "attribute %s:%s is not mapped", (const char *)a->ns->prefix,
				    (const char *)a->name);
		const char *v = a->children && a->children->content
					? (const char *)a->children->content
					: "";
		snprintf(key, sizeof key, "@%s", (const char *)a->name);
		if (json_object_set_new(obj, key, json_string(v)) != 0)
			return fail(c, "attribute %s: not valid UTF-8", key);
	}
	return M2M_OK;
}

static m2m_err children_to_json(ctx *c, const xmlNode *n, const m2m_ws_xsd_type *t,
				unsigned depth, json_t *obj)
{
	char key[128];
	for (const xmlNode *ch = n->children; ch; ch = ch->next) {
		if (ch->type == XML_TEXT_NODE || ch->type == XML_CDATA_SECTION_NODE) {
			if (ch->content && !blank((const char *)ch->content))
				return fail(c, "text mixed with elements is not mapped");
			continue;
		}
		if (ch->type != XML_ELEMENT_NODE)
			continue;
		m2m_ws_ns ns;
		if (!m2m_ws_node_ns(ch, &ns))
			return fail(c, "element %s is not in the GSMA or XML-DSig namespace",
				    (const char *)ch->name);
		key_of(ch, key, sizeof key);
		const m2m_ws_xsd_child *decl =
			m2m_ws_xsd_child_find(t, ns, (const char *)ch->name, NULL);
		if (t && !decl && !(t->flags & M2M_WS_XSD_OPEN))
			return fail(c, "element %s is not allowed here", key);
		json_t *v = NULL;
		size_t mark = push(c, key);
		m2m_err err = to_json(c, ch, m2m_ws_xsd_type_of(decl), depth + 1, &v);
		c->path[mark] = '\0';
		if (err != M2M_OK)
			return err;
		json_t *have = json_object_get(obj, key);
		/* Repeated per the XSD: always an array. Outside the schema: an array once a
		 * name repeats. */
		bool many = decl ? (decl->flags & M2M_WS_XSD_MANY) : json_is_array(have) || have;
		if (!many && have) {
			json_decref(v);
			return fail(c, "element %s may appear only once", key);
		}
		if (!many) {
			json_object_set_new(obj, key, v);
			continue;
		}
		if (!have) {
			have = json_array();
			json_object_set_new(obj, key, have);
		} else if (!json_is_array(have)) {
			json_t *arr = json_array();
			json_array_append(arr, have);
			json_object_set_new(obj, key, arr);
			have = arr;
		}
		json_array_append_new(have, v);
	}
	return M2M_OK;
}

static m2m_err to_json(ctx *c, const xmlNode *n, const m2m_ws_xsd_type *t, unsigned depth,
		       json_t **out)
{
	m2m_err err;
	if (depth > M2M_WS_MAX_DEPTH)
		return fail(c, "nesting deeper than %u", M2M_WS_MAX_DEPTH);
	const char *text = m2m_ws_node_text(n);
	bool complex = !t || t->kind == M2M_WS_XSD_COMPLEX;
	bool text_type = t && (t->kind != M2M_WS_XSD_COMPLEX || (t->flags & M2M_WS_XSD_TEXT));
	/* Simple content: a string, or an object when attributes come with it. */
	if (text && (text_type || (!t && !n->properties) || (!t && !blank(text)))) {
		if (!n->properties) {
			*out = json_string(text);
			return *out ? M2M_OK : fail(c, "text is not valid UTF-8");
		}
		json_t *obj = json_object();
		if ((err = attrs_to_json(c, n, obj)) != M2M_OK) {
			json_decref(obj);
			return err;
		}
		json_object_set_new(obj, "#text", json_string(text));
		*out = obj;
		return M2M_OK;
	}
	if (!complex)
		return fail(c, "a text value was expected");
	json_t *obj = json_object();
	if (!obj)
		return M2M_ERR_NOMEM;
	if ((err = attrs_to_json(c, n, obj)) != M2M_OK ||
	    (err = children_to_json(c, n, t, depth, obj)) != M2M_OK) {
		json_decref(obj);
		return err;
	}
	*out = obj;
	return M2M_OK;
}

m2m_err m2m_ws_json_from_node(const m2m_ws_node *n, json_t **out, char *msg, size_t cap)
{
	ctx c = {.msg = msg, .cap = cap};
	char key[128];
	json_t *v = NULL;
	if (!n || !out)
		return M2M_ERR_ARG;
	key_of(n, key, sizeof key);
	push(&c, key);
	m2m_err err = to_json(&c, n, m2m_ws_node_type(n), 1, &v);
	if (err != M2M_OK)
		return err;
	*out = json_object();
	if (!*out) {
		json_decref(v);
		return M2M_ERR_NOMEM;
	}
	json_object_set_new(*out, key, v);
	return M2M_OK;
}

/* --- JSON -> XML -------------------------------------------------------------------------- */

typedef struct {
	ctx c;
	xmlDocPtr doc;
	xmlNsPtr ns_rps, ns_ds;
	xmlNodePtr root;
} builder;

static m2m_err from_json(builder *b, xmlNodePtr parent, const char *key, const json_t *v,
			 const m2m_ws_xsd_type *t, unsigned depth);

/* "ds:Name" -> (DS, "Name"); anything else is GSMA. */
static const char *split_key(const char *key, m2m_ws_ns *ns)
{
	if (strncmp(key, "ds:", 3) == 0) {
		*ns = M2M_WS_NS_DS;
		return key + 3;
	}
	*ns = M2M_WS_NS_GSMA;
	return key;
}

static xmlNsPtr ns_for(builder *b, m2m_ws_ns ns)
{
	if (ns == M2M_WS_NS_GSMA)
		return b->ns_rps;
	if (!b->ns_ds)
		b->ns_ds = xmlNewNs(b->root, BAD_CAST M2M_WS_NS_XMLDSIG, BAD_CAST "ds");
	return b->ns_ds;
}

static m2m_err add_text(builder *b, xmlNodePtr n, const json_t *v)
{
	if (!json_is_string(v))
		return fail(&b->c, "a JSON string was expected");
	if (!m2m_ws_xml_text_ok(json_string_value(v), json_string_length(v)))
		return fail(&b->c, "a character XML 1.0 does not allow");
	xmlNodePtr t = xmlNewDocText(b->doc, BAD_CAST json_string_value(v));
	return t && xmlAddChild(n, t) ? M2M_OK : M2M_ERR_NOMEM;
}

static m2m_err set_attr(builder *b, xmlNodePtr n, const m2m_ws_xsd_type *t, const char *key,
			const json_t *v)
{
	if (t && !m2m_ws_xsd_attr_find(t, key + 1) && !(t->flags & M2M_WS_XSD_OPEN))
		return fail(&b->c, "attribute %s is not allowed here", key);
	if (!json_is_string(v))
		return fail(&b->c, "attribute %s: a JSON string was expected", key);
	if (xmlValidateNCName(BAD_CAST(key + 1), 0) != 0)
		return fail(&b->c, "%s is not an XML attribute name", key);
	if (!m2m_ws_xml_text_ok(json_string_value(v), json_string_length(v)))
		return fail(&b->c, "attribute %s: a character XML 1.0 does not allow", key);
	return xmlSetProp(n, BAD_CAST(key + 1), BAD_CAST json_string_value(v)) ? M2M_OK
										: M2M_ERR_NOMEM;
}

/* Children of a complex element: schema order first, then (open types only) the rest. */
static m2m_err object_children(builder *b, xmlNodePtr n, const json_t *obj,
			       const m2m_ws_xsd_type *t, unsigned depth)
{
	m2m_err err;
	const char *key;
	const json_t *v;
	for (size_t i = 0; t && i < t->n_children; i++) {
		const m2m_ws_xsd_child *d = &m2m_ws_xsd_children[t->first_child + i];
		char k[128];
		snprintf(k, sizeof k, "%s%s", d->ns == M2M_WS_NS_DS ? "ds:" : "", d->name);
		if (!(v = json_object_get(obj, k)))
			continue;
		if (json_is_array(v) != !!(d->flags & M2M_WS_XSD_MANY)) {
			size_t mark = push(&b->c, k);
			err = fail(&b->c, json_is_array(v) ? "may appear only once, not an array"
							   : "repeats: an array was expected");
			b->c.path[mark] = '\0';
			return err;
		}
		if ((err = from_json(b, n, k, v, m2m_ws_xsd_type_of(d), depth + 1)) != M2M_OK)
			return err;
	}
	json_object_foreach((json_t *)obj, key, v) {
		m2m_ws_ns ns;
		const char *local = split_key(key, &ns);
		if (key[0] == '@' || strcmp(key, "#text") == 0)
			continue;
		if (t && m2m_ws_xsd_child_find(t, ns, local, NULL))
			continue;
		if (t && !(t->flags & M2M_WS_XSD_OPEN))
			return fail(&b->c, "element %s is not allowed here", key);
		if ((err = from_json(b, n, key, v, NULL, depth + 1)) != M2M_OK)
			return err;
	}
	return M2M_OK;
}

static m2m_err fill_object(builder *b, xmlNodePtr n, const json_t *obj,
			   const m2m_ws_xsd_type *t, unsigned depth)
{
	const char *key;
	const json_t *v;
	m2m_err err;
	bool text_type = t && (t->flags & M2M_WS_XSD_TEXT);
	json_object_foreach((json_t *)obj, key, v) {
		if (key[0] == '@' && (err = set_attr(b, n, t, key, v)) != M2M_OK)
			return err;
	}
	const json_t *text = json_object_get(obj, "#text");
	if (text) {
		if (t && !text_type)
			return fail(&b->c, "#text is not allowed in an element with children");
		if ((err = add_text(b, n, text)) != M2M_OK)
			return err;
	}
	if (text_type || text) {
		size_t members = json_object_size(obj);
		json_object_foreach((json_t *)obj, key, v) {
			if (key[0] == '@' || strcmp(key, "#text") == 0)
				members--;
		}
		return members ? fail(&b->c, "an element with text has no child elements")
			       : M2M_OK;
	}
	return object_children(b, n, obj, t, depth);
}

static m2m_err from_json(builder *b, xmlNodePtr parent, const char *key, const json_t *v,
			 const m2m_ws_xsd_type *t, unsigned depth)
{
	m2m_ws_ns ns;
	m2m_err err = M2M_OK;
	const char *local = split_key(key, &ns);
	size_t mark = push(&b->c, key);
	if (depth > M2M_WS_MAX_DEPTH) {
		err = fail(&b->c, "nesting deeper than %u", M2M_WS_MAX_DEPTH);
		goto out;
	}
	if (json_is_array(v)) {
		if (json_array_size(v) == 0) {
			err = fail(&b->c, "an empty array stands for no element: leave it out");
			goto out;
		}
		for (size_t i = 0; i < json_array_size(v) && err == M2M_OK; i++) {
			if (json_is_array(json_array_get(v, i)))
				err = fail(&b->c, "arrays of arrays are not mapped");
			else
				err = from_json(b, parent, key, json_array_get(v, i), t, depth);
		}
		goto out;
	}
	if (xmlValidateNCName(BAD_CAST local, 0) != 0) {
		err = fail(&b->c, "not an XML element name");
		goto out;
	}
	xmlNodePtr n = xmlNewDocNode(b->doc, ns_for(b, ns), BAD_CAST local, NULL);
	if (!n || !xmlAddChild(parent, n)) {
		xmlFreeNode(n);
		err = M2M_ERR_NOMEM;
		goto out;
	}
	bool simple = t && t->kind != M2M_WS_XSD_COMPLEX;
	if (json_is_object(v) && !simple)
		err = fill_object(b, n, v, t, depth);
	else if (json_is_string(v) && (!t || simple || (t->flags & M2M_WS_XSD_TEXT)))
		err = add_text(b, n, v);
	else
		err = fail(&b->c, simple || !t ? "a JSON string was expected"
					       : "a JSON object was expected");
out:
	b->c.path[mark] = '\0';
	return err;
}

m2m_err m2m_ws_json_to_msg(const json_t *body, m2m_ws_msg **out, char *msg, size_t cap)
{
	builder b = {.c = {.msg = msg, .cap = cap}};
	m2m_ws_dir dir;
	m2m_err err = M2M_ERR_ARG;
	if (!out || !json_is_object(body) || json_object_size(body) != 1) {
		if (msg && cap)
			snprintf(msg, cap, "Body must hold exactly one function element");
		return M2M_ERR_FORMAT;
	}
	const char *name = json_object_iter_key(json_object_iter((json_t *)body));
	const json_t *v = json_object_get(body, name);
	const m2m_ws_function *fn = m2m_ws_function_by_element(name, &dir);
	if (!fn) {
		if (msg && cap)
			snprintf(msg, cap, "%s is not a function element", name);
		return M2M_ERR_UNSUPPORTED;
	}
	if (!(b.doc = xmlNewDoc(BAD_CAST "1.0")) ||
	    !(b.root = xmlNewDocNode(b.doc, NULL, BAD_CAST name, NULL)) ||
	    !(b.ns_rps = xmlNewNs(b.root, BAD_CAST M2M_WS_NS_RPS, BAD_CAST "rps"))) {
		xmlFreeNode(b.root);
		err = M2M_ERR_NOMEM;
		goto out;
	}
	xmlSetNs(b.root, b.ns_rps);
	xmlDocSetRootElement(b.doc, b.root);
	push(&b.c, name);
	if (!json_is_object(v))
		err = fail(&b.c, "a JSON object was expected");
	else
		err = fill_object(&b, b.root, v, m2m_ws_xsd_element(name), 1);
	/* The message is returned even when the body did not map: the caller answers with the
	 * function's FAILED response. */
	m2m_err werr = m2m_ws_msg_wrap(b.doc, b.root, fn, dir, out);
	b.doc = NULL;
	if (werr != M2M_OK)
		err = werr;
out:
	xmlFreeDoc(b.doc);
	return err;
}
