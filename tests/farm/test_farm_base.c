/* The farm's building blocks: identifiers (EID check digits, ICCID Luhn digits), the key
 * derivation, package sharing (strip / expand, with malformed references), the database and
 * provisioning. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "card/gpcert.h"
#include "core/tlv.h"
#include "crypto/hash.h"
#include "farm/farm_info.h"
#include "farm/farm_int.h"
#include "farm_harness.h"

/* ---- identifiers ---- */

static void test_eid_check_digits(void **state)
{
	char check[3];
	uint8_t eid[16];

	(void)state;
	/* SGP.22 example EID (also in SGP.29): 89049032123451234512345678901235. */
	assert_true(m2m_farm_eid_valid("89049032123451234512345678901235"));
	assert_int_equal(m2m_farm_eid_check("890490321234512345123456789012", check), M2M_OK);
	assert_string_equal(check, "35");
	/* The whty test card of sgp02-bearers.md: 89001012012341234012345678901224. */
	assert_true(m2m_farm_eid_valid("89001012012341234012345678901224"));
	assert_false(m2m_farm_eid_valid("89001012012341234012345678901225"));
	assert_false(m2m_farm_eid_valid("8900101201234123401234567890122"));
	assert_false(m2m_farm_eid_valid("8900101201234123401234567890122x"));
	/* Numbering: prefix + i, fresh check digits. */
	assert_int_equal(m2m_farm_eid_at("89049032123451234512345678901299", 0, eid), M2M_OK);
	assert_memory_equal(eid, "\x89\x04\x90\x32\x12\x34\x51\x23\x45\x12\x34\x56\x78\x90\x12\x35",
			    16);
	assert_int_equal(m2m_farm_eid_at(H_FIRST_EID, 1, eid), M2M_OK);
	assert_memory_equal(eid, "\x89\x99\x90\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x30",
			    16);
	assert_int_equal(m2m_farm_eid_at("99999999999999999999999999999900", 1, eid),
			 M2M_ERR_BOUNDS);
	assert_int_equal(m2m_farm_eid_at("8999900000000000000000000000000", 0, eid), M2M_ERR_ARG);
}

static void test_digits_and_iccid(void **state)
{
	char out[21];

	(void)state;
	assert_int_equal(m2m_farm_digits_add("882990000000999", 1, out, 16), M2M_OK);
	assert_string_equal(out, "882990000001000");
	assert_int_equal(m2m_farm_digits_add("0099", 1, out, 5), M2M_OK);
	assert_string_equal(out, "0100");
	assert_int_equal(m2m_farm_digits_add("99", 1, out, 3), M2M_ERR_BOUNDS);
	assert_int_equal(m2m_farm_digits_add("9a", 1, out, 3), M2M_ERR_ARG);
	assert_int_equal(m2m_farm_digits_add("", 1, out, 3), M2M_ERR_ARG);
	/* TS.48 test profile ICCID 89000123456789012341 (vectors/README.md): Luhn digit 1. */
	assert_int_equal(m2m_farm_iccid_at("8900012345678901234", 0, out), M2M_OK);
	assert_string_equal(out, "89000123456789012341");
	assert_int_equal(m2m_farm_iccid_at("8900012345678901233", 1, out), M2M_OK);
	assert_string_equal(out, "89000123456789012341");
	assert_int_equal(m2m_farm_iccid_at("890001234567890123", 0, out), M2M_ERR_ARG);
	m2m_farm_iccid_digits((const uint8_t *)"\x89\x88\x29\x90\x00\x00\x00\x00\x00\x1F", out);
	assert_string_equal(out, "8988299000000000001");
}

/* ---- keys ---- */

/* Known answers computed with pyca/cryptography's AES-CMAC (an independent implementation)
 * over 01 || label || 00 || EID || KVN || key id || L (and 02 || ... for a second block). */
