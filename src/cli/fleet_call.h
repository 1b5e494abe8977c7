/* One ES4 call of a fleet row: the request of each operation step, its identifier, and what
 * the client's result or a callback means for the row. */
#ifndef M2M_CLI_FLEET_CALL_H
#define M2M_CLI_FLEET_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/fleet.h"
#include "cli/fleet_input.h"
#include "cli/fleet_result.h"
#include "core/err.h"
#include "ws/client.h"
#include "ws/msg.h"

/* The FunctionCallIdentifier of a row's step (fleet_ids.h). */
m2m_err m2m_fleet_row_fci(const m2m_fleet_cfg *cfg, const char *batch, m2m_fleet_step step,
			  const m2m_fleet_row *row, char *out, size_t cap);
/* The request of a row's step: EnableProfile/DisableProfile/DeleteProfile (Eid, Iccid),
 * AuditEIS (Eid, Iccid if any), SMSRChange (Eid, Target-Smsr-id), PrepareSMSRChange (Eid,
 * CurrentSMSRid). */
m2m_err m2m_fleet_request(const m2m_fleet_cfg *cfg, m2m_fleet_step step,
			  const m2m_fleet_row *row, const char *fci, m2m_ws_msg **out);

/* An answer's FunctionExecutionStatus as a row outcome. */
void m2m_fleet_outcome_of(const m2m_ws_msg *response, m2m_fleet_outcome *o);

typedef enum {
	M2M_FLEET_CALL_ANSWER,    /* the SM-SR answered: o holds the outcome */
	M2M_FLEET_CALL_WAIT,      /* 202 Accepted: the answer comes to our ReplyTo */
	M2M_FLEET_CALL_TRANSPORT, /* no answer (connection, TLS, time-out): o is ERROR */
	M2M_FLEET_CALL_LOCAL,     /* not sent (our request is invalid): o is ERROR */
} m2m_fleet_call_kind;

/* Interprets m2m_ws_client_call's return and result. */
m2m_fleet_call_kind m2m_fleet_call_outcome(m2m_err err, const m2m_ws_result *res, bool sync,
					   const char *transport_error, m2m_fleet_outcome *o);

#endif
