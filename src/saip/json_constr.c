/* The constraint checks as generated. asn1c 0.9.28 loses them at run time: a derived type
 * (UInt8 ::= INTEGER (0..255)) overwrites its check_constraints with the base type's the
 * first time any of its functions runs, and SEQUENCE_constraint() then caches that generic
 * check in the member table. Both are recorded before main() runs, walking the module from
 * its PDUs, and looked up by address. */
#include <stdlib.h>

#include "EUICCResponse.h"
#include "saip/json_int.h"

#define SAVED_MAX 4096 /* the module has a few hundred types and about a thousand members */

typedef struct {
	const void *key; /* a descriptor or a member */
	asn_constr_check_f *check;
} saved_check;

static saved_check types[SAVED_MAX], members[SAVED_MAX];
static size_t n_types, n_members;

static int by_key(const void *a, const void *b)
{
	const char *ka = ((const saved_check *)a)->key, *kb = ((const saved_check *)b)->key;
	return ka < kb ? -1 : ka > kb;
}

static int seen(asn_TYPE_descriptor_t *td)
{
	for (size_t i = 0; i < n_types; i++) {
		if (types[i].key == td)
			return 1;
	}
	return 0;
}

static void record(asn_TYPE_descriptor_t *td)
{
	if (seen(td) || n_types == SAVED_MAX)
		return;
	types[n_types++] = (saved_check){td, td->check_constraints};
	for (int i = 0; i < td->elements_count && n_members < SAVED_MAX; i++)
		members[n_members++] = (saved_check){&td->elements[i], td->elements[i].memb_constraints};
	for (int i = 0; i < td->elements_count; i++)
		record(td->elements[i].type);
}

__attribute__((constructor)) static void record_module(void)
{
	record(&asn_DEF_ProfileElement);
	record(&asn_DEF_EUICCResponse);
	qsort(types, n_types, sizeof types[0], by_key);
	qsort(members, n_members, sizeof members[0], by_key);
}

static const saved_check *find(const saved_check *tab, size_t n, const void *key)
{
	saved_check k = {key, NULL};
	return bsearch(&k, tab, n, sizeof tab[0], by_key);
}

asn_constr_check_f *m2m_saip_json_constraint_of(const asn_TYPE_member_t *m,
						const asn_TYPE_descriptor_t *td)
{
	const saved_check *s = m != NULL ? find(members, n_members, m) : NULL;
	asn_constr_check_f *check = s != NULL ? s->check : m != NULL ? m->memb_constraints : NULL;
	if (check != NULL)
		return check;
	s = find(types, n_types, td);
	return s != NULL ? s->check : td->check_constraints;
}
