/*
 * The ISD-R keys in an EIS. SGP.02 (euicc.common.types.xsd, KeyComponents/@value): "shall be
 * encrypted with the transport key when provided to SM-SR at initial registration time". The
 * transport key is an AES key agreed between the EUM and the SM-SR (configuration); a key
 * value travels as AES-ECB(transport key, key || PKCS#7 padding) (sgp02-facts.md 1.3,
 * "eUICC registration"), so a 16-byte key becomes 32 bytes. The KCV (@kcv) is computed on the
 * clear key as GlobalPlatform defines it, so a wrong transport key is detected:
 *   AES keys (and PSK-TLS keys of 16, 24 or 32 bytes): the first 3 bytes of
 *     AES-ECB(key, 16 bytes of 01) (GP CS Amendment D, SCP03 key check value);
 *   DES keys: the first 3 bytes of 3DES-ECB(key, 8 bytes of 00) (GP CS B.6).
 */
#ifndef M2M_SMSR_EIS_KEYS_H
#define M2M_SMSR_EIS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "smsr/eis.h"
#include "ws/status.h"

#define M2M_EIS_KCV_LEN 3
#define M2M_EIS_TK_MAX 32

/* Parses a transport key in hex (16, 24 or 32 bytes). */
m2m_err m2m_eis_tk_parse(const char *hex, uint8_t key[M2M_EIS_TK_MAX], size_t *len);

/* The 3-byte KCV of a clear key of GP type `type` (M2M_ERR_UNSUPPORTED for other types or
 * lengths). */
m2m_err m2m_eis_kcv(uint8_t type, const uint8_t *key, size_t len, uint8_t kcv[M2M_EIS_KCV_LEN]);

/* Wraps / unwraps one key value under the transport key. out holds M2M_EIS_KEY_WIRE_MAX. */
m2m_err m2m_eis_key_wrap(const uint8_t *tk, size_t tk_len, const uint8_t *key, size_t len,
			 uint8_t *out, size_t *out_len);
m2m_err m2m_eis_key_unwrap(const uint8_t *tk, size_t tk_len, const uint8_t *in, size_t len,
			   uint8_t *out, size_t *out_len);

/* Unwraps every wrapped key of the ISD-R (and checks each KCV). On failure: M2M_ERR_VERIFY
 * and st gets FAILED 8.4 (ISD-R) / 6.1 (verification failed) naming the key; the keys are
 * then left as they were. tk NULL with wrapped keys present: M2M_ERR_STATE (4.2). */
m2m_err m2m_eis_keys_unwrap(m2m_eis *e, const uint8_t *tk, size_t tk_len,
			    m2m_ws_exec_status *st);

#endif