static void test_kdf_known_answers(void **state)
{
	uint8_t eid[16], out[32], seed32[32];

	(void)state;
	for (int i = 0; i < 32; i++)
		seed32[i] = (uint8_t)i;
	assert_int_equal(m2m_hex_decode_exact("89999000000000000000000000000033", eid, 16),
			 M2M_OK);
	assert_int_equal(m2m_farm_kdf(h_seed, 16, "scp80", eid, 1, 1, out, 16), M2M_OK);
	assert_memory_equal(out, "\x76\x9d\xaf\x3e\x79\xd6\x7d\x4f\xf3\x10\xa7\xd3\x8b\x7c\x72\x3e",
			    16);
	assert_int_equal(m2m_farm_kdf(h_seed, 16, "scp81", eid, 0x40, 1, out, 32), M2M_OK);
	assert_memory_equal(out,
			    "\x1a\x51\x18\x03\x5b\x2d\x4e\x21\x25\x60\x75\xae\x7c\xc2\x27\x2a"
			    "\x0a\x2e\xd4\x21\xec\x88\x57\x29\x29\xa8\x7b\xf9\x31\xcf\xad\x03",
			    32);
	assert_int_equal(m2m_farm_kdf(seed32, 32, "scp80", eid, 2, 3, out, 24), M2M_OK);
	assert_memory_equal(out,
			    "\xe6\x82\x71\x95\x34\x6e\x47\xa1\x95\xb5\xff\xf6\xba\xf6\x9b\xd1"
			    "\xc5\x26\xa9\x9e\x2c\x64\x14\x40",
			    24);
	/* Refusals. */
	assert_int_equal(m2m_farm_kdf(h_seed, 15, "scp80", eid, 1, 1, out, 16), M2M_ERR_ARG);
	assert_int_equal(m2m_farm_kdf(h_seed, 16, "", eid, 1, 1, out, 16), M2M_ERR_ARG);
	assert_int_equal(m2m_farm_kdf(h_seed, 16, "scp80", eid, 1, 1, out, 0), M2M_ERR_ARG);
}

static void test_keysets(void **state)
{
	m2m_farm_keyspec spec = {3, 32, 32}, bad = {0, 16, 16};
	m2m_euicc_keyset ks[M2M_EUICC_KEYSET_MAX];
	uint8_t eid[16], k[32];
	m2m_eckey *a = NULL, *b = NULL;
	uint8_t pa[65], pb[65];
	size_t n = 0;

	(void)state;
	h_eid(0, eid);
	assert_int_equal(m2m_farm_keysets(h_seed, 16, eid, &spec, ks, &n), M2M_OK);
	assert_int_equal(n, 4);
	for (int s = 0; s < 3; s++) {
		assert_int_equal(ks[s].kvn, s + 1);
		assert_int_equal(ks[s].kic_alg, 2);
		assert_int_equal(ks[s].nkeys, 3);
		assert_int_equal(ks[s].key[2].id, 3);
		assert_int_equal(ks[s].key[2].len, 32);
		assert_int_equal(m2m_farm_kdf(h_seed, 16, "scp80", eid, (uint8_t)(s + 1), 3, k, 32),
				 M2M_OK);
		assert_memory_equal(ks[s].key[2].value, k, 32);
	}
	assert_int_equal(ks[3].kvn, 0x40);
	assert_int_equal(ks[3].key[0].type, M2M_EUICC_KEYTYPE_PSK_TLS);
	assert_int_equal(m2m_farm_keysets(h_seed, 16, eid, &bad, ks, &n), M2M_ERR_ARG);
	/* SK.ECASD.ECKA: the same seed and EID give the same key, another EID another one. */
	assert_int_equal(m2m_farm_ecasd_key(h_seed, 16, eid, M2M_CURVE_P256, &a), M2M_OK);
	h_eid(1, eid);
	assert_int_equal(m2m_farm_ecasd_key(h_seed, 16, eid, M2M_CURVE_P256, &b), M2M_OK);
	assert_int_equal(m2m_ec_public_point(a, pa), M2M_OK);
	assert_int_equal(m2m_ec_public_point(b, pb), M2M_OK);
	assert_memory_not_equal(pa, pb, 65);
	m2m_ec_free(b);
	h_eid(0, eid);
	assert_int_equal(m2m_farm_ecasd_key(h_seed, 16, eid, M2M_CURVE_P256, &b), M2M_OK);
	assert_int_equal(m2m_ec_public_point(b, pb), M2M_OK);
	assert_memory_equal(pa, pb, 65);
	m2m_ec_free(a);
	m2m_ec_free(b);
	m2m_wipe(ks, sizeof ks);
}

