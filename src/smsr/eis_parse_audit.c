/* Parsing ProfileInfo, AuditTrail records and AdditionalProperties. */
#include <stdio.h>
#include <string.h>

#include "smsr/eis_int.h"

#define MEMORY_MAX ((uint64_t)INT64_MAX)

/* POL2 rule (PROFILE, action, qualification) -> its M2M_POL2_* bit. */
static m2m_err pol2_bit(const char *action, const char *qual, uint32_t *bit)
{
	static const struct {
		const char *action, *qual;
		uint32_t bit;
	} rules[] = {
		{"ENABLE", "Not-Allowed", M2M_POL2_ENABLE_NOT_ALLOWED},
		{"DISABLE", "Not-Allowed", M2M_POL2_DISABLE_NOT_ALLOWED},
		{"DELETE", "Not-Allowed", M2M_POL2_DELETE_NOT_ALLOWED},
		{"ENABLE", "Auto-Delete", M2M_POL2_ENABLE_AUTO_DELETE},
		{"DISABLE", "Auto-Delete", M2M_POL2_DISABLE_AUTO_DELETE},
		{"DELETE", "Auto-Delete", M2M_POL2_DELETE_AUTO_DELETE},
	};

	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(action, rules[i].action) == 0 && strcmp(qual, rules[i].qual) == 0) {
			*bit = rules[i].bit;
			return M2M_OK;
		}
	return M2M_ERR_FORMAT;
}

static m2m_err parse_pol2(const m2m_eis_rd *r, const m2m_ws_node *n, uint32_t *pol2)
{
	size_t count = m2m_ws_count(n, "Rule");
	m2m_err err = M2M_OK;

	*pol2 = 0;
	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		const m2m_ws_node *rule = m2m_ws_find_nth(n, "Rule", i);
		char subject[16], action[16], qual[16];
		uint32_t bit = 0;
		m2m_eis_rd sub;

		m2m_eis_rd_sub(r, &sub, M2M_WS_SUBJ_POL2, "Rule", (int)i);
		if ((err = m2m_eis_rd_text(&sub, rule, "Subject", true, subject, sizeof subject)) ||
		    (err = m2m_eis_rd_text(&sub, rule, "Action", true, action, sizeof action)) ||
		    (err = m2m_eis_rd_text(&sub, rule, "Qualification", true, qual, sizeof qual)))
			return err;
		if (strcmp(subject, "PROFILE") != 0)
			return m2m_eis_rd_fail(&sub, "Subject", "'%s' is not PROFILE", subject);
		if (pol2_bit(action, qual, &bit) != M2M_OK)
			return m2m_eis_rd_fail(&sub, "Action", "'%s' with '%s' is not a POL2 rule",
					       action, qual);
		*pol2 |= bit;
	}
	return err;
}

static m2m_err parse_address(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_profile *p)
{
	m2m_err err = m2m_eis_rd_text(r, n, "Imsi", false, p->imsi, sizeof p->imsi);

	if (err == M2M_OK && !m2m_eis_digits_ok(p->imsi, 0, 15))
		err = m2m_eis_rd_fail(r, "Imsi", "must be up to 15 digits");
	if (err == M2M_OK)
		err = m2m_eis_rd_text(r, n, "Msisdn", false, p->msisdn, sizeof p->msisdn);
	if (err == M2M_OK && p->msisdn[0] != '\0' && !m2m_eis_digits_ok(p->msisdn, 3, 15))
		err = m2m_eis_rd_fail(r, "Msisdn", "must be 3 to 15 digits");
	return err;
}

