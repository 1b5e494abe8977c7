/* Where an ES3.SendData's Data goes (docs/smsr.md "ES3.SendData"): the ISD-R for key
 * establishment, the ISD-P for other C-APDU scripts or SCP03t TLVs. */
#include "card/script.h"
#include "core/tlv.h"
#include "smsr/smsr_es8_route.h"
#include "smsr/smsr_int.h"

/* The first C-APDU opens key establishment with the ISD-R: INSTALL [for personalization]
 * (80 E6 20) or STORE DATA (80 E2) whose data starts with DGI 3A01 / 3A02. */
static bool for_isdr(const uint8_t *apdu, size_t n)
{
	if (n < 4 || apdu[0] != 0x80)
		return false;
	if (apdu[1] == 0xE6 && apdu[2] == 0x20)
		return true;
	return apdu[1] == 0xE2 && n >= 7 && apdu[5] == 0x3A &&
	       (apdu[6] == 0x01 || apdu[6] == 0x02);
}

static bool is_scp03t_tag(uint32_t tag)
{
	return tag >= 0x84 && tag <= 0x87;
}

static bool is_script_tag(uint32_t tag)
{
	return tag == M2M_SCRIPT_TAG_CAPDU || tag == M2M_SCRIPT_TAG_IMMEDIATE ||
	       tag == M2M_SCRIPT_TAG_ERROR_ACTION || tag == M2M_SCRIPT_TAG_CHAINING;
}

const char *smsr_es8_unwrap(const uint8_t *d, size_t n, const uint8_t **in, size_t *in_len)
{
	m2m_tlv t;

	if (m2m_tlv_decode(d, n, M2M_TLV_BER, &t, NULL) != M2M_OK)
		return "Data: not a TLV";
	if (t.tag != M2M_SCRIPT_TAG_COMMAND && t.tag != M2M_SCRIPT_TAG_COMMAND_INDEF) {
		*in = d;
		*in_len = n;
		return NULL;
	}
	if (t.size != n)
		return "Data: bytes after the command script template";
	*in = t.value;
	*in_len = t.len;
	return NULL;
}

const char *smsr_es8_classify(const uint8_t *d, size_t n, int *route, m2m_script_chain *chain)
{
	const uint8_t *in = NULL;
	size_t in_len = 0, count = 0;
	const char *why = smsr_es8_unwrap(d, n, &in, &in_len);
	m2m_tlv_iter it;
	m2m_tlv t;
	m2m_err err;
	bool scp03t = false;

	*route = 0;
	*chain = M2M_CHAIN_NONE;
	if (why != NULL)
		return why;
	m2m_tlv_iter_init(&it, in, in_len, M2M_TLV_BER);
	while ((err = m2m_tlv_next(&it, &t)) == M2M_OK) {
		if (count++ == 0)
			scp03t = is_scp03t_tag(t.tag);
		if (scp03t ? !is_scp03t_tag(t.tag) : !is_script_tag(t.tag))
			return scp03t ? "Data: SCP03t TLVs (84-87) mixed with other tags"
				      : "Data: neither a C-APDU script (22) nor SCP03t TLVs (84-87)";
		if (t.tag == M2M_SCRIPT_TAG_CHAINING) {
			if (count != 1 || t.len != 1 || !m2m_script_chain_valid(t.value[0]))
				return "Data: chaining TLV (83) misplaced or with a bad value";
			*chain = (m2m_script_chain)t.value[0];
		} else if (t.tag == M2M_SCRIPT_TAG_CAPDU && *route == 0) {
			if (t.len < 4)
				return "Data: C-APDU shorter than its header";
			*route = for_isdr(t.value, t.len) ? SMSR_ROUTE_ISDR : SMSR_ROUTE_ISDP;
		}
	}
	if (err != M2M_END)
		return "Data: malformed TLV";
	if (scp03t)
		*route = SMSR_ROUTE_SCP03T;
	return *route != 0 ? NULL : "Data: no C-APDU and no SCP03t TLV";
}