/* ---- package sharing ---- */

/* E0 { 80 01 01, A4 { 4F 01 00, A2 { 80 01 01, 81 L pkg } } }, the shape of a saved state. */
static void fake_state(const uint8_t *pkg, size_t n, m2m_buf *out)
{
	size_t m0, m1, m2;

	assert_int_equal(m2m_tlv_begin(out, 0xE0, &m0), M2M_OK);
	assert_int_equal(m2m_tlv_put_u8(out, 0x80, 1), M2M_OK);
	assert_int_equal(m2m_tlv_begin(out, 0xA4, &m1), M2M_OK);
	assert_int_equal(m2m_tlv_put_u8(out, 0x4F, 0), M2M_OK);
	assert_int_equal(m2m_tlv_begin(out, 0xA2, &m2), M2M_OK);
	assert_int_equal(m2m_tlv_put_u8(out, 0x80, 1), M2M_OK);
	assert_int_equal(m2m_tlv_put(out, 0x81, pkg, n), M2M_OK);
	assert_int_equal(m2m_tlv_end(out, m2), M2M_OK);
	assert_int_equal(m2m_tlv_end(out, m1), M2M_OK);
	assert_int_equal(m2m_tlv_end(out, m0), M2M_OK);
}

static void roundtrip(m2m_farm_pkgs *s, const uint8_t *pkg, size_t n, size_t max_blob)
{
	m2m_buf st, blob, back;

	m2m_buf_init(&st);
	m2m_buf_init(&blob);
	m2m_buf_init(&back);
	fake_state(pkg, n, &st);
	assert_int_equal(m2m_farm_state_strip(s, st.data, st.len, &blob), M2M_OK);
	assert_true(blob.len <= max_blob);
	assert_int_equal(m2m_farm_state_expand(s, blob.data, blob.len, &back), M2M_OK);
	assert_int_equal(back.len, st.len);
	assert_memory_equal(back.data, st.data, st.len);
	m2m_buf_free(&st);
	m2m_buf_free(&blob);
	m2m_buf_free(&back);
}

static void test_pkgs_share(void **state)
{
	m2m_farm_pkgs s;
	uint8_t *a = malloc(5000), *b = malloc(5000);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (int i = 0; i < 5000; i++)
		a[i] = (uint8_t)(i * 7);
	memcpy(b, a, 5000);
	b[10] ^= 1;            /* an ICCID-like change at two places */
	b[4000] ^= 0x55;
	b[4003] ^= 0x55;       /* merged with the one before (gap < 4) */
	assert_int_equal(m2m_farm_pkgs_init(&s), M2M_OK);
	roundtrip(&s, a, 5000, 5000 + 40); /* the first becomes a base */
	assert_int_equal(s.count, 1);
	roundtrip(&s, a, 5000, 60);        /* then a reference */
	roundtrip(&s, b, 5000, 110);       /* a patched reference */
	assert_int_equal(s.count, 1);
	/* Too different: a base of its own. */
	for (int i = 0; i < 5000; i += 2)
		b[i] ^= 0xFF;
	roundtrip(&s, b, 5000, 5000 + 40);
	assert_int_equal(s.count, 2);
	m2m_farm_pkgs_free(&s);
	free(a);
	free(b);
}

