/* The demo's numbered steps (docs/demo.md): each runs verbs of this binary as child
 * processes or calls the daemons, and prints one outcome line with its time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo_int.h"
#include "cli/fleet_progress.h"
#include "core/buf.h"
#include "store/store.h"

#define STEPS 9
#define REGISTER_CHUNK 250  /* EIS files per `eis register` process */
#define REGISTER_PARALLEL 4 /* `eis register` processes at once */
#define READY_S 60.0        /* a daemon's time to print its ready line */
#define FALLBACK_S 120.0    /* the fall-back notification's time to reach the SM-SR */

typedef int (*step_fn)(m2m_demo *d, char *note, size_t cap);

/* ---- helpers ---- */

/* An exit code of a child as a step failure: 3 if it could not start, else 1. */
static int child_failed(const m2m_demo *d, const char *what, int code, const char *log,
			char *note, size_t cap)
{
	snprintf(note, cap, "%s exited %d (log: %s/%s)", what, code, d->dir, log);
	m2m_demo_tail(d, log, 8);
	return code == 127 || code == 3 ? M2M_EXIT_IO : M2M_EXIT_FAILED;
}

/* A daemon started and its ready lines read; 3 (I/O) if it did not come up. */
static int start_daemon(m2m_demo *d, const char *name, const char *const *args,
			const char *const *keys, char *const *values, char *note, size_t cap)
{
	char log[64];
	m2m_demo_proc *p = m2m_demo_spawn(d, name, args);

	snprintf(log, sizeof log, "%s.log", name);
	if (p == NULL) {
		snprintf(note, cap, "cannot start %s", name);
		return M2M_EXIT_IO;
	}
	for (size_t i = 0; keys[i] != NULL; i++)
		if (!m2m_demo_wait_line(d, p, keys[i], values[i], 64, READY_S)) {
			snprintf(note, cap, "%s did not start: no '%s' line (log: %s/%s)", name,
				 keys[i], d->dir, log);
			m2m_demo_tail(d, log, 8);
			return M2M_EXIT_IO;
		}
	return M2M_EXIT_OK;
}

static void at(const m2m_demo *d, const char *name, char *out, size_t cap)
{
	m2m_demo_path(d, name, out, cap);
}

static const char *progress_name(m2m_fleet_progress_mode m)
{
	switch (m) {
	case M2M_FLEET_PROGRESS_TTY:
		return "tty";
	case M2M_FLEET_PROGRESS_PLAIN:
		return "plain";
	case M2M_FLEET_PROGRESS_OFF:
		return "off";
	default:
		return "auto";
	}
}

/* ---- 1. PKI ---- */

static int step_pki(m2m_demo *d, char *note, size_t cap)
{
	char dir[PATH_MAX];
	const char *args[] = {"pki", "init", dir, NULL};
	int rc;

	at(d, "pki", dir, sizeof dir);
	rc = m2m_demo_run(d, "pki.log", "pki.log", args);
	if (rc != 0)
		return child_failed(d, "pki init", rc, "pki.log", note, cap);
	snprintf(note, cap, "CI, EUM eum1, TLS CA; smsr1, smsr2, smdp1, mno1, mno2, eum1 in %s",
		 dir);
	return M2M_EXIT_OK;
}

/* ---- 2. the farm ---- */

static int farm_init(m2m_demo *d, char *note, size_t cap)
{
	char db[PATH_MAX], eum[PATH_MAX], ci[PATH_MAX], count[32];
	const char *init[] = {"devices", "init", "--db", db, "--count", count, "--bootstrap",
			      d->package, "--eum-key", eum, "--ci-key", ci, "--jobs", "2", NULL};
	const char *list[] = {"devices", "list", "--db", db, "--json", NULL};
	int rc;

	at(d, "farm.sqlite", db, sizeof db);
	at(d, "pki/eum1.key", eum, sizeof eum);
	at(d, "pki/ci.crt", ci, sizeof ci);
	snprintf(count, sizeof count, "%zu", d->euiccs);
	rc = m2m_demo_run(d, "farm-init.log", "farm-init.log", init);
	if (rc != 0)
		return child_failed(d, "devices init", rc, "farm-init.log", note, cap);
	rc = m2m_demo_run(d, "devices.json", "farm-init.log", list);
	if (rc != 0)
		return child_failed(d, "devices list", rc, "farm-init.log", note, cap);
	return m2m_demo_read_devices(d);
}

