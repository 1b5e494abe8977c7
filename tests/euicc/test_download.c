/* ES8 profile download into an ISD-P: key establishment through the ISD-R, then the SM-DP
 * side of card/scp03t.h against m2m_euicc_isdp_scp03t; the profile is then enabled and
 * read through the UICC interface. Also SCP03 over APDUs (3A07) to the ISD-P. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "EUICCResponse.h"
#include "es8_fixture.h"

static const uint8_t OK_RESPONSE[] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};

static int setup(void **state)
{
	*state = fx_new();
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static void header_iccid(const m2m_buf *pkg, uint8_t iccid[10])
{
	m2m_saip_pkg p;
	m2m_saip_error err;

	m2m_saip_pkg_init(&p);
	assert_int_equal(m2m_saip_decode(pkg->data, pkg->len, &p, &err), M2M_OK);
	assert_int_equal(p.el[0].pe->present, ProfileElement_PR_header);
	assert_int_equal(p.el[0].pe->choice.header.iccid.size, 10);
	memcpy(iccid, p.el[0].pe->choice.header.iccid.buf, 10);
	m2m_saip_pkg_free(&p);
}

/* A card loaded from c's saved state. */
static m2m_euicc *reload(const m2m_euicc *e)
{
	m2m_buf b;
	m2m_euicc *l = NULL;

	m2m_buf_init(&b);
	assert_int_equal(m2m_euicc_save(e, &b), M2M_OK);
	assert_int_equal(m2m_euicc_load(b.data, b.len, &l), M2M_OK);
	m2m_buf_free(&b);
	return l;
}

/* An ISD-P left without a profile, which the SM-SR can delete. */
static void assert_deletable(m2m_euicc *e, int idx)
{
	uint8_t aid[16];

	memcpy(aid, e->isdp[idx].aid, 16);
	assert_int_equal(e->isdp[idx].lcs, M2M_EUICC_LCS_PERSONALIZED);
	assert_false(e->isdp[idx].has_profile);
	assert_int_equal(m2m_euicc_delete_isdp(e, aid, 16, NULL), 0x9000);
	assert_int_equal(m2m_euicc_find_isdp(e, aid, 16), -1);
	assert_int_equal(m2m_euicc_check(e), M2M_OK);
}

static void assert_iccid_served(card *c, const m2m_saip_fs *ref)
{
	char want[64], got[80];

	es8_ref_hex(ref, "3F00/2FE2", 10, want);
	assert_memory_equal(es8_uicc(c, "00A4000C022FE2"), "9000", 5);
	snprintf(got, sizeof got, "%s9000", want);
	assert_string_equal(es8_uicc(c, "00B000000A"), got);
}