/* Every malformed reference is refused; nothing is returned. */
static void test_pkgs_expand_negative(void **state)
{
	static const char *const bad[] = {
		"E026 800101 A421 4F0100 A21C 800101 E117 8015 000000", /* short hash */
		"E028 800101 A423 4F0100 A21E 800101 E119 8017" /* unknown base */
		"0000000000000000000000000000000000000000000000",
		"E006 800101 A401",                                 /* truncated */
		"E00B 800101 A406 A204 E102 8000",                  /* empty hash */
		"E00A 800101 A405 A203 E101 00",                    /* garbage inside E1 */
	};
	m2m_farm_pkgs s;
	const m2m_farm_pkg *p;
	uint8_t pkg[100];
	m2m_buf in, out, ref;
	char hex[200];

	(void)state;
	memset(pkg, 0x42, sizeof pkg);
	assert_int_equal(m2m_farm_pkgs_init(&s), M2M_OK);
	assert_int_equal(m2m_farm_pkgs_add(&s, pkg, sizeof pkg, true, &p), M2M_OK);
	m2m_buf_init(&in);
	m2m_buf_init(&out);
	m2m_buf_init(&ref);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		m2m_buf_reset(&in);
		m2m_buf_reset(&out);
		h_hex(bad[i], &in);
		assert_int_not_equal(m2m_farm_state_expand(&s, in.data, in.len, &out), M2M_OK);
		assert_int_equal(out.len, 0);
	}
	/* Patches: out of range, overlapping, zero length, bad result hash. */
	m2m_hex_encode(p->hash, 32, hex);
	{
		static const char *const patches[] = {
			"00000063 02 AAAA", /* runs past the end (100 bytes) */
			"00000010 01 AA 0000000F 01 BB", /* not ascending */
			"00000010 00",      /* empty */
			"00000010 01",      /* data missing */
		};
		for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
			m2m_buf pt;
			size_t m0, m1, m2, m3;
			uint8_t h32[32] = {0};

			m2m_buf_init(&pt);
			h_hex(patches[i], &pt);
			m2m_buf_reset(&in);
			m2m_buf_reset(&out);
			assert_int_equal(m2m_tlv_begin(&in, 0xE0, &m0), M2M_OK);
			assert_int_equal(m2m_tlv_begin(&in, 0xA4, &m1), M2M_OK);
			assert_int_equal(m2m_tlv_begin(&in, 0xA2, &m2), M2M_OK);
			assert_int_equal(m2m_tlv_begin(&in, 0xE1, &m3), M2M_OK);
			assert_int_equal(m2m_tlv_put(&in, 0x80, p->hash, 32), M2M_OK);
			assert_int_equal(m2m_tlv_put(&in, 0x81, pt.data, pt.len), M2M_OK);
			assert_int_equal(m2m_tlv_put(&in, 0x82, h32, 32), M2M_OK);
			assert_int_equal(m2m_tlv_end(&in, m3), M2M_OK);
			assert_int_equal(m2m_tlv_end(&in, m2), M2M_OK);
			assert_int_equal(m2m_tlv_end(&in, m1), M2M_OK);
			assert_int_equal(m2m_tlv_end(&in, m0), M2M_OK);
			assert_int_equal(m2m_farm_state_expand(&s, in.data, in.len, &out),
					 M2M_ERR_FORMAT);
			assert_int_equal(out.len, 0);
			m2m_buf_free(&pt);
		}
	}
	m2m_buf_free(&in);
	m2m_buf_free(&out);
	m2m_buf_free(&ref);
	m2m_farm_pkgs_free(&s);
}

/* ---- provisioning ---- */

typedef struct {
	m2m_farm_pkgs *pkgs;
	int n;
	m2m_eckey *eum;
} check_ctx;

static m2m_err check_row(void *arg, const m2m_farm_row *r)
{
	check_ctx *c = arg;
	m2m_buf st;
	m2m_euicc *e = NULL;
	uint8_t eid[16];
	char msisdn[16], iccid[21], got[21];
	int idx;

	h_eid((uint64_t)c->n, eid);
	h_msisdn((uint64_t)c->n, msisdn);
	assert_int_equal(m2m_farm_iccid_at(H_ICCID, (uint64_t)c->n, iccid), M2M_OK);
	assert_int_equal(r->id, c->n + 1);
	assert_memory_equal(r->eid, eid, 16);
	assert_string_equal(r->msisdn, msisdn);
	assert_int_equal(r->notif, 0);
	assert_true(r->state.len < 1200); /* the package is a reference, not 12 KB */
	m2m_buf_init(&st);
	assert_int_equal(m2m_farm_state_expand(c->pkgs, r->state.data, r->state.len, &st), M2M_OK);
	assert_int_equal(m2m_euicc_load(st.data, st.len, &e), M2M_OK);
	assert_memory_equal(e->eid, eid, 16);
	idx = m2m_euicc_enabled_isdp(e);
	assert_true(idx >= 0);
	assert_int_equal(e->isdp[idx].aid[14], 0x10);
	assert_true(e->isdp[idx].fallback);
	m2m_farm_iccid_digits(e->isdp[idx].iccid, got);
	assert_string_equal(got, iccid);
	assert_int_equal(m2m_euicc_notif_count(e), 0);
	assert_int_equal(e->keysets[0].kvn, 1);
	assert_int_equal(e->keysets[1].kvn, 0x40);
	/* CERT.ECASD.ECKA verifies with the EUM key and carries the ECASD public key. */
	assert_int_equal(m2m_gpcert_verify(e->cert_ecasd, e->cert_ecasd_len, c->eum, NULL, NULL),
			 M2M_OK);
	m2m_euicc_free(e);
	m2m_buf_free(&st);
	c->n++;
	return M2M_OK;
}