m2m_err m2m_eis_parse_profile(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_profile *p)
{
	const m2m_ws_node *c = NULL;
	char state[16];
	m2m_err err = m2m_eis_rd_text(r, n, "Iccid", true, p->iccid, sizeof p->iccid);

	if (err == M2M_OK && !m2m_eis_iccid_ok(p->iccid))
		return m2m_eis_rd_fail(r, "Iccid", "'%s' is not an ICCID", p->iccid);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, n, "Isd-p-aid", true, M2M_EIS_AID_MIN, M2M_EIS_AID_MAX,
				     p->isdp_aid, &p->isdp_aid_len, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_oid(r, n, "Mno-id", true, p->mno_id, sizeof p->mno_id);
	if (err == M2M_OK)
		err = m2m_eis_rd_bool(r, n, "FallbackAttribute", &p->fallback);
	if (err == M2M_OK && (c = m2m_ws_find(n, "SubscriptionAddress")) == NULL)
		return m2m_eis_rd_fail(r, "SubscriptionAddress", "is missing");
	if (err == M2M_OK)
		err = parse_address(r, c, p);
	if (err == M2M_OK)
		err = m2m_eis_rd_text(r, n, "State", true, state, sizeof state);
	if (err == M2M_OK && m2m_eis_state_parse(state, &p->state) != M2M_OK)
		return m2m_eis_rd_fail(r, "State", "'%s' is not Created, Disabled or Enabled",
				       state);
	if (err == M2M_OK)
		err = m2m_eis_rd_oid(r, n, "Smdp-id", false, p->smdp_id, sizeof p->smdp_id);
	if (err == M2M_OK)
		err = m2m_eis_rd_text(r, n, "ProfileType", false, p->profile_type,
				      sizeof p->profile_type);
	if (err == M2M_OK)
		err = m2m_eis_rd_uint(r, n, "AllocatedMemory", true, MEMORY_MAX,
				      &p->allocated_memory, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_uint(r, n, "FreeMemory", false, MEMORY_MAX, &p->free_memory,
				      &p->has_free_memory);
	if (err == M2M_OK && (c = m2m_ws_find(n, "pol2")) == NULL)
		return m2m_eis_rd_fail(r, "pol2", "is missing");
	if (err == M2M_OK)
		err = parse_pol2(r, c, &p->pol2);
	return err;
}

static m2m_err parse_status(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_ws_exec_status *s)
{
	const m2m_ws_node *scd = m2m_ws_find(n, "StatusCodeData");
	char text[32];
	m2m_err err = m2m_eis_rd_text(r, n, "Status", true, text, sizeof text);

	if (err == M2M_OK && m2m_ws_status_parse(text, &s->status) != M2M_OK)
		return m2m_eis_rd_fail(r, "Status", "'%s' is not a status", text);
	if (err != M2M_OK || scd == NULL)
		return err;
	if ((err = m2m_eis_rd_oid(r, scd, "Subject", true, s->subject, sizeof s->subject)) ||
	    (err = m2m_eis_rd_oid(r, scd, "Reason", true, s->reason, sizeof s->reason)) ||
	    (err = m2m_eis_rd_text(r, scd, "SubjectIdentifier", false, s->subject_id,
				   sizeof s->subject_id)))
		return err;
	return m2m_eis_rd_text(r, scd, "Message", false, s->message, sizeof s->message);
}

static m2m_err parse_record(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_audit *a)
{
	const m2m_ws_node *st;
	uint8_t eid[32];
	size_t len;
	m2m_err err = m2m_eis_rd_hex(r, n, "Eid", true, 0, sizeof eid, eid, &len, NULL);

	if (err == M2M_OK)
		m2m_eis_hex(eid, len, a->eid);
	if (err == M2M_OK)
		err = m2m_eis_rd_oid(r, n, "Smsr-id", true, a->smsr_id, sizeof a->smsr_id);
	if (err == M2M_OK)
		err = m2m_eis_rd_time(r, n, "OperationDate", true, &a->date, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, n, "OperationType", true, 2, 2, a->op_type, &len, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_oid(r, n, "RequesterId", false, a->requester_id,
				     sizeof a->requester_id);
	if (err == M2M_OK && (st = m2m_ws_find(n, "OperationExecutionStatus")) != NULL) {
		a->has_status = true;
		err = parse_status(r, st, &a->status);
	}
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, n, "Isd-p-aid", false, M2M_EIS_AID_MIN, M2M_EIS_AID_MAX,
				     a->isdp_aid, &a->isdp_aid_len, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_text(r, n, "Iccid", false, a->iccid, sizeof a->iccid);
	if (err == M2M_OK && a->iccid[0] != '\0' && !m2m_eis_iccid_ok(a->iccid))
		err = m2m_eis_rd_fail(r, "Iccid", "'%s' is not an ICCID", a->iccid);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, n, "Imei", false, 0, M2M_EIS_IMEI_MAX, a->imei,
				     &a->imei_len, &a->has_imei);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, n, "Meid", false, 0, M2M_EIS_IMEI_MAX, a->meid,
				     &a->meid_len, &a->has_meid);
	return err;
}

m2m_err m2m_eis_parse_audit(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis *e)
{
	size_t count = m2m_ws_count(n, "Record");
	m2m_err err = M2M_OK;

	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		m2m_eis_audit *a;
		m2m_eis_rd sub;

		if ((err = m2m_eis_add_audit(e, &a)) != M2M_OK)
			return err == M2M_ERR_BOUNDS ?
				       m2m_eis_rd_fail(r, "Record", "too many records") :
				       err;
		m2m_eis_rd_sub(r, &sub, NULL, "Record", (int)i);
		err = parse_record(&sub, m2m_ws_find_nth(n, "Record", i), a);
	}
	return err;
}

m2m_err m2m_eis_parse_props(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis *e)
{
	size_t count = m2m_ws_count(n, "Property");
	m2m_err err = M2M_OK;

	if (count == 0)
		return m2m_eis_rd_fail(r, "Property", "is missing");
	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		const m2m_ws_node *p = m2m_ws_find_nth(n, "Property", i);
		const char *key = m2m_ws_node_attr(p, "key"), *value = m2m_ws_node_attr(p, "value");
		m2m_eis_rd sub;

		m2m_eis_rd_sub(r, &sub, NULL, "Property", (int)i);
		if (key == NULL || key[0] == '\0')
			return m2m_eis_rd_fail(&sub, "@key", "is missing or empty");
		if (value == NULL)
			return m2m_eis_rd_fail(&sub, "@value", "is missing");
		err = m2m_eis_add_property(e, key, value);
		if (err == M2M_ERR_BOUNDS)
			return m2m_eis_rd_fail(r, "Property", "too many properties");
	}
	return err;
}
