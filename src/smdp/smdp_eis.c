/* What the eligibility check needs from the Eis of ES3.GetEIS: the ECASD certificate
 * (CERT.ECASD.ECKA), the EUM's X.509 certificate ([eum] in the configuration, by Eum-id:
 * the EIS does not carry it), RemainingMemory and the capabilities. */
#include <stdio.h>
#include <string.h>

#include "smdp/smdp_int.h"

static m2m_err bad(m2m_ws_exec_status *stt, const char *what)
{
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_EIS, M2M_WS_REASON_INVALID, NULL,
			  "the eUICC's EIS: %s", what);
	return M2M_ERR_FORMAT;
}

/* "d.d.d" into three bytes (0.0.0 when absent or not of that form). */
static void version_of(const m2m_ws_node *caps, uint8_t v[3])
{
	const char *t = NULL;
	unsigned a, b, c;

	memset(v, 0, 3);
	if (m2m_ws_get_text(caps, "RemoteProvisioningVersion", &t) == M2M_OK &&
	    sscanf(t, "%u.%u.%u", &a, &b, &c) == 3 && a < 256 && b < 256 && c < 256) {
		v[0] = (uint8_t)a;
		v[1] = (uint8_t)b;
		v[2] = (uint8_t)c;
	}
}

/* The EUM's certificate file, read as PEM text. */
static m2m_err eum_cert(const m2m_smdp_cfg *cfg, smdp_eis_facts *f, m2m_ws_exec_status *stt)
{
	const char *file = m2m_smdp_eum_cert(cfg, f->eum_id);
	FILE *in;
	uint8_t chunk[4096];
	size_t n;
	m2m_err err = M2M_OK;

	if (file == NULL) {
		m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_ECASD_CERT,
				  M2M_WS_REASON_VERIFICATION_FAILED, NULL,
				  "EUM '%s' is not known to this SM-DP ([eum])", f->eum_id);
		return M2M_ERR_VERIFY;
	}
	in = fopen(file, "rb");
	if (in == NULL)
		goto io;
	while (err == M2M_OK && (n = fread(chunk, 1, sizeof chunk, in)) > 0)
		err = m2m_buf_append(&f->eum_pem, chunk, n);
	if (ferror(in) || err != M2M_OK) {
		fclose(in);
		goto io;
	}
	fclose(in);
	return M2M_OK;
io:
	m2m_ws_status_set(stt, M2M_WS_FAILED, M2M_WS_SUBJ_PROVIDER, M2M_WS_REASON_EXECUTION_ERROR,
			  NULL, "the certificate of EUM '%s' cannot be read", f->eum_id);
	return M2M_ERR_IO;
}

m2m_err smdp_eis_read(const m2m_smdp_cfg *cfg, const m2m_ws_node *eis, smdp_eis_facts *f,
		      m2m_ws_exec_status *stt)
{
	const m2m_ws_node *si = eis != NULL ? m2m_ws_find(eis, "EumSignedInfo") : NULL;
	const m2m_ws_node *caps;
	const char *eum = NULL;
	bool http = false, cattp = false;
	uint64_t mem = 0;

	memset(f, 0, sizeof *f);
	m2m_buf_init(&f->ecasd_cert);
	m2m_buf_init(&f->eum_pem);
	if (si == NULL || m2m_ws_get_text(si, "Eum-id", &eum) != M2M_OK ||
	    strlen(eum) >= sizeof f->eum_id)
		return bad(stt, "no Eum-id");
	snprintf(f->eum_id, sizeof f->eum_id, "%s", eum);
	if (m2m_ws_get_bytes(si, "Ecasd/Keyset/Certificate/Value", &f->ecasd_cert) != M2M_OK ||
	    f->ecasd_cert.len == 0)
		return bad(stt, "no ECASD certificate");
	if (m2m_ws_get_uint(eis, "RemainingMemory", &mem) != M2M_OK)
		return bad(stt, "no RemainingMemory");
	caps = m2m_ws_find(si, "EuiccCapabilities");
	if (caps != NULL) {
		m2m_ws_get_bool(caps, "HttpSupport", &http);
		m2m_ws_get_bool(caps, "CattpSupport", &cattp);
	}
	if (eum_cert(cfg, f, stt) != M2M_OK)
		return M2M_ERR_VERIFY;
	f->eis.ecasd_cert = f->ecasd_cert.data;
	f->eis.ecasd_cert_len = f->ecasd_cert.len;
	f->eis.eum_pem = f->eum_pem.data;
	f->eis.eum_pem_len = f->eum_pem.len;
	f->eis.free_memory = mem;
	f->eis.caps.http = http;
	f->eis.caps.cattp = cattp;
	if (caps != NULL)
		version_of(caps, f->eis.caps.version);
	return M2M_OK;
}

void smdp_eis_facts_free(smdp_eis_facts *f)
{
	m2m_buf_free(&f->ecasd_cert);
	m2m_buf_free(&f->eum_pem);
}