static int step_farm(m2m_demo *d, char *note, size_t cap)
{
	char db[PATH_MAX], url[96];
	const char *run[] = {"devices", "run", "--db", db, "--smpp", "127.0.0.1:0", "--control",
			     "127.0.0.1:0", "--system-id", "smsr", "--password", "secret",
			     "--scp81-url", url, "--notify", "https", "--notif-first-ms", "300",
			     NULL};
	const char *keys[] = {"smpp", "control", NULL};
	char *values[] = {d->smpp, d->control};
	int rc = farm_init(d, note, cap);

	if (rc != 0)
		return rc;
	/* The SM-SR's SCP81 admin server: the farm must know it before the SM-SR starts. */
	d->scp81_port = m2m_demo_free_port();
	at(d, "farm.sqlite", db, sizeof db);
	snprintf(url, sizeof url, "https://127.0.0.1:%u/scp81", d->scp81_port);
	rc = start_daemon(d, "farm", run, keys, values, note, cap);
	if (rc == 0)
		snprintf(note, cap, "%zu eUICCs (bootstrap %s), SMSC %s, control %s", d->ndev,
			 M2M_DEMO_PACKAGE, d->smpp, d->control);
	return rc;
}

/* ---- 3. the SM-SR and ES1 ---- */

static int read_transport_key(const m2m_demo *d, char *key, size_t cap)
{
	char path[PATH_MAX];
	FILE *f;
	bool ok;

	at(d, "eis/transport.key", path, sizeof path);
	f = fopen(path, "r");
	if (f == NULL)
		return M2M_EXIT_IO;
	ok = fgets(key, (int)cap, f) != NULL;
	fclose(f);
	key[strcspn(key, "\r\n")] = '\0';
	return ok ? M2M_EXIT_OK : M2M_EXIT_IO;
}

/* eis register for the files of devices [from, to) as one child; its pid. */
static pid_t register_chunk(const m2m_demo *d, size_t from, size_t to, char (*files)[PATH_MAX],
			    int k)
{
	const char *args[REGISTER_CHUNK + 16];
	char url[128], cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX], out[64];
	size_t n = 0;

	snprintf(url, sizeof url, "https://%s/soap/es1", d->smsr_es);
	at(d, "pki/eum1-tls.crt", cert, sizeof cert);
	at(d, "pki/eum1-tls.key", key, sizeof key);
	at(d, "pki/tls-ca.crt", ca, sizeof ca);
	args[n++] = "eis";
	args[n++] = "register";
	args[n++] = "--url";
	args[n++] = url;
	args[n++] = "--cert";
	args[n++] = cert;
	args[n++] = "--key";
	args[n++] = key;
	args[n++] = "--ca";
	args[n++] = ca;
	for (size_t i = from; i < to; i++)
		args[n++] = files[i];
	args[n] = NULL;
	snprintf(out, sizeof out, "es1-register-%d.out", k);
	return m2m_demo_start(d, out, "es1-register.log", args);
}

/* ES1.RegisterEIS of every eUICC: `eis register` processes, REGISTER_PARALLEL at a time. */
static int register_all(m2m_demo *d, char *note, size_t cap)
{
	char(*files)[PATH_MAX] = calloc(d->ndev, PATH_MAX);
	pid_t pids[REGISTER_PARALLEL];
	size_t next = 0;
	int k = 0, bad = 0, worst = 0;

	if (files == NULL)
		return M2M_EXIT_IO;
	for (size_t i = 0; i < d->ndev; i++) {
		char name[64];
		snprintf(name, sizeof name, "eis/%.40s.xml", d->dev[i].eid);
		at(d, name, files[i], PATH_MAX);
	}
	while (next < d->ndev) {
		int n = 0;
		for (; n < REGISTER_PARALLEL && next < d->ndev; n++) {
			size_t left = d->ndev - next;
			size_t to = next + (left > REGISTER_CHUNK ? REGISTER_CHUNK : left);
			pids[n] = register_chunk(d, next, to, files, k++);
			next = to;
		}
		for (int i = 0; i < n; i++) {
			int rc = m2m_demo_wait(pids[i]);
			if (rc != 0) {
				bad++;
				worst = rc;
			}
		}
	}
	free(files);
	if (bad > 0)
		return child_failed(d, "eis register", worst, "es1-register.log", note, cap);
	return M2M_EXIT_OK;
}

