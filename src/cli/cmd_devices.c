/*
 * m2mrsp devices: the device farm (docs/devices.md). This file holds the verb table and
 * `devices init`, which provisions a farm database.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cmd_devices.h"
#include "cli/opts.h"
#include "core/hex.h"
#include "crypto/hash.h"
#include "crypto/pem.h"
#include "farm/farm_db.h"
#include "farm/farm_provision.h"

#define WHAT "devices init"
#define DEFAULT_FIRST_EID "89999000000000000000000000000000"
#define DEFAULT_MSISDN "882990000000000"
#define DEFAULT_ICCID "8988299000000000000"
#define DEFAULT_ICCID2 "8988299100000000000"

static const m2m_verb devices_verbs[] = {
	{"init", "create N eUICCs in a farm database", m2m_devices_cmd_init,
	 m2m_devices_cmd_init_help, NULL},
	{"run", "run the farm: SMSC (SMPP), SCP81 sessions, control API", m2m_devices_cmd_run,
	 m2m_devices_cmd_run_help, NULL},
	{"list", "print every device with its keys (what an SM-SR registers)",
	 m2m_devices_cmd_list, m2m_devices_cmd_list_help, NULL},
	{"show", "print one device, or the farm's summary", m2m_devices_cmd_show,
	 m2m_devices_cmd_show_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_devices = {"devices",
				   "the device farm: software eUICCs behind a simulated network",
				   NULL, NULL, devices_verbs};

int m2m_devices_exit(m2m_err err)
{
	return err == M2M_OK ? M2M_EXIT_OK : err == M2M_ERR_IO ? M2M_EXIT_IO : M2M_EXIT_FAILED;
}

int m2m_devices_opt_u64(const char *what, const char *name, const char *v, uint64_t min,
			uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long x;

	errno = 0;
	x = v != NULL && v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
	if (v == NULL || end == NULL || *end != '\0' || errno != 0 || x < min || x > max)
		return m2m_cli_error(M2M_EXIT_USAGE, what, "--%s must be a number in %llu..%llu",
				     name, (unsigned long long)min, (unsigned long long)max);
	*out = x;
	return 0;
}

void m2m_devices_cmd_init_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp devices init --db FILE.sqlite --count N --bootstrap PROFILE.der\n"
		"         [--first-eid DIGITS32] [--msisdn-base DIGITS] [--iccid-base DIGITS19]\n"
		"         [--seed HEX] [--eum-key PEM --ci-key PEM] [--eum-id HEX]\n"
		"         [--scp80-sets N] [--key-len 16|24|32] [--psk-len 0|16|32]\n"
		"         [--curve P-256|brainpoolP256r1] [--mem-total BYTES] [--boot-mem BYTES]\n"
		"         [--no-fallback] [--jobs N] [--batch N] [--quiet]\n"
		"         [--second-profile PROFILE.der [--second-iccid-base DIGITS19]]\n"
		"\n"
		"Creates N eUICCs (1..10000000) in a new SQLite database (docs/devices.md):\n"
		"  EID        first-eid + i with fresh SGP.29 check digits (default %s)\n"
		"  MSISDN     msisdn-base + i (default %s)\n"
		"  keys       ISD-R SCP80 key sets KVN 01..N (AES, KIc/KID/DEK) and the SCP81 PSK\n"
		"             (KVN 40), SK.ECASD.ECKA: derived from --seed (16/24/32 bytes; random\n"
		"             and stored in the database when absent) and the EID\n"
		"  ECASD      CERT.ECASD.ECKA signed with --eum-key (PEM private key; PK.CI from\n"
		"             --ci-key, PEM); without them a throw-away CI and EUM are generated\n"
		"             and kept in the database\n"
		"  bootstrap  the SAIP package with ICCID iccid-base + i (+ Luhn digit, default\n"
		"             base %s) in ISD-P TAR 000010, enabled and fall-back\n"
		"  second     with --second-profile: that package with ICCID second-iccid-base + i\n"
		"             (default base %s) in ISD-P TAR 000011, installed, disabled\n"
		"Prints the device count and the time taken.\n"
		"Exit 0 ok, 1 refused (database not empty, bad package), 2 usage, 3 I/O.\n",
		DEFAULT_FIRST_EID, DEFAULT_MSISDN, DEFAULT_ICCID, DEFAULT_ICCID2);
}

enum {
	O_DB, O_COUNT, O_BOOT, O_EID, O_MSISDN, O_ICCID, O_SEED, O_EUM, O_CI, O_EUM_ID,
	O_SETS, O_KEYLEN, O_PSKLEN, O_CURVE, O_MEM, O_BOOTMEM, O_NOFB, O_JOBS, O_BATCH, O_QUIET,
	O_SECOND, O_ICCID2, O__COUNT
};

typedef struct {
	m2m_farm_init_cfg cfg;
	uint8_t seed[32];
	bool seed_generated;
	m2m_buf boot, second;
	m2m_eckey *eum, *ci;
	bool pki_generated;
	uint8_t eum_id[32];
	bool quiet;
	const char *db;
} init_ctx;

static int seed_opt(const m2m_opt *o, init_ctx *c)
{
	size_t n = 0;

	if (o->value == NULL) {
		c->seed_generated = true;
		c->cfg.seed_len = 16;
		return m2m_random(c->seed, 16) == M2M_OK ? 0 : M2M_EXIT_FAILED;
	}
	if (m2m_hex_decode(o->value, c->seed, sizeof c->seed, &n) != M2M_OK ||
	    (n != 16 && n != 24 && n != 32))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--seed needs 16, 24 or 32 bytes of hex");
	c->cfg.seed_len = n;
	return 0;
}

/* --eum-key and --ci-key, or a throw-away pair; the EUM id defaults to 8 bytes of the
 * SHA-256 of the EUM public key. */
