/* The PLMA and ONC lists as store settings: read, write and check their fields
 * (docs/smsr-es4-more.md "Storage"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "smsr/smsr_es4_list.h"

bool smsr_list_field_ok(const char *s, size_t cap, bool spaces)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n >= cap)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || (c == ' ' && !spaces))
			return false;
	}
	return true;
}

m2m_err smsr_list_push(m2m_smsr_entry **arr, size_t *n, const char *a, const char *b,
		       unsigned bits)
{
	m2m_smsr_entry *grown = realloc(*arr, (*n + 1) * sizeof **arr);

	if (grown == NULL)
		return M2M_ERR_NOMEM;
	*arr = grown;
	memset(&grown[*n], 0, sizeof grown[*n]);
	snprintf(grown[*n].a, sizeof grown[*n].a, "%s", a);
	snprintf(grown[*n].b, sizeof grown[*n].b, "%s", b);
	grown[*n].bits = bits;
	(*n)++;
	return M2M_OK;
}

/* One line "A\tB[\tNOTIFICATIONS]" into the array; a malformed line is skipped (the list
 * is only written by smsr_list_write). */
static m2m_err parse_line(char *line, m2m_smsr_entry **out, size_t *n)
{
	char *a = line, *b = strchr(line, '\t'), *c;
	unsigned bits = 0;

	if (b == NULL)
		return M2M_OK;
	*b++ = '\0';
	c = strchr(b, '\t');
	if (c != NULL) {
		*c++ = '\0';
		if (m2m_smsr_onc_parse(c, &bits) != M2M_OK)
			return M2M_OK;
	}
	if (!smsr_list_field_ok(a, sizeof(*out)->a, false) ||
	    !smsr_list_field_ok(b, sizeof(*out)->b, true))
		return M2M_OK;
	return smsr_list_push(out, n, a, b, bits);
}

m2m_err smsr_list_read(m2m_store *st, const char *name, m2m_smsr_entry **out, size_t *n,
		       bool *found)
{
	char *text = malloc(M2M_SMSR_LIST_MAX + 1), *line, *save = NULL;
	m2m_err err;

	*out = NULL;
	*n = 0;
	*found = false;
	if (text == NULL)
		return M2M_ERR_NOMEM;
	err = m2m_store_setting_get(st, name, text, M2M_SMSR_LIST_MAX + 1);
	if (err == M2M_END) {
		err = M2M_OK;
		goto out;
	}
	if (err != M2M_OK)
		goto out;
	*found = true;
	for (line = strtok_r(text, "\n", &save); line != NULL && err == M2M_OK;
	     line = strtok_r(NULL, "\n", &save))
		err = parse_line(line, out, n);
	if (err != M2M_OK) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
out:
	free(text);
	return err;
}

m2m_err smsr_list_write(m2m_store *st, const char *name, const m2m_smsr_entry *e, size_t n,
			bool with_bits)
{
	m2m_buf b;
	char bits[96];
	m2m_err err = M2M_OK;

	m2m_buf_init(&b);
	for (size_t i = 0; i < n && err == M2M_OK; i++) {
		if (with_bits)
			m2m_smsr_onc_format(e[i].bits, bits, sizeof bits);
		char line[sizeof e->a + sizeof e->b + sizeof bits + 4];
		int k = snprintf(line, sizeof line, "%s\t%s%s%s\n", e[i].a, e[i].b,
				 with_bits ? "\t" : "", with_bits ? bits : "");
		err = m2m_buf_append(&b, line, (size_t)k);
	}
	if (err == M2M_OK && b.len > M2M_SMSR_LIST_MAX)
		err = M2M_ERR_BOUNDS;
	if (err == M2M_OK)
		err = m2m_buf_append_u8(&b, 0);
	if (err == M2M_OK)
		err = m2m_store_setting_put(st, name, (const char *)b.data);
	m2m_buf_free(&b);
	return err;
}
