/* Reading message elements: local-name paths, text and typed values. */
#include "ws/ws_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/hex.h"

bool m2m_ws_xml_is(const xmlNode *n, const char *ns, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, local) == 0;
}

const char *m2m_ws_ns_uri(m2m_ws_ns ns)
{
	return ns == M2M_WS_NS_DS ? M2M_WS_NS_XMLDSIG : M2M_WS_NS_RPS;
}

bool m2m_ws_node_ns(const xmlNode *n, m2m_ws_ns *ns)
{
	if (!n || n->type != XML_ELEMENT_NODE || !n->ns || !n->ns->href)
		return false;
	if (strcmp((const char *)n->ns->href, M2M_WS_NS_RPS) == 0)
		*ns = M2M_WS_NS_GSMA;
	else if (strcmp((const char *)n->ns->href, M2M_WS_NS_XMLDSIG) == 0)
		*ns = M2M_WS_NS_DS;
	else
		return false;
	return true;
}

const m2m_ws_xsd_type *m2m_ws_node_type(const xmlNode *n)
{
	const xmlNode *chain[M2M_WS_MAX_DEPTH];
	size_t depth = 0;
	m2m_ws_ns ns = M2M_WS_NS_GSMA, top = M2M_WS_NS_GSMA;
	/* Up to the outermost element of the message namespaces: the function element. */
	for (const xmlNode *p = n; p && p->type == XML_ELEMENT_NODE && m2m_ws_node_ns(p, &ns);
	     p = p->parent) {
		if (depth == M2M_WS_MAX_DEPTH)
			return NULL;
		chain[depth++] = p;
		top = ns;
	}
	if (!depth || top != M2M_WS_NS_GSMA)
		return NULL;
	const m2m_ws_xsd_type *t = m2m_ws_xsd_element((const char *)chain[depth - 1]->name);
	for (size_t i = depth - 1; t && i-- > 0;) {
		m2m_ws_node_ns(chain[i], &ns);
		t = m2m_ws_xsd_type_of(m2m_ws_xsd_child_find(t, ns, (const char *)chain[i]->name,
							     NULL));
	}
	return t;
}

m2m_ws_xsd_kind m2m_ws_value_kind(const m2m_ws_xsd_type *t)
{
	if (!t)
		return M2M_WS_XSD_STRING;
	if (t->kind == M2M_WS_XSD_COMPLEX && (t->flags & M2M_WS_XSD_TEXT))
		return (m2m_ws_xsd_kind)t->text_kind;
	return (m2m_ws_xsd_kind)t->kind;
}

/* One path step: "Name" (GSMA) or "ds:Name" (XML-DSig), up to '/' or the end. */
static bool step_match(const xmlNode *n, const char *step, size_t len)
{
	const char *ns = M2M_WS_NS_RPS;
	if (len > 3 && memcmp(step, "ds:", 3) == 0) {
		ns = M2M_WS_NS_XMLDSIG;
		step += 3;
		len -= 3;
	}
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strlen((const char *)n->name) == len && memcmp(n->name, step, len) == 0;
}

/* The index-th element matching the last step; earlier steps take their first match. */
static const xmlNode *find(const xmlNode *n, const char *path, size_t index, size_t *count)
{
	if (count)
		*count = 0;
	if (!n || !path)
		return NULL;
	while (*path) {
		const char *slash = strchr(path, '/');
		size_t len = slash ? (size_t)(slash - path) : strlen(path);
		bool last = !slash;
		const xmlNode *hit = NULL;
		size_t seen = 0;
		for (const xmlNode *c = n->children; c; c = c->next) {
			if (!step_match(c, path, len))
				continue;
			if (!last) {
				hit = c;
				break;
			}
			if (seen == index && !hit)
				hit = c;
			seen++;
			if (!count && hit)
				break;
		}
		if (last && count)
			*count = seen;
		if (!hit)
			return NULL;
		n = hit;
		path += len + (slash ? 1 : 0);
	}
	return n;
}

const m2m_ws_node *m2m_ws_find(const m2m_ws_node *n, const char *path)
{
	return find(n, path, 0, NULL);
}

const m2m_ws_node *m2m_ws_find_nth(const m2m_ws_node *n, const char *path, size_t index)
{
	return find(n, path, index, NULL);
}

size_t m2m_ws_count(const m2m_ws_node *n, const char *path)
{
	size_t count = 0;
	find(n, path, 0, &count);
	return count;
}

const m2m_ws_node *m2m_ws_next_same(const m2m_ws_node *n)
{
	for (const xmlNode *c = n ? n->next : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns == n->ns &&
		    strcmp((const char *)c->name, (const char *)n->name) == 0)
			return c;
	return NULL;
}