static int pki_opts(const m2m_opt *o, init_ctx *c)
{
	uint8_t pt[M2M_EC_POINT_SIZE], h[32];
	size_t n = 0;
	m2m_err err;

	if ((o[O_EUM].value == NULL) != (o[O_CI].value == NULL))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--eum-key and --ci-key go together");
	if (o[O_EUM].value != NULL) {
		err = m2m_ec_load_pem(o[O_EUM].value, true, &c->eum);
		if (err == M2M_OK)
			err = m2m_ec_load_pem(o[O_CI].value, false, &c->ci);
		if (err != M2M_OK)
			return m2m_cli_error(m2m_devices_exit(err), WHAT, "EUM/CI key: %s",
					     m2m_strerror(err));
	} else {
		c->pki_generated = true;
		if (m2m_ec_generate(M2M_CURVE_P256, &c->ci) != M2M_OK ||
		    m2m_ec_generate(M2M_CURVE_P256, &c->eum) != M2M_OK)
			return m2m_cli_error(M2M_EXIT_FAILED, WHAT, "key generation failed");
	}
	c->cfg.eum_id = c->eum_id;
	if (o[O_EUM_ID].value != NULL) {
		if (m2m_hex_decode(o[O_EUM_ID].value, c->eum_id, sizeof c->eum_id, &n) != M2M_OK ||
		    n == 0)
			return m2m_cli_error(M2M_EXIT_USAGE, WHAT,
					     "--eum-id needs 1-32 bytes of hex");
		c->cfg.eum_id_len = n;
		return 0;
	}
	if (m2m_ec_public_point(c->eum, pt) != M2M_OK || m2m_sha256(pt, sizeof pt, h) != M2M_OK)
		return M2M_EXIT_FAILED;
	memcpy(c->eum_id, h, 8);
	c->cfg.eum_id_len = 8;
	return 0;
}

