/* Parsing SecurityDomainType (Ecasd, Isd-r): AID, TARs, SIN/SDIN, key sets with their keys
 * and certificates. */
#include <stdlib.h>
#include <string.h>

#include "smsr/eis_int.h"

#define KVN_MAX 127
#define KEY_INDEX_MAX 127

static m2m_err parse_key(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_key *k)
{
	const m2m_ws_node *kc = m2m_ws_find(n, "KeyComponents");
	uint8_t type[1];
	uint64_t index;
	size_t len;
	m2m_err err = m2m_eis_rd_uint(r, n, "Index", true, KEY_INDEX_MAX, &index, NULL);

	if (err != M2M_OK)
		return err;
	k->index = (uint8_t)index;
	if (kc == NULL)
		return m2m_eis_rd_fail(r, "KeyComponents", "is missing");
	if (m2m_ws_count(n, "KeyComponents") != 1)
		return m2m_eis_refuse(r->st, M2M_ERR_UNSUPPORTED, r->subj, M2M_WS_REASON_INVALID,
				      "%s: keys of several components are not supported",
				      r->where);
	if ((err = m2m_eis_rd_attr_hex(r, n, "kcv", M2M_EIS_KCV_MAX, k->kcv, &k->kcv_len)) !=
	    M2M_OK)
		return err;
	if ((err = m2m_eis_rd_attr_hex(r, kc, "type", 1, type, &len)) != M2M_OK)
		return err;
	if (len != 1)
		return m2m_eis_rd_fail(r, "KeyComponents/@type", "must be one byte");
	k->type = type[0];
	if ((err = m2m_eis_rd_attr_hex(r, kc, "value", M2M_EIS_KEY_WIRE_MAX, k->value, &k->len)) !=
	    M2M_OK)
		return err;
	if (k->len == 0)
		return m2m_eis_rd_fail(r, "KeyComponents/@value", "is empty");
	k->wrapped = true;
	return M2M_OK;
}

static m2m_err parse_cert(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_cert *c)
{
	uint8_t *buf = NULL;
	uint64_t index;
	size_t len;
	m2m_err err = m2m_eis_rd_uint(r, n, "Index", true, KEY_INDEX_MAX, &index, NULL);

	if (err == M2M_OK)
		err = m2m_eis_rd_oid(r, n, "CaId", true, c->ca_id, sizeof c->ca_id);
	if (err != M2M_OK)
		return err;
	c->index = (uint8_t)index;
	if ((buf = malloc(M2M_EIS_CERT_MAX)) == NULL)
		return M2M_ERR_NOMEM;
	err = m2m_eis_rd_hex(r, n, "Value", true, 1, M2M_EIS_CERT_MAX, buf, &len, NULL);
	if (err == M2M_OK)
		err = m2m_eis_cert_set(c, buf, len);
	free(buf);
	return err;
}

/* Key and Certificate children, in document order (an xs:choice). */
static m2m_err parse_items(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_keyset *ks)
{
	m2m_err err = M2M_OK;

	for (const m2m_ws_node *c = m2m_ws_first_child(n); c != NULL && err == M2M_OK;
	     c = m2m_ws_next(c)) {
		const char *name = m2m_ws_node_name(c);
		m2m_eis_rd sub;

		if (m2m_ws_node_is_ds(c))
			continue;
		if (strcmp(name, "Key") == 0) {
			if (ks->nkeys == M2M_EIS_KEYS_MAX)
				return m2m_eis_rd_fail(r, "Key", "more than %d keys in a key set",
						       M2M_EIS_KEYS_MAX);
			m2m_eis_rd_sub(r, &sub, NULL, "Key", (int)ks->nkeys);
			err = parse_key(&sub, c, &ks->keys[ks->nkeys++]);
		} else if (strcmp(name, "Certificate") == 0) {
			if (ks->ncerts == M2M_EIS_CERTS_MAX)
				return m2m_eis_rd_fail(r, "Certificate", "more than %d certificates",
						       M2M_EIS_CERTS_MAX);
			m2m_eis_rd_sub(r, &sub, NULL, "Certificate", (int)ks->ncerts);
			err = parse_cert(&sub, c, &ks->certs[ks->ncerts++]);
		}
	}
	for (size_t i = 0; i < ks->nkeys && err == M2M_OK; i++)
		for (size_t j = 0; j < i; j++)
			if (ks->keys[i].index == ks->keys[j].index)
				return m2m_eis_rd_fail(r, "Key", "index %u appears twice",
						       ks->keys[i].index);
	return err;
}