static void test_provision(void **state)
{
	harness *h = h_new();
	m2m_farm_init_cfg c;
	m2m_eckey *eum = NULL, *ci = NULL;
	m2m_farm_db *db = NULL;
	m2m_farm_pkgs pkgs, loaded;
	m2m_buf boot;
	check_ctx cc;
	char why[256];
	uint64_t n = 0;

	(void)state;
	m2m_buf_init(&boot);
	assert_int_equal(m2m_saip_read_file(TS48, &boot), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &eum), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ci), M2M_OK);
	assert_int_equal(m2m_farm_pkgs_init(&pkgs), M2M_OK);
	assert_int_equal(m2m_farm_pkgs_init(&loaded), M2M_OK);
	snprintf(h->db, sizeof h->db, "/tmp/farm_base_%d.sqlite", (int)getpid());
	h_remove_db(h);
	h_init_cfg(&c, eum, ci, &boot, 7); /* batches of 3 over 2 threads */
	assert_int_equal(m2m_farm_db_open(h->db, true, true, &db), M2M_OK);
	assert_int_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_OK);
	assert_int_equal(m2m_farm_db_count(db, &n), M2M_OK);
	assert_int_equal(n, 7);
	/* A second init into the same database is refused. */
	assert_int_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_ERR_STATE);
	assert_non_null(strstr(why, "already holds 7"));
	m2m_farm_db_close(db);
	/* Reopened: one shared base, every device as provisioned. */
	assert_int_equal(m2m_farm_db_open(h->db, false, false, &db), M2M_OK);
	assert_int_equal(m2m_farm_db_pkgs_load(db, &loaded), M2M_OK);
	assert_int_equal(loaded.count, 1);
	memset(&cc, 0, sizeof cc);
	cc.pkgs = &loaded;
	cc.eum = eum;
	assert_int_equal(m2m_farm_db_each(db, false, check_row, &cc), M2M_OK);
	assert_int_equal(cc.n, 7);
	m2m_farm_db_close(db);
	/* Bad configurations. */
	h_init_cfg(&c, eum, ci, &boot, 1);
	c.first_eid = "123";
	assert_int_equal(m2m_farm_db_open(h->db, true, true, &db), M2M_OK);
	assert_int_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_ERR_ARG);
	h_init_cfg(&c, eum, ci, &boot, 1);
	c.msisdn_base = "9";
	c.count = 11;
	assert_int_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_ERR_BOUNDS);
	m2m_farm_db_close(db);
	/* A file that is not a farm database. */
	assert_int_equal(m2m_farm_db_open(TS48, false, false, &db), M2M_ERR_IO);
	m2m_farm_pkgs_free(&pkgs);
	m2m_farm_pkgs_free(&loaded);
	m2m_ec_free(eum);
	m2m_ec_free(ci);
	m2m_buf_free(&boot);
	h_free(h);
}