static int number_opts(const m2m_opt *o, init_ctx *c)
{
	uint64_t v[6] = {1, 16, 16, 1u << 20, 0, 2};
	static const struct {
		int opt;
		uint64_t min, max;
	} t[6] = {{O_SETS, 1, 15}, {O_KEYLEN, 16, 32}, {O_PSKLEN, 0, 32},
		  {O_MEM, 65536, 1u << 30}, {O_BOOTMEM, 1024, 1u << 30}, {O_JOBS, 1, 16}};
	uint64_t batch = 5000;
	int rc = 0;

	for (int i = 0; rc == 0 && i < 6; i++)
		if (o[t[i].opt].value != NULL)
			rc = m2m_devices_opt_u64(WHAT, o[t[i].opt].name, o[t[i].opt].value,
						 t[i].min, t[i].max, &v[i]);
	if (rc == 0 && o[O_BATCH].value != NULL)
		rc = m2m_devices_opt_u64(WHAT, "batch", o[O_BATCH].value, 1, 100000, &batch);
	if (rc == 0 && o[O_COUNT].value != NULL)
		rc = m2m_devices_opt_u64(WHAT, "count", o[O_COUNT].value, 1, M2M_FARM_COUNT_MAX,
					 &c->cfg.count);
	if (rc != 0)
		return rc;
	if ((v[1] != 16 && v[1] != 24 && v[1] != 32) || (v[2] != 0 && v[2] != 16 && v[2] != 32))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT,
				     "--key-len is 16, 24 or 32 and --psk-len 0, 16 or 32");
	c->cfg.keys.scp80_sets = (unsigned)v[0];
	c->cfg.keys.key_len = v[1];
	c->cfg.keys.psk_len = v[2];
	c->cfg.mem_total = (uint32_t)v[3];
	c->cfg.isdp_default_mem = 131072;
	c->cfg.mem_volatile = 65536;
	c->cfg.boot_mem = v[4] != 0 ? (uint32_t)v[4] : c->cfg.isdp_default_mem;
	c->cfg.jobs = (unsigned)v[5];
	c->cfg.batch = (unsigned)batch;
	return 0;
}

/* --second-profile: a second, disabled profile in ISD-P 000011 of every device. */
static int second_opts(const m2m_opt *o, init_ctx *c)
{
	if (o[O_SECOND].value == NULL) {
		if (o[O_ICCID2].value != NULL)
			return m2m_cli_error(M2M_EXIT_USAGE, WHAT,
					     "--second-iccid-base needs --second-profile");
		return 0;
	}
	if (m2m_saip_read_file(o[O_SECOND].value, &c->second) != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, WHAT, "cannot read %s", o[O_SECOND].value);
	c->cfg.second = c->second.data;
	c->cfg.second_len = c->second.len;
	c->cfg.second_iccid_base = o[O_ICCID2].value != NULL ? o[O_ICCID2].value
							     : DEFAULT_ICCID2;
	return 0;
}

static int parse(int argc, char **argv, init_ctx *c)
{
	m2m_opt o[O__COUNT] = {
		M2M_OPT_REQ("db"), M2M_OPT_REQ("count"), M2M_OPT_REQ("bootstrap"),
		M2M_OPT("first-eid"), M2M_OPT("msisdn-base"), M2M_OPT("iccid-base"),
		M2M_OPT("seed"), M2M_OPT("eum-key"), M2M_OPT("ci-key"), M2M_OPT("eum-id"),
		M2M_OPT("scp80-sets"), M2M_OPT("key-len"), M2M_OPT("psk-len"), M2M_OPT("curve"),
		M2M_OPT("mem-total"), M2M_OPT("boot-mem"), M2M_FLAG("no-fallback"),
		M2M_OPT("jobs"), M2M_OPT("batch"), M2M_FLAG("quiet"),
		M2M_OPT("second-profile"), M2M_OPT("second-iccid-base"),
	};
	m2m_err err;
	int rc = m2m_opts_parse(WHAT, argc, argv, o, O__COUNT, NULL, false);

	if (rc == 0)
		rc = number_opts(o, c);
	if (rc != 0)
		return rc;
	c->cfg.first_eid = o[O_EID].value != NULL ? o[O_EID].value : DEFAULT_FIRST_EID;
	c->cfg.msisdn_base = o[O_MSISDN].value != NULL ? o[O_MSISDN].value : DEFAULT_MSISDN;
	c->cfg.iccid_base = o[O_ICCID].value != NULL ? o[O_ICCID].value : DEFAULT_ICCID;
	c->cfg.boot_fallback = o[O_NOFB].value == NULL;
	c->quiet = o[O_QUIET].value != NULL;
	c->db = o[O_DB].value;
	c->cfg.curve = M2M_CURVE_P256;
	if (o[O_CURVE].value != NULL &&
	    (m2m_curve_from_name(o[O_CURVE].value, &c->cfg.curve) != M2M_OK ||
	     c->cfg.curve == M2M_CURVE_FRP256V1))
		return m2m_cli_error(M2M_EXIT_USAGE, WHAT, "--curve: P-256 or brainpoolP256r1");
	if ((rc = seed_opt(&o[O_SEED], c)) != 0 || (rc = pki_opts(o, c)) != 0)
		return rc;
	err = m2m_saip_read_file(o[O_BOOT].value, &c->boot);
	if (err != M2M_OK)
		return m2m_cli_error(M2M_EXIT_IO, WHAT, "cannot read %s", o[O_BOOT].value);
	c->cfg.bootstrap = c->boot.data;
	c->cfg.bootstrap_len = c->boot.len;
	if ((rc = second_opts(o, c)) != 0)
		return rc;
	c->cfg.seed = c->seed;
	c->cfg.eum = c->eum;
	c->cfg.ci = c->ci;
	return 0;
}

