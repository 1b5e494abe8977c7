/* The demo's configuration and input files: where the bootstrap package is, the SM-SR's and
 * SM-DP's INI files, the operator's personalisation batch, step 6's fleet input. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo_int.h"
#include "core/hex.h"
#include "crypto/hash.h"
#include "core/buf.h"

#define OP_ICCID_PREFIX "89882992" /* + 11 digits + Luhn: the operator's profiles */
#define OP_IMSI_PREFIX "00101"     /* test network 001-01 */

static bool readable(const char *p)
{
	return p != NULL && p[0] != '\0' && access(p, R_OK) == 0;
}

/* The first readable dir/rel[i]/package, made absolute, into d->package. */
static bool first_of(m2m_demo *d, const char *dir, const char *const *rel, size_t n)
{
	char p[PATH_MAX * 2], real[PATH_MAX];

	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof p, "%s/%s/%s", dir, rel[i], M2M_DEMO_PACKAGE);
		if (readable(p) && realpath(p, real) != NULL) {
			snprintf(d->package, sizeof d->package, "%s", real);
			return true;
		}
	}
	return false;
}

/* The copy shipped in the repository (data/saip) first: beside the build tree the binary
 * runs from (build trees are one to three levels below the source tree), then in the working
 * directory (run from the source tree). Then the shared test vectors beside the source tree
 * (../shared/vectors/saip), what the tests use. */
static bool search(m2m_demo *d)
{
	static const char *const shipped[] = {"../data/saip", "../../data/saip",
					      "../../../data/saip"};
	static const char *const here[] = {"data/saip"};
	static const char *const shared[] = {"../../shared/vectors/saip",
					     "../../../shared/vectors/saip",
					     "../../../../shared/vectors/saip"};
	char dir[PATH_MAX], cwd[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof dir, "%s", d->exe);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return false;
	*slash = '\0';
	if (first_of(d, dir, shipped, 3))
		return true;
	if (getcwd(cwd, sizeof cwd) != NULL && first_of(d, cwd, here, 1))
		return true;
#ifdef M2MRSP_SOURCE_DIR
	/* Set by the build (CMakeLists.txt) when it knows the source tree. */
	static const char *const src[] = {"data/saip", "../shared/vectors/saip"};
	if (first_of(d, M2MRSP_SOURCE_DIR, src, 2))
		return true;
#endif
	return first_of(d, dir, shared, 3);
}

bool m2m_demo_find_package(m2m_demo *d)
{
	const char *env = getenv("M2MRSP_DEMO_PACKAGE");
	const char *given = d->package_opt != NULL ? d->package_opt : env;

	if (given != NULL) {
		snprintf(d->package, sizeof d->package, "%s", given);
		return readable(given);
	}
	return search(d);
}

unsigned m2m_demo_free_port(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	unsigned port = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int m2m_demo_new_master(m2m_demo *d)
{
	uint8_t k[32];
	int rc = M2M_EXIT_OK;

	if (m2m_random(k, sizeof k) != M2M_OK)
		rc = m2m_cli_error(M2M_EXIT_IO, "demo", "no random bytes for the master key");
	else
		{
		m2m_hex_encode(k, sizeof k, d->master);
		d->master[64] = '\0';
	}
	m2m_wipe(k, sizeof k);
	return rc;
}

static FILE *open_out(const m2m_demo *d, const char *name, char *path, size_t cap)
{
	FILE *f;

	m2m_demo_path(d, name, path, cap);
	f = fopen(path, "w");
	if (f == NULL)
		m2m_cli_error(M2M_EXIT_IO, "demo", "cannot write %s", path);
	return f;
}

static int close_out(FILE *f, const char *path)
{
	if (fclose(f) != 0)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "cannot write %s", path);
	return M2M_EXIT_OK;
}

/* What both SM-SRs share: the farm's SMSC account (each binds it; the SMSC answers a bind
 * with the card's replies to the commands it sent) and the engine's settings. */
static void smsr_common(FILE *f, const m2m_demo *d)
{
	const char *port = strrchr(d->smpp, ':');

	fprintf(f,
		"[smpp]\nhost = 127.0.0.1\nport = %s\nsystem_id = smsr\npassword = secret\n"
		"[engine]\nconcurrency = 64\nretries = 5\nbackoff = 1000\n",
		port != NULL ? port + 1 : "2775");
}

/* The head every daemon's INI starts with: its [section] (id, oid, database, master key) and
 * its ES endpoint on 127.0.0.1 (port 0: any) with the TLS identity pki/ID-tls.*. */
static void daemon_head(FILE *f, const m2m_demo *d, const char *doc, const char *section,
			const char *id, const char *oid, const char *db, unsigned port)
{
	const char *D = d->dir;

	fprintf(f,
		"; written by m2mrsp demo (docs/%s)\n"
		"[%s]\nid = %s\noid = %s\ndb = %s\nmaster_key = %s\nlog_level = info\n"
		"[es]\nlisten = 127.0.0.1:%u\ncert = %s/pki/%s-tls.crt\nkey = %s/pki/%s-tls.key\n"
		"ca = %s/pki/tls-ca.crt\n",
		doc, section, id, oid, db, d->master, port, D, id, D, id, D);
}