static m2m_err parse_keyset(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_keyset *ks)
{
	char type[32];
	uint64_t v;
	m2m_err err = m2m_eis_rd_uint(r, n, "Version", true, KVN_MAX, &v, NULL);

	if (err == M2M_OK && v == 0)
		err = m2m_eis_rd_fail(r, "Version", "must be 1 to 127");
	if (err != M2M_OK)
		return err;
	ks->version = (uint8_t)v;
	if ((err = m2m_eis_rd_text(r, n, "Type", false, type, sizeof type)) != M2M_OK)
		return err;
	if (type[0] != '\0' && m2m_eis_ks_usage_parse(type, &ks->usage) != M2M_OK)
		return m2m_eis_rd_fail(r, "Type", "'%s' is not a key set usage", type);
	err = m2m_eis_rd_uint(r, n, "Cntr", false, (uint64_t)INT64_MAX, &ks->cntr, &ks->has_cntr);
	if (err == M2M_OK)
		err = parse_items(r, n, ks);
	return err;
}

static m2m_err parse_tars(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_sd *sd)
{
	size_t count = m2m_ws_count(n, "Tar"), len;
	m2m_err err = M2M_OK;

	if (count > M2M_EIS_TARS_MAX)
		return m2m_eis_rd_fail(r, "Tar", "more than %d TARs", M2M_EIS_TARS_MAX);
	for (size_t i = 0; i < count && err == M2M_OK; i++)
		err = m2m_eis_rd_hex_of(r, m2m_ws_find_nth(n, "Tar", i), "Tar", 3, 3, sd->tars[i],
					&len);
	sd->ntars = count;
	return err;
}

m2m_err m2m_eis_parse_sd(const m2m_eis_rd *r, const m2m_ws_node *n, const char *role,
			 m2m_eis_sd *sd)
{
	char got[16];
	size_t count = m2m_ws_count(n, "Keyset");
	m2m_err err = m2m_eis_rd_hex(r, n, "Aid", true, M2M_EIS_AID_MIN, M2M_EIS_AID_MAX,
				     sd->aid, &sd->aid_len, NULL);

	if (err == M2M_OK)
		err = parse_tars(r, n, sd);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, n, "Sin", true, 0, M2M_EIS_SDIN_MAX, sd->sin, &sd->sin_len,
				     NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, n, "Sdin", true, 0, M2M_EIS_SDIN_MAX, sd->sdin,
				     &sd->sdin_len, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_text(r, n, "Role", true, got, sizeof got);
	if (err != M2M_OK)
		return err;
	if (strcmp(got, role) != 0)
		return m2m_eis_rd_fail(r, "Role", "is '%s', not %s", got, role);
	if (count == 0)
		return m2m_eis_rd_fail(r, "Keyset", "is missing");
	if (count > M2M_EIS_KEYSETS_MAX)
		return m2m_eis_refuse(r->st, M2M_ERR_UNSUPPORTED, r->subj, M2M_WS_REASON_INVALID,
				      "%s: more than %d key sets", r->where, M2M_EIS_KEYSETS_MAX);
	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		m2m_eis_rd sub;

		m2m_eis_rd_sub(r, &sub, NULL, "Keyset", (int)i);
		err = parse_keyset(&sub, m2m_ws_find_nth(n, "Keyset", i), &sd->keysets[i]);
		sd->nkeysets = i + 1;
		for (size_t j = 0; j < i && err == M2M_OK; j++)
			if (sd->keysets[j].version == sd->keysets[i].version)
				err = m2m_eis_rd_fail(r, "Keyset", "version %u appears twice",
						      sd->keysets[i].version);
	}
	return err;
}
