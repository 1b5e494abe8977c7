/* Status word, PoR status and bearer outcome -> SGP.02 subject / reason codes. The codes are
 * the ones sgp02-facts-2.md section 9 pairs with names; the pairing per status word is ours
 * where whty/njiwa are silent (docs/es5.md, "Status words and reason codes"). */
#include <stddef.h>

#include "smsr/es5_result.h"

/* Status words our eUICC answers (docs/euicc.md) and whty handles (sgp02-facts-2.md 1a). */
#define SW_NOT_FOUND 0x6A88
#define SW_APP_NOT_FOUND 0x6A82
#define SW_CONDITIONS 0x6985
#define SW_POL1 0x69E1
#define SW_WRONG_DATA 0x6A80
#define SW_NO_MEMORY 0x6A84
#define SW_MEMORY_FAILURE 0x6581
#define SW_SECURITY 0x6982

const char *m2m_es5_outcome_name(m2m_es5_outcome o)
{
	switch (o) {
	case M2M_ES5_OK:
		return "ok";
	case M2M_ES5_SW_ERROR:
		return "status word";
	case M2M_ES5_POR_ERROR:
		return "packet refused";
	case M2M_ES5_BAD_RESPONSE:
		return "bad response";
	case M2M_ES5_UNDELIVERED:
		return "undelivered";
	case M2M_ES5_TIMEOUT:
		return "time-out";
	case M2M_ES5_TRANSPORT:
		return "transport";
	}
	return "unknown";
}

static m2m_es5_code code(const char *subject, const char *reason)
{
	return (m2m_es5_code){subject, reason};
}

bool m2m_es5_sw_ok(uint16_t sw)
{
	uint8_t sw1 = (uint8_t)(sw >> 8);

	return sw == 0x9000 || sw1 == 0x61 || sw1 == 0x62 || sw1 == 0x63 || sw1 == 0x91;
}

/* Functions about one ISD-P (its AID is the subject of "unknown" and "invalid"). */
static bool about_isdp(m2m_es5_fn fn)
{
	return fn == M2M_ES5_ENABLE_PROFILE || fn == M2M_ES5_DISABLE_PROFILE ||
	       fn == M2M_ES5_DELETE_ISDP || fn == M2M_ES5_MASTER_DELETE ||
	       fn == M2M_ES5_SET_FALLBACK || fn == M2M_ES5_SET_EMERGENCY;
}

static m2m_es5_code isdp_code(m2m_es5_fn fn, uint16_t sw)
{
	switch (sw) {
	case SW_NOT_FOUND:
	case SW_APP_NOT_FOUND:
		return code(M2M_ES5_SUBJ_ISDP_AID, M2M_ES5_REASON_UNKNOWN);
	case SW_CONDITIONS: /* state, fall-back or emergency holder */
		return code(M2M_ES5_SUBJ_PROFILE, M2M_ES5_REASON_NOT_ALLOWED);
	case SW_POL1:
		return code(M2M_ES5_SUBJ_POL1, M2M_ES5_REASON_REFUSED);
	case SW_WRONG_DATA:
		return code(M2M_ES5_SUBJ_ISDP_AID, M2M_ES5_REASON_INVALID);
	case SW_SECURITY: /* Master Delete token */
		if (fn == M2M_ES5_MASTER_DELETE)
			return code(M2M_ES5_SUBJ_ISDP_AID, M2M_ES5_REASON_VERIFICATION);
		break;
	}
	return code(NULL, NULL);
}

static m2m_es5_code create_code(uint16_t sw)
{
	switch (sw) {
	case SW_WRONG_DATA: /* our builder sends a valid AID: the card has it already */
		return code(M2M_ES5_SUBJ_ISDP_AID, M2M_ES5_REASON_ALREADY_IN_USE);
	case SW_NOT_FOUND: /* ISD-P load file or module missing */
		return code(M2M_ES5_SUBJ_EUICC, M2M_ES5_REASON_UNKNOWN);
	}
	return code(NULL, NULL);
}

