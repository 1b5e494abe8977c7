/*
 * The outcome of one ES5 command set: from the card's response script (the R-APDUs of every
 * packet, in order) or from what the bearer saw (PoR refusal, failed receipt, time-out) to a
 * typed result, with the status word mapped to the SGP.02 subject / reason codes of
 * sgp02-facts-2.md section 9. The mapping table is in docs/es5.md.
 */
#ifndef M2M_SMSR_ES5_RESULT_H
#define M2M_SMSR_ES5_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "smsr/es5_cmd.h"

typedef enum {
	M2M_ES5_OK = 0,          /* every command answered 9000 (or a warning) */
	M2M_ES5_SW_ERROR,        /* a command answered an error status word: sw */
	M2M_ES5_POR_ERROR,       /* the card refused the packet: por_status */
	M2M_ES5_BAD_RESPONSE,    /* response script or data unreadable, or commands missing */
	M2M_ES5_UNDELIVERED,     /* the SMSC refused a part, or a receipt said not delivered */
	M2M_ES5_TIMEOUT,         /* no PoR in time (delivered says whether a receipt came) */
	M2M_ES5_TRANSPORT,       /* the SMPP session failed and resubmission gave up */
} m2m_es5_outcome;

const char *m2m_es5_outcome_name(m2m_es5_outcome o);

/* SGP.02 StatusCodeData: Subject and Reason codes (static strings, NULL on success). */
typedef struct {
	const char *subject;
	const char *reason;
} m2m_es5_code;

/* Subject codes (sgp02-facts-2.md 9a). */
#define M2M_ES5_SUBJ_FUNCTION "1.6"
#define M2M_ES5_SUBJ_EUICC "8.1"
#define M2M_ES5_SUBJ_PROFILE "8.2"
#define M2M_ES5_SUBJ_POL1 "8.2.2"
#define M2M_ES5_SUBJ_ISDP_AID "8.3.1"
#define M2M_ES5_SUBJ_ISDR "8.4"
#define M2M_ES5_SUBJ_SMSR_CERT "8.5.3"
/* Reason codes (sgp02-facts-2.md 9b). */
#define M2M_ES5_REASON_NOT_ALLOWED "1.2"
#define M2M_ES5_REASON_INVALID "2.1"
#define M2M_ES5_REASON_ALREADY_IN_USE "3.3"
#define M2M_ES5_REASON_UNAVAILABLE "3.7"
#define M2M_ES5_REASON_REFUSED "3.8"
#define M2M_ES5_REASON_UNKNOWN "3.9"
#define M2M_ES5_REASON_EXECUTION_ERROR "4.2"
#define M2M_ES5_REASON_MEMORY "4.8"
#define M2M_ES5_REASON_NO_RESPONSE "5.3"
#define M2M_ES5_REASON_VERIFICATION "6.1"

/* The code for status word sw answered to function fn (sw 9000 and warnings: {NULL, NULL}). */
m2m_es5_code m2m_es5_sw_code(m2m_es5_fn fn, uint16_t sw);
/* The code for a PoR refusal status (01-0A, TS 102 225 table 5). */
m2m_es5_code m2m_es5_por_code(uint8_t status);
/* The code for a bearer outcome (BAD_RESPONSE, UNDELIVERED, TIMEOUT, TRANSPORT). */
m2m_es5_code m2m_es5_outcome_code(m2m_es5_outcome o);

/* One ISD-P as GET STATUS reports it (E3). */
typedef struct {
	uint8_t aid[M2M_ES5_AID_SIZE];
	size_t aid_len;
	bool has_lcs;
	uint8_t lcs;            /* 07 SELECTABLE, 0F PERSONALIZED, 1F DISABLED, 3F ENABLED */
	bool has_attr;
	bool fallback;          /* 53 b1 */
	bool emergency;         /* 53 b2 [M] */
	bool has_mem;
	uint32_t mem_reserved;  /* 8F */
	uint32_t mem_free;      /* 91: reserved memory the profile does not use */
} m2m_es5_isdp_status;

