/* m2mrsp bench smdp --in-process: the SM-DP's download engine against the software eUICC in
 * one thread, no processes, no network, no bearer (the upper bound of a download): per
 * download the eligibility check (trust cache: the EUM certificate checked once), CreateISDP
 * on the card, an ES8 session (key establishment, SCP03t) whose payloads go straight to the
 * card's script entry points, then DeleteISDP so that the card can take the next one. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_smdp.h"
#include "card/gpcert.h"
#include "cli/cli.h"
#include "core/tlv.h"
#include "crypto/x509.h"
#include "euicc/euicc.h"
#include "euicc/ota.h"
#include "saip/saip.h"
#include "smdp/eligibility.h"
#include "smdp/es8_session.h"

#define MEM_TOTAL 1000000u

typedef struct {
	m2m_eckey *ci, *eum, *ecasd, *dp;
	m2m_buf ci_pem, eum_pem, cert_ecasd, cert_dp, pkg;
	m2m_euicc *e;
	m2m_euicc_ota ota;
	m2m_smdp_trust *trust;
	uint8_t aid[M2M_EUICC_AID_SIZE];
	int last_target;
	double t_elig, t_session; /* seconds spent in the SM-DP's own code */
} world;

static m2m_err gp_cert(const m2m_eckey *issuer, const m2m_eckey *subject, int type,
		       m2m_buf *out)
{
	m2m_gpcert c;
	m2m_err err;

	memset(&c, 0, sizeof c);
	c.serial[0] = c.ca_id[0] = c.subject_id[0] = 0x05;
	c.serial_len = c.ca_id_len = c.subject_id_len = 1;
	c.key_usage[0] = M2M_GPCERT_USAGE_SIGN_VERIFY;
	c.key_usage_len = 1;
	memcpy(c.expiry, "\x21\x45\x01\x01", 4);
	c.has_type = type > 0;
	c.type = (uint8_t)type;
	err = m2m_gpcert_set_public_key(&c, subject);
	return err == M2M_OK ? m2m_gpcert_sign(&c, (m2m_eckey *)issuer, out) : err;
}

static m2m_err x509(m2m_x509_spec *sp, const m2m_eckey *subject, const m2m_buf *issuer_pem,
		    const m2m_eckey *issuer, m2m_buf *out)
{
	sp->kind = M2M_X509_CA;
	sp->days = 3650;
	return m2m_x509_issue(sp, subject, issuer_pem ? issuer_pem->data : NULL,
			      issuer_pem ? issuer_pem->len : 0, issuer, out);
}

static m2m_err card(world *w)
{
	m2m_euicc_config cfg;
	m2m_euicc_profile_cfg boot;
	uint8_t sk[M2M_EC_FIELD_SIZE], pt[M2M_EC_POINT_SIZE];
	m2m_err err;

	memset(&cfg, 0, sizeof cfg);
	memset(&boot, 0, sizeof boot);
	err = m2m_ec_private_bytes(w->ecasd, sk);
	if (err == M2M_OK)
		err = m2m_ec_public_point(w->ci, pt);
	if (err == M2M_OK) {
		memcpy(cfg.eid, "\x89\x04\x90\x32\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01",
		       16);
		cfg.curve = cfg.ci_curve = M2M_CURVE_P256;
		cfg.sk_ecasd = sk;
		cfg.sk_ecasd_len = sizeof sk;
		cfg.pk_ci = pt;
		cfg.pk_ci_len = sizeof pt;
		cfg.cert_ecasd = w->cert_ecasd.data;
		cfg.cert_ecasd_len = w->cert_ecasd.len;
		boot.tar[2] = 0x11;
		memcpy(boot.iccid, "\x98\x10\x14\x00\x00\x00\x00\x00\x00\xF1", 10);
		boot.mem = 10000;
		boot.enabled = boot.fallback = true;
		cfg.profiles = &boot;
		cfg.nprofiles = 1;
		cfg.mem_total = MEM_TOTAL;
		cfg.mem_volatile = 16384;
		cfg.isdp_default_mem = 60000;
		err = m2m_euicc_create(&cfg, &w->e);
	}
	m2m_wipe(sk, sizeof sk);
	return err;
}

