/* Building SecurityDomainType (with the keys wrapped under the transport key) and the audit
 * trail of an Eis element. */
#include <string.h>

#include "core/buf.h"
#include "smsr/eis_int.h"
#include "smsr/eis_keys.h"

/* One Key: as received when still wrapped, else wrapped now with a fresh KCV. */
static m2m_err build_key(m2m_ws_msg *m, m2m_ws_node *ks, const m2m_eis_key *k,
			 const uint8_t *tk, size_t tk_len)
{
	uint8_t wire[M2M_EIS_KEY_WIRE_MAX], kcv[M2M_EIS_KCV_MAX];
	char hex[2 * M2M_EIS_KEY_WIRE_MAX + 1], type[3], kcv_hex[2 * M2M_EIS_KCV_MAX + 1];
	size_t len = k->len, kcv_len = k->kcv_len;
	m2m_ws_node *key, *kc;
	m2m_err err = M2M_OK;

	if (!k->wrapped && tk == NULL)
		return M2M_OK; /* no transport key: the value is left out */
	if (k->wrapped) {
		memcpy(wire, k->value, k->len);
		memcpy(kcv, k->kcv, k->kcv_len);
	} else {
		kcv_len = M2M_EIS_KCV_LEN;
		err = m2m_eis_kcv(k->type, k->value, k->len, kcv);
		if (err == M2M_OK)
			err = m2m_eis_key_wrap(tk, tk_len, k->value, k->len, wire, &len);
	}
	if (err == M2M_OK)
		err = m2m_ws_add(m, ks, "Key", NULL, &key);
	m2m_eis_hex(kcv, kcv_len, kcv_hex);
	m2m_eis_hex(&k->type, 1, type);
	m2m_eis_hex(wire, len, hex);
	if (err == M2M_OK)
		err = m2m_ws_set_attr(m, key, "kcv", kcv_hex);
	if (err == M2M_OK)
		err = m2m_ws_add_uint(m, key, "Index", k->index, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, key, "KeyComponents", NULL, &kc);
	if (err == M2M_OK)
		err = m2m_ws_set_attr(m, kc, "type", type);
	if (err == M2M_OK)
		err = m2m_ws_set_attr(m, kc, "value", hex);
	m2m_wipe(wire, sizeof wire);
	m2m_wipe(hex, sizeof hex);
	return err;
}

static m2m_err build_cert(m2m_ws_msg *m, m2m_ws_node *ks, const m2m_eis_cert *c)
{
	m2m_ws_node *n;
	m2m_err err = m2m_ws_add(m, ks, "Certificate", NULL, &n);

	if (err == M2M_OK)
		err = m2m_ws_add_uint(m, n, "Index", c->index, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "CaId", c->ca_id, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, n, "Value", c->value, c->len);
	return err;
}

static m2m_err build_keyset(m2m_ws_msg *m, m2m_ws_node *sd, const m2m_eis_keyset *ks,
			    const uint8_t *tk, size_t tk_len)
{
	m2m_ws_node *n;
	m2m_err err = m2m_ws_add(m, sd, "Keyset", NULL, &n);

	if (err == M2M_OK)
		err = m2m_ws_add_uint(m, n, "Version", ks->version, NULL);
	if (err == M2M_OK && ks->usage != M2M_EIS_KS_NONE)
		err = m2m_ws_add(m, n, "Type", m2m_eis_ks_usage_name(ks->usage), NULL);
	if (err == M2M_OK && ks->has_cntr)
		err = m2m_ws_add_uint(m, n, "Cntr", ks->cntr, NULL);
	for (size_t i = 0; i < ks->nkeys && err == M2M_OK; i++)
		err = build_key(m, n, &ks->keys[i], tk, tk_len);
	for (size_t i = 0; i < ks->ncerts && err == M2M_OK; i++)
		err = build_cert(m, n, &ks->certs[i]);
	return err;
}

m2m_err m2m_eis_build_sd(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			 const char *role, const m2m_eis_sd *sd, const uint8_t *tk, size_t tk_len)
{
	m2m_ws_node *n;
	m2m_err err = m2m_ws_add(m, parent, name, NULL, &n);

	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, n, "Aid", sd->aid, sd->aid_len);
	for (size_t i = 0; i < sd->ntars && err == M2M_OK; i++)
		err = m2m_eis_add_hex(m, n, "Tar", sd->tars[i], 3);
	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, n, "Sin", sd->sin, sd->sin_len);
	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, n, "Sdin", sd->sdin, sd->sdin_len);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "Role", role, NULL);
	for (size_t i = 0; i < sd->nkeysets && err == M2M_OK; i++)
		err = build_keyset(m, n, &sd->keysets[i], tk, tk_len);
	return err;
}

static m2m_err build_status(m2m_ws_msg *m, m2m_ws_node *rec, const m2m_ws_exec_status *s)
{
	m2m_ws_node *n, *d;
	m2m_err err = m2m_ws_add(m, rec, "OperationExecutionStatus", NULL, &n);

	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "Status", m2m_ws_status_name(s->status), NULL);
	if (err != M2M_OK || s->subject[0] == '\0')
		return err;
	err = m2m_ws_add(m, n, "StatusCodeData", NULL, &d);
	if (err == M2M_OK)
		err = m2m_ws_add(m, d, "Subject", s->subject, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, d, "Reason", s->reason, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, d, "SubjectIdentifier", s->subject_id);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, d, "Message", s->message);
	return err;
}

static m2m_err build_record(m2m_ws_msg *m, m2m_ws_node *trail, const m2m_eis_audit *a)
{
	m2m_ws_node *n;
	m2m_err err = m2m_ws_add(m, trail, "Record", NULL, &n);

	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "Eid", a->eid, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "Smsr-id", a->smsr_id, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_time(m, n, "OperationDate", a->date, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, n, "OperationType", a->op_type, 2);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, n, "RequesterId", a->requester_id);
	if (err == M2M_OK && a->has_status)
		err = build_status(m, n, &a->status);
	if (err == M2M_OK && a->isdp_aid_len > 0)
		err = m2m_eis_add_hex(m, n, "Isd-p-aid", a->isdp_aid, a->isdp_aid_len);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, n, "Iccid", a->iccid);
	if (err == M2M_OK && a->has_imei)
		err = m2m_eis_add_hex(m, n, "Imei", a->imei, a->imei_len);
	if (err == M2M_OK && a->has_meid)
		err = m2m_eis_add_hex(m, n, "Meid", a->meid, a->meid_len);
	return err;
}

m2m_err m2m_eis_build_audit(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eis *e)
{
	m2m_ws_node *n;
	m2m_err err;

	if (!e->has_audit_trail && e->naudit == 0)
		return M2M_OK;
	err = m2m_ws_add(m, eis, "AuditTrail", NULL, &n);
	for (size_t i = 0; i < e->naudit && err == M2M_OK; i++)
		err = build_record(m, n, &e->audit[i]);
	return err;
}