static void test_full_download(void **state)
{
	card *c = *state;
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_buf pkg, ans, plain, cmd;
	m2m_saip_fs ref;
	uint8_t iccid[10];
	char want[64], got[80];
	int idx = es8_card(c, &k);
	m2m_euicc *mid;

	es8_read(&pkg);
	m2m_buf_init(&ans);
	m2m_buf_init(&plain);
	m2m_buf_init(&cmd);
	es8_open(c, idx, &k, &h);
	/* Three segments, then a save: the loaded card shows an ISD-P it can delete. */
	for (size_t off = 0; off < 3 * SEG; off += SEG) {
		m2m_buf_reset(&cmd);
		assert_int_equal(m2m_scp03t_host_segment(&h, pkg.data + off, SEG, &cmd), M2M_OK);
		es8_send(c, idx, &cmd, &ans);
		assert_int_equal(ans.len, 2);
		assert_memory_equal(ans.data, "\x86\x00", 2);
	}
	assert_int_equal(c->e->pkg[c->e->isdp[idx].pkg - 1].len, 3 * SEG);
	mid = reload(c->e);
	assert_int_equal(mid->isdp[idx].pkg != 0, true);
	assert_deletable(mid, idx);
	m2m_euicc_free(mid);
	/* The rest; the last answer is the protected EUICCResponse ok. */
	for (size_t off = 3 * SEG; off < pkg.len; off += SEG) {
		size_t n = pkg.len - off < SEG ? pkg.len - off : SEG;

		m2m_buf_reset(&cmd);
		assert_int_equal(m2m_scp03t_host_segment(&h, pkg.data + off, n, &cmd), M2M_OK);
		es8_send(c, idx, &cmd, &ans);
		if (off + n < pkg.len)
			assert_memory_equal(ans.data, "\x86\x00", 2);
	}
	assert_int_equal(ans.data[0], 0x86);
	assert_int_equal(m2m_scp03t_host_response(&h, ans.data, ans.len, &plain), M2M_OK);
	assert_int_equal(plain.len, sizeof OK_RESPONSE);
	assert_memory_equal(plain.data, OK_RESPONSE, sizeof OK_RESPONSE);
	/* DISABLED with the package's ICCID; its size is accounted. */
	header_iccid(&pkg, iccid);
	assert_int_equal(c->e->isdp[idx].lcs, M2M_EUICC_LCS_DISABLED);
	assert_true(c->e->isdp[idx].has_profile);
	assert_memory_equal(c->e->isdp[idx].iccid, iccid, 10);
	assert_int_equal(c->e->isdp[idx].mem_used, pkg.len);
	assert_true(c->ev.state_changed);
	/* The session is over: another segment is refused. */
	m2m_buf_reset(&cmd);
	assert_int_equal(m2m_scp03t_host_segment(&h, pkg.data, 16, &cmd), M2M_OK);
	es8_send(c, idx, &cmd, &ans);
	assert_memory_equal(ans.data, "\x9F\x46\x01\x01", 4);
	/* Enable through the ISD-R and read EF.ICCID and EF.IMSI as the device would. */
	assert_string_equal(fx_dgi_aid(c, "3A03", AID_13), "9000");
	es8_ref(&pkg, &ref);
	assert_iccid_served(c, &ref);
	es8_ref_hex(&ref, "A0000000871002/6F07", 9, want);
	assert_memory_equal(es8_uicc(c, "00A4040C07A0000000871002"), "9000", 5);
	assert_memory_equal(es8_uicc(c, "00A4000C026F07"), "9000", 5);
	snprintf(got, sizeof got, "%s9000", want);
	assert_string_equal(es8_uicc(c, "00B0000009"), got);
	/* The profile survives a restart. */
	mid = reload(c->e);
	m2m_euicc *tmp = c->e;
	c->e = mid;
	assert_iccid_served(c, &ref);
	c->e = tmp;
	m2m_euicc_free(mid);
	m2m_saip_fs_free(&ref);
	m2m_scp03t_host_wipe(&h);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&pkg);
	m2m_buf_free(&ans);
	m2m_buf_free(&plain);
	m2m_buf_free(&cmd);
}

static void test_tampered_segment(void **state)
{
	card *c = *state;
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_buf pkg, ans, cmd;
	int idx = es8_card(c, &k);

	es8_read(&pkg);
	m2m_buf_init(&ans);
	m2m_buf_init(&cmd);
	es8_open(c, idx, &k, &h);
	assert_int_equal(m2m_scp03t_host_segment(&h, pkg.data, SEG, &cmd), M2M_OK);
	es8_send(c, idx, &cmd, &ans);
	assert_memory_equal(ans.data, "\x86\x00", 2);
	assert_int_not_equal(c->e->isdp[idx].pkg, 0);
	m2m_buf_reset(&cmd);
	assert_int_equal(m2m_scp03t_host_segment(&h, pkg.data + SEG, SEG, &cmd), M2M_OK);
	cmd.data[20] ^= 0x01;
	es8_send(c, idx, &cmd, &ans);
	assert_int_equal(ans.len, 4);
	assert_memory_equal(ans.data, "\x9F\x46\x01\x02", 4);
	/* The partial package is gone and the session closed. */
	assert_int_equal(c->e->isdp[idx].pkg, 0);
	cmd.data[20] ^= 0x01;
	es8_send(c, idx, &cmd, &ans);
	assert_memory_equal(ans.data, "\x9F\x46\x01\x01", 4);
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_13 "00"), "009000");
	m2m_scp03t_host_wipe(&h);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&pkg);
	m2m_buf_free(&ans);
	m2m_buf_free(&cmd);
}