static m2m_es5_code keyest_code(m2m_es5_fn fn, uint16_t sw)
{
	switch (sw) {
	case SW_SECURITY: /* certificate (step 1) or signature (step 2) */
		return code(M2M_ES5_SUBJ_SMSR_CERT, M2M_ES5_REASON_VERIFICATION);
	case SW_CONDITIONS:
		return fn == M2M_ES5_KEYEST_CERT
			       ? code(M2M_ES5_SUBJ_SMSR_CERT, M2M_ES5_REASON_INVALID)
			       : code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_NOT_ALLOWED);
	case SW_WRONG_DATA:
		return code(fn == M2M_ES5_KEYEST_CERT ? M2M_ES5_SUBJ_SMSR_CERT : M2M_ES5_SUBJ_ISDR,
			    M2M_ES5_REASON_INVALID);
	}
	return code(NULL, NULL);
}

/* Functions of the ISD-R itself. */
static m2m_es5_code isdr_code(m2m_es5_fn fn, uint16_t sw)
{
	switch (sw) {
	case SW_NOT_FOUND:
		return fn == M2M_ES5_AUDIT ? code(M2M_ES5_SUBJ_ISDP_AID, M2M_ES5_REASON_UNKNOWN)
					   : code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_UNKNOWN);
	case SW_CONDITIONS:
		return code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_NOT_ALLOWED);
	case SW_WRONG_DATA:
		return code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_INVALID);
	}
	return code(NULL, NULL);
}

m2m_es5_code m2m_es5_sw_code(m2m_es5_fn fn, uint16_t sw)
{
	m2m_es5_code c = code(NULL, NULL);

	if (m2m_es5_sw_ok(sw))
		return c;
	if (about_isdp(fn))
		c = isdp_code(fn, sw);
	else if (fn == M2M_ES5_CREATE_ISDP)
		c = create_code(sw);
	else if (fn == M2M_ES5_KEYEST_CERT || fn == M2M_ES5_KEYEST_KEYS)
		c = keyest_code(fn, sw);
	else
		c = isdr_code(fn, sw);
	if (c.subject != NULL)
		return c;
	/* Whatever the function: memory, then everything else is an execution error. */
	if (sw == SW_NO_MEMORY)
		return code(fn == M2M_ES5_CREATE_ISDP ? M2M_ES5_SUBJ_EUICC : M2M_ES5_SUBJ_ISDR,
			    M2M_ES5_REASON_MEMORY);
	if (sw == SW_MEMORY_FAILURE)
		return code(M2M_ES5_SUBJ_EUICC, M2M_ES5_REASON_EXECUTION_ERROR);
	return code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_EXECUTION_ERROR);
}

m2m_es5_code m2m_es5_por_code(uint8_t status)
{
	switch (status) {
	case 0x00:
		return code(NULL, NULL);
	case 0x01: /* RC/CC/DS failed */
	case 0x05: /* ciphering error */
	case 0x06: /* undefined security error: no such key set */
	case 0x0A: /* insufficient security level */
		return code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_VERIFICATION);
	case 0x07: /* the response did not fit: the commands ran, their answers are lost */
		return code(M2M_ES5_SUBJ_EUICC, M2M_ES5_REASON_MEMORY);
	case 0x09:
		return code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_UNKNOWN);
	default: /* 02-04 counter, 08 more time, anything else */
		return code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_EXECUTION_ERROR);
	}
}

m2m_es5_code m2m_es5_outcome_code(m2m_es5_outcome o)
{
	switch (o) {
	case M2M_ES5_OK:
		return code(NULL, NULL);
	case M2M_ES5_UNDELIVERED:
		return code(M2M_ES5_SUBJ_EUICC, M2M_ES5_REASON_UNAVAILABLE);
	case M2M_ES5_TIMEOUT:
	case M2M_ES5_TRANSPORT:
		return code(M2M_ES5_SUBJ_FUNCTION, M2M_ES5_REASON_NO_RESPONSE);
	default:
		return code(M2M_ES5_SUBJ_ISDR, M2M_ES5_REASON_EXECUTION_ERROR);
	}
}