const m2m_ws_node *m2m_ws_first_child(const m2m_ws_node *n)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

const m2m_ws_node *m2m_ws_next(const m2m_ws_node *n)
{
	for (const xmlNode *c = n ? n->next : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

const char *m2m_ws_node_name(const m2m_ws_node *n)
{
	return n ? (const char *)n->name : NULL;
}

bool m2m_ws_node_is_ds(const m2m_ws_node *n)
{
	m2m_ws_ns ns;
	return m2m_ws_node_ns(n, &ns) && ns == M2M_WS_NS_DS;
}

const char *m2m_ws_node_text(const m2m_ws_node *n)
{
	const char *text = "";
	if (!n || n->type != XML_ELEMENT_NODE)
		return NULL;
	/* Parsing merged adjacent text and dropped comments: at most one text child. */
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			return NULL;
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			text = (const char *)c->content;
	}
	return text;
}

const char *m2m_ws_node_attr(const m2m_ws_node *n, const char *name)
{
	if (!n || !name)
		return NULL;
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (!a->ns && strcmp((const char *)a->name, name) == 0 && a->children &&
		    a->children->type == XML_TEXT_NODE)
			return (const char *)a->children->content;
	return NULL;
}

bool m2m_ws_xml_text_ok(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		uint32_t c = *p;
		size_t len = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
		if ((size_t)(end - p) < len || (c >= 0x80 && c < 0xC2) || c > 0xF4)
			return false;
		if (len > 1)
			c &= 0xFFu >> (len + 1);
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return false;
			c = c << 6 | (p[i] & 0x3Fu);
		}
		bool ok = c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
			  (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
		if (!ok)
			return false;
		p += len;
	}
	return true;
}

static bool xml_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *m2m_ws_text_trimmed(const xmlNode *n)
{
	const char *t = m2m_ws_node_text(n);
	if (!t)
		return NULL;
	while (xml_space((unsigned char)*t))
		t++;
	size_t len = strlen(t);
	while (len && xml_space((unsigned char)t[len - 1]))
		len--;
	return strndup(t, len);
}

m2m_err m2m_ws_get_text(const m2m_ws_node *n, const char *path, const char **out)
{
	if (!n || !path || !out)
		return M2M_ERR_ARG;
	const xmlNode *e = find(n, path, 0, NULL);
	if (!e)
		return M2M_END;
	const char *t = m2m_ws_node_text(e);
	if (!t)
		return M2M_ERR_FORMAT;
	*out = t;
	return M2M_OK;
}

/* Turns the trimmed text of element e (e for its schema type) into *out; out is left alone
 * on failure. */
typedef m2m_err (*value_parser)(const xmlNode *e, const char *text, void *out);

/* The typed getters: path under n found, its text trimmed and parsed into out; M2M_END when
 * absent. */
static m2m_err get_value(const m2m_ws_node *n, const char *path, void *out, value_parser parse)
{
	const xmlNode *e;
	char *t = NULL;
	m2m_err err = M2M_ERR_ARG;
	if (!n || !path || !out)
		goto out;
	err = M2M_END;
	if (!(e = find(n, path, 0, NULL)))
		goto out;
	if (!(t = m2m_ws_text_trimmed(e)))
		err = m2m_ws_node_text(e) ? M2M_ERR_NOMEM : M2M_ERR_FORMAT;
	else
		err = parse(e, t, out);
out:
	free(t);
	return err;
}

m2m_err m2m_ws_base64_decode(const char *s, m2m_buf *out)
{
	m2m_err err = M2M_ERR_NOMEM;
	size_t len = strlen(s);
	EVP_ENCODE_CTX *ctx = EVP_ENCODE_CTX_new();
	int n = 0, m = 0;
	if (!ctx || len > INT32_MAX)
		goto out;
	if ((err = m2m_buf_reserve(out, len / 4 * 3 + 3)) != M2M_OK)
		goto out;
	err = M2M_ERR_FORMAT;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, out->data + out->len, &n, (const unsigned char *)s,
			     (int)len) < 0)
		goto out;
	if (EVP_DecodeFinal(ctx, out->data + out->len + n, &m) != 1)
		goto out;
	out->len += (size_t)n + (size_t)m;
	err = M2M_OK;
out:
	EVP_ENCODE_CTX_free(ctx);
	return err;
}

m2m_err m2m_ws_base64_encode(const uint8_t *p, size_t n, char **out)
{
	if (n > INT32_MAX / 2)
		return M2M_ERR_BOUNDS;
	char *s = malloc(4 * ((n + 2) / 3) + 1);
	if (!s)
		return M2M_ERR_NOMEM;
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	*out = s;
	return M2M_OK;
}