static m2m_err setup(world *w, const char *package)
{
	static const uint8_t tar[3] = {0x00, 0x00, 0x13};
	m2m_x509_spec ci = {.cn = "ci", .ou = "CI", .serial = 1};
	m2m_x509_spec eum = {.cn = "eum1", .ou = "EUM", .serial = 2};
	m2m_err err;

	memset(w, 0, sizeof *w);
	m2m_buf_init(&w->ci_pem);
	m2m_buf_init(&w->eum_pem);
	m2m_buf_init(&w->cert_ecasd);
	m2m_buf_init(&w->cert_dp);
	m2m_buf_init(&w->pkg);
	m2m_euicc_ota_init(&w->ota, NULL);
	m2m_euicc_ota_enable_isdp(&w->ota);
	m2m_euicc_isdp_aid(tar, w->aid);
	w->last_target = -2;
	err = m2m_ec_generate(M2M_CURVE_P256, &w->ci);
	if (err == M2M_OK)
		err = m2m_ec_generate(M2M_CURVE_P256, &w->eum);
	if (err == M2M_OK)
		err = m2m_ec_generate(M2M_CURVE_P256, &w->ecasd);
	if (err == M2M_OK)
		err = m2m_ec_generate(M2M_CURVE_P256, &w->dp);
	if (err == M2M_OK)
		err = x509(&ci, w->ci, NULL, w->ci, &w->ci_pem);
	if (err == M2M_OK)
		err = x509(&eum, w->eum, &w->ci_pem, w->ci, &w->eum_pem);
	if (err == M2M_OK)
		err = gp_cert(w->eum, w->ecasd, 0, &w->cert_ecasd);
	if (err == M2M_OK)
		err = gp_cert(w->ci, w->dp, M2M_GPCERT_TYPE_SMDP, &w->cert_dp);
	if (err == M2M_OK)
		err = m2m_saip_read_file(package, &w->pkg);
	if (err == M2M_OK)
		err = card(w);
	if (err == M2M_OK)
		err = m2m_smdp_trust_new(w->ci_pem.data, w->ci_pem.len, &w->trust);
	return err;
}

static void teardown(world *w)
{
	m2m_smdp_trust_free(w->trust);
	m2m_euicc_ota_free(&w->ota);
	m2m_euicc_free(w->e);
	m2m_ec_free(w->ci);
	m2m_ec_free(w->eum);
	m2m_ec_free(w->ecasd);
	m2m_ec_free(w->dp);
	m2m_buf_free(&w->ci_pem);
	m2m_buf_free(&w->eum_pem);
	m2m_buf_free(&w->cert_ecasd);
	m2m_buf_free(&w->cert_dp);
	m2m_buf_free(&w->pkg);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The SM-SR's part: a payload to the card (an ISD-R script, or the SCP03t TLVs inside
 * AE 80 .. 00 00 for the ISD-P, as SCP81 carries them), the answer in resp. */
static m2m_err deliver(world *w, const m2m_es8_payload *p, m2m_buf *resp)
{
	m2m_euicc_events ev = {0};
	int target = M2M_EUICC_OTA_TARGET_ISDR;
	bool more = false;
	m2m_tlv t;

	m2m_buf_reset(resp);
	if (p->target == M2M_ES8_TO_ISDP)
		target = m2m_euicc_find_isdp(w->e, p->sd_aid, p->sd_aid_len);
	if (target < M2M_EUICC_OTA_TARGET_ISDR)
		return M2M_ERR_STATE;
	if (target != w->last_target)
		m2m_euicc_session_end(w->e); /* one card session per target */
	w->last_target = target;
	if (target == M2M_EUICC_OTA_TARGET_ISDR)
		return m2m_euicc_ota_run_script(w->e, &w->ota, target, p->data, p->len, resp, &ev,
						&more);
	if (m2m_tlv_decode_one(p->data, p->len, M2M_TLV_BER, &t, NULL) != M2M_OK || t.tag != 0xAE)
		return M2M_ERR_FORMAT;
	return m2m_euicc_ota_run_scp03t(w->e, &w->ota, target, t.value, t.len, resp, &ev);
}

