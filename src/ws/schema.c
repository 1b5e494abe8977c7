/* XML Schema loading (once) and validation (per message, any thread). */
#include "ws/schema.h"

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "core/log.h"
#include "ws/ws_int.h"

#define LOG "ws"

struct m2m_ws_schema {
	xmlSchemaPtr schema;
	char dir[PATH_MAX];
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static xmlExternalEntityLoader default_loader;

/* Only local files: schema includes are relative paths; anything with a scheme other than
 * file: (http, ftp, ...) is refused. */
static xmlParserInputPtr local_only_loader(const char *url, const char *id,
					   xmlParserCtxtPtr ctxt)
{
	if (url && strstr(url, "://") && strncmp(url, "file://", 7) != 0) {
		m2m_warn(LOG, "refused to load external entity %s", url);
		return NULL;
	}
	return default_loader(url, id, ctxt);
}

/* libxml2 prints parser and schema errors to stderr unless told otherwise. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void init(void)
{
	xmlInitParser();
	default_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(local_only_loader);
	/* The error handler is per thread in libxml2: set it here and for threads to come. */
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlThrDefSetGenericErrorFunc(NULL, quiet);
}

m2m_err m2m_ws_init(void)
{
	return pthread_once(&init_once, init) == 0 ? M2M_OK : M2M_ERR_STATE;
}

void m2m_ws_cleanup(void)
{
	xmlCleanupParser();
}

static bool has_schema(const char *dir)
{
	char p[PATH_MAX];
	if (snprintf(p, sizeof p, "%s/%s", dir, M2M_WS_SCHEMA_FILE) >= (int)sizeof p)
		return false;
	return access(p, R_OK) == 0;
}

static bool try_dir(const char *dir, char *out, size_t cap)
{
	if (!dir || !*dir || !has_schema(dir))
		return false;
	return snprintf(out, cap, "%s", dir) < (int)cap;
}

static bool try_exe_relative(char *out, size_t cap)
{
	/* Installed, then build trees one, two or three levels below the source tree. */
	static const char *const rel[] = {"../share/m2mrsp/wsdl", "../data/wsdl",
					  "../../data/wsdl", "../../../data/wsdl"};
	char exe[PATH_MAX], p[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n <= 0)
		return false;
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
		if (snprintf(p, sizeof p, "%s/%s", exe, rel[i]) >= (int)sizeof p)
			continue;
		char real[PATH_MAX];
		if (realpath(p, real) && try_dir(real, out, cap))
			return true;
	}
	return false;
}

m2m_err m2m_ws_find_dir(const char *dir, char *out, size_t cap)
{
	if (!out || !cap)
		return M2M_ERR_ARG;
	if (dir)
		return try_dir(dir, out, cap) ? M2M_OK : M2M_ERR_IO;
	if (try_dir(getenv(M2M_WS_DIR_ENV), out, cap))
		return M2M_OK;
#ifdef M2MRSP_WSDL_DIR
	if (try_dir(M2MRSP_WSDL_DIR, out, cap))
		return M2M_OK;
#endif
	if (try_exe_relative(out, cap) || try_dir("/usr/local/share/m2mrsp/wsdl", out, cap) ||
	    try_dir("/usr/share/m2mrsp/wsdl", out, cap))
		return M2M_OK;
	return M2M_ERR_IO;
}

m2m_err m2m_ws_schema_load(const char *dir, m2m_ws_schema **out)
{
	m2m_err err = M2M_ERR_ARG;
	m2m_ws_schema *s = NULL;
	xmlSchemaParserCtxtPtr pctxt = NULL;
	char path[PATH_MAX + 32];
	if (!out)
		goto out;
	if ((err = m2m_ws_init()) != M2M_OK)
		goto out;
	err = M2M_ERR_NOMEM;
	if (!(s = calloc(1, sizeof *s)))
		goto out;
	if ((err = m2m_ws_find_dir(dir, s->dir, sizeof s->dir)) != M2M_OK) {
		m2m_error(LOG, "no %s found (dir %s, $%s)", M2M_WS_SCHEMA_FILE, dir ? dir : "unset",
			  M2M_WS_DIR_ENV);
		goto out;
	}
	snprintf(path, sizeof path, "%s/%s", s->dir, M2M_WS_SCHEMA_FILE);
	err = M2M_ERR_FORMAT;
	if (!(pctxt = xmlSchemaNewParserCtxt(path)))
		goto out;
	xmlSchemaSetParserErrors(pctxt, quiet, quiet, NULL);
	if (!(s->schema = xmlSchemaParse(pctxt))) {
		m2m_error(LOG, "cannot compile %s", path);
		goto out;
	}
	*out = s;
	s = NULL;
	err = M2M_OK;
out:
	if (pctxt)
		xmlSchemaFreeParserCtxt(pctxt);
	m2m_ws_schema_free(s);
	return err;
}

void m2m_ws_schema_free(m2m_ws_schema *s)
{
	if (!s)
		return;
	if (s->schema)
		xmlSchemaFree(s->schema);
	free(s);
}

const char *m2m_ws_schema_dir(const m2m_ws_schema *s)
{
	return s ? s->dir : NULL;
}

