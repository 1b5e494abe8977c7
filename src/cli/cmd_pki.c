/* m2mrsp pki init DIR: a complete test PKI for a deployment on one machine (docs/pki.md). */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "cli/opts.h"
#include "cli/pki_init.h"

static void init_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp pki init [--curve NAME] [--days N] [--force] DIR\n"
		"\n"
		"Makes a test PKI in DIR: the CI (ci.key, ci.crt), the EUM below it (eum1.key,\n"
		"eum1.crt: it signs ECASD certificates and EIS), a TLS CA (tls-ca.*) and TLS\n"
		"certificates for smsr1, smsr2, smdp1, mno1, mno2, m2msp1 and eum1 (NAME-tls.key,\n"
		"NAME-tls.crt; subject CN = the entity's id, OU = its role), and for the SM-SRs and\n"
		"the SM-DP an ECDSA key with its GlobalPlatform-format certificate signed by the CI\n"
		"(NAME-ecdsa.key, NAME-ecdsa.gpcert: CERT.SR.ECDSA / CERT.DP.ECDSA).\n"
		"--curve P-256 (default) or brainpoolP256r1; --days validity (default 3650).\n"
		"Existing files are kept and the command fails, unless --force.\n");
}

static int init_run(int argc, char **argv)
{
	m2m_opt opts[] = {M2M_OPT("curve"), M2M_OPT("days"), M2M_FLAG("force")};
	const size_t nopts = sizeof opts / sizeof opts[0];
	const char *dir = NULL, *curve_name, *days_text;
	char what[600] = "";
	m2m_curve curve = M2M_CURVE_P256;
	long days = 3650;
	char *end;
	m2m_err err;
	int rc = m2m_opts_parse("pki init", argc, argv, opts, nopts, &dir, true);

	if (rc != 0)
		return rc;
	curve_name = m2m_opts_get(opts, nopts, "curve")->value;
	if (curve_name != NULL &&
	    (m2m_curve_from_name(curve_name, &curve) != M2M_OK || curve == M2M_CURVE_FRP256V1))
		return m2m_cli_error(M2M_EXIT_USAGE, "pki init",
				     "--curve: '%s' is not P-256 or brainpoolP256r1", curve_name);
	days_text = m2m_opts_get(opts, nopts, "days")->value;
	if (days_text != NULL) {
		days = strtol(days_text, &end, 10);
		if (*days_text == '\0' || *end != '\0' || days < 1 || days > 36500)
			return m2m_cli_error(M2M_EXIT_USAGE, "pki init",
					     "--days: '%s' is not a number of days (1-36500)",
					     days_text);
	}
	err = m2m_pki_init(dir, curve, (int)days, m2m_opts_get(opts, nopts, "force")->value != NULL,
			   what, sizeof what);
	if (err == M2M_ERR_STATE)
		return m2m_cli_error(M2M_EXIT_FAILED, "pki init",
				     "%s exists (use --force to replace the PKI)", what);
	if (err == M2M_ERR_IO)
		return m2m_cli_error(M2M_EXIT_IO, "pki init", "%s: cannot write", what);
	if (err != M2M_OK)
		return m2m_cli_error(M2M_EXIT_FAILED, "pki init", "%s: %s", what,
				     m2m_strerror(err));
	printf("pki: test PKI in %s\n", dir);
	return M2M_EXIT_OK;
}

static const m2m_verb pki_verbs[] = {
	{"init", "make a test CI, EUM, TLS CA and the servers' and clients' certificates", init_run,
	 init_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_pki = {"pki", "test PKI: CI, EUM, SM-SR, SM-DP, operators", NULL, NULL,
			       pki_verbs};
