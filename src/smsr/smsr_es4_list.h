/* The PLMA and ONC lists as store settings (smsr_es4_plma.c, smsr_es4_onc.c): one setting
 * each, one entry a line, fields separated by a tab ("A\tB" or "A\tB\tNOTIFICATIONS"). */
#ifndef M2M_SMSR_SMSR_ES4_LIST_H
#define M2M_SMSR_SMSR_ES4_LIST_H

#include "smsr/smsr_plma.h"

/* The entries of setting name (*out NULL, *n 0 and *found false when it is not there). */
m2m_err smsr_list_read(m2m_store *st, const char *name, m2m_smsr_entry **out, size_t *n,
		       bool *found);
/* Writes the entries (with_bits: the third field, the ONC notifications). M2M_ERR_BOUNDS
 * when the list would be longer than M2M_SMSR_LIST_MAX. */
m2m_err smsr_list_write(m2m_store *st, const char *name, const m2m_smsr_entry *e, size_t n,
			bool with_bits);
/* Appends one entry to a heap array. */
m2m_err smsr_list_push(m2m_smsr_entry **arr, size_t *n, const char *a, const char *b,
		       unsigned bits);
/* A field: 1..cap-1 printable characters, no tab (spaces only if spaces). */
bool smsr_list_field_ok(const char *s, size_t cap, bool spaces);

#endif
