/* Building an Eis element from m2m_eis (eis_xml.h): the signed part, the SM-SR part and the
 * profiles. Security domains and the audit trail are in eis_build_sd.c. */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "smsr/eis_int.h"
#include "smsr/eis_xml.h"

m2m_err m2m_eis_add_hex(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			const uint8_t *p, size_t n)
{
	return m2m_ws_add_bytes(m, parent, name, p, n, NULL);
}

m2m_err m2m_eis_add_opt(m2m_ws_msg *m, m2m_ws_node *parent, const char *name,
			const char *text)
{
	return text[0] != '\0' ? m2m_ws_add(m, parent, name, text, NULL) : M2M_OK;
}

static m2m_err build_caps(m2m_ws_msg *m, m2m_ws_node *si, const m2m_eis_caps *c)
{
	m2m_ws_node *n;
	m2m_err err = m2m_ws_add(m, si, "EuiccCapabilities", NULL, &n);

	if (err == M2M_OK)
		err = m2m_ws_add_bool(m, n, "CattpSupport", c->cattp, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, n, "CattpVersion", c->cattp_version);
	if (err == M2M_OK)
		err = m2m_ws_add_bool(m, n, "HttpSupport", c->http, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, n, "HttpVersion", c->http_version);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "SecurePacketVersion", c->secure_packet_version, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "RemoteProvisioningVersion", c->rsp_version, NULL);
	return err;
}

m2m_err m2m_eis_build_signed_info(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eis *e,
				  m2m_ws_node **out)
{
	m2m_ws_node *si;
	m2m_err err = m2m_ws_add(m, eis, "EumSignedInfo", NULL, &si);

	if (err == M2M_OK)
		err = m2m_ws_add(m, si, "Eid", e->eid, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, si, "Eum-id", e->eum_id, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, si, "ProductionDate", e->production_date, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, si, "PlatformType", e->platform_type, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, si, "PlatformVersion", e->platform_version, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, si, "Isd-p-loadfile-aid", e->isdp_loadfile_aid,
				      e->isdp_loadfile_aid_len);
	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, si, "Isd-p-module-aid", e->isdp_module_aid,
				      e->isdp_module_aid_len);
	if (err == M2M_OK)
		err = m2m_eis_build_sd(m, si, "Ecasd", "ECASD", &e->ecasd, NULL, 0);
	if (err == M2M_OK)
		err = build_caps(m, si, &e->caps);
	if (err == M2M_OK && out != NULL)
		*out = si;
	return err;
}

/* An element kept in canonical form (EumSignedInfo, EumSignature), copied back under eis. */
static m2m_err add_canonical(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_buf *c14n)
{
	xmlDocPtr doc;
	m2m_err err;

	if (c14n->len > INT32_MAX)
		return M2M_ERR_BOUNDS;
	doc = xmlReadMemory((const char *)c14n->data, (int)c14n->len, NULL, "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL || doc->intSubset != NULL || xmlDocGetRootElement(doc) == NULL)
		err = M2M_ERR_FORMAT;
	else
		err = m2m_ws_add_copy(m, eis, xmlDocGetRootElement(doc), NULL);
	xmlFreeDoc(doc);
	return err;
}

static m2m_err build_pol2(m2m_ws_msg *m, m2m_ws_node *p, uint32_t pol2)
{
	static const struct {
		uint32_t bit;
		const char *action, *qual;
	} rules[] = {
		{M2M_POL2_ENABLE_NOT_ALLOWED, "ENABLE", "Not-Allowed"},
		{M2M_POL2_DISABLE_NOT_ALLOWED, "DISABLE", "Not-Allowed"},
		{M2M_POL2_DELETE_NOT_ALLOWED, "DELETE", "Not-Allowed"},
		{M2M_POL2_ENABLE_AUTO_DELETE, "ENABLE", "Auto-Delete"},
		{M2M_POL2_DISABLE_AUTO_DELETE, "DISABLE", "Auto-Delete"},
		{M2M_POL2_DELETE_AUTO_DELETE, "DELETE", "Auto-Delete"},
	};
	m2m_ws_node *n, *r;
	m2m_err err = m2m_ws_add(m, p, "pol2", NULL, &n);

	for (size_t i = 0; i < sizeof rules / sizeof rules[0] && err == M2M_OK; i++) {
		if (!(pol2 & rules[i].bit))
			continue;
		err = m2m_ws_add(m, n, "Rule", NULL, &r);
		if (err == M2M_OK)
			err = m2m_ws_add(m, r, "Subject", "PROFILE", NULL);
		if (err == M2M_OK)
			err = m2m_ws_add(m, r, "Action", rules[i].action, NULL);
		if (err == M2M_OK)
			err = m2m_ws_add(m, r, "Qualification", rules[i].qual, NULL);
	}
	return err;
}

static m2m_err build_profile(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eis_profile *p)
{
	const char *state = m2m_eis_state_name(p->state);
	m2m_ws_node *n, *a;
	m2m_err err = state != NULL ? m2m_ws_add(m, eis, "ProfileInfo", NULL, &n) : M2M_ERR_ARG;

	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "Iccid", p->iccid, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_hex(m, n, "Isd-p-aid", p->isdp_aid, p->isdp_aid_len);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "Mno-id", p->mno_id, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add_bool(m, n, "FallbackAttribute", p->fallback, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "SubscriptionAddress", NULL, &a);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, a, "Imsi", p->imsi);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, a, "Msisdn", p->msisdn);
	if (err == M2M_OK)
		err = m2m_ws_add(m, n, "State", state, NULL);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, n, "Smdp-id", p->smdp_id);
	if (err == M2M_OK)
		err = m2m_eis_add_opt(m, n, "ProfileType", p->profile_type);
	if (err == M2M_OK)
		err = m2m_ws_add_uint(m, n, "AllocatedMemory", p->allocated_memory, NULL);
	if (err == M2M_OK && p->has_free_memory)
		err = m2m_ws_add_uint(m, n, "FreeMemory", p->free_memory, NULL);
	if (err == M2M_OK)
		err = build_pol2(m, n, p->pol2);
	return err;
}