/* A bootstrap that is no package is refused with a reason, and nothing is stored. */
static void test_provision_bad_package(void **state)
{
	harness *h = h_new();
	m2m_farm_init_cfg c;
	m2m_eckey *eum = NULL, *ci = NULL;
	m2m_farm_db *db = NULL;
	m2m_farm_pkgs pkgs;
	m2m_buf boot;
	char why[256];
	uint64_t n = 1;

	(void)state;
	m2m_buf_init(&boot);
	h_hex("A0 03 800101", &boot);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &eum), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ci), M2M_OK);
	assert_int_equal(m2m_farm_pkgs_init(&pkgs), M2M_OK);
	snprintf(h->db, sizeof h->db, "/tmp/farm_bad_%d.sqlite", (int)getpid());
	h_remove_db(h);
	h_init_cfg(&c, eum, ci, &boot, 2);
	assert_int_equal(m2m_farm_db_open(h->db, true, true, &db), M2M_OK);
	assert_int_not_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_OK);
	assert_non_null(strstr(why, "bootstrap package"));
	assert_int_equal(m2m_farm_db_count(db, &n), M2M_OK);
	assert_int_equal(n, 0);
	m2m_farm_db_close(db);
	m2m_farm_pkgs_free(&pkgs);
	m2m_ec_free(eum);
	m2m_ec_free(ci);
	m2m_buf_free(&boot);
	h_free(h);
}

/* The device JSON carries what an SM-SR registers. */
static void test_info_json(void **state)
{
	harness *h = h_new();
	m2m_farm_db *db = NULL;
	m2m_farm_pkgs pkgs;
	m2m_farm_row r;
	m2m_buf st;
	m2m_euicc *e = NULL;
	json_t *j, *ks;
	uint8_t psk[16];
	m2m_scp80_keys k;
	char hex[65];

	(void)state;
	h_make_db(h, 1, true);
	assert_int_equal(m2m_farm_pkgs_init(&pkgs), M2M_OK);
	assert_int_equal(m2m_farm_db_open(h->db, false, false, &db), M2M_OK);
	assert_int_equal(m2m_farm_db_pkgs_load(db, &pkgs), M2M_OK);
	m2m_farm_row_init(&r);
	m2m_buf_init(&st);
	assert_int_equal(m2m_farm_db_by_msisdn(db, H_MSISDN, &r), M2M_OK);
	assert_int_equal(m2m_farm_db_by_msisdn(db, "1", &r), M2M_ERR_TLV_NOT_FOUND);
	assert_int_equal(m2m_farm_state_expand(&pkgs, r.state.data, r.state.len, &st), M2M_OK);
	assert_int_equal(m2m_euicc_load(st.data, st.len, &e), M2M_OK);
	j = m2m_farm_info(e, r.msisdn, true);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "msisdn")), H_MSISDN);
	ks = json_object_get(j, "isdr_keysets");
	assert_int_equal(json_array_size(ks), 2);
	h_keys(0, &k, psk);
	m2m_hex_encode(k.kic.key, 16, hex);
	for (int i = 0; hex[i] != '\0'; i++)
		if (hex[i] >= 'a')
			hex[i] = (char)(hex[i] - 'a' + 'A');
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_array_get(ks, 0), "keys"), 0),
				    "value")),
			    hex);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(json_array_get(ks, 1), "keys"), 0),
				    "psk_identity")),
			    "800102811089999000000000000000000000000033"
			    "4F10A0000005591010FFFFFFFF8900000100820101830140");
	assert_int_equal(json_array_size(json_object_get(j, "isdps")), 2);
	assert_string_equal(h_isdp_state(j, "000011"), "disabled");
	json_decref(j);
	m2m_scp80_keys_wipe(&k);
	m2m_euicc_free(e);
	m2m_buf_free(&st);
	m2m_farm_row_free(&r);
	m2m_farm_db_close(db);
	m2m_farm_pkgs_free(&pkgs);
	h_free(h);
}

