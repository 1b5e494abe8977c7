/*
 * libFuzzer target for the GP certificate decoder and the card side of key establishment
 * (STORE DATA #1 and #2 data fields). Besides "never crash" it checks that a certificate that
 * decodes from minimal-length (DER) bytes re-encodes to the very same bytes, and that the
 * STORE DATA #2 parser only points inside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card/gpcert.h"
#include "card/keyest.h"
#include "core/tlv.h"

static m2m_eckey *ci, *ecasd, *off;

static void setup(void)
{
	if (ci != NULL)
		return;
	if (m2m_ec_generate(M2M_CURVE_P256, &ci) != M2M_OK ||
	    m2m_ec_generate(M2M_CURVE_P256, &ecasd) != M2M_OK ||
	    m2m_ec_generate(M2M_CURVE_P256, &off) != M2M_OK)
		abort();
}

static bool inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return p >= data && n <= size && (size_t)(p - data) <= size - n;
}

static void cert_roundtrip(const uint8_t *data, size_t size)
{
	m2m_gpcert c;
	m2m_buf again;

	if (m2m_gpcert_decode(data, size, &c, NULL) != M2M_OK)
		return;
	if (m2m_tlv_validate(data, size, M2M_TLV_DER, NULL) != M2M_OK)
		return;
	m2m_buf_init(&again);
	if (m2m_gpcert_encode(&c, &again) != M2M_OK || again.len != size ||
	    memcmp(again.data, data, size) != 0)
		abort();
	m2m_buf_free(&again);
}

static void sd2_parse(const uint8_t *data, size_t size)
{
	m2m_keyest_sd2_msg m;

	if (m2m_keyest_sd2_parse(data, size, &m) != M2M_OK)
		return;
	if (!inside(m.a6, m.a6_len, data, size) || !inside(m.epk, m.epk_len, data, size) ||
	    !inside(m.sig, M2M_EC_SIG_SIZE, data, size) || m.signed_part != data ||
	    m.signed_len > size)
		abort();
}

/* The card functions as an eUICC would call them; a pending RC lets #2 run its checks. */
static void card(const uint8_t *data, size_t size)
{
	m2m_keyest_card c;
	m2m_keyest_keys keys;
	m2m_buf resp;
	uint16_t sw = 0;
	uint8_t pt[M2M_EC_POINT_SIZE];

	m2m_buf_init(&resp);
	if (m2m_keyest_card_init(&c, ci, ecasd, M2M_GPCERT_TYPE_SMDP, 3) != M2M_OK)
		abort();
	if (m2m_keyest_card_sd1(&c, data, size, &resp, &sw) == M2M_OK || sw == 0x9000)
		abort(); /* nothing here is signed by this CI */
	if (m2m_ec_public_point(off, pt) != M2M_OK ||
	    m2m_ec_from_public(M2M_CURVE_P256, pt, sizeof pt, &c.pk_off) != M2M_OK)
		abort();
	c.rc_pending = true;
	if (m2m_keyest_card_sd2(&c, data, size, &resp, &keys, &sw) == M2M_OK || sw == 0x9000)
		abort();
	if (resp.len != 0 || c.pk_off != NULL || c.rc_pending)
		abort();
	m2m_keyest_card_wipe(&c);
	m2m_buf_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_eckey *key = NULL;
	m2m_curve cv = M2M_CURVE_P256;

	setup();
	cert_roundtrip(data, size);
	if (m2m_gpcert_verify(data, size, ci, NULL, NULL) == M2M_OK)
		abort();
	sd2_parse(data, size);
	card(data, size);
	if (m2m_gp_pubkey_decode(data, size, &cv, &key, NULL) == M2M_OK && key == NULL)
		abort();
	m2m_ec_free(key);
	return 0;
}
