/* SMPP address ranges: see smpp_route.h and docs/smpp.md. */
#include "net/smpp_route.h"

#include <stdio.h>
#include <string.h>

m2m_err m2m_smpp_range_set(m2m_smpp_range *r, const char *range)
{
	char anchored[sizeof r->text + 4];
	const char *t = range != NULL ? range : "";

	if (r == NULL)
		return M2M_ERR_ARG;
	memset(r, 0, sizeof *r);
	t += t[0] == '+';
	if (t[0] == '\0')
		return M2M_OK;
	if (strlen(t) >= sizeof r->text)
		return M2M_ERR_ARG;
	snprintf(r->text, sizeof r->text, "%s", t);
	r->literal = strspn(t, "0123456789") == strlen(t);
	/* A range covers whole addresses: "88299" is not every address starting with 88299. */
	snprintf(anchored, sizeof anchored, "^(%s)$", t);
	if (!r->literal && regcomp(&r->re, anchored, REG_EXTENDED | REG_NOSUB) != 0) {
		memset(r, 0, sizeof *r);
		return M2M_ERR_ARG;
	}
	r->set = true;
	return M2M_OK;
}

m2m_smpp_range_match_kind m2m_smpp_range_match(const m2m_smpp_range *r, const char *addr)
{
	const char *a = addr != NULL ? addr : "";

	a += a[0] == '+';
	if (r == NULL || !r->set || a[0] == '\0')
		return M2M_SMPP_RANGE_NONE;
	if (r->literal)
		return strcmp(r->text, a) == 0 ? M2M_SMPP_RANGE_EXACT : M2M_SMPP_RANGE_NONE;
	return regexec(&r->re, a, 0, NULL, 0) == 0 ? M2M_SMPP_RANGE_PATTERN : M2M_SMPP_RANGE_NONE;
}

void m2m_smpp_range_clear(m2m_smpp_range *r)
{
	if (r == NULL)
		return;
	if (r->set && !r->literal)
		regfree(&r->re);
	memset(r, 0, sizeof *r);
}
