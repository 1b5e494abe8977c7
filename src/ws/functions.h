/* The ES1, ES2, ES3, ES4 and ES7 functions of the SOAP binding: request and response
 * elements, WS-Addressing Action URIs (from the GSMA WSDL, generated into functions_gen.inc by
 * gen_tables.py) and the roles that provide and may call each one. docs/ws.md has the table. */
#ifndef M2M_WS_FUNCTIONS_H
#define M2M_WS_FUNCTIONS_H

#include <stdbool.h>

#include "core/err.h"

/* Roles of SGP.02 entities; a bit set where several may apply. */
typedef enum {
	M2M_WS_ROLE_NONE = 0,
	M2M_WS_ROLE_EUM = 1 << 0,
	M2M_WS_ROLE_SMSR = 1 << 1,
	M2M_WS_ROLE_SMDP = 1 << 2,
	M2M_WS_ROLE_MNO = 1 << 3,
	M2M_WS_ROLE_M2MSP = 1 << 4,
} m2m_ws_role;

typedef enum {
	M2M_WS_KIND_REQUEST,      /* has a Request and a Response element */
	M2M_WS_KIND_NOTIFICATION, /* one-way Handle*Notification element */
} m2m_ws_kind;

/* Direction of a message of a function. */
typedef enum {
	M2M_WS_DIR_IN,  /* the request or notification, caller -> provider */
	M2M_WS_DIR_OUT, /* the response, provider -> caller (synchronous or callback) */
} m2m_ws_dir;

typedef enum {
#define M2M_WS_FN(id, ...) M2M_WS_##id,
#define M2M_WS_ACTION(...)
#include "ws/functions_gen.inc"
#undef M2M_WS_FN
#undef M2M_WS_ACTION
	M2M_WS_FN__COUNT
} m2m_ws_fn;

typedef struct {
	m2m_ws_fn id;
	const char *iface;            /* "ES4" */
	const char *name;             /* "ES4-EnableProfile" */
	m2m_ws_kind kind;
	const char *request_element;  /* local name in M2M_WS_NS_RPS; the notification itself */
	const char *response_element; /* NULL for notifications */
	unsigned provider;            /* m2m_ws_role bits that serve it */
	unsigned callers;             /* m2m_ws_role bits allowed to call it */
	const char *request_action;   /* the Action we send */
	const char *response_action;  /* the Action of a synchronous answer */
	const char *callback_action;  /* the Action of an answer sent later to ReplyTo */
	bool action_derived;          /* no WSDL names it: built from the ES3 pattern */
} m2m_ws_function;

const m2m_ws_function *m2m_ws_function_get(m2m_ws_fn id);
/* "ES4-EnableProfile"; NULL when unknown. */
const m2m_ws_function *m2m_ws_function_by_name(const char *name);
/* Any Action the WSDLs give (and the documented aliases); *dir says request or response. */
const m2m_ws_function *m2m_ws_function_by_action(const char *action, m2m_ws_dir *dir);
/* A body element's local name (request, notification or response element). */
const m2m_ws_function *m2m_ws_function_by_element(const char *name, m2m_ws_dir *dir);
/* True when action is one of fn's Actions in direction dir. */
bool m2m_ws_action_matches(const m2m_ws_function *fn, m2m_ws_dir dir, const char *action);
/* "ES4" -> 4; 0 when not an interface of this binding. */
int m2m_ws_iface_number(const char *iface);

/* "EUM", "SM-SR", "SM-DP", "MNO", "M2M-SP" (one role). */
const char *m2m_ws_role_name(m2m_ws_role role);
/* Accepts those names case-insensitively, also without the hyphen. */
m2m_err m2m_ws_role_parse(const char *s, m2m_ws_role *role);

#endif
