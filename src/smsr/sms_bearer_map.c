/* A chained hash map with byte keys (EIDs, MSISDNs, command ids, SMSC message ids): the
 * bearer looks commands up per PoR, receipt and submit response, for many eUICCs at once. */
#include <stdlib.h>
#include <string.h>

#include "smsr/sms_bearer_int.h"

#define INITIAL_BUCKETS 64

/* FNV-1a: keys are short; the SMSC chooses message ids, so no one controls them all. */
static uint32_t hash(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= k[i];
		h *= 16777619u;
	}
	return h;
}

m2m_err sb_map_init(sb_map *m)
{
	m->count = 0;
	m->nbucket = INITIAL_BUCKETS;
	m->bucket = calloc(m->nbucket, sizeof *m->bucket);
	return m->bucket != NULL ? M2M_OK : M2M_ERR_NOMEM;
}

void sb_map_free(sb_map *m)
{
	for (size_t i = 0; m->bucket != NULL && i < m->nbucket; i++) {
		sb_node *n = m->bucket[i];
		while (n != NULL) {
			sb_node *next = n->next;
			free(n);
			n = next;
		}
	}
	free(m->bucket);
	memset(m, 0, sizeof *m);
}

/* Doubles the buckets when chains get long; a failed allocation keeps the old table. */
static void grow(sb_map *m)
{
	size_t nb = m->nbucket * 2;
	sb_node **b = calloc(nb, sizeof *b);

	if (b == NULL)
		return;
	for (size_t i = 0; i < m->nbucket; i++) {
		sb_node *n = m->bucket[i];
		while (n != NULL) {
			sb_node *next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
			n = next;
		}
	}
	free(m->bucket);
	m->bucket = b;
	m->nbucket = nb;
}

static sb_node **slot(const sb_map *m, const void *key, size_t klen, uint32_t h)
{
	sb_node **p = &m->bucket[h & (m->nbucket - 1)];

	while (*p != NULL && ((*p)->hash != h || (*p)->klen != klen ||
			      memcmp((*p)->key, key, klen) != 0))
		p = &(*p)->next;
	return p;
}

m2m_err sb_map_put(sb_map *m, const void *key, size_t klen, void *val)
{
	uint32_t h;
	sb_node **p, *n;

	if (klen > SB_KEY_MAX || m->bucket == NULL)
		return M2M_ERR_ARG;
	h = hash(key, klen);
	p = slot(m, key, klen, h);
	if (*p != NULL) {
		(*p)->val = val;
		return M2M_OK;
	}
	n = calloc(1, sizeof *n);
	if (n == NULL)
		return M2M_ERR_NOMEM;
	n->hash = h;
	n->klen = (uint8_t)klen;
	memcpy(n->key, key, klen);
	n->val = val;
	n->next = m->bucket[h & (m->nbucket - 1)];
	m->bucket[h & (m->nbucket - 1)] = n;
	if (++m->count > 2 * m->nbucket)
		grow(m);
	return M2M_OK;
}

void *sb_map_get(const sb_map *m, const void *key, size_t klen)
{
	sb_node **p;

	if (klen > SB_KEY_MAX || m->bucket == NULL)
		return NULL;
	p = slot(m, key, klen, hash(key, klen));
	return *p != NULL ? (*p)->val : NULL;
}

void *sb_map_del(sb_map *m, const void *key, size_t klen)
{
	sb_node **p, *n;
	void *val;

	if (klen > SB_KEY_MAX || m->bucket == NULL)
		return NULL;
	p = slot(m, key, klen, hash(key, klen));
	if (*p == NULL)
		return NULL;
	n = *p;
	val = n->val;
	*p = n->next;
	free(n);
	m->count--;
	return val;
}
