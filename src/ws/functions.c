/* The function table: rows generated from the WSDL (functions_gen.inc) and look-ups. */
#include "ws/functions.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static const m2m_ws_function functions[] = {
#define M2M_WS_FN(id, iface, name, kind, req, resp, prov, callers, ra, rsa, cba, derived) \
	{M2M_WS_##id, iface, name, kind, req, resp, prov, callers, ra, rsa, cba, derived},
#define M2M_WS_ACTION(...)
#include "ws/functions_gen.inc"
#undef M2M_WS_FN
#undef M2M_WS_ACTION
};

typedef struct {
	m2m_ws_fn fn;
	m2m_ws_dir dir;
	const char *action;
} action_row;

static const action_row actions[] = {
#define M2M_WS_FN(...)
#define M2M_WS_ACTION(id, dir, action) {M2M_WS_##id, dir, action},
#include "ws/functions_gen.inc"
#undef M2M_WS_FN
#undef M2M_WS_ACTION
};

_Static_assert(sizeof functions / sizeof functions[0] == M2M_WS_FN__COUNT, "table size");

const m2m_ws_function *m2m_ws_function_get(m2m_ws_fn id)
{
	return (unsigned)id < M2M_WS_FN__COUNT ? &functions[id] : NULL;
}

const m2m_ws_function *m2m_ws_function_by_name(const char *name)
{
	for (size_t i = 0; name && i < M2M_WS_FN__COUNT; i++)
		if (strcmp(functions[i].name, name) == 0)
			return &functions[i];
	return NULL;
}

const m2m_ws_function *m2m_ws_function_by_action(const char *action, m2m_ws_dir *dir)
{
	for (size_t i = 0; action && i < sizeof actions / sizeof actions[0]; i++) {
		if (strcmp(actions[i].action, action) == 0) {
			if (dir)
				*dir = actions[i].dir;
			return &functions[actions[i].fn];
		}
	}
	return NULL;
}

const m2m_ws_function *m2m_ws_function_by_element(const char *name, m2m_ws_dir *dir)
{
	for (size_t i = 0; name && i < M2M_WS_FN__COUNT; i++) {
		const m2m_ws_function *f = &functions[i];
		m2m_ws_dir d;
		if (strcmp(f->request_element, name) == 0)
			d = M2M_WS_DIR_IN;
		else if (f->response_element && strcmp(f->response_element, name) == 0)
			d = M2M_WS_DIR_OUT;
		else
			continue;
		if (dir)
			*dir = d;
		return f;
	}
	return NULL;
}

bool m2m_ws_action_matches(const m2m_ws_function *fn, m2m_ws_dir dir, const char *action)
{
	m2m_ws_dir d = M2M_WS_DIR_IN;
	return fn && m2m_ws_function_by_action(action, &d) == fn && d == dir;
}

int m2m_ws_iface_number(const char *iface)
{
	static const char *const names[] = {"ES1", "ES2", "ES3", "ES4", "ES7"};
	static const int numbers[] = {1, 2, 3, 4, 7};
	for (size_t i = 0; iface && i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(iface, names[i]) == 0)
			return numbers[i];
	return 0;
}

static const struct {
	m2m_ws_role role;
	const char *name;
	const char *alt;
} roles[] = {
	{M2M_WS_ROLE_EUM, "EUM", "EUM"},
	{M2M_WS_ROLE_SMSR, "SM-SR", "SMSR"},
	{M2M_WS_ROLE_SMDP, "SM-DP", "SMDP"},
	{M2M_WS_ROLE_MNO, "MNO", "MNO"},
	{M2M_WS_ROLE_M2MSP, "M2M-SP", "M2MSP"},
};

const char *m2m_ws_role_name(m2m_ws_role role)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "none";
}

m2m_err m2m_ws_role_parse(const char *s, m2m_ws_role *role)
{
	if (!s || !role)
		return M2M_ERR_ARG;
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
		if (strcasecmp(s, roles[i].name) == 0 || strcasecmp(s, roles[i].alt) == 0) {
			*role = roles[i].role;
			return M2M_OK;
		}
	}
	return M2M_ERR_FORMAT;
}