int m2m_demo_write_smsr_ini(const m2m_demo *d, const char *transport_key)
{
	char path[PATH_MAX];
	const char *D = d->dir;
	FILE *f = open_out(d, "smsr.ini", path, sizeof path);

	if (f == NULL)
		return M2M_EXIT_IO;
	daemon_head(f, d, "smsr.md", "smsr", "smsr1", M2M_DEMO_SMSR1, d->smsr_db, 0);
	fprintf(f, "[scp81]\nenabled = true\nlisten = 127.0.0.1:%u\n", d->scp81_port);
	smsr_common(f, d);
	fprintf(f,
		"[callers]\nmno1 = " M2M_DEMO_MNO1 "\nmno2 = " M2M_DEMO_MNO2 "\n"
		"smdp1 = " M2M_DEMO_SMDP1 "\nsmsr2 = " M2M_DEMO_SMSR2 "\n"
		"[smsr_peers]\n" M2M_DEMO_SMSR2 " = https://127.0.0.1:%u/soap/es7\n"
		"[es1]\nci_cert = %s/pki/ci.crt\nsmsr_id = " M2M_DEMO_SMSR1 "\n"
		"[eum.eum1]\neum_id = " M2M_DEMO_EUM1 "\ncaller_id = eum1\ncert = %s/pki/eum1.crt\n"
		"transport_key = %s\n",
		d->smsr2_port, D, D, transport_key);
	return close_out(f, path);
}

int m2m_demo_write_smsr2_ini(const m2m_demo *d)
{
	char path[PATH_MAX];
	const char *D = d->dir;
	FILE *f = open_out(d, "smsr2.ini", path, sizeof path);

	if (f == NULL)
		return M2M_EXIT_IO;
	/* No [scp81]: the cards' HTTPS sessions go to SM-SR1's admin server (the farm knows one
	 * URL), so SM-SR2 reaches them by SMS. No [es1]: its eUICCs come by ES7 only. */
	daemon_head(f, d, "smsr-change.md", "smsr", "smsr2", M2M_DEMO_SMSR2, d->smsr2_db,
		    d->smsr2_port);
	smsr_common(f, d);
	fprintf(f,
		"[callers]\nmno1 = " M2M_DEMO_MNO1 "\nmno2 = " M2M_DEMO_MNO2 "\n"
		"smsr1 = " M2M_DEMO_SMSR1 "\n"
		"[smsr_peers]\n" M2M_DEMO_SMSR1 " = https://%s/soap/es7\n"
		"[es7]\ngp_cert = %s/pki/smsr2-ecdsa.gpcert\ngp_key = %s/pki/smsr2-ecdsa.key\n",
		d->smsr_es, D, D);
	return close_out(f, path);
}

int m2m_demo_write_smdp_ini(const m2m_demo *d)
{
	char path[PATH_MAX];
	const char *D = d->dir;
	FILE *f = open_out(d, "smdp.ini", path, sizeof path);

	if (f == NULL)
		return M2M_EXIT_IO;
	daemon_head(f, d, "smdp.md", "smdp", "smdp1", M2M_DEMO_SMDP1, d->smdp_db, 0);
	fprintf(f,
		"[gp]\nci_cert = %s/pki/ci.crt\ndp_cert = %s/pki/smdp1-ecdsa.gpcert\n"
		"dp_key = %s/pki/smdp1-ecdsa.key\n"
		"[download]\nworkers = %u\nneed_http = true\n"
		"[smsr.smsr1]\noid = " M2M_DEMO_SMSR1 "\nurl = https://%s/soap/es3\n"
		"[callers]\nmno1 = " M2M_DEMO_MNO1 "\nmno2 = " M2M_DEMO_MNO2 "\n"
		"smsr1 = " M2M_DEMO_SMSR1 "\n"
		"[eum]\n" M2M_DEMO_EUM1 " = %s/pki/eum1.crt\n",
		D, D, D, d->concurrency, d->smsr_es, D);
	return close_out(f, path);
}

/* digits + their Luhn check digit. */
static void luhn(const char *digits, char *out, size_t cap)
{
	size_t n = strlen(digits);
	int sum = 0;

	for (size_t i = 0; i < n; i++) {
		int v = digits[n - 1 - i] - '0';
		if (i % 2 == 0) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	snprintf(out, cap, "%s%d", digits, (10 - sum % 10) % 10);
}

int m2m_demo_write_batch(m2m_demo *d, const char *name)
{
	char path[PATH_MAX], body[40], ki[33], opc[33];
	uint8_t k[32];
	int rc = M2M_EXIT_OK;
	FILE *f = open_out(d, name, path, sizeof path);

	if (f == NULL)
		return M2M_EXIT_IO;
	fprintf(f, "iccid,imsi,ki,opc\n");
	for (size_t i = 0; i < d->ndev && rc == M2M_EXIT_OK; i++) {
		snprintf(body, sizeof body, OP_ICCID_PREFIX "%011zu", i);
		luhn(body, d->dev[i].op_iccid, sizeof d->dev[i].op_iccid);
		if (m2m_random(k, sizeof k) != M2M_OK) {
			rc = m2m_cli_error(M2M_EXIT_IO, "demo", "no random bytes for Ki/OPc");
			break;
		}
		m2m_hex_encode(k, 16, ki);
		m2m_hex_encode(k + 16, 16, opc);
		fprintf(f, "%s," OP_IMSI_PREFIX "%010zu,%s,%s\n", d->dev[i].op_iccid, i, ki, opc);
	}
	m2m_wipe(k, sizeof k);
	m2m_wipe(ki, sizeof ki);
	m2m_wipe(opc, sizeof opc);
	if (close_out(f, path) != M2M_EXIT_OK)
		rc = M2M_EXIT_IO;
	return rc;
}

int m2m_demo_write_back_csv(const m2m_demo *d, const char *name)
{
	char path[PATH_MAX];
	FILE *f = open_out(d, name, path, sizeof path);

	if (f == NULL)
		return M2M_EXIT_IO;
	fprintf(f, "eid,iccid\n");
	for (size_t i = 0; i < d->ndev; i++)
		if (d->dev[i].back)
			fprintf(f, "%s,%s\n", d->dev[i].eid, d->dev[i].boot_iccid);
	return close_out(f, path);
}
