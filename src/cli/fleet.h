/* m2mrsp fleet: ES4 calls for a whole fleet of eUICCs from a CSV file, with bounded
 * concurrency, answers synchronous or by callback to our own ES4 endpoint, a result CSV written
 * as rows complete, and a resumable run (docs/fleet.md). */
#ifndef M2M_CLI_FLEET_H
#define M2M_CLI_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ws/functions.h"

typedef enum {
	M2M_FLEET_ENABLE,
	M2M_FLEET_DISABLE,
	M2M_FLEET_DELETE,
	M2M_FLEET_AUDIT,
	M2M_FLEET_SMSR_CHANGE,
} m2m_fleet_op;

/* The calls a row may need: smsr-change may first prepare the target SM-SR. */
typedef enum {
	M2M_FLEET_STEP_MAIN,
	M2M_FLEET_STEP_PREPARE,
} m2m_fleet_step;

typedef enum {
	M2M_FLEET_PROGRESS_AUTO,  /* a live line on a terminal, plain lines otherwise */
	M2M_FLEET_PROGRESS_TTY,
	M2M_FLEET_PROGRESS_PLAIN,
	M2M_FLEET_PROGRESS_OFF,
} m2m_fleet_progress_mode;

#define M2M_FLEET_CONCURRENCY_MAX 10000
#define M2M_FLEET_SYNC_THREADS_MAX 256
#define M2M_FLEET_ASYNC_THREADS 16

typedef struct {
	m2m_fleet_op op;
	const char *input;
	const char *output;
	const char *smsr_url;      /* the ES4 endpoint (…/soap/es4 appended to a bare host) */
	const char *cert, *key, *ca;
	unsigned concurrency;      /* calls outstanding at most */
	uint64_t validity;         /* ValidityPeriod in seconds; 0 = not sent */
	unsigned timeout_s;        /* per call, until its answer */
	bool sync;                 /* no ReplyTo: wait for synchronous answers */
	const char *listen_host;   /* the callback endpoint */
	uint16_t listen_port;      /* 0 = ephemeral */
	const char *callback_url;  /* ReplyTo; NULL = https://HOST:PORT/soap/es4 */
	const char *target_smsr;   /* smsr-change: Target-Smsr-id */
	const char *target_url;    /* smsr-change: PrepareSMSRChange there first; NULL = no */
	const char *current_smsr;  /* smsr-change: CurrentSMSRid of PrepareSMSRChange */
	const char *batch_id;      /* NULL = the result file's, else from the input's bytes */
	size_t limit;              /* rows to attempt in this run; 0 = all */
	m2m_fleet_progress_mode progress;
	const char *wsdl_dir;      /* NULL = found as docs/ws.md says */
} m2m_fleet_cfg;

/* "enable", ...; the name used in identifiers and messages. */
const char *m2m_fleet_op_name(m2m_fleet_op op);
/* The function of a step of op. */
m2m_ws_fn m2m_fleet_op_fn(m2m_fleet_op op, m2m_fleet_step step);
/* The name of a step in function call identifiers: the op's, or "prepare-smsr-change". */
const char *m2m_fleet_step_name(m2m_fleet_op op, m2m_fleet_step step);

/* Runs the batch; returns the exit code (0 all rows succeeded, 1 some failed or the run was
 * interrupted, 2 usage or unusable files, 3 the SM-SR could not be reached or I/O). */
int m2m_fleet_run(const m2m_fleet_cfg *cfg);

#endif
