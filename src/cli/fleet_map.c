/* String -> index hash map (FNV-1a, linear probing) for the fleet tool. */
#include "cli/fleet_map.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static char gone_marker;
#define GONE (&gone_marker)

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;
	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3u;
	return h;
}

void m2m_fleet_map_init(m2m_fleet_map *m)
{
	memset(m, 0, sizeof *m);
}

void m2m_fleet_map_free(m2m_fleet_map *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slot[i].key != NULL && m->slot[i].key != GONE)
			free(m->slot[i].key);
	}
	free(m->slot);
	memset(m, 0, sizeof *m);
}

/* The slot holding key, or SIZE_MAX. */
static size_t find(const m2m_fleet_map *m, const char *key)
{
	if (m->cap == 0)
		return SIZE_MAX;
	size_t mask = m->cap - 1;
	for (size_t i = hash(key) & mask, n = 0; n < m->cap; i = (i + 1) & mask, n++) {
		const char *k = m->slot[i].key;
		if (k == NULL)
			return SIZE_MAX;
		if (k != GONE && strcmp(k, key) == 0)
			return i;
	}
	return SIZE_MAX;
}

/* Places an owned key in a table known to have room and not to hold it. */
static void place(m2m_fleet_map_slot *slot, size_t cap, char *key, size_t value)
{
	size_t i = hash(key) & (cap - 1);
	while (slot[i].key != NULL && slot[i].key != GONE)
		i = (i + 1) & (cap - 1);
	slot[i].key = key;
	slot[i].value = value;
}

/* Keeps the load (tombstones included) under one half. */
static m2m_err grow(m2m_fleet_map *m)
{
	size_t cap = m->cap ? m->cap : 16;
	while ((m->used + 1) * 2 > cap)
		cap *= 2;
	if (cap == m->cap && (m->dirty + 1) * 2 <= m->cap)
		return M2M_OK;
	m2m_fleet_map_slot *slot = calloc(cap, sizeof *slot);
	if (slot == NULL)
		return M2M_ERR_NOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slot[i].key != NULL && m->slot[i].key != GONE)
			place(slot, cap, m->slot[i].key, m->slot[i].value);
	}
	free(m->slot);
	m->slot = slot;
	m->cap = cap;
	m->dirty = m->used;
	return M2M_OK;
}

m2m_err m2m_fleet_map_put(m2m_fleet_map *m, const char *key, size_t value)
{
	size_t i = find(m, key);
	if (i != SIZE_MAX) {
		m->slot[i].value = value;
		return M2M_OK;
	}
	m2m_err err = grow(m);
	if (err != M2M_OK)
		return err;
	char *k = strdup(key);
	if (k == NULL)
		return M2M_ERR_NOMEM;
	size_t at = hash(k) & (m->cap - 1);
	while (m->slot[at].key != NULL && m->slot[at].key != GONE)
		at = (at + 1) & (m->cap - 1);
	if (m->slot[at].key == NULL)
		m->dirty++;
	m->slot[at].key = k;
	m->slot[at].value = value;
	m->used++;
	return M2M_OK;
}

m2m_err m2m_fleet_map_get(const m2m_fleet_map *m, const char *key, size_t *value)
{
	size_t i = find(m, key);
	if (i == SIZE_MAX)
		return M2M_END;
	if (value != NULL)
		*value = m->slot[i].value;
	return M2M_OK;
}

m2m_err m2m_fleet_map_del(m2m_fleet_map *m, const char *key)
{
	size_t i = find(m, key);
	if (i == SIZE_MAX)
		return M2M_END;
	free(m->slot[i].key);
	m->slot[i].key = GONE;
	m->used--;
	return M2M_OK;
}

size_t m2m_fleet_map_count(const m2m_fleet_map *m)
{
	return m->used;
}

m2m_err m2m_fleet_map_next(const m2m_fleet_map *m, size_t *pos, const char **key,
			   size_t *value)
{
	for (; *pos < m->cap; (*pos)++) {
		const m2m_fleet_map_slot *s = &m->slot[*pos];
		if (s->key != NULL && s->key != GONE) {
			*key = s->key;
			*value = s->value;
			(*pos)++;
			return M2M_OK;
		}
	}
	return M2M_END;
}