/* The usim element with an unknown template OID: decodable, not installable. */
static void break_usim(m2m_buf *pkg)
{
	m2m_saip_pkg p;
	m2m_saip_error err;
	size_t i;

	m2m_saip_pkg_init(&p);
	assert_int_equal(m2m_saip_decode(pkg->data, pkg->len, &p, &err), M2M_OK);
	for (i = 0; i < p.count && p.el[i].pe->present != ProfileElement_PR_usim; i++)
		;
	assert_true(i < p.count);
	OBJECT_IDENTIFIER_t *oid = &p.el[i].pe->choice.usim.templateID;
	oid->buf[oid->size - 1] = 0x7E;
	m2m_buf_reset(pkg);
	assert_int_equal(m2m_saip_encode(&p, pkg), M2M_OK);
	m2m_saip_pkg_free(&p);
}

static void test_broken_element(void **state)
{
	card *c = *state;
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_buf pkg, ans, plain;
	EUICCResponse_t *r = NULL;
	int idx = es8_card(c, &k);

	es8_read(&pkg);
	break_usim(&pkg);
	m2m_buf_init(&ans);
	m2m_buf_init(&plain);
	es8_open(c, idx, &k, &h);
	es8_segments(c, idx, &h, &pkg, &ans);
	assert_int_equal(ans.data[0], 0x86);
	assert_int_equal(m2m_scp03t_host_response(&h, ans.data, ans.len, &plain), M2M_OK);
	assert_int_equal(ber_decode(NULL, &asn_DEF_EUICCResponse, (void **)&r, plain.data,
				    plain.len).code, RC_OK);
	assert_int_equal(r->peStatus.list.count, 1);
	assert_int_equal(r->peStatus.list.array[0]->status,
			 PEStatus__status_template_not_supported);
	assert_non_null(r->peStatus.list.array[0]->identification);
	assert_non_null(r->profileInstallationAborted);
	assert_non_null(r->statusMessage);
	assert_non_null(strstr((const char *)r->statusMessage->buf, "(usim)"));
	ASN_STRUCT_FREE(asn_DEF_EUICCResponse, r);
	assert_int_equal(c->e->isdp[idx].pkg, 0);
	assert_deletable(c->e, idx);
	m2m_scp03t_host_wipe(&h);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&pkg);
	m2m_buf_free(&ans);
	m2m_buf_free(&plain);
}

/* Bytes that are no profile element: the session ends with the SCP03t error TLV. */
static void test_undecodable(void **state)
{
	card *c = *state;
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_buf ans, cmd;
	static const uint8_t junk[32] = {0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
	int idx = es8_card(c, &k);

	m2m_buf_init(&ans);
	m2m_buf_init(&cmd);
	es8_open(c, idx, &k, &h);
	assert_int_equal(m2m_scp03t_host_segment(&h, junk, sizeof junk, &cmd), M2M_OK);
	es8_send(c, idx, &cmd, &ans);
	assert_int_equal(ans.len, 4);
	assert_memory_equal(ans.data, "\x9F\x46\x01\x01", 4);
	assert_deletable(c->e, idx);
	m2m_scp03t_host_wipe(&h);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&ans);
	m2m_buf_free(&cmd);
}

