/* A device of `devices list --json` as an EIS (eis_device.h). */
#include "smsr/eis_device.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "ws/msg.h"

/* SGP.02 Annex H (sgp02-facts.md 2.1). */
static const uint8_t isdr_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				     0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
static const uint8_t ecasd_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				      0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};
static const uint8_t elf_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0D, 0x00};
static const uint8_t module_aid[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				       0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x0E, 0x00};

static m2m_err bad(char *why, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static m2m_err bad(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return M2M_ERR_FORMAT;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* A non-negative integer member; -1 when absent or not one. */
static long long num(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) && json_integer_value(v) >= 0 ? json_integer_value(v) : -1;
}

static m2m_err key_of(const json_t *k, uint8_t kvn, m2m_eis_key *out, char *why, size_t cap)
{
	const char *type = str(k, "type"), *value = str(k, "value");
	long long id = num(k, "id");

	if (type == NULL || id < 0 || id > 127)
		return bad(why, cap, "key set %02X: a key without id or type", kvn);
	if (value == NULL)
		return bad(why, cap, "key set %02X key %lld: no value (use devices list --json)",
			   kvn, id);
	if (strcmp(type, "aes") == 0)
		out->type = M2M_EIS_KEYTYPE_AES;
	else if (strcmp(type, "psk-tls") == 0)
		out->type = M2M_EIS_KEYTYPE_PSK_TLS;
	else
		return bad(why, cap, "key set %02X key %lld: key type '%s'", kvn, id, type);
	if (m2m_hex_decode(value, out->value, M2M_EIS_KEY_MAX, &out->len) != M2M_OK ||
	    out->len == 0)
		return bad(why, cap, "key set %02X key %lld: the value is not 1-32 bytes of hex",
			   kvn, id);
	out->index = (uint8_t)id;
	out->wrapped = false;
	return M2M_OK;
}

static m2m_err keyset_of(const json_t *j, m2m_eis_keyset *ks, bool *http, char *why,
			 size_t cap)
{
	const char *kind = str(j, "kind");
	const json_t *keys = json_object_get(j, "keys"), *k;
	long long kvn = num(j, "kvn"), counter = num(j, "counter");
	size_t i;
	m2m_err err = M2M_OK;

	if (kind == NULL || kvn < 1 || kvn > 127 || !json_is_array(keys))
		return bad(why, cap, "an ISD-R key set without kvn, kind or keys");
	ks->version = (uint8_t)kvn;
	if (strcmp(kind, "scp80") == 0) {
		ks->usage = M2M_EIS_KS_SCP80;
		ks->has_cntr = true;
		ks->cntr = counter > 0 ? (uint64_t)counter : 0;
	} else if (strcmp(kind, "scp81") == 0) {
		ks->usage = M2M_EIS_KS_SCP81;
		*http = true;
	} else {
		return bad(why, cap, "key set %02llX: kind '%s'", kvn, kind);
	}
	if (json_array_size(keys) > M2M_EIS_KEYS_MAX)
		return bad(why, cap, "key set %02llX: more than %d keys", kvn, M2M_EIS_KEYS_MAX);
	json_array_foreach(keys, i, k) {
		if ((err = key_of(k, ks->version, &ks->keys[i], why, cap)) != M2M_OK)
			return err;
		ks->nkeys = i + 1;
	}
	return err;
}

static m2m_err state_of(const char *s, m2m_store_profile_state *st)
{
	if (s == NULL)
		return M2M_ERR_FORMAT;
	if (strcmp(s, "enabled") == 0)
		*st = M2M_STORE_PROFILE_ENABLED;
	else if (strcmp(s, "disabled") == 0)
		*st = M2M_STORE_PROFILE_DISABLED;
	else if (strcmp(s, "personalized") == 0 || strcmp(s, "selectable") == 0 ||
		 strcmp(s, "installed") == 0)
		*st = M2M_STORE_PROFILE_CREATED;
	else
		return M2M_ERR_FORMAT;
	return M2M_OK;
}

static m2m_err profile_of(const json_t *j, const m2m_eis_device_opts *o, const char *msisdn,
			  m2m_eis *e, char *why, size_t cap)
{
	const char *aid = str(j, "aid"), *iccid = str(j, "iccid");
	long long reserved = num(j, "mem_reserved"), used = num(j, "mem_used");
	m2m_eis_profile *p;
	m2m_err err;

	if (iccid == NULL)
		return M2M_OK; /* an ISD-P without a profile has no ProfileInfo */
	if ((err = m2m_eis_add_profile(e, &p)) != M2M_OK)
		return err;
	if (aid == NULL || m2m_hex_decode(aid, p->isdp_aid, sizeof p->isdp_aid,
					  &p->isdp_aid_len) != M2M_OK || p->isdp_aid_len < 5)
		return bad(why, cap, "an ISD-P without a valid aid");
	if (state_of(str(j, "state"), &p->state) != M2M_OK)
		return bad(why, cap, "ISD-P %s: state '%s'", aid, str(j, "state"));
	if (strlen(iccid) >= sizeof p->iccid)
		return bad(why, cap, "ISD-P %s: ICCID too long", aid);
	snprintf(p->iccid, sizeof p->iccid, "%s", iccid);
	snprintf(p->mno_id, sizeof p->mno_id, "%s", o->mno_id);
	snprintf(p->profile_type, sizeof p->profile_type, "%s",
		 o->profile_type != NULL ? o->profile_type : "");
	p->fallback = json_is_true(json_object_get(j, "fallback"));
	/* The device's number belongs to the profile it runs on. */
	if (p->state == M2M_STORE_PROFILE_ENABLED)
		snprintf(p->msisdn, sizeof p->msisdn, "%s", msisdn);
	p->allocated_memory = reserved > 0 ? (uint64_t)reserved : 0;
	p->has_free_memory = reserved >= 0 && used >= 0 && used <= reserved;
	p->free_memory = p->has_free_memory ? (uint64_t)(reserved - used) : 0;
	return M2M_OK;
}

static m2m_err ecasd_of(const json_t *dev, const m2m_eis_device_opts *o, m2m_eis *e,
			char *why, size_t cap)
{
	const char *hex = str(json_object_get(dev, "ecasd"), "cert");
	m2m_eis_keyset *ks = &e->ecasd.keysets[0];
	m2m_eis_cert *c = &ks->certs[0];
	m2m_buf b;
	m2m_err err;

	memcpy(e->ecasd.aid, ecasd_aid, sizeof ecasd_aid);
	e->ecasd.aid_len = sizeof ecasd_aid;
	e->ecasd.nkeysets = 1;
	ks->version = M2M_EIS_ECASD_KVN;
	m2m_buf_init(&b);
	if (hex == NULL || m2m_hex_decode_buf(hex, &b) != M2M_OK || b.len == 0) {
		m2m_buf_free(&b);
		return bad(why, cap, "ecasd.cert is missing or not hex");
	}
	c->index = 1;
	snprintf(c->ca_id, sizeof c->ca_id, "%s", o->eum_id);
	err = m2m_eis_cert_set(c, b.data, b.len);
	ks->ncerts = err == M2M_OK;
	m2m_buf_free(&b);
	return err;
}

static m2m_err signed_part(const json_t *dev, const m2m_eis_device_opts *o, m2m_eis *e,
			   char *why, size_t cap)
{
	const char *eid = str(dev, "eid");
	uint8_t b[M2M_EIS_EID_SIZE];

	if (eid == NULL || m2m_hex_decode_exact(eid, b, sizeof b) != M2M_OK)
		return bad(why, cap, "eid is missing or not 32 hex digits");
	m2m_eis_hex(b, sizeof b, e->eid);
	snprintf(e->eum_id, sizeof e->eum_id, "%s", o->eum_id);
	m2m_ws_format_time(o->production, e->production_date, sizeof e->production_date);
	snprintf(e->platform_type, sizeof e->platform_type, "m2mrsp-soft-euicc");
	snprintf(e->platform_version, sizeof e->platform_version, "1.0.0");
	memcpy(e->isdp_loadfile_aid, elf_aid, sizeof elf_aid);
	e->isdp_loadfile_aid_len = sizeof elf_aid;
	memcpy(e->isdp_module_aid, module_aid, sizeof module_aid);
	e->isdp_module_aid_len = sizeof module_aid;
	snprintf(e->caps.secure_packet_version, sizeof e->caps.secure_packet_version, "13.0.0");
	snprintf(e->caps.rsp_version, sizeof e->caps.rsp_version, "3.1.0");
	return ecasd_of(dev, o, e, why, cap);
}

m2m_err m2m_eis_from_device(const json_t *dev, const m2m_eis_device_opts *o, m2m_eis *e,
			    char *why, size_t cap)
{
	const json_t *sets = json_object_get(dev, "isdr_keysets"), *isdps, *j;
	const char *msisdn = str(dev, "msisdn");
	long long total = num(dev, "mem_total"), free_mem = num(dev, "mem_free");
	size_t i;
	m2m_err err;

	m2m_eis_clear(e);
	if (!json_is_object(dev))
		return bad(why, cap, "a device is not a JSON object");
	if ((err = signed_part(dev, o, e, why, cap)) != M2M_OK)
		goto out;
	err = bad(why, cap, "isdr_keysets, isdps, mem_total or mem_free is missing");
	isdps = json_object_get(dev, "isdps");
	if (!json_is_array(sets) || !json_is_array(isdps) || total < 0 || free_mem < 0)
		goto out;
	if (json_array_size(sets) > M2M_EIS_KEYSETS_MAX) {
		err = bad(why, cap, "more than %d ISD-R key sets", M2M_EIS_KEYSETS_MAX);
		goto out;
	}
	if (msisdn != NULL && msisdn[0] == '+')
		msisdn++;
	memcpy(e->isdr.aid, isdr_aid, sizeof isdr_aid);
	e->isdr.aid_len = sizeof isdr_aid;
	err = M2M_OK;
	json_array_foreach(sets, i, j) {
		if ((err = keyset_of(j, &e->isdr.keysets[i], &e->caps.http, why, cap)) != M2M_OK)
			goto out;
		e->isdr.nkeysets = i + 1;
	}
	if (e->caps.http)
		snprintf(e->caps.http_version, sizeof e->caps.http_version, "1.1.0");
	json_array_foreach(isdps, i, j)
		if ((err = profile_of(j, o, msisdn != NULL ? msisdn : "", e, why, cap)) != M2M_OK)
			goto out;
	e->remaining_memory = (uint64_t)free_mem;
	e->available_memory = (uint64_t)total;
	snprintf(e->smsr_id, sizeof e->smsr_id, "%s", o->smsr_id);
out:
	if (err != M2M_OK)
		m2m_eis_clear(e);
	return err;
}