/* Eligibility as after ES3.GetEIS: the card's certificate and the EUM's from the EIS. */
static m2m_err eligible(world *w, m2m_smdp_eligible *ok)
{
	m2m_smdp_refusal why;
	m2m_smdp_eis eis = {.ecasd_cert = w->cert_ecasd.data,
			    .ecasd_cert_len = w->cert_ecasd.len,
			    .eum_pem = w->eum_pem.data,
			    .eum_pem_len = w->eum_pem.len,
			    .free_memory = MEM_TOTAL,
			    .caps = {.http = true, .version = {3, 1, 0}}};
	m2m_smdp_req req = {.trust = w->trust, .package_len = w->pkg.len, .need_http = true};

	return m2m_smdp_eligibility(&eis, &req, ok, &why);
}

static bool one(world *w)
{
	m2m_smdp_eligible ok = {0};
	m2m_es8_config cfg;
	m2m_es8_session *s = NULL;
	m2m_es8_payload p;
	m2m_euicc_events ev = {0};
	m2m_buf resp;
	m2m_err err;
	double t0 = now(), t1;
	bool done = false;

	m2m_buf_init(&resp);
	err = eligible(w, &ok);
	t1 = now();
	w->t_elig += t1 - t0;
	if (err != M2M_OK ||
	    m2m_euicc_create_isdp(w->e, w->aid, sizeof w->aid, true,
				  (uint32_t)ok.required_memory, &ev) != 0x9000)
		goto out;
	m2m_es8_config_init(&cfg);
	cfg.eid = (const uint8_t *)"\x89\x04\x90\x32\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
				   "\x00\x01";
	cfg.isdp_aid = w->aid;
	cfg.isdp_aid_len = sizeof w->aid;
	cfg.cert_dp = w->cert_dp.data;
	cfg.cert_dp_len = w->cert_dp.len;
	cfg.sk_dp = w->dp;
	cfg.pk_ecasd = ok.pk_ecasd;
	cfg.curve = ok.curve;
	cfg.package = w->pkg.data;
	cfg.package_len = w->pkg.len;
	t0 = now();
	err = m2m_es8_session_new(&cfg, &s);
	w->t_session += now() - t0;
	while (err == M2M_OK) {
		t0 = now();
		err = m2m_es8_next(s, &p);
		w->t_session += now() - t0;
		if (err != M2M_OK || deliver(w, &p, &resp) != M2M_OK)
			break;
		t0 = now();
		err = m2m_es8_response(s, resp.data, resp.len);
		w->t_session += now() - t0;
	}
	done = err == M2M_END && m2m_es8_done(s);
out:
	m2m_es8_session_free(s);
	m2m_ec_free(ok.pk_ecasd);
	m2m_buf_free(&resp);
	m2m_euicc_session_end(w->e);
	w->last_target = -2;
	/* The card's ISD-P goes, whatever happened, so that the next download finds room. */
	if (m2m_euicc_delete_isdp(w->e, w->aid, sizeof w->aid, &ev) != 0x9000)
		done = false;
	return done;
}

static double cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int bsd_in_process(const bsd_opts *o)
{
	world w;
	size_t ok = 0, failed = 0;
	double t0, c0, wall, cpu;
	int rc = M2M_EXIT_FAILED;

	if (setup(&w, o->package) != M2M_OK) {
		fprintf(stderr, "bench smdp: in-process set-up failed\n");
		goto out;
	}
	t0 = now();
	c0 = cpu_s();
	for (size_t i = 0; i < o->downloads; i++)
		one(&w) ? ok++ : failed++;
	wall = now() - t0;
	cpu = cpu_s() - c0;
	printf("In process (one thread; SM-DP engine + software eUICC, no network, no bearer), "
	       "package %zu bytes:\n",
	       w.pkg.len);
	printf("  %zu downloads in %.2f s: %.0f downloads/s; ok %zu, failed %zu\n", o->downloads,
	       wall, (double)o->downloads / wall, ok, failed);
	printf("  CPU %.2f ms per download (wall %.2f ms): eligibility %.2f ms, SM-DP session "
	       "%.2f ms, the card and the ISD-P create/delete the rest\n",
	       1000 * cpu / (double)o->downloads, 1000 * wall / (double)o->downloads,
	       1000 * w.t_elig / (double)o->downloads, 1000 * w.t_session / (double)o->downloads);
	printf("  => %.0f downloads/s per core, %.0f on two cores if it scaled\n",
	       (double)o->downloads / cpu, 2 * (double)o->downloads / cpu);
	rc = failed == 0 ? M2M_EXIT_OK : M2M_EXIT_FAILED;
out:
	teardown(&w);
	return rc;
}