static void test_wrong_state(void **state)
{
	card *c = *state;
	static const uint8_t chal[8] = {0};
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_buf cmd, ans;
	uint8_t ea[] = {0x85, 0x11, 0x33, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

	m2m_buf_init(&cmd);
	m2m_buf_init(&ans);
	memset(&k, 0x11, sizeof k);
	k.key_len = 16;
	k.kvn = 0x30;
	assert_int_equal(m2m_scp03t_host_init(&h, &k, 0, chal), M2M_OK);
	assert_int_equal(m2m_scp03t_host_iu(&h, &cmd), M2M_OK);
	/* No keys yet. */
	assert_string_equal(fx_create(c, AID_13), "009000");
	es8_send(c, fx_idx(c, AID_13), &cmd, &ans);
	assert_memory_equal(ans.data, "\x9F\x44\x01\x03", 4);
	/* The enabled bootstrap profile takes no download. */
	es8_send(c, fx_idx(c, AID_BOOT), &cmd, &ans);
	assert_memory_equal(ans.data, "\x9F\x44\x01\x01", 4);
	/* 85 without 84. */
	m2m_buf_reset(&cmd);
	assert_int_equal(m2m_buf_append(&cmd, ea, sizeof ea), M2M_OK);
	es8_send(c, fx_idx(c, AID_13), &cmd, &ans);
	assert_memory_equal(ans.data, "\x9F\x45\x01\x01", 4);
	/* Not an SCP03t command; bad index. */
	assert_int_equal(m2m_euicc_isdp_scp03t(c->e, fx_idx(c, AID_13), (const uint8_t *)"\x22\x00",
					       2, &ans, NULL), M2M_ERR_FORMAT);
	assert_int_equal(m2m_euicc_isdp_scp03t(c->e, 15, ea, sizeof ea, &ans, NULL), M2M_ERR_ARG);
	m2m_scp03t_host_wipe(&h);
	m2m_buf_free(&cmd);
	m2m_buf_free(&ans);
}

/* The i=70 counter goes up with each INITIALIZE UPDATE and survives a restart. */
static void test_counter(void **state)
{
	card *c = *state;
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_euicc *l;
	int idx = es8_card(c, &k);

	assert_int_equal(c->e->isdp[idx].scp03t_seq, 0);
	es8_open(c, idx, &k, &h);
	m2m_scp03t_host_wipe(&h);
	assert_int_equal(c->e->isdp[idx].scp03t_seq, 1);
	es8_open(c, idx, &k, &h);
	m2m_scp03t_host_wipe(&h);
	assert_int_equal(c->e->isdp[idx].scp03t_seq, 2);
	l = reload(c->e);
	assert_int_equal(l->isdp[idx].scp03t_seq, 2);
	m2m_euicc_free(l);
	m2m_scp03_keys_wipe(&k);
}

/* ---- SCP03 over APDUs: 3A07 UpdateConnectivityParameters ---- */

static uint16_t isdp_tx(card *c, int idx, const m2m_buf *apdu, m2m_buf *r)
{
	m2m_buf_reset(r);
	assert_int_equal(m2m_euicc_isdp_apdu(c->e, idx, apdu->data, apdu->len, r, &c->ev), M2M_OK);
	assert_true(r->len >= 2);
	r->len -= 2;
	return (uint16_t)(r->data[r->len] << 8 | r->data[r->len + 1]);
}

static void test_connectivity(void **state)
{
	card *c = *state;
	static const uint8_t chal[8] = {8, 7, 6, 5, 4, 3, 2, 1};
	/* The whty log's 3A07 (+86 13010112500). */
	static const uint8_t sd[] = {0x80, 0xE2, 0x88, 0x00, 0x0F, 0x3A, 0x07, 0x0C, 0xA0, 0x0A,
				     0x06, 0x08, 0x91, 0x68, 0x31, 0x10, 0x10, 0x21, 0x05, 0xF0};
	m2m_scp03_keys k;
	m2m_scp03 hs;
	m2m_scp03_iu_resp ir;
	m2m_buf apdu, r, plain;
	m2m_euicc *l;
	int idx = es8_card(c, &k);

	m2m_buf_init(&apdu);
	m2m_buf_init(&r);
	m2m_buf_init(&plain);
	memset(&hs, 0, sizeof hs);
	/* Before a session: refused. */
	assert_int_equal(m2m_buf_append(&apdu, sd, sizeof sd), M2M_OK);
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x6982);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_scp03_iu_cmd(0x30, chal, &apdu), M2M_OK);
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x9000);
	assert_int_equal(m2m_scp03_iu_resp_parse(r.data, r.len, &ir), M2M_OK);
	assert_int_equal(m2m_scp03_host_open(&hs, &k, chal, &ir), M2M_OK);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_scp03_ext_auth_cmd(&hs, 0x33, &apdu), M2M_OK);
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x9000);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_scp03_wrap_cmd(&hs, sd, sizeof sd, &apdu), M2M_OK);
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x9000);
	assert_int_equal(m2m_scp03_unwrap_resp(&hs, r.data, r.len, 0x9000, &plain), M2M_OK);
	assert_int_equal(c->e->isdp[idx].conn_len, 10);
	assert_memory_equal(c->e->isdp[idx].conn, sd + 10, 10);
	/* Another command, wrapped: 6D00; a tampered one ends the session. */
	static const uint8_t other[] = {0x80, 0xCA, 0x00, 0x5A, 0x00};
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_scp03_wrap_cmd(&hs, other, sizeof other, &apdu), M2M_OK);
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x6D00);
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_scp03_wrap_cmd(&hs, sd, sizeof sd, &apdu), M2M_OK);
	apdu.data[8] ^= 1;
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x6982);
	apdu.data[8] ^= 1;
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x6982);
	/* Persisted. */
	l = reload(c->e);
	assert_int_equal(l->isdp[idx].conn_len, 10);
	assert_memory_equal(l->isdp[idx].conn, sd + 10, 10);
	m2m_euicc_free(l);
	/* Wrong KVN, bad class, bad length. */
	m2m_buf_reset(&apdu);
	assert_int_equal(m2m_scp03_iu_cmd(0x31, chal, &apdu), M2M_OK);
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x6A88);
	assert_int_equal(r.len, 0);
	apdu.data[0] = 0x00;
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x6E00);
	apdu.len = 3;
	assert_int_equal(isdp_tx(c, idx, &apdu, &r), 0x6700);
	m2m_scp03_wipe(&hs);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&apdu);
	m2m_buf_free(&r);
	m2m_buf_free(&plain);
}