/* SM-SR2, the target of step 8's SM-SR change: SM-SR1's ES7 peer, on d->smsr2_port. */
static int start_smsr2(m2m_demo *d, char *note, size_t cap)
{
	char ini[PATH_MAX], want[80];
	const char *run[] = {"smsr", "--config", ini, NULL};
	const char *keys[] = {"es", NULL};
	char *values[] = {d->smsr2_es};
	int rc;

	at(d, "smsr2.ini", ini, sizeof ini);
	rc = m2m_demo_write_smsr2_ini(d);
	if (rc == 0)
		rc = start_daemon(d, "smsr2", run, keys, values, note, cap);
	snprintf(want, sizeof want, "127.0.0.1:%u", d->smsr2_port);
	if (rc == 0 && strcmp(d->smsr2_es, want) != 0) {
		snprintf(note, cap, "SM-SR2 listens on %s, not on %s (SM-SR1's [smsr_peers])",
			 d->smsr2_es, want);
		rc = M2M_EXIT_IO;
	}
	return rc;
}

static int step_smsr(m2m_demo *d, char *note, size_t cap)
{
	char devices[PATH_MAX], pki[PATH_MAX], out[PATH_MAX], ini[PATH_MAX], tk[80];
	const char *make[] = {"eis", "make", "--devices", devices, "--pki", pki, "--out", out,
			      "--mno-id", M2M_DEMO_MNO1, "--smsr-id", M2M_DEMO_SMSR1, NULL};
	const char *run[] = {"smsr", "--config", ini, NULL};
	const char *keys[] = {"es", NULL};
	char *values[] = {d->smsr_es};
	int rc;

	at(d, "devices.json", devices, sizeof devices);
	at(d, "pki", pki, sizeof pki);
	at(d, "eis", out, sizeof out);
	at(d, "smsr.ini", ini, sizeof ini);
	rc = m2m_demo_run(d, "eis-make.log", "eis-make.log", make);
	if (rc != 0)
		return child_failed(d, "eis make", rc, "eis-make.log", note, cap);
	if (read_transport_key(d, tk, sizeof tk) != 0) {
		snprintf(note, cap, "eis make wrote no eis/transport.key");
		return M2M_EXIT_IO;
	}
	/* SM-SR1 names SM-SR2's ES7 address before either runs. */
	d->smsr2_port = m2m_demo_free_port();
	rc = m2m_demo_write_smsr_ini(d, tk);
	m2m_wipe(tk, sizeof tk);
	if (rc == 0)
		rc = start_daemon(d, "smsr", run, keys, values, note, cap);
	if (rc == 0)
		rc = start_smsr2(d, note, cap);
	if (rc == 0)
		rc = register_all(d, note, cap);
	if (rc == 0)
		snprintf(note, cap, "SM-SR1 (smsr1): ES4/ES3/ES1/ES7 on %s, SCP81 on 127.0.0.1:%u; "
			 "%zu EIS registered by ES1 (eis register, EUM eum1); SM-SR2 (smsr2, no "
			 "eUICC yet): ES4/ES7 on %s", d->smsr_es, d->scp81_port, d->ndev,
			 d->smsr2_es);
	return rc;
}

/* ---- 4. the SM-DP ---- */

