/* Requests and answers of fleet rows (fleet_call.h). */
#include "cli/fleet_call.h"

#include <stdio.h>
#include <string.h>

#include "cli/fleet_ids.h"

static const char *step_param(const m2m_fleet_cfg *cfg, m2m_fleet_step step)
{
	if (cfg->op != M2M_FLEET_SMSR_CHANGE)
		return "";
	return step == M2M_FLEET_STEP_PREPARE ? cfg->current_smsr : cfg->target_smsr;
}

m2m_err m2m_fleet_row_fci(const m2m_fleet_cfg *cfg, const char *batch, m2m_fleet_step step,
			  const m2m_fleet_row *row, char *out, size_t cap)
{
	return m2m_fleet_fci(batch, m2m_fleet_step_name(cfg->op, step), row->eid, row->iccid,
			     step_param(cfg, step), out, cap);
}

m2m_err m2m_fleet_request(const m2m_fleet_cfg *cfg, m2m_fleet_step step,
			  const m2m_fleet_row *row, const char *fci, m2m_ws_msg **out)
{
	m2m_ws_msg *m = NULL;
	m2m_err err = m2m_ws_request_new(m2m_fleet_op_fn(cfg->op, step), fci, cfg->validity, &m);
	if (err == M2M_OK)
		err = m2m_ws_add(m, NULL, "Eid", row->eid, NULL);
	if (err != M2M_OK)
		goto out;
	if (cfg->op == M2M_FLEET_SMSR_CHANGE && step == M2M_FLEET_STEP_PREPARE)
		err = m2m_ws_add(m, NULL, "CurrentSMSRid", cfg->current_smsr, NULL);
	else if (cfg->op == M2M_FLEET_SMSR_CHANGE)
		err = m2m_ws_add(m, NULL, "Target-Smsr-id", cfg->target_smsr, NULL);
	else if (row->iccid[0] != '\0')
		err = m2m_ws_add(m, NULL, "Iccid", row->iccid, NULL);
out:
	if (err == M2M_OK)
		*out = m;
	else
		m2m_ws_msg_free(m);
	return err;
}

static void codes(m2m_fleet_outcome *o, const m2m_ws_exec_status *st)
{
	snprintf(o->subject, sizeof o->subject, "%s", st->subject);
	snprintf(o->reason, sizeof o->reason, "%s", st->reason);
}

void m2m_fleet_outcome_of(const m2m_ws_msg *response, m2m_fleet_outcome *o)
{
	m2m_ws_exec_status st;
	if (m2m_ws_msg_status(response, &st) != M2M_OK) {
		o->status = M2M_FLEET_ERROR;
		m2m_fleet_outcome_msg(o, "the answer has no readable FunctionExecutionStatus");
		return;
	}
	switch (st.status) {
	case M2M_WS_EXECUTED_SUCCESS:
		o->status = M2M_FLEET_SUCCESS;
		break;
	case M2M_WS_EXECUTED_WITHWARNING:
		o->status = M2M_FLEET_WARNING;
		break;
	case M2M_WS_EXPIRED:
		o->status = M2M_FLEET_EXPIRED;
		break;
	default:
		o->status = M2M_FLEET_FAILED;
		break;
	}
	codes(o, &st);
	m2m_fleet_outcome_msg(o, "%s", st.message);
}

/* A fault: Sender (the request was refused as it is: a final FAILED) or another code (the
 * SM-SR could not process it now: ERROR, sent again by a re-run). */
static void fault(const m2m_ws_error *e, m2m_fleet_outcome *o)
{
	o->status = e->fault == M2M_WS_FAULT_SENDER ? M2M_FLEET_FAILED : M2M_FLEET_ERROR;
	if (e->status.subject[0] != '\0')
		codes(o, &e->status);
	m2m_fleet_outcome_msg(o, "SOAP fault %s%s%s: %s", m2m_ws_fault_code_name(e->fault),
			      e->subcode[0] ? " " : "", e->subcode,
			      e->text[0] ? e->text : e->status.message);
}

m2m_fleet_call_kind m2m_fleet_call_outcome(m2m_err err, const m2m_ws_result *res, bool sync,
					   const char *transport_error, m2m_fleet_outcome *o)
{
	o->status = M2M_FLEET_ERROR;
	o->subject[0] = o->reason[0] = o->message[0] = '\0';
	if (err == M2M_ERR_IO) {
		m2m_fleet_outcome_msg(o, "transport: %s", transport_error && transport_error[0]
							  ? transport_error : "no answer");
		return M2M_FLEET_CALL_TRANSPORT;
	}
	if (err != M2M_OK && res->http_status == 0) {
		m2m_fleet_outcome_msg(o, "request not sent: %s", res->error.status.message[0]
					 ? res->error.status.message : m2m_strerror(err));
		return M2M_FLEET_CALL_LOCAL;
	}
	if (err != M2M_OK) {
		m2m_fleet_outcome_msg(o, "bad answer (HTTP %ld): %s", res->http_status,
				      res->error.text[0] ? res->error.text : m2m_strerror(err));
	} else if (res->fault) {
		fault(&res->error, o);
	} else if (res->response != NULL) {
		m2m_fleet_outcome_of(res->response, o);
	} else if (res->accepted && !sync) {
		return M2M_FLEET_CALL_WAIT;
	} else {
		m2m_fleet_outcome_msg(o, "HTTP %ld without an answer (--sync sends no ReplyTo)",
				      res->http_status);
	}
	return M2M_FLEET_CALL_ANSWER;
}