/* Free NV memory as the SM-SR audits it (FF21 tag 82). */
static uint32_t free_nv(card *c)
{
	uint8_t r[32];
	size_t n = 0;

	assert_int_equal(m2m_hex_decode(fx_tx(c, "80CAFF2100"), r, sizeof r, &n), M2M_OK);
	assert_int_equal(n, 18);
	assert_memory_equal(r, "\xFF\x21\x0D\x81\x01", 5);
	assert_memory_equal(r + 6, "\x82\x04", 2);
	return (uint32_t)r[8] << 24 | (uint32_t)r[9] << 16 | (uint32_t)r[10] << 8 | r[11];
}

/* A restart in the middle of an installation: the card saved after 5 segments comes back
 * with the ISD-P PERSONALIZED, no profile, its quota still reserved; the SM-SR's audit sees
 * it, DeleteISDP (APDU) frees the quota, and a new CreateISDP + download on the restarted card
 * installs the profile. A restart without the clean-up: a new 84 restarts the download. */
static void test_restart_mid_install(void **state)
{
	card *c = *state;
	m2m_scp03_keys k;
	m2m_scp03t_host h;
	m2m_buf pkg, ans, cmd, part;
	m2m_euicc *mid, *orig = c->e;
	uint32_t before = free_nv(c);
	int idx = es8_card(c, &k);

	es8_read(&pkg);
	m2m_buf_init(&ans);
	m2m_buf_init(&cmd);
	m2m_buf_init(&part);
	assert_int_equal(free_nv(c), before - MEM_DEFAULT);
	es8_open(c, idx, &k, &h);
	assert_int_equal(m2m_buf_append(&part, pkg.data, 5 * SEG), M2M_OK);
	es8_segments(c, idx, &h, &part, &ans);
	assert_memory_equal(ans.data, "\x86\x00", 2);
	/* Power cut: the saved state is all that is left. */
	mid = reload(c->e);
	c->e = mid;
	assert_int_equal(c->e->isdp[idx].lcs, M2M_EUICC_LCS_PERSONALIZED);
	assert_false(c->e->isdp[idx].has_profile);
	assert_int_equal(c->e->pkg[c->e->isdp[idx].pkg - 1].len, 5 * SEG);
	assert_int_equal(free_nv(c), before - MEM_DEFAULT);
	assert_string_equal(fx_tx(c, "80F24002164F10" AID_13 "5C029F70"), "e3049f70010f9000");
	/* The segment after the cut belongs to no session. */
	m2m_buf_reset(&cmd);
	assert_int_equal(m2m_scp03t_host_segment(&h, pkg.data + 5 * SEG, SEG, &cmd), M2M_OK);
	es8_send(c, idx, &cmd, &ans);
	assert_memory_equal(ans.data, "\x9F\x46\x01\x01", 4);
	/* Without clean-up: the SM-DP starts over with a new 84 on the same ISD-P. */
	m2m_scp03t_host_wipe(&h);
	es8_open(c, idx, &k, &h);
	assert_int_equal(c->e->isdp[idx].pkg, 0);
	m2m_scp03t_host_wipe(&h);
	/* The SM-SR's clean-up: DeleteISDP frees the quota and the package. */
	assert_string_equal(fx_tx(c, "80E40040124F10" AID_13 "00"), "009000");
	assert_int_equal(free_nv(c), before);
	for (int s = 0; s < M2M_EUICC_ISDP_MAX; s++)
		assert_null(c->e->pkg[s].data);
	/* And a new installation on the restarted card. */
	m2m_scp03_keys_wipe(&k);
	idx = es8_card(c, &k);
	es8_open(c, idx, &k, &h);
	es8_segments(c, idx, &h, &pkg, &ans);
	assert_int_equal(ans.data[0], 0x86);
	assert_true(ans.len > 2);
	assert_int_equal(c->e->isdp[idx].lcs, M2M_EUICC_LCS_DISABLED);
	assert_int_equal(c->e->isdp[idx].mem_used, pkg.len);
	assert_int_equal(free_nv(c), before - MEM_DEFAULT);
	c->e = orig;
	m2m_euicc_free(mid);
	m2m_scp03t_host_wipe(&h);
	m2m_scp03_keys_wipe(&k);
	m2m_buf_free(&pkg);
	m2m_buf_free(&ans);
	m2m_buf_free(&cmd);
	m2m_buf_free(&part);
}

/* The saved state stays strict: a package TLV out of place is refused. */
static void test_strict_load(void **state)
{
	card *c = *state;
	m2m_buf b;
	m2m_euicc *l = NULL;
	uint8_t *p;

	m2m_buf_init(&b);
	assert_string_equal(fx_create(c, AID_13), "009000");
	c->e->isdp[fx_idx(c, AID_13)].scp03t_seq = 0x000102;
	assert_int_equal(m2m_euicc_save(c->e, &b), M2M_OK);
	/* 86 03 000102 -> 86 03 000000 (a zero counter is never saved). */
	p = NULL;
	for (size_t i = 0; p == NULL && i + 5 <= b.len; i++)
		if (memcmp(b.data + i, "\x86\x03\x00\x01\x02", 5) == 0)
			p = b.data + i;
	assert_non_null(p);
	p[4] = 0;
	p[3] = 0;
	assert_int_equal(m2m_euicc_load(b.data, b.len, &l), M2M_ERR_FORMAT);
	assert_null(l);
	m2m_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampered_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_element, setup, teardown),
		cmocka_unit_test_setup_teardown(test_undecodable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connectivity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_mid_install, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_load, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