typedef struct {
	bool seen;
	char msg[M2M_WS_MESSAGE_MAX];
	char expected[64]; /* the (mandatory) child libxml2 says it expected, if any */
	const xmlNode *node;
} first_error;

/* "{http://...}Name" -> "Name", in place. */
static void strip_namespaces(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (*r == '{') {
			char *close = strchr(r, '}');
			if (close) {
				r = close + 1;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
}

/* "... Expected is ( Iccid )." or "Expected is one of ( ValidityPeriod, Eid )." names what
 * libxml2 wanted: keep the list (names separated by ", "). */
static void expected_children(const char *msg, char *out, size_t cap)
{
	const char *p = strstr(msg, "Expected is ( ");
	const char *q = strstr(msg, "Expected is one of ( ");
	out[0] = '\0';
	if (p)
		p += strlen("Expected is ( ");
	else if (q)
		p = q + strlen("Expected is one of ( ");
	else
		return;
	size_t len = strcspn(p, ")");
	if (p[len] != ')' || len < 2)
		return;
	snprintf(out, cap, "%.*s", (int)(len - 1), p);
}

/* The first expected name that the schema makes mandatory under node (else the first). */
static void pick_expected(const char *list, const xmlNode *node, char *out, size_t cap)
{
	const m2m_ws_xsd_type *t = node ? m2m_ws_node_type(node) : NULL;
	out[0] = '\0';
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		char name[64];
		snprintf(name, sizeof name, "%.*s", (int)len, p);
		const m2m_ws_xsd_child *c = m2m_ws_xsd_child_find(t, M2M_WS_NS_GSMA, name, NULL);
		if (!out[0] || (c && !(c->flags & M2M_WS_XSD_OPTIONAL))) {
			snprintf(out, cap, "%s", name);
			if (c && !(c->flags & M2M_WS_XSD_OPTIONAL))
				return;
		}
		p += len;
		p += strspn(p, ", ");
	}
}

static void on_error(void *arg, xmlErrorPtr e)
{
	first_error *fe = arg;
	if (fe->seen || !e)
		return;
	fe->seen = true;
	fe->node = e->node;
	snprintf(fe->msg, sizeof fe->msg, "%s", e->message ? e->message : "invalid");
	fe->msg[strcspn(fe->msg, "\n")] = '\0';
	strip_namespaces(fe->msg);
	char list[M2M_WS_MESSAGE_MAX];
	expected_children(fe->msg, list, sizeof list);
	/* For "Missing child element(s)" the node is the parent; else the one met instead. */
	const xmlNode *parent = strstr(fe->msg, "Missing child") ? e->node
				: e->node ? ((const xmlNode *)e->node)->parent : NULL;
	pick_expected(list, parent, fe->expected, sizeof fe->expected);
}

/* An element the schema declares under its parent (out of place, not unknown). */
static bool declared(const xmlNode *n)
{
	m2m_ws_ns ns;
	return n && n->parent && m2m_ws_node_ns(n, &ns) &&
	       m2m_ws_xsd_child_find(m2m_ws_node_type(n->parent), ns, (const char *)n->name, NULL);
}

/* The subject code for the error: the child libxml2 expected when the element it met is a
 * known one (so the expected one is missing), else the element or an ancestor. */
static const char *error_subject(const first_error *fe)
{
	const char *s = NULL;
	if (fe->expected[0] && (!fe->node || declared(fe->node) ||
				strstr(fe->msg, "Missing child element")))
		s = m2m_ws_subject_for_element(fe->expected);
	for (const xmlNode *n = fe->node; !s && n && n->type == XML_ELEMENT_NODE; n = n->parent)
		s = m2m_ws_subject_for_element((const char *)n->name);
	return s ? s : M2M_WS_SUBJ_FUNCTION;
}

m2m_err m2m_ws_schema_validate(const m2m_ws_schema *s, const m2m_ws_node *element,
			       m2m_ws_error *why)
{
	first_error fe = {0};
	m2m_err err = M2M_ERR_ARG;
	xmlSchemaValidCtxtPtr v = NULL;
	if (!s || !element)
		goto out;
	err = M2M_ERR_NOMEM;
	if (!(v = xmlSchemaNewValidCtxt(s->schema)))
		goto out;
	xmlSchemaSetValidStructuredErrors(v, on_error, &fe);
	int rc = xmlSchemaValidateOneElement(v, (xmlNodePtr)element);
	if (rc == 0) {
		err = M2M_OK;
		goto out;
	}
	err = rc < 0 ? M2M_ERR_STATE : M2M_ERR_FORMAT;
	if (why)
		m2m_ws_error_failed(why, error_subject(&fe), M2M_WS_REASON_INVALID, NULL,
				    "schema validation failed: %s",
				    fe.seen ? fe.msg : "internal validator error");
out:
	if (v)
		xmlSchemaFreeValidCtxt(v);
	return err;
}

m2m_err m2m_ws_schema_validate_msg(const m2m_ws_schema *s, const m2m_ws_msg *m,
				   m2m_ws_error *why)
{
	return m2m_ws_schema_validate(s, m2m_ws_msg_body(m), why);
}
