/* A profile's personalisation values as the SM-DP keeps them (sealed by the store) and the
 * package personalised with them: decode the type's package, apply, validate, encode. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/validate.h"
#include "smdp/smdp_int.h"

/* "name=value\n" per field given; values are digits or hex, never a newline. */
m2m_err smdp_perso_encode(const m2m_saip_perso *p, m2m_buf *out)
{
	m2m_err err = M2M_OK;

	for (int f = 0; f < M2M_SAIP_F__COUNT && err == M2M_OK; f++) {
		const char *name = m2m_saip_field_name((m2m_saip_field)f);
		const char *v = p->value[f];
		if (v == NULL)
			continue;
		if (strchr(v, '\n') != NULL || strchr(v, '=') != NULL)
			return M2M_ERR_FORMAT;
		if ((err = m2m_buf_append(out, name, strlen(name))) == M2M_OK &&
		    (err = m2m_buf_append_u8(out, '=')) == M2M_OK &&
		    (err = m2m_buf_append(out, v, strlen(v))) == M2M_OK)
			err = m2m_buf_append_u8(out, '\n');
	}
	return err;
}

m2m_err smdp_perso_decode(const uint8_t *data, size_t n, m2m_saip_perso *p)
{
	char line[1200];
	size_t i = 0;
	m2m_err err = M2M_OK;

	while (i < n && err == M2M_OK) {
		size_t k = 0;
		while (i < n && data[i] != '\n' && k < sizeof line - 1)
			line[k++] = (char)data[i++];
		if (i < n && data[i] != '\n') {
			err = M2M_ERR_FORMAT;
			break;
		}
		i++;
		line[k] = '\0';
		char *eq = strchr(line, '=');
		int f;
		if (eq == NULL) {
			err = M2M_ERR_FORMAT;
			break;
		}
		*eq = '\0';
		f = m2m_saip_field_lookup(line);
		err = f < 0 ? M2M_ERR_FORMAT : m2m_saip_perso_set(p, (m2m_saip_field)f, eq + 1);
	}
	m2m_wipe(line, sizeof line);
	return err;
}

static void first_finding(void *ctx, const m2m_saip_finding *f)
{
	m2m_saip_error *e = ctx;

	if (e->msg[0] == '\0')
		snprintf(e->msg, sizeof e->msg, "element %zu: %s: %.120s", f->index, f->rule,
			 f->msg);
}

/* The tree lives in this function only: its nodes come from an arena (saip/asn1_alloc),
 * wiped at the end (it holds the profile's keys). */
m2m_err smdp_personalise(const uint8_t *pkg, size_t len, const m2m_saip_perso *p,
			 m2m_buf *out, char *msg, size_t cap)
{
	m2m_saip_pkg sp;
	m2m_saip_error e;
	m2m_asn1_arena a;
	m2m_err err;

	m2m_asn1_arena_init(&a);
	m2m_asn1_arena_begin(&a);
	memset(&e, 0, sizeof e);
	m2m_saip_pkg_init(&sp);
	if ((err = m2m_saip_decode(pkg, len, &sp, &e)) != M2M_OK) {
		snprintf(msg, cap, "the profile type's package does not decode: %s", e.msg);
		goto out;
	}
	if ((err = m2m_saip_personalise(&sp, p, &e)) != M2M_OK) {
		snprintf(msg, cap, "personalisation refused: %s", e.msg);
		goto out;
	}
	memset(&e, 0, sizeof e);
	if (m2m_saip_validate(&sp, first_finding, &e) != 0) {
		snprintf(msg, cap, "the personalised package does not validate: %s", e.msg);
		err = M2M_ERR_FORMAT;
		goto out;
	}
	if ((err = m2m_saip_encode(&sp, out)) != M2M_OK)
		snprintf(msg, cap, "the personalised package cannot be encoded");
out:
	m2m_saip_pkg_free(&sp);
	m2m_asn1_arena_end(&a);
	m2m_asn1_arena_release(&a);
	return err;
}