static int step_smdp(m2m_demo *d, char *note, size_t cap)
{
	char ini[PATH_MAX], batch[PATH_MAX];
	const char *help[] = {"smdp", "--help", NULL};
	const char *import[] = {"smdp", "import", "--config", ini, "--type",
				M2M_DEMO_PROFILE_TYPE, "--mno", M2M_DEMO_MNO2, "--package",
				d->package, "--batch", batch, NULL};
	const char *run[] = {"smdp", "--config", ini, NULL};
	const char *keys[] = {"es", NULL};
	char *values[] = {d->smdp_es};
	int rc;

	at(d, "smdp.ini", ini, sizeof ini);
	at(d, "smdp-batch.csv", batch, sizeof batch);
	if (m2m_demo_run(d, "smdp.log", "smdp.log", help) != 0) {
		snprintf(note, cap, "this build has no SM-DP (`m2mrsp smdp` is missing)");
		return M2M_EXIT_FAILED;
	}
	rc = m2m_demo_write_batch(d, "smdp-batch.csv");
	if (rc == 0)
		rc = m2m_demo_write_smdp_ini(d);
	if (rc != 0)
		return rc;
	rc = m2m_demo_run(d, "smdp-import.log", "smdp-import.log", import);
	if (rc != 0)
		return child_failed(d, "smdp import", rc, "smdp-import.log", note, cap);
	rc = start_daemon(d, "smdp", run, keys, values, note, cap);
	if (rc == 0)
		snprintf(note, cap, "ES2 on %s; %zu profiles of type %s (mno2) imported",
			 d->smdp_es, d->ndev, M2M_DEMO_PROFILE_TYPE);
	return rc;
}

/* ---- 5. ES2 downloads ---- */

static int step_download(m2m_demo *d, char *note, size_t cap)
{
	size_t ok = 0, failed = 0;
	char why[256] = "";
	int rc;

	if (d->smdp_es[0] == '\0') {
		snprintf(note, cap, "no SM-DP running (step 4 failed): nothing downloaded");
		return M2M_EXIT_FAILED;
	}
	rc = m2m_demo_downloads(d, &ok, &failed, why, sizeof why);
	if (rc == 3) {
		snprintf(note, cap, "%s", why);
		return M2M_EXIT_IO;
	}
	if (failed > 0)
		snprintf(note, cap, "%zu downloaded and enabled, %zu failed; first: %s", ok, failed,
			 why);
	else
		snprintf(note, cap, "%zu/%zu profiles downloaded and enabled (mno2 -> SM-DP -> ES3 "
			 "-> SM-SR -> SCP81)", ok, d->ndev);
	return failed > 0 ? M2M_EXIT_FAILED : M2M_EXIT_OK;
}

/* ---- 6. back to the bootstrap by ES4 ---- */

static int step_back(m2m_demo *d, char *note, size_t cap)
{
	char in[PATH_MAX], out[PATH_MAX], url[128], cert[PATH_MAX], key[PATH_MAX], ca[PATH_MAX];
	const char *args[] = {"fleet", "enable", "--input", in, "--output", out, "--smsr", url,
			      "--cert", cert, "--key", key, "--ca", ca, "--concurrency", "64",
			      "--progress", progress_name(d->progress), NULL};
	size_t n = 0, downloaded = 0;
	int rc;

	/* Every tenth eUICC that has the operator's profile enabled. */
	for (size_t i = 0; i < d->ndev; i++) {
		if (!d->dev[i].downloaded)
			continue;
		d->dev[i].back = downloaded++ % 10 == 0;
		n += d->dev[i].back;
	}
	if (n == 0) {
		snprintf(note, cap, "no eUICC has the operator's profile: nothing to switch back");
		return M2M_EXIT_FAILED;
	}
	at(d, "back.csv", in, sizeof in);
	at(d, "back.result.csv", out, sizeof out);
	at(d, "pki/mno1-tls.crt", cert, sizeof cert);
	at(d, "pki/mno1-tls.key", key, sizeof key);
	at(d, "pki/tls-ca.crt", ca, sizeof ca);
	snprintf(url, sizeof url, "https://%s/soap/es4", d->smsr_es);
	rc = m2m_demo_write_back_csv(d, "back.csv");
	if (rc != 0)
		return rc;
	/* The fleet tool's progress line goes to our terminal; its summary to a file. */
	rc = m2m_demo_run(d, "fleet-back.out", NULL, args);
	if (rc != 0)
		return child_failed(d, "fleet enable", rc, "fleet-back.out", note, cap);
	snprintf(note, cap, "%zu eUICCs back on the bootstrap (mno1: fleet enable, ES4 "
		 "EnableProfile); results in %s", n, out);
	return M2M_EXIT_OK;
}

