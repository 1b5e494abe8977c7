/* ES8 helpers on top of euicc_fixture.h: key establishment for an ISD-P through the ISD-R,
 * the TS.48 package, an SM-DP SCP03t host with the established keys, a reference file tree
 * built from the package for comparisons. */
#ifndef ES8_FIXTURE_H
#define ES8_FIXTURE_H

#include "card/scp03t.h"
#include "euicc/isdp.h"
#include "euicc/uicc.h"
#include "euicc_fixture.h"
#include "saip/fs_build.h"
#include "saip/saip.h"

#define TS48 M2MRSP_SOURCE_DIR "/../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"
#define SEG 1007

static inline void es8_keyest(card *c, const char *aid_hex, m2m_scp03_keys *k)
{
	m2m_keyest_params p;
	m2m_keyest_host h;
	m2m_keyest_keys hk;
	m2m_buf apdu;
	uint8_t r[256];
	size_t rn = 0;
	char cmd[128];

	snprintf(cmd, sizeof cmd, "80E6200016000010%s00000000", aid_hex);
	assert_string_equal(fx_tx(c, cmd), "009000");
	m2m_keyest_params_isdp(&p, false);
	assert_int_equal(m2m_keyest_host_init(&h, &p), M2M_OK);
	m2m_buf_init(&apdu);
	assert_int_equal(m2m_keyest_sd1_apdu(c->cert_dp.data, c->cert_dp.len, &apdu), M2M_OK);
	assert_int_equal(m2m_hex_decode(fx_txb(c, apdu.data, apdu.len), r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_keyest_host_rc(&h, r, rn - 2), M2M_OK);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_keyest_host_sd2_apdu(&h, c->dp, c->ecasd_pub, &apdu), M2M_OK);
	assert_int_equal(m2m_hex_decode(fx_txb(c, apdu.data, apdu.len), r, sizeof r, &rn), M2M_OK);
	assert_int_equal(m2m_keyest_host_finish(&h, r, rn - 2, &hk), M2M_OK);
	assert_int_equal(hk.kvn, 0x30);
	assert_int_equal(m2m_scp03_keys_set(k, hk.key[0], hk.key[1], hk.key_len, hk.kvn), M2M_OK);
	m2m_keyest_keys_wipe(&hk);
	m2m_keyest_host_wipe(&h);
	m2m_buf_free(&apdu);
}

static inline void es8_read(m2m_buf *pkg)
{
	m2m_buf_init(pkg);
	assert_int_equal(m2m_saip_read_file(TS48, pkg), M2M_OK);
}

/* One command TLV to the ISD-P; the answer in out (reset first). */
static inline void es8_send(card *c, int idx, const m2m_buf *cmd, m2m_buf *out)
{
	m2m_buf_reset(out);
	assert_int_equal(m2m_euicc_isdp_scp03t(c->e, idx, cmd->data, cmd->len, out, &c->ev),
			 M2M_OK);
	assert_int_equal(m2m_euicc_check(c->e), M2M_OK);
	fx_roundtrip(c->e);
}

/* 84 and 85 with the established keys: the host is ready for segments. */
static inline void es8_open(card *c, int idx, const m2m_scp03_keys *k, m2m_scp03t_host *h)
{
	static const uint8_t chal[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	m2m_buf cmd, ans;

	m2m_buf_init(&cmd);
	m2m_buf_init(&ans);
	assert_int_equal(m2m_scp03t_host_init(h, k, 0x00, chal), M2M_OK);
	assert_int_equal(m2m_scp03t_host_iu(h, &cmd), M2M_OK);
	es8_send(c, idx, &cmd, &ans);
	assert_int_equal(ans.len, 2 + 0x20);
	assert_int_equal(ans.data[0], 0x84);
	m2m_buf_reset(&cmd);
	assert_int_equal(m2m_scp03t_host_auth(h, ans.data + 2, ans.len - 2, &cmd), M2M_OK);
	es8_send(c, idx, &cmd, &ans);
	assert_int_equal(ans.len, 2);
	assert_memory_equal(ans.data, "\x85\x00", 2);
	m2m_buf_free(&cmd);
	m2m_buf_free(&ans);
}

/* A card with ISD-P 13 created and keyed. */
static inline int es8_card(card *c, m2m_scp03_keys *k)
{
	assert_string_equal(fx_create(c, AID_13), "009000");
	es8_keyest(c, AID_13, k);
	return fx_idx(c, AID_13);
}

/* Sends the package's segments; returns the last answer (a protected 86 or an error). */
static inline void es8_segments(card *c, int idx, m2m_scp03t_host *h, const m2m_buf *pkg,
				m2m_buf *last)
{
	m2m_buf cmd;

	m2m_buf_init(&cmd);
	for (size_t off = 0; off < pkg->len; off += SEG) {
		size_t n = pkg->len - off < SEG ? pkg->len - off : SEG;

		m2m_buf_reset(&cmd);
		assert_int_equal(m2m_scp03t_host_segment(h, pkg->data + off, n, &cmd), M2M_OK);
		es8_send(c, idx, &cmd, last);
		if (!(last->len == 2 && last->data[0] == 0x86 && last->data[1] == 0x00))
			break;
	}
	m2m_buf_free(&cmd);
}

/* The reference tree the package builds (the values the card must serve). */
static inline void es8_ref(const m2m_buf *pkg, m2m_saip_fs *fs)
{
	m2m_saip_pkg p;
	m2m_saip_error err;

	m2m_saip_pkg_init(&p);
	m2m_saip_fs_init(fs);
	assert_int_equal(m2m_saip_decode(pkg->data, pkg->len, &p, &err), M2M_OK);
	assert_int_equal(m2m_saip_fs_build(&p, fs, &err), M2M_OK);
	m2m_saip_pkg_free(&p);
}

/* One C-APDU to the UICC; returns the R-APDU as hex. */
static inline const char *es8_uicc(card *c, const char *hex)
{
	uint8_t apdu[300];
	size_t n = 0;
	m2m_buf r;

	assert_int_equal(m2m_hex_decode(hex, apdu, sizeof apdu, &n), M2M_OK);
	m2m_buf_init(&r);
	assert_int_equal(m2m_euicc_uicc_apdu(c->e, apdu, n, &r), M2M_OK);
	assert_true(r.len >= 2 && r.len * 2 < sizeof c->out);
	m2m_hex_encode(r.data, r.len, c->out);
	m2m_buf_free(&r);
	return c->out;
}

/* The contents of a file of the reference tree as hex. */
static inline void es8_ref_hex(const m2m_saip_fs *fs, const char *path, size_t len, char *out)
{
	uint8_t b[256];
	const m2m_saip_fs_node *n = m2m_saip_fs_find(fs, path);

	assert_non_null(n);
	assert_true(len <= sizeof b);
	assert_int_equal(m2m_saip_fs_read_binary(n, 0, b, len), M2M_OK);
	m2m_hex_encode(b, len, out);
}

#endif
