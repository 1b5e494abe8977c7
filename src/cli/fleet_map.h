/* A string -> index hash map for the fleet tool (open addressing, linear probing, tombstones):
 * duplicate detection in the input, the result file's index and the calls awaiting an answer.
 * Keys are copied. Not thread-safe: callers hold their own lock. */
#ifndef M2M_CLI_FLEET_MAP_H
#define M2M_CLI_FLEET_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef struct {
	char *key; /* NULL = empty; a private marker = a removed entry */
	size_t value;
} m2m_fleet_map_slot;

typedef struct {
	m2m_fleet_map_slot *slot;
	size_t cap;   /* a power of two, or 0 */
	size_t used;  /* live entries */
	size_t dirty; /* live entries and tombstones */
} m2m_fleet_map;

void m2m_fleet_map_init(m2m_fleet_map *m);
void m2m_fleet_map_free(m2m_fleet_map *m);
/* Inserts or replaces. */
m2m_err m2m_fleet_map_put(m2m_fleet_map *m, const char *key, size_t value);
/* M2M_END when absent. */
m2m_err m2m_fleet_map_get(const m2m_fleet_map *m, const char *key, size_t *value);
/* M2M_END when absent. */
m2m_err m2m_fleet_map_del(m2m_fleet_map *m, const char *key);
size_t m2m_fleet_map_count(const m2m_fleet_map *m);
/* Iteration: *pos starts at 0; M2M_END after the last entry. */
m2m_err m2m_fleet_map_next(const m2m_fleet_map *m, size_t *pos, const char **key,
			   size_t *value);

#endif