static m2m_err build_props(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eis *e)
{
	m2m_ws_node *n, *p;
	m2m_err err = e->nprops > 0 ? m2m_ws_add(m, eis, "AdditionalProperties", NULL, &n)
				    : M2M_OK;

	for (size_t i = 0; i < e->nprops && err == M2M_OK; i++) {
		err = m2m_ws_add(m, n, "Property", NULL, &p);
		if (err == M2M_OK)
			err = m2m_ws_set_attr(m, p, "key", e->props[i].key);
		if (err == M2M_OK)
			err = m2m_ws_set_attr(m, p, "value", e->props[i].value);
	}
	return err;
}

static m2m_err build_smsr_part(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eis *e,
			       const uint8_t *tk, size_t tk_len)
{
	m2m_err err = m2m_ws_add_uint(m, eis, "RemainingMemory", e->remaining_memory, NULL);

	if (err == M2M_OK)
		err = m2m_ws_add_uint(m, eis, "AvailableMemoryForProfiles", e->available_memory,
				      NULL);
	if (err == M2M_OK && e->has_last_audit)
		err = m2m_ws_add_time(m, eis, "LastAuditDate", e->last_audit, NULL);
	if (err == M2M_OK)
		err = m2m_ws_add(m, eis, "Smsr-id", e->smsr_id, NULL);
	for (size_t i = 0; i < e->nprofiles && err == M2M_OK; i++)
		err = build_profile(m, eis, &e->profiles[i]);
	if (err == M2M_OK)
		err = m2m_eis_build_sd(m, eis, "Isd-r", "ISD-R", &e->isdr, tk, tk_len);
	if (err == M2M_OK)
		err = m2m_eis_build_audit(m, eis, e);
	if (err == M2M_OK)
		err = build_props(m, eis, e);
	return err;
}

m2m_err m2m_eis_build(m2m_ws_msg *m, m2m_ws_node *parent, const m2m_eis *e,
		      const uint8_t *transport_key, size_t transport_key_len, m2m_ws_node **out)
{
	m2m_ws_node *eis;
	m2m_err err;

	if (m == NULL || e == NULL)
		return M2M_ERR_ARG;
	if ((err = m2m_ws_add(m, parent, "Eis", NULL, &eis)) != M2M_OK)
		return err;
	if (e->signed_info.len > 0)
		err = add_canonical(m, eis, &e->signed_info);
	else
		err = m2m_eis_build_signed_info(m, eis, e, NULL);
	if (err == M2M_OK && e->signature.len > 0)
		err = add_canonical(m, eis, &e->signature);
	if (err == M2M_OK)
		err = build_smsr_part(m, eis, e, transport_key, transport_key_len);
	if (err == M2M_OK && out != NULL)
		*out = eis;
	return err;
}