/* The card's raw POST to a libcurl request and curl's answer back (farm_http.c). */
static void test_http_conversion(void **state)
{
	static const char *const bad[] = {
		"POST /x HTTP/1.1\r\nHost: h\r\n",           /* no end of head */
		"GET /x HTTP/1.1\r\nHost: h\r\n\r\n",       /* not a POST */
		"POST x HTTP/1.1\r\nHost: h\r\n\r\n",       /* relative URI */
		"POST /x HTTP/1.1\r\nHost h\r\n\r\n",       /* header without colon */
		"POST /x HTTP/1.1\r\nX-A: b\r\n\r\n",       /* no Host, no connect */
		"POST /x\r\nHost: h\r\n\r\n",               /* no version */
		"POST /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n",
	};
	static const char good[] = "POST /next/1 HTTP/1.1\r\nHost: smsr.example\r\n"
				   "X-Admin-Protocol: globalplatform-remote-admin/1.0\r\n"
				   "Transfer-Encoding: chunked\r\nContent-Type: x/y\r\n\r\n"
				   "4\r\nAF80\r\n0\r\n\r\n";
	m2m_http_header hs[2] = {{"X-Admin-Protocol", "p"}, {"Transfer-Encoding", "chunked"}};
	m2m_http_client_response resp = {200, hs, 2, {(uint8_t *)"AE80", 4, 4, true}};
	farm_http_req r;
	m2m_buf raw;
	char *big = malloc(9000);

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_not_equal(farm_http_req_from_raw((const uint8_t *)bad[i], strlen(bad[i]),
							     NULL, true, &r),
				     M2M_OK);
		farm_http_req_free(&r);
	}
	/* A head longer than an SCP81 head may be. */
	assert_non_null(big);
	memset(big, 'a', 9000);
	memcpy(big, "POST /x HTTP/1.1\r\nX: ", 21);
	memcpy(big + 8996, "\r\n\r\n", 4);
	assert_int_equal(farm_http_req_from_raw((const uint8_t *)big, 9000, "h:1", true, &r),
			 M2M_ERR_FORMAT);
	farm_http_req_free(&r);
	free(big);
	assert_int_equal(farm_http_req_from_raw((const uint8_t *)good, strlen(good), NULL, true, &r),
			 M2M_OK);
	assert_string_equal(r.url, "https://smsr.example/next/1");
	assert_int_equal(r.n_headers, 3); /* Host, X-Admin-Protocol, Content-Type */
	assert_string_equal(r.headers[0], "Host: smsr.example");
	assert_int_equal(r.body.len, 4);
	assert_memory_equal(r.body.data, "AF80", 4);
	assert_true(r.chunked);
	farm_http_req_free(&r);
	assert_int_equal(farm_http_req_from_raw((const uint8_t *)good, strlen(good), "127.0.0.1:9",
						false, &r),
			 M2M_OK);
	assert_string_equal(r.url, "http://127.0.0.1:9/next/1");
	farm_http_req_free(&r);
	m2m_buf_init(&raw);
	assert_int_equal(farm_http_resp_to_raw(&resp, &raw), M2M_OK);
	assert_int_equal(raw.len, strlen("HTTP/1.1 200 OK\r\nX-Admin-Protocol: p\r\n"
					 "Content-Length: 4\r\n\r\nAE80"));
	assert_memory_equal(raw.data, "HTTP/1.1 200 OK\r\nX-Admin-Protocol: p\r\n"
			    "Content-Length: 4\r\n\r\nAE80", raw.len);
	m2m_buf_free(&raw);
}

/* --second-profile: every device also holds ISD-P 000011, disabled, with its own ICCID
 * (H_ICCID2 + i); the bootstrap stays enabled and fall-back; no notification is pending, and
 * both profiles refer to the one shared base. */
static m2m_err check_second(void *arg, const m2m_farm_row *r)
{
	check_ctx *c = arg;
	uint8_t tar[3] = {0, 0, 0x11}, aid[16];
	char iccid[21], got[21];
	m2m_euicc *e = NULL;
	m2m_buf st;
	int idx;

	assert_int_equal(m2m_farm_iccid_at(H_ICCID2, (uint64_t)c->n, iccid), M2M_OK);
	assert_true(r->state.len < 1400); /* two references, not 25 KB */
	m2m_buf_init(&st);
	assert_int_equal(m2m_farm_state_expand(c->pkgs, r->state.data, r->state.len, &st), M2M_OK);
	assert_int_equal(m2m_euicc_load(st.data, st.len, &e), M2M_OK);
	m2m_euicc_isdp_aid(tar, aid);
	idx = m2m_euicc_find_isdp(e, aid, sizeof aid);
	assert_true(idx >= 0);
	assert_int_equal(e->isdp[idx].lcs, M2M_EUICC_LCS_DISABLED);
	assert_true(e->isdp[idx].has_profile);
	assert_false(e->isdp[idx].fallback);
	m2m_farm_iccid_digits(e->isdp[idx].iccid, got);
	assert_string_equal(got, iccid);
	idx = m2m_euicc_enabled_isdp(e);
	assert_true(idx >= 0);
	assert_int_equal(e->isdp[idx].aid[14], 0x10);
	assert_true(e->isdp[idx].fallback);
	assert_int_equal(m2m_euicc_notif_count(e), 0);
	m2m_euicc_free(e);
	m2m_buf_free(&st);
	c->n++;
	return M2M_OK;
}