typedef struct {
	bool has_eid;
	uint8_t eid[M2M_ES5_EID_SIZE];
	bool has_resources;
	uint8_t isdp_count;     /* FF21 81 */
	uint32_t free_nv;       /* FF21 82 */
	uint32_t free_volatile; /* FF21 83 */
	size_t nisdp;
	m2m_es5_isdp_status isdp[M2M_ES5_ISDP_MAX];
	const uint8_t *ecasd_cert; /* 7F21 TLV inside the result's R-APDUs, NULL if not asked */
	size_t ecasd_cert_len;
	bool more;              /* the last GET STATUS said 6310 and could not be continued */
} m2m_es5_audit_data;

typedef struct {
	m2m_es5_fn fn;
	m2m_es5_outcome outcome;
	m2m_es5_code code;
	uint16_t sw;             /* of the last command executed (the failing one on SW_ERROR) */
	size_t executed;         /* R-APDUs received */
	uint8_t por_status;      /* of the PoR that ended the command, 0xFF if none */
	bool delivered;          /* a delivery receipt said DELIVRD */
	m2m_es5_apdus rapdus;    /* every R-APDU (data || SW) as received */
	/* typed answers, valid when outcome is M2M_ES5_OK */
	m2m_es5_audit_data audit;
	uint8_t rc[M2M_KEYEST_RC_SIZE];          /* KEYEST_CERT: the card's challenge */
	const uint8_t *data;     /* response data of the last command (into rapdus) */
	size_t data_len;         /* KEYEST_KEYS: [85 L DR] 86 10 receipt; PUT KEY: KVN... */
	size_t ndeleted;         /* NOTIF_CONFIRM: ISD-Ps the card deleted (POL1) */
	uint8_t deleted[M2M_ES5_ISDP_MAX][M2M_ES5_AID_SIZE];
	/* Every response script given to m2m_es5_result_add_script, as received and back to
	 * back, even one that did not parse: the card's own bytes for a relay (ES3.SendData). */
	m2m_buf raw;
	size_t nscripts;
} m2m_es5_result;

void m2m_es5_result_init(m2m_es5_result *r, m2m_es5_fn fn);
void m2m_es5_result_free(m2m_es5_result *r);
/* Moves src into dst (dst's old content is freed; src is left empty and initialised). The
 * pointers into the R-APDUs (data, audit.ecasd_cert) stay valid in dst. */
void m2m_es5_result_move(m2m_es5_result *dst, m2m_es5_result *src);

/* Appends the R-APDUs of one expanded response script (AB L {...} or AF 80 {...} 00 00) to
 * r->rapdus, and the script itself to r->raw. M2M_ERR_FORMAT for a bad-format indication (90) or a count (80) that does not
 * match the R-APDUs, TLV errors for malformed input, M2M_ERR_BOUNDS past M2M_ES5_APDU_MAX.
 * *last_sw (optional) gets the last status word, or 0 when no R-APDU came. */
m2m_err m2m_es5_result_add_script(m2m_es5_result *r, const uint8_t *script, size_t n,
				  uint16_t *last_sw);
/* True for 9000 and the SWs TS 102 226 lets a script continue after (61, 62, 63, 91). */
bool m2m_es5_sw_ok(uint16_t sw);

/* Decides the outcome once every packet is answered: each command must have one R-APDU
 * unless an error status word stopped the script; then the typed answer of fn is parsed.
 * Always M2M_OK for a valid cmd (the outcome says what happened); M2M_ERR_ARG otherwise. */
m2m_err m2m_es5_result_finish(const m2m_es5_cmd *cmd, m2m_es5_result *r);
/* Ends the result with a PoR refusal, or with a bearer outcome. */
void m2m_es5_result_por(m2m_es5_result *r, uint8_t status);
void m2m_es5_result_fail(m2m_es5_result *r, m2m_es5_outcome outcome);

/* Typed parsers (es5_parse.c), on one R-APDU's data (SW removed); M2M_ERR_FORMAT / TLV
 * errors for anything but the exact layout. */
m2m_err m2m_es5_parse_resources(const uint8_t *p, size_t n, m2m_es5_audit_data *a);
m2m_err m2m_es5_parse_status(const uint8_t *p, size_t n, m2m_es5_audit_data *a);
m2m_err m2m_es5_parse_deleted(const uint8_t *p, size_t n, m2m_es5_result *r);

#endif
