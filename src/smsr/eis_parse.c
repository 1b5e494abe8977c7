/* Parsing an Eis element (eis_xml.h): EumSignedInfo, the signature's canonical forms, the
 * SM-SR part and the checks across elements. */
#include <string.h>

#include "smsr/eis_dsig.h"
#include "smsr/eis_int.h"
#include "smsr/eis_xml.h"

#define MEMORY_MAX ((uint64_t)INT64_MAX)

static m2m_err parse_caps(const m2m_eis_rd *r, const m2m_ws_node *n, m2m_eis_caps *c)
{
	m2m_err err = m2m_eis_rd_bool(r, n, "CattpSupport", &c->cattp);

	if (err == M2M_OK)
		err = m2m_eis_rd_version(r, n, "CattpVersion", false, c->cattp_version,
					 sizeof c->cattp_version);
	if (err == M2M_OK)
		err = m2m_eis_rd_bool(r, n, "HttpSupport", &c->http);
	if (err == M2M_OK)
		err = m2m_eis_rd_version(r, n, "HttpVersion", false, c->http_version,
					 sizeof c->http_version);
	if (err == M2M_OK)
		err = m2m_eis_rd_version(r, n, "SecurePacketVersion", true,
					 c->secure_packet_version, sizeof c->secure_packet_version);
	if (err == M2M_OK)
		err = m2m_eis_rd_version(r, n, "RemoteProvisioningVersion", true, c->rsp_version,
					 sizeof c->rsp_version);
	return err;
}

/* A required child element, refused as missing. */
static m2m_err child(const m2m_eis_rd *r, const m2m_ws_node *n, const char *name,
		     const m2m_ws_node **out)
{
	*out = m2m_ws_find(n, name);
	return *out != NULL ? M2M_OK : m2m_eis_rd_fail(r, name, "is missing");
}

static m2m_err parse_eid(const m2m_eis_rd *r, const m2m_ws_node *si, m2m_eis *e)
{
	uint8_t eid[32];
	size_t len;
	m2m_err err = m2m_eis_rd_hex(r, si, "Eid", true, 0, sizeof eid, eid, &len, NULL);

	if (err != M2M_OK)
		return err;
	if (len != M2M_EIS_EID_SIZE)
		return m2m_eis_rd_fail(r, "Eid", "has %zu bytes: an EID is 16", len);
	m2m_eis_hex(eid, len, e->eid);
	return M2M_OK;
}

