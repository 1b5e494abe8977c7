/*
 * ES1 (EUM -> SM-SR): RegisterEIS, the SM-SR's service logic over the store (no I/O of its
 * own: the daemon's ws handler calls it with the validated request). docs/eis.md "ES1".
 */
#ifndef M2M_SMSR_ES1_H
#define M2M_SMSR_ES1_H

#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"
#include "store/store.h"
#include "ws/msg.h"
#include "ws/server.h"
#include "ws/status.h"

/* An EUM this SM-SR accepts EIS from. */
typedef struct {
	const char *eum_id;    /* the Eum-id its EIS carry (an object identifier) */
	const char *caller_id; /* the id the ws layer gives its TLS client; NULL = eum_id */
	const uint8_t *cert_pem; /* its X.509 certificate (CERT.EUM), issued by the CI */
	size_t cert_len;
	const uint8_t *transport_key; /* AES key protecting the ISD-R keys; NULL = none */
	size_t transport_key_len;
} m2m_es1_eum;

typedef struct {
	const uint8_t *ci_pem; /* the CI certificate (X.509 PEM) */
	size_t ci_len;
	const m2m_es1_eum *eums;
	size_t neums;
	const char *smsr_id; /* this SM-SR's id: an EIS naming another is refused; NULL = any */
} m2m_es1_trust;

/* ES1.RegisterEIS. The request is an ES1-RegisterEISRequest (validated against the schema by
 * the endpoint). status always gets the outcome: EXECUTED_SUCCESS, or FAILED with
 *   1.1 / 1.2  the caller is not an EUM
 *   8.6 / 1.1  the EIS's Eum-id is not an EUM this SM-SR accepts
 *   8.6 / 1.2  the caller is not the EUM the EIS names (the EIS is not its own)
 *   8.6 / 6.1  the EUM certificate is not from the CI, or the EumSignature does not verify
 *   8.6 / 2.1  the EIS (or its signature) is malformed; other subjects per element (eis_xml.h)
 *   8.7 / 3.4  the EIS names another SM-SR
 *   8.5.2 / 2.1, 6.1, 6.3  CERT.ECASD.ECKA missing or malformed, not signed by the EUM, expired
 *   8.4 / 2.1  the ISD-R key sets cannot serve (no SCP80 KIc/KID, unsupported key set)
 *   8.4 / 6.1  an ISD-R key does not decrypt under the transport key or fails its KCV
 *   8.1.1 / 3.3  the EID is already registered
 *   8.2.1 / 3.3  an ICCID belongs to another eUICC
 *   1.2 / 4.2  the store failed
 * The EIS, its profiles and key sets are written in one transaction with an audit record;
 * a refusal is recorded in the audit trail too. Returns M2M_OK when registered, else the
 * error behind the refusal. */
m2m_err m2m_es1_register_eis(m2m_store *st, const m2m_es1_trust *trust,
			     const m2m_ws_caller *caller, const m2m_ws_msg *req,
			     m2m_ws_exec_status *status);

/* A trust from the configuration (docs/eis.md "Configuration"):
 *   [es1]       ci_cert = PATH, smsr_id = OID (optional)
 *   [eum.NAME]  eum_id = OID, cert = PATH, caller_id = ID (optional), transport_key = HEX
 * The certificates are read now. Free with m2m_es1_trust_free. */
m2m_err m2m_es1_trust_load(const m2m_config *cfg, m2m_es1_trust **out, char *why, size_t cap);
void m2m_es1_trust_free(m2m_es1_trust *t);

#endif
