/* FunctionExecutionStatus (SGP.02 v3 XSD ExecutionStatusType), the subject and reason codes of
 * /work/shared/spec/sgp02-facts-2.md section 9, and the error a message gets when it cannot be
 * executed: a SOAP 1.2 fault (it could not be parsed or routed) or a FAILED status. */
#ifndef M2M_WS_STATUS_H
#define M2M_WS_STATUS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

typedef enum {
	M2M_WS_EXECUTED_SUCCESS,
	M2M_WS_EXECUTED_WITHWARNING,
	M2M_WS_FAILED,
	M2M_WS_EXPIRED,
} m2m_ws_status;

/* Subject codes (facts-2 9a). [V] two sources agree, [S] one, [M] our choice. */
#define M2M_WS_SUBJ_REQUESTER "1.1"       /* function requester [M: SGP.22 numbering] */
#define M2M_WS_SUBJ_PROVIDER "1.2"        /* function provider [S whty] */
#define M2M_WS_SUBJ_FUNCTION "1.6"        /* the function / message (validity) [S] */
#define M2M_WS_SUBJ_EUICC "8.1"           /* [S] */
#define M2M_WS_SUBJ_EID "8.1.1"           /* [V] */
#define M2M_WS_SUBJ_PROFILE "8.2"         /* [S] */
#define M2M_WS_SUBJ_ICCID "8.2.1"         /* [V] */
#define M2M_WS_SUBJ_POL1 "8.2.2"          /* [S] */
#define M2M_WS_SUBJ_POL2 "8.2.3"          /* [S] */
#define M2M_WS_SUBJ_PROFILE_TYPE "8.2.5"  /* [V] */
#define M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS "8.2.6" /* [S] */
#define M2M_WS_SUBJ_ISDP "8.3"            /* [S] */
#define M2M_WS_SUBJ_SD_AID "8.3.1"        /* [V] */
#define M2M_WS_SUBJ_ISDR "8.4"            /* [V] */
#define M2M_WS_SUBJ_ECASD_CERT "8.5.2"    /* [S] */
#define M2M_WS_SUBJ_SMSR_CERT "8.5.3"     /* [S] */
#define M2M_WS_SUBJ_EIS "8.6"             /* [S] */
#define M2M_WS_SUBJ_SMSR "8.7"            /* [V] */

/* Reason codes (facts-2 9b). */
#define M2M_WS_REASON_UNAUTHORISED "1.1"  /* not allowed (authorisation) [S njiwa] */
#define M2M_WS_REASON_NOT_ALLOWED "1.2"   /* [S] */
#define M2M_WS_REASON_INVALID "2.1"       /* [S njiwa] */
#define M2M_WS_REASON_IN_USE "3.3"        /* already in use [M number] */
#define M2M_WS_REASON_INVALID_DEST "3.4"  /* invalid destination [M number] */
#define M2M_WS_REASON_UNAVAILABLE "3.7"   /* [M] */
#define M2M_WS_REASON_REFUSED "3.8"       /* [S] */
#define M2M_WS_REASON_UNKNOWN "3.9"       /* [V] */
#define M2M_WS_REASON_EXECUTION_ERROR "4.2" /* [V] */
#define M2M_WS_REASON_STOPPED_ON_WARNING "4.3"
#define M2M_WS_REASON_INSUFFICIENT_MEMORY "4.8" /* [M] */
#define M2M_WS_REASON_NO_RESPONSE "5.3"   /* delivered with no response / expired [S] */
#define M2M_WS_REASON_VERIFICATION_FAILED "6.1"
#define M2M_WS_REASON_EXPIRED "6.3"       /* e.g. a certificate [M] */

#define M2M_WS_CODE_MAX 32
#define M2M_WS_SUBJECT_ID_MAX 128
#define M2M_WS_MESSAGE_MAX 256

/* ExecutionStatusType; the StatusCodeData part is present when subject[0] != '\0'. */
typedef struct {
	m2m_ws_status status;
	char subject[M2M_WS_CODE_MAX];
	char reason[M2M_WS_CODE_MAX];
	char subject_id[M2M_WS_SUBJECT_ID_MAX]; /* "" = absent */
	char message[M2M_WS_MESSAGE_MAX];       /* "" = absent */
} m2m_ws_exec_status;

/* "EXECUTED_SUCCESS", ... (facts-2 8b: underscores, not SGP.22's hyphens). */
const char *m2m_ws_status_name(m2m_ws_status s);
m2m_err m2m_ws_status_parse(const char *s, m2m_ws_status *out);

/* Fills st; subject/reason may be NULL (no StatusCodeData), the message is printf-style. */
void m2m_ws_status_set(m2m_ws_exec_status *st, m2m_ws_status status, const char *subject,
		       const char *reason, const char *subject_id, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* ObjectIdentifierType of the XSD: (\d+.)*\d+. */
bool m2m_ws_code_valid(const char *code);

/* The subject code for a message element (Eid -> 8.1.1, Iccid -> 8.2.1, ...), NULL if none. */
const char *m2m_ws_subject_for_element(const char *local_name);

/* SOAP 1.2 fault codes (part 1, 5.4.6). */
typedef enum {
	M2M_WS_FAULT_NONE, /* not a fault: the answer is the FAILED status */
	M2M_WS_FAULT_VERSION_MISMATCH,
	M2M_WS_FAULT_MUST_UNDERSTAND,
	M2M_WS_FAULT_DATA_ENCODING_UNKNOWN,
	M2M_WS_FAULT_SENDER,
	M2M_WS_FAULT_RECEIVER,
} m2m_ws_fault_code;

/* Why a message was not executed. With fault != NONE the answer is a SOAP fault (JSON: a
 * "Fault" object); otherwise the function's response element with status (FAILED). */
typedef struct {
	m2m_ws_fault_code fault;
	char subcode[96];  /* QName, e.g. "wsa:ActionNotSupported"; "" = none */
	char detail[256];  /* WS-A ProblemHeaderQName or ProblemAction; "" = none */
	char text[M2M_WS_MESSAGE_MAX]; /* the fault's Reason text */
	m2m_ws_exec_status status;
	/* A fault that also carries status (rps:FunctionExecutionStatus in env:Detail): used when
	 * the function has no response element to hold it (notifications, callbacks) or when the
	 * response element cannot be valid without data (ES3-CreateISDPResponse needs an
	 * Isd-p-aid). */
	bool fault_status;
} m2m_ws_error;

void m2m_ws_error_fault(m2m_ws_error *e, m2m_ws_fault_code code, const char *subcode,
			const char *detail, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
void m2m_ws_error_failed(m2m_ws_error *e, const char *subject, const char *reason,
			 const char *subject_id, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Turns a FAILED status error into a Sender fault carrying that status. */
void m2m_ws_error_to_fault(m2m_ws_error *e);
/* "Sender", ... (the local part of the env: QName) */
const char *m2m_ws_fault_code_name(m2m_ws_fault_code code);
m2m_err m2m_ws_fault_code_parse(const char *qname_local, m2m_ws_fault_code *out);
/* SOAP 1.2 HTTP binding (part 2, 7.5.1): Sender 400, other faults 500, a status 200. */
int m2m_ws_error_http_status(const m2m_ws_error *e);

#endif