/* ---- 7. network loss and fall-back ---- */

/* The state of the profile iccid in the SM-SR's store; -1 when unknown. */
static int store_state(m2m_store *st, const char *iccid)
{
	m2m_store_profile p;
	int s = -1;

	memset(&p, 0, sizeof p);
	if (m2m_store_profile_get_by_iccid(st, iccid, &p) == M2M_OK)
		s = (int)p.state;
	m2m_store_profile_clear(&p);
	return s;
}

static int step_fallback(m2m_demo *d, char *note, size_t cap)
{
	char path[128], err[256], *body = NULL;
	m2m_store *st = NULL;
	m2m_demo_dev *dev = NULL;
	double t0 = m2m_fleet_now();
	long status;
	int rc = M2M_EXIT_FAILED;

	for (size_t i = 0; i < d->ndev && dev == NULL; i++)
		if (d->dev[i].downloaded && !d->dev[i].back) {
			dev = &d->dev[i];
			d->fallback_dev = i;
		}
	if (dev == NULL) {
		snprintf(note, cap, "no eUICC on the operator's profile to lose the network");
		return M2M_EXIT_FAILED;
	}
	snprintf(path, sizeof path, "/devices/%s/network-loss", dev->eid);
	status = m2m_demo_control(d, "POST", path, &body);
	free(body);
	if (status != 200) {
		snprintf(note, cap, "POST %s: HTTP %ld", path, status);
		return status < 0 ? M2M_EXIT_IO : M2M_EXIT_FAILED;
	}
	dev->fell_back = true;
	if (m2m_store_open(d->smsr_db, d->master, &st, err, sizeof err) != M2M_OK) {
		snprintf(note, cap, "the SM-SR's store: %s", err);
		return M2M_EXIT_IO;
	}
	/* The card sends notification 05; the SM-SR enables the bootstrap in the EIS. */
	while (m2m_fleet_now() - t0 < FALLBACK_S) {
		if (store_state(st, dev->boot_iccid) == M2M_STORE_PROFILE_ENABLED) {
			rc = M2M_EXIT_OK;
			break;
		}
		usleep(100000);
	}
	m2m_store_close(st);
	if (rc == 0)
		snprintf(note, cap, "%s lost the network, fell back to %s; the SM-SR's EIS "
			 "followed its notification after %.1f s", dev->eid, dev->boot_iccid,
			 m2m_fleet_now() - t0);
	else
		snprintf(note, cap, "%s fell back, but the SM-SR's EIS did not follow in %.0f s",
			 dev->eid, FALLBACK_S);
	return rc;
}

/* ---- 8. the SM-SR change (ES4, ES7) ---- */

/* Up to M2M_DEMO_MOVED eUICCs that steps 6 and 7 left alone, from the end of the farm. */
static size_t choose_moved(m2m_demo *d)
{
	size_t n = 0;

	for (size_t i = d->ndev; i-- > 0 && n < M2M_DEMO_MOVED;)
		if (!d->dev[i].back && !d->dev[i].fell_back) {
			d->dev[i].moved = true;
			n++;
		}
	return n;
}

/* True when SM-SR store st knows eid. */
static bool knows(m2m_store *st, const char *eid)
{
	m2m_store_eis e;
	bool found;

	memset(&e, 0, sizeof e);
	found = m2m_store_eis_get(st, eid, &e) == M2M_OK;
	m2m_store_eis_clear(&e);
	return found;
}

/* Each moved eUICC is in SM-SR2's store and no longer in SM-SR1's; the first one that is not
 * in bad. */
static int check_holders(const m2m_demo *d, char *bad, size_t cap)
{
	char err[256];
	m2m_store *s1 = NULL, *s2 = NULL;
	int rc = M2M_EXIT_IO;

	if (m2m_store_open(d->smsr_db, d->master, &s1, err, sizeof err) != M2M_OK ||
	    m2m_store_open(d->smsr2_db, d->master, &s2, err, sizeof err) != M2M_OK) {
		snprintf(bad, cap, "the SM-SRs' stores: %.200s", err);
		goto out;
	}
	rc = M2M_EXIT_OK;
	for (size_t i = 0; i < d->ndev && rc == 0; i++) {
		const char *eid = d->dev[i].eid;
		if (!d->dev[i].moved)
			continue;
		if (knows(s1, eid))
			snprintf(bad, cap, "SM-SR1 still holds %s", eid);
		else if (!knows(s2, eid))
			snprintf(bad, cap, "SM-SR2 does not hold %s", eid);
		else
			continue;
		rc = M2M_EXIT_FAILED;
	}
out:
	m2m_store_close(s2);
	m2m_store_close(s1);
	return rc;
}