static void progress(void *arg, uint64_t done, uint64_t total)
{
	const init_ctx *c = arg;

	if (!c->quiet && (done == total || done % 100000 < c->cfg.batch))
		fprintf(stderr, "m2mrsp: %s: %llu/%llu devices\n", WHAT, (unsigned long long)done,
			(unsigned long long)total);
}

/* What an SM-SR or a later init needs and cannot derive: generated keys (PEM). */
static m2m_err store_meta(m2m_farm_db *db, const init_ctx *c)
{
	m2m_buf b;
	m2m_err err = M2M_OK;

	m2m_buf_init(&b);
	if (c->seed_generated)
		err = m2m_farm_db_meta_put(db, "seed", c->seed, c->cfg.seed_len);
	if (err == M2M_OK && c->pki_generated)
		err = m2m_ec_private_pem(c->eum, &b);
	if (err == M2M_OK && c->pki_generated)
		err = m2m_farm_db_meta_put(db, "eum_key", b.data, b.len);
	m2m_buf_reset(&b);
	if (err == M2M_OK && c->pki_generated)
		err = m2m_ec_private_pem(c->ci, &b);
	if (err == M2M_OK && c->pki_generated)
		err = m2m_farm_db_meta_put(db, "ci_key", b.data, b.len);
	m2m_buf_reset(&b);
	if (err == M2M_OK)
		err = m2m_ec_public_pem(c->eum, &b);
	if (err == M2M_OK)
		err = m2m_farm_db_meta_put(db, "eum_pub", b.data, b.len);
	m2m_buf_reset(&b);
	if (err == M2M_OK)
		err = m2m_ec_public_pem(c->ci, &b);
	if (err == M2M_OK)
		err = m2m_farm_db_meta_put(db, "ci_pub", b.data, b.len);
	if (err == M2M_OK)
		err = m2m_farm_db_meta_put(db, "eum_id", c->eum_id, c->cfg.eum_id_len);
	m2m_buf_free(&b);
	return err;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int m2m_devices_cmd_init(int argc, char **argv)
{
	init_ctx c;
	m2m_farm_db *db = NULL;
	m2m_farm_pkgs pkgs;
	char why[256] = "";
	double t0 = now_s();
	m2m_err err = M2M_OK;
	int rc;

	memset(&c, 0, sizeof c);
	m2m_buf_init(&c.boot);
	m2m_buf_init(&c.second);
	if (m2m_farm_pkgs_init(&pkgs) != M2M_OK)
		return M2M_EXIT_FAILED;
	c.cfg.progress = progress;
	c.cfg.progress_arg = &c;
	rc = parse(argc, argv, &c);
	if (rc != 0)
		goto out;
	err = m2m_farm_db_open(c.db, true, true, &db);
	if (err != M2M_OK) {
		rc = m2m_cli_error(m2m_devices_exit(err), WHAT, "%s: not a farm database or "
				   "cannot be created", c.db);
		goto out;
	}
	err = m2m_farm_provision(db, &pkgs, &c.cfg, why, sizeof why);
	if (err == M2M_OK)
		err = store_meta(db, &c);
	if (err != M2M_OK) {
		rc = m2m_cli_error(m2m_devices_exit(err), WHAT, "%s", why[0] ? why :
				   m2m_strerror(err));
		goto out;
	}
	printf("devices %llu\nseconds %.2f\n", (unsigned long long)c.cfg.count, now_s() - t0);
	rc = fflush(stdout) == 0 ? M2M_EXIT_OK : M2M_EXIT_IO;
out:
	m2m_farm_db_close(db);
	m2m_farm_pkgs_free(&pkgs);
	m2m_buf_free(&c.boot);
	m2m_buf_free(&c.second);
	m2m_ec_free(c.eum);
	m2m_ec_free(c.ci);
	m2m_wipe(c.seed, sizeof c.seed);
	return rc;
}