/* hexBinary or base64Binary by the element's type, appended to the m2m_buf out. */
static m2m_err parse_bytes(const xmlNode *e, const char *t, void *out)
{
	m2m_buf *b = out;
	size_t before = b->len;
	m2m_err err;
	switch (m2m_ws_value_kind(m2m_ws_node_type(e))) {
	case M2M_WS_XSD_HEX:
		err = m2m_hex_decode_buf(t, b) == M2M_OK ? M2M_OK : M2M_ERR_FORMAT;
		break;
	case M2M_WS_XSD_BASE64:
		err = m2m_ws_base64_decode(t, b);
		break;
	default:
		err = M2M_ERR_FORMAT;
		break;
	}
	if (err != M2M_OK)
		b->len = before;
	return err;
}

m2m_err m2m_ws_get_bytes(const m2m_ws_node *n, const char *path, m2m_buf *out)
{
	return get_value(n, path, out, parse_bytes);
}

static m2m_err parse_bool(const xmlNode *e, const char *t, void *out)
{
	(void)e;
	if (strcmp(t, "true") == 0 || strcmp(t, "1") == 0)
		*(bool *)out = true;
	else if (strcmp(t, "false") == 0 || strcmp(t, "0") == 0)
		*(bool *)out = false;
	else
		return M2M_ERR_FORMAT;
	return M2M_OK;
}

m2m_err m2m_ws_get_bool(const m2m_ws_node *n, const char *path, bool *out)
{
	return get_value(n, path, out, parse_bool);
}

/* xs:integer lexical form: optional sign, digits only. */
static m2m_err parse_int(const char *t, bool allow_minus, int64_t *sv, uint64_t *uv)
{
	const char *p = t;
	bool neg = false;
	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (!*p || (neg && !allow_minus))
		return M2M_ERR_FORMAT;
	for (const char *q = p; *q; q++)
		if (!isdigit((unsigned char)*q))
			return M2M_ERR_FORMAT;
	errno = 0;
	unsigned long long v = strtoull(p, NULL, 10);
	if (errno == ERANGE)
		return M2M_ERR_BOUNDS;
	if (uv) {
		*uv = (uint64_t)v;
		return neg && v ? M2M_ERR_BOUNDS : M2M_OK;
	}
	if (v > (unsigned long long)INT64_MAX + (neg ? 1u : 0u))
		return M2M_ERR_BOUNDS;
	*sv = neg ? (int64_t)(0 - v) : (int64_t)v;
	return M2M_OK;
}

static m2m_err parse_uint(const xmlNode *e, const char *t, void *out)
{
	(void)e;
	return parse_int(t, false, NULL, out);
}

m2m_err m2m_ws_get_uint(const m2m_ws_node *n, const char *path, uint64_t *out)
{
	return get_value(n, path, out, parse_uint);
}

static m2m_err parse_sint(const xmlNode *e, const char *t, void *out)
{
	(void)e;
	return parse_int(t, true, out, NULL);
}

m2m_err m2m_ws_get_int(const m2m_ws_node *n, const char *path, int64_t *out)
{
	return get_value(n, path, out, parse_sint);
}

/* "YYYY-MM-DDThh:mm:ss[.fff][Z|(+|-)hh:mm]"; no zone is taken as UTC. */
static m2m_err parse_datetime(const char *t, time_t *out)
{
	struct tm tm = {0};
	int used = 0, zh = 0, zm = 0;
	long offset = 0;
	if (sscanf(t, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6 || used != 19)
		return M2M_ERR_FORMAT;
	const char *p = t + used;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return M2M_ERR_FORMAT;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d%n", &zh, &zm, &used) != 2 || used != 5 || zh > 14 ||
		    zm > 59)
			return M2M_ERR_FORMAT;
		offset = sign * (zh * 3600L + zm * 60L);
		p += 6;
	}
	if (*p || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 24 || tm.tm_min > 59 || tm.tm_sec > 60)
		return M2M_ERR_FORMAT;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t v = timegm(&tm);
	if (v == (time_t)-1)
		return M2M_ERR_FORMAT;
	*out = v - offset;
	return M2M_OK;
}

static m2m_err parse_time(const xmlNode *e, const char *t, void *out)
{
	(void)e;
	return parse_datetime(t, out);
}

m2m_err m2m_ws_get_time(const m2m_ws_node *n, const char *path, time_t *out)
{
	return get_value(n, path, out, parse_time);
}

void m2m_ws_format_time(time_t t, char *out, size_t cap)
{
	struct tm tm;
	if (!out || !cap)
		return;
	/* xs:dateTime needs at least four year digits (strftime's %Y gives "382" for 382). */
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999 ||
	    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) >= (int)cap)
		out[0] = '\0';
}