static m2m_err parse_signed_info(const m2m_eis_rd *r, const m2m_ws_node *si, m2m_eis *e)
{
	const m2m_ws_node *n;
	m2m_eis_rd sub;
	time_t t;
	m2m_err err = parse_eid(r, si, e);

	if (err == M2M_OK)
		err = m2m_eis_rd_oid(r, si, "Eum-id", true, e->eum_id, sizeof e->eum_id);
	if (err == M2M_OK)
		err = m2m_eis_rd_time(r, si, "ProductionDate", true, &t, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_text(r, si, "ProductionDate", true, e->production_date,
				      sizeof e->production_date);
	if (err == M2M_OK)
		err = m2m_eis_rd_text(r, si, "PlatformType", true, e->platform_type,
				      sizeof e->platform_type);
	if (err == M2M_OK)
		err = m2m_eis_rd_version(r, si, "PlatformVersion", true, e->platform_version,
					 sizeof e->platform_version);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, si, "Isd-p-loadfile-aid", true, M2M_EIS_AID_MIN,
				     M2M_EIS_AID_MAX, e->isdp_loadfile_aid,
				     &e->isdp_loadfile_aid_len, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_hex(r, si, "Isd-p-module-aid", true, M2M_EIS_AID_MIN,
				     M2M_EIS_AID_MAX, e->isdp_module_aid, &e->isdp_module_aid_len,
				     NULL);
	if (err == M2M_OK && (err = child(r, si, "Ecasd", &n)) == M2M_OK) {
		m2m_eis_rd_sub(r, &sub, M2M_WS_SUBJ_ECASD_CERT, "Ecasd", -1);
		err = m2m_eis_parse_sd(&sub, n, "ECASD", &e->ecasd);
	}
	if (err == M2M_OK && (err = child(r, si, "EuiccCapabilities", &n)) == M2M_OK) {
		m2m_eis_rd_sub(r, &sub, NULL, "EuiccCapabilities", -1);
		err = parse_caps(&sub, n, &e->caps);
	}
	return err;
}

/* The ECASD holds certificates and the CI's public key, never a secret for the SM-SR. */
static m2m_err check_ecasd(const m2m_eis_rd *r, const m2m_eis_sd *sd)
{
	for (size_t i = 0; i < sd->nkeysets; i++)
		if (sd->keysets[i].nkeys > 0)
			return m2m_eis_refuse(r->st, M2M_ERR_FORMAT, M2M_WS_SUBJ_ECASD_CERT,
					      M2M_WS_REASON_INVALID,
					      "Eis/EumSignedInfo/Ecasd key set %u carries a key: an "
					      "ECASD lists only certificates", sd->keysets[i].version);
	return M2M_OK;
}

static m2m_err parse_profiles(const m2m_eis_rd *r, const m2m_ws_node *eis, m2m_eis *e)
{
	size_t count = m2m_ws_count(eis, "ProfileInfo");
	m2m_err err = M2M_OK;

	for (size_t i = 0; i < count && err == M2M_OK; i++) {
		m2m_eis_profile *p;
		m2m_eis_rd sub;

		if ((err = m2m_eis_add_profile(e, &p)) != M2M_OK)
			return err == M2M_ERR_BOUNDS ?
				       m2m_eis_rd_fail(r, "ProfileInfo", "too many profiles") :
				       err;
		m2m_eis_rd_sub(r, &sub, M2M_WS_SUBJ_PROFILE, "ProfileInfo", (int)i);
		err = m2m_eis_parse_profile(&sub, m2m_ws_find_nth(eis, "ProfileInfo", i), p);
	}
	return err;
}

/* What the schema cannot say about the profiles together. */
static m2m_err check_profiles(const m2m_eis_rd *r, const m2m_eis *e)
{
	size_t enabled = 0, fallback = 0;

	for (size_t i = 0; i < e->nprofiles; i++) {
		const m2m_eis_profile *p = &e->profiles[i];

		enabled += p->state == M2M_STORE_PROFILE_ENABLED;
		fallback += p->fallback;
		for (size_t j = 0; j < i; j++) {
			const m2m_eis_profile *q = &e->profiles[j];

			if (strcmp(p->iccid, q->iccid) == 0)
				return m2m_eis_rd_fail(r, "Iccid", "%s appears in two profiles",
						       p->iccid);
			if (p->isdp_aid_len == q->isdp_aid_len &&
			    memcmp(p->isdp_aid, q->isdp_aid, p->isdp_aid_len) == 0)
				return m2m_eis_rd_fail(r, "Isd-p-aid",
						       "of profile %s is also that of %s",
						       p->iccid, q->iccid);
		}
	}
	if (enabled > 1)
		return m2m_eis_refuse(r->st, M2M_ERR_FORMAT, M2M_WS_SUBJ_PROFILE,
				      M2M_WS_REASON_INVALID, "Eis: %zu profiles are Enabled",
				      enabled);
	if (fallback > 1)
		return m2m_eis_refuse(r->st, M2M_ERR_FORMAT, M2M_WS_SUBJ_PROFILE,
				      M2M_WS_REASON_INVALID,
				      "Eis: %zu profiles carry the fall-back attribute", fallback);
	return M2M_OK;
}

static m2m_err parse_smsr_part(const m2m_eis_rd *r, const m2m_ws_node *eis, m2m_eis *e)
{
	const m2m_ws_node *n;
	m2m_eis_rd sub;
	m2m_err err = m2m_eis_rd_uint(r, eis, "RemainingMemory", true, MEMORY_MAX,
				      &e->remaining_memory, NULL);

	if (err == M2M_OK)
		err = m2m_eis_rd_uint(r, eis, "AvailableMemoryForProfiles", true, MEMORY_MAX,
				      &e->available_memory, NULL);
	if (err == M2M_OK)
		err = m2m_eis_rd_time(r, eis, "LastAuditDate", false, &e->last_audit,
				      &e->has_last_audit);
	if (err == M2M_OK)
		err = m2m_eis_rd_oid(r, eis, "Smsr-id", true, e->smsr_id, sizeof e->smsr_id);
	if (err == M2M_OK)
		err = parse_profiles(r, eis, e);
	if (err == M2M_OK)
		err = check_profiles(r, e);
	if (err == M2M_OK && (err = child(r, eis, "Isd-r", &n)) == M2M_OK) {
		m2m_eis_rd_sub(r, &sub, M2M_WS_SUBJ_ISDR, "Isd-r", -1);
		err = m2m_eis_parse_sd(&sub, n, "ISD-R", &e->isdr);
	}
	if (err == M2M_OK && (n = m2m_ws_find(eis, "AuditTrail")) != NULL) {
		e->has_audit_trail = true;
		m2m_eis_rd_sub(r, &sub, NULL, "AuditTrail", -1);
		err = m2m_eis_parse_audit(&sub, n, e);
	}
	if (err == M2M_OK && (n = m2m_ws_find(eis, "AdditionalProperties")) != NULL) {
		m2m_eis_rd_sub(r, &sub, NULL, "AdditionalProperties", -1);
		err = m2m_eis_parse_props(&sub, n, e);
	}
	return err;
}

/* Keeps the exclusive canonical forms of the signed part and of the signature. */
static m2m_err keep_signed(const m2m_eis_rd *r, const m2m_ws_node *si, const m2m_ws_node *sig,
			   m2m_eis *e)
{
	m2m_err err = m2m_dsig_c14n(si, true, NULL, &e->signed_info);

	if (err == M2M_OK)
		err = m2m_dsig_c14n(sig, true, NULL, &e->signature);
	if (err != M2M_OK)
		return m2m_eis_refuse(r->st, err, M2M_WS_SUBJ_EIS, M2M_WS_REASON_INVALID,
				      "Eis: the signed part cannot be canonicalised (%s)",
				      m2m_strerror(err));
	return M2M_OK;
}

m2m_err m2m_eis_parse(const m2m_ws_node *eis, m2m_eis *e, m2m_ws_exec_status *st)
{
	m2m_eis_rd r = {.st = st, .subj = M2M_WS_SUBJ_EIS, .where = "Eis"};
	const m2m_ws_node *si = NULL, *sig = NULL;
	m2m_eis_rd sub;
	m2m_err err = M2M_ERR_ARG;

	if (eis == NULL || e == NULL)
		return M2M_ERR_ARG;
	m2m_eis_clear(e);
	if ((err = child(&r, eis, "EumSignedInfo", &si)) != M2M_OK ||
	    (err = child(&r, eis, "EumSignature", &sig)) != M2M_OK)
		goto out;
	m2m_eis_rd_sub(&r, &sub, NULL, "EumSignedInfo", -1);
	if ((err = parse_signed_info(&sub, si, e)) != M2M_OK ||
	    (err = check_ecasd(&r, &e->ecasd)) != M2M_OK ||
	    (err = parse_smsr_part(&r, eis, e)) != M2M_OK)
		goto out;
	err = keep_signed(&r, si, sig, e);
out:
	if (err != M2M_OK)
		m2m_eis_clear(e);
	return err;
}
