/*
 * XML-DSig for the EumSignature of an EIS (SGP.02 ES1: "the EIS signed by the EUM"), and the
 * canonicalisation it rests on. The profile (docs/eis.md, "Signature"):
 *
 *   <rps:EumSignature>                      (ds:SignatureType, sibling of EumSignedInfo)
 *     <ds:SignedInfo>
 *       <ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
 *       <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
 *       <ds:Reference>                      (no URI: the application's object, EumSignedInfo)
 *         <ds:Transforms><ds:Transform Algorithm="...xml-exc-c14n#"/></ds:Transforms>
 *         <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
 *         <ds:DigestValue>base64 SHA-256</ds:DigestValue>
 *       </ds:Reference>
 *     </ds:SignedInfo>
 *     <ds:SignatureValue>base64 of r || s (32 + 32 bytes, XML-DSig 1.1 6.4.3)</ds:SignatureValue>
 *     <ds:KeyInfo><ds:X509Data><ds:X509Certificate>the EUM certificate</...></...></...>
 *   </rps:EumSignature>
 *
 * Verification accepts Canonical XML 1.0 and Exclusive XML Canonicalization 1.0 (without
 * comments; an InclusiveNamespaces PrefixList is honoured) for SignedInfo and as the one
 * reference transform, no transform (Canonical XML 1.0, XML-DSig 4.4.3.2), SHA-256 and
 * ECDSA-SHA256 on a 256-bit curve; anything else is refused.
 */
#ifndef M2M_SMSR_EIS_DSIG_H
#define M2M_SMSR_EIS_DSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "crypto/ec.h"
#include "smsr/eis.h"
#include "ws/msg.h"
#include "ws/status.h"

#define M2M_DSIG_C14N "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
#define M2M_DSIG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define M2M_DSIG_ECDSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define M2M_DSIG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"

/* The canonical form of the subtree of n (elements, attributes, text; no comments), Canonical
 * XML 1.0 (exclusive false) or Exclusive XML Canonicalization 1.0 with an optional
 * space-separated InclusiveNamespaces prefix list. Appends to out. */
m2m_err m2m_dsig_c14n(const m2m_ws_node *n, bool exclusive, const char *prefixes,
		      m2m_buf *out);

/* Verifies the ds:Signature-typed element sig over the element ref (the object its one
 * Reference designates) with key. uri: the Reference's URI attribute must equal it ("#id"),
 * or be absent when uri is NULL. M2M_OK; M2M_ERR_VERIFY when a digest or the signature does
 * not match; M2M_ERR_UNSUPPORTED for another algorithm or transform; M2M_ERR_FORMAT for a
 * malformed signature. *why (optional) gets a static reason. */
m2m_err m2m_dsig_verify(const m2m_ws_node *sig, const m2m_ws_node *ref, const char *uri,
			const m2m_eckey *key, const char **why);

/* Signs the Eis element eis (holding EumSignedInfo, without EumSignature) with the EUM's key:
 * adds EumSignature with the profile above (KeyInfo with cert_pem when given), and stores the
 * canonical forms in e->signed_info / e->signature (e optional). */
m2m_err m2m_eis_sign(m2m_ws_msg *m, m2m_ws_node *eis, const m2m_eckey *eum_key,
		     const uint8_t *cert_pem, size_t cert_len, m2m_eis *e);

/* Verifies the EumSignature of an Eis element: the EUM certificate (PEM) must have been
 * issued by the CI (ci_pem) and be valid now, and the signature must verify with its key.
 * On failure st (optional) gets FAILED 8.6 (EIS) with reason 6.1 (verification failed) and
 * the reason, and the result is M2M_ERR_VERIFY (or M2M_ERR_FORMAT / M2M_ERR_UNSUPPORTED for
 * a signature that cannot be checked, reason 2.1). */
m2m_err m2m_eis_verify(const m2m_ws_node *eis, const uint8_t *eum_pem, size_t eum_len,
		       const uint8_t *ci_pem, size_t ci_len, m2m_ws_exec_status *st);

/* CERT.ECASD.ECKA (the first certificate of the ECASD) must be a GP certificate signed by the
 * EUM's key (its X.509 certificate eum_pem), for the EIS's EID (subject identifier), not
 * expired. st gets FAILED 8.5.2 with 2.1 (missing, malformed, another EID), 6.1 (not signed
 * by the EUM) or 6.3 (expired). */
m2m_err m2m_eis_check_ecasd(const m2m_eis *e, const uint8_t *eum_pem, size_t eum_len,
			    m2m_ws_exec_status *st);

/* base64 (white space ignored) into out; M2M_ERR_FORMAT when malformed. */
m2m_err m2m_dsig_base64_decode(const char *s, m2m_buf *out);

#endif
