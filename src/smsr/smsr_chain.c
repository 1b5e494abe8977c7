/* Exchanges in progress (smsr_int.h): after a SendData with MoreToDo, or the relayed 3A01 of
 * an SM-SR change, the card holds state (key establishment, SCP03t) that another command in
 * between would break (a 3A08 confirmation would even go to the ISD-P being personalised),
 * so until the exchange ends, or SMSR_CHAIN_MS pass without its next step, the eUICC runs
 * only the exchange's jobs. In memory: each process knows the exchanges it carries. */
#include <stdlib.h>
#include <string.h>

#include "smsr/smsr_es7.h"
#include "smsr/smsr_int.h"

struct smsr_chain {
	struct smsr_chain *next;
	char eid[M2M_STORE_EID_SIZE];
	int64_t until_ms;
};

static smsr_chain **find(smsr *s, const char *eid)
{
	smsr_chain **p = &s->chains;

	while (*p != NULL && strcmp((*p)->eid, eid) != 0)
		p = &(*p)->next;
	return p;
}

static void drop(smsr_chain **p)
{
	smsr_chain *c = *p;

	*p = c->next;
	free(c);
}

void smsr_chain_set(smsr *s, const char *eid, bool open)
{
	smsr_chain **p = find(s, eid);

	if (!open) {
		if (*p != NULL)
			drop(p);
		return;
	}
	if (*p == NULL) {
		smsr_chain *c = calloc(1, sizeof *c);
		if (c == NULL)
			return; /* the exchange runs unguarded, as without this */
		snprintf(c->eid, sizeof c->eid, "%s", eid);
		c->next = s->chains;
		s->chains = c;
		p = &s->chains;
	}
	(*p)->until_ms = m2m_store_now_ms() + SMSR_CHAIN_MS;
}

bool smsr_chain_open(smsr *s, const char *eid)
{
	smsr_chain **p = find(s, eid);

	if (*p == NULL)
		return false;
	if ((*p)->until_ms > m2m_store_now_ms())
		return true;
	drop(p); /* the SM-DP never came back: the eUICC is free again */
	return false;
}

bool smsr_chain_blocks(smsr *s, const char *eid, const char *kind)
{
	bool exchange = strcmp(kind, "senddata") == 0 || strcmp(kind, SMSR_ES7_KIND_CERT) == 0 ||
			strcmp(kind, SMSR_ES7_KIND_KEYS) == 0;

	return !exchange && smsr_chain_open(s, eid);
}

void smsr_chain_free_all(smsr *s)
{
	while (s->chains != NULL)
		drop(&s->chains);
}