static int step_es7(m2m_demo *d, char *note, size_t cap)
{
	char why[512] = "", bad[256] = "";
	size_t want = choose_moved(d), ok = 0;
	int rc, held;

	if (want == 0) {
		snprintf(note, cap, "no eUICC left that steps 6 and 7 did not use: nothing moved");
		return -1; /* skipped */
	}
	rc = m2m_demo_smsr_change(d, &ok, why, sizeof why);
	d->moved = ok;
	if (rc == M2M_EXIT_IO) {
		for (size_t i = 0; i < d->ndev; i++)
			d->dev[i].moved = false; /* none was tried: all stay with SM-SR1 */
		snprintf(note, cap, "%s", why);
		return M2M_EXIT_IO;
	}
	held = check_holders(d, bad, sizeof bad);
	if (held != 0)
		snprintf(note, cap, "%zu of %zu handed over, but %.200s", ok, want, bad);
	else if (rc != 0)
		snprintf(note, cap, "%zu of %zu handed over to SM-SR2; first failure: %.300s", ok,
			 want, why);
	else
		snprintf(note, cap, "%zu eUICCs handed over (PrepareSMSRChange on SM-SR2, "
			 "SMSRChange on SM-SR1, ES7, new ISD-R keys KVN 02): SM-SR1 no longer "
			 "holds them, SM-SR2 does", ok);
	return held > rc ? held : rc;
}

/* ---- 9. the comparison ---- */

static int step_table(m2m_demo *d, char *note, size_t cap)
{
	int rc = m2m_demo_compare(d);

	if (rc == 3)
		snprintf(note, cap, "the SM-SR's store or the farm could not be read");
	else
		snprintf(note, cap, "%zu matched, %zu mismatched (table: %s/table.txt)", d->matched,
			 d->mismatched, d->dir);
	return rc;
}

/* ---- the sequence ---- */

static const struct {
	const char *title;
	step_fn run;
	bool fatal; /* the later steps need it */
} steps[STEPS] = {
	{"PKI (pki init)", step_pki, true},
	{"device farm with the TS.48 bootstrap (devices init, devices run)", step_farm, true},
	{"SM-SR1, SM-SR2 and registration of every eUICC at SM-SR1 (smsr, ES1 RegisterEIS)",
	 step_smsr, true},
	{"SM-DP with the operator's profile inventory (smdp import, smdp)", step_smdp, false},
	{"operator mno2: ES2 DownloadProfile + enable on every eUICC", step_download, false},
	{"10% back to the bootstrap: mno1's ES4 EnableProfile (fleet enable)", step_back, false},
	{"one device loses the network and falls back (farm control API)", step_fallback, false},
	{"ten eUICCs move to SM-SR2: ES4 PrepareSMSRChange + SMSRChange, ES7", step_es7, false},
	{"EIS in the SM-SR holding it against every card's own state", step_table, false},
};

int m2m_demo_steps(m2m_demo *d)
{
	char note[1024];
	int worst = 0;

	for (int i = 0; i < STEPS; i++) {
		double t0 = m2m_fleet_now();
		printf("[%d/%d] %s\n", i + 1, STEPS, steps[i].title);
		fflush(stdout);
		note[0] = '\0';
		int rc = steps[i].run(d, note, sizeof note);
		const char *word = rc == 0 ? "ok" : rc < 0 ? "skipped" : "FAILED";
		printf("      %s, %.2f s: %s\n", word, m2m_fleet_now() - t0, note);
		fflush(stdout);
		if (rc > worst)
			worst = rc;
		if (rc > 0 && steps[i].fatal)
			break;
	}
	return worst;
}