static void test_provision_second(void **state)
{
	harness *h = h_new();
	m2m_farm_init_cfg c;
	m2m_eckey *eum = NULL, *ci = NULL;
	m2m_farm_db *db = NULL;
	m2m_farm_pkgs pkgs, loaded;
	m2m_buf boot, bad;
	check_ctx cc;
	char why[256];
	uint64_t n = 0;

	(void)state;
	m2m_buf_init(&boot);
	m2m_buf_init(&bad);
	h_hex("A0 03 800101", &bad);
	assert_int_equal(m2m_saip_read_file(TS48, &boot), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &eum), M2M_OK);
	assert_int_equal(m2m_ec_generate(M2M_CURVE_P256, &ci), M2M_OK);
	assert_int_equal(m2m_farm_pkgs_init(&pkgs), M2M_OK);
	assert_int_equal(m2m_farm_pkgs_init(&loaded), M2M_OK);
	snprintf(h->db, sizeof h->db, "/tmp/farm_second_%d.sqlite", (int)getpid());
	h_remove_db(h);
	assert_int_equal(m2m_farm_db_open(h->db, true, true, &db), M2M_OK);
	/* Refusals first: no second ICCID base, a bad one, a package that is none. */
	h_init_cfg(&c, eum, ci, &boot, 4);
	c.second = boot.data;
	c.second_len = boot.len;
	assert_int_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_ERR_ARG);
	assert_non_null(strstr(why, "second ICCID base"));
	c.second_iccid_base = "89882991";
	assert_int_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_ERR_ARG);
	c.second_iccid_base = H_ICCID2;
	c.second = bad.data;
	c.second_len = bad.len;
	assert_int_not_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_OK);
	assert_non_null(strstr(why, "second package"));
	assert_int_equal(m2m_farm_db_count(db, &n), M2M_OK);
	assert_int_equal(n, 0);
	/* Four devices with both profiles, batches of 3 over 2 threads. */
	c.second = boot.data;
	c.second_len = boot.len;
	assert_int_equal(m2m_farm_provision(db, &pkgs, &c, why, sizeof why), M2M_OK);
	m2m_farm_db_close(db);
	assert_int_equal(m2m_farm_db_open(h->db, false, false, &db), M2M_OK);
	assert_int_equal(m2m_farm_db_pkgs_load(db, &loaded), M2M_OK);
	assert_int_equal(loaded.count, 1);
	memset(&cc, 0, sizeof cc);
	cc.pkgs = &loaded;
	cc.eum = eum;
	assert_int_equal(m2m_farm_db_each(db, false, check_second, &cc), M2M_OK);
	assert_int_equal(cc.n, 4);
	m2m_farm_db_close(db);
	m2m_farm_pkgs_free(&pkgs);
	m2m_farm_pkgs_free(&loaded);
	m2m_ec_free(eum);
	m2m_ec_free(ci);
	m2m_buf_free(&boot);
	m2m_buf_free(&bad);
	h_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eid_check_digits),
		cmocka_unit_test(test_digits_and_iccid),
		cmocka_unit_test(test_kdf_known_answers),
		cmocka_unit_test(test_keysets),
		cmocka_unit_test(test_pkgs_share),
		cmocka_unit_test(test_pkgs_expand_negative),
		cmocka_unit_test(test_provision),
		cmocka_unit_test(test_provision_bad_package),
		cmocka_unit_test(test_provision_second),
		cmocka_unit_test(test_info_json),
		cmocka_unit_test(test_http_conversion),
	};

	m2m_log_setup(M2M_LOG_OFF, M2M_LOG_PLAIN, stderr);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
