/* Status values, subject codes for elements, and the error record. */
#include "ws/status.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
	[M2M_WS_EXECUTED_SUCCESS] = "EXECUTED_SUCCESS",
	[M2M_WS_EXECUTED_WITHWARNING] = "EXECUTED_WITHWARNING",
	[M2M_WS_FAILED] = "FAILED",
	[M2M_WS_EXPIRED] = "EXPIRED",
};

const char *m2m_ws_status_name(m2m_ws_status s)
{
	return (unsigned)s <= M2M_WS_EXPIRED ? status_names[s] : "FAILED";
}

m2m_err m2m_ws_status_parse(const char *s, m2m_ws_status *out)
{
	for (unsigned i = 0; s && out && i <= M2M_WS_EXPIRED; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (m2m_ws_status)i;
			return M2M_OK;
		}
	}
	return s && out ? M2M_ERR_FORMAT : M2M_ERR_ARG;
}

void m2m_ws_status_set(m2m_ws_exec_status *st, m2m_ws_status status, const char *subject,
		       const char *reason, const char *subject_id, const char *fmt, ...)
{
	if (!st)
		return;
	memset(st, 0, sizeof *st);
	st->status = status;
	if (subject && reason) {
		snprintf(st->subject, sizeof st->subject, "%s", subject);
		snprintf(st->reason, sizeof st->reason, "%s", reason);
	}
	if (subject_id)
		snprintf(st->subject_id, sizeof st->subject_id, "%s", subject_id);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(st->message, sizeof st->message, fmt, ap);
		va_end(ap);
	}
}

bool m2m_ws_code_valid(const char *code)
{
	bool digit = false;
	if (!code || !*code)
		return false;
	for (const char *p = code; *p; p++) {
		if (isdigit((unsigned char)*p))
			digit = true;
		else if (*p == '.' && digit && p[1])
			digit = false;
		else
			return false;
	}
	return digit;
}

static const struct {
	const char *element;
	const char *subject;
} subjects[] = {
	{"Eid", M2M_WS_SUBJ_EID},
	{"Iccid", M2M_WS_SUBJ_ICCID},
	{"ProfileType", M2M_WS_SUBJ_PROFILE_TYPE},
	{"pol2", M2M_WS_SUBJ_POL2},
	{"SubscriptionAddress", M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS},
	{"newSubscriptionAddress", M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS},
	{"Msisdn", M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS},
	{"Imsi", M2M_WS_SUBJ_SUBSCRIPTION_ADDRESS},
	{"Sd-aid", M2M_WS_SUBJ_SD_AID},
	{"Isd-p-aid", M2M_WS_SUBJ_SD_AID},
	{"Eis", M2M_WS_SUBJ_EIS},
	{"Smsr-id", M2M_WS_SUBJ_SMSR},
	{"SmSr-id", M2M_WS_SUBJ_SMSR},
	{"Target-Smsr-id", M2M_WS_SUBJ_SMSR},
	{"CurrentSMSRid", M2M_WS_SUBJ_SMSR},
	{"SmsrCertificate", M2M_WS_SUBJ_SMSR_CERT},
};

const char *m2m_ws_subject_for_element(const char *local_name)
{
	for (size_t i = 0; local_name && i < sizeof subjects / sizeof subjects[0]; i++)
		if (strcmp(subjects[i].element, local_name) == 0)
			return subjects[i].subject;
	return NULL;
}

void m2m_ws_error_fault(m2m_ws_error *e, m2m_ws_fault_code code, const char *subcode,
			const char *detail, const char *fmt, ...)
{
	if (!e)
		return;
	memset(e, 0, sizeof *e);
	e->fault = code;
	snprintf(e->subcode, sizeof e->subcode, "%s", subcode ? subcode : "");
	snprintf(e->detail, sizeof e->detail, "%s", detail ? detail : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	e->status.status = M2M_WS_FAILED;
}

void m2m_ws_error_failed(m2m_ws_error *e, const char *subject, const char *reason,
			 const char *subject_id, const char *fmt, ...)
{
	if (!e)
		return;
	memset(e, 0, sizeof *e);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof e->text, fmt, ap);
	va_end(ap);
	m2m_ws_status_set(&e->status, M2M_WS_FAILED, subject, reason, subject_id, "%s", e->text);
}

void m2m_ws_error_to_fault(m2m_ws_error *e)
{
	if (!e || e->fault != M2M_WS_FAULT_NONE)
		return;
	e->fault = M2M_WS_FAULT_SENDER;
	e->fault_status = true;
	if (!e->text[0])
		snprintf(e->text, sizeof e->text, "%s", e->status.message);
}

static const char *const fault_names[] = {
	[M2M_WS_FAULT_NONE] = "",
	[M2M_WS_FAULT_VERSION_MISMATCH] = "VersionMismatch",
	[M2M_WS_FAULT_MUST_UNDERSTAND] = "MustUnderstand",
	[M2M_WS_FAULT_DATA_ENCODING_UNKNOWN] = "DataEncodingUnknown",
	[M2M_WS_FAULT_SENDER] = "Sender",
	[M2M_WS_FAULT_RECEIVER] = "Receiver",
};

const char *m2m_ws_fault_code_name(m2m_ws_fault_code code)
{
	return (unsigned)code <= M2M_WS_FAULT_RECEIVER ? fault_names[code] : "Receiver";
}

m2m_err m2m_ws_fault_code_parse(const char *local, m2m_ws_fault_code *out)
{
	for (unsigned i = 1; local && out && i <= M2M_WS_FAULT_RECEIVER; i++) {
		if (strcmp(local, fault_names[i]) == 0) {
			*out = (m2m_ws_fault_code)i;
			return M2M_OK;
		}
	}
	return local && out ? M2M_ERR_FORMAT : M2M_ERR_ARG;
}

int m2m_ws_error_http_status(const m2m_ws_error *e)
{
	if (!e || e->fault == M2M_WS_FAULT_NONE)
		return 200;
	return e->fault == M2M_WS_FAULT_SENDER ? 400 : 500;
}
