/* The result CSV of a fleet run: one line per row as it completes (flushed, so an interrupted
 * run loses nothing it had finished), and the reader a re-run uses to skip rows already
 * finished with a final status. Columns:
 *   eid,iccid,status,subject_code,reason_code,message,function_call_id,seconds
 * status: EXECUTED_SUCCESS, EXECUTED_WITHWARNING, FAILED, EXPIRED (the SM-SR's answer) or
 * ERROR (no answer: transport, time-out, bad input row). Fields never span lines. */
#ifndef M2M_CLI_FLEET_RESULT_H
#define M2M_CLI_FLEET_RESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/fleet_ids.h"
#include "cli/fleet_map.h"
#include "core/buf.h"
#include "core/err.h"

#define M2M_FLEET_RESULT_HEADER \
	"eid,iccid,status,subject_code,reason_code,message,function_call_id,seconds"
/* The message of a bad input row starts so; such lines are not results. */
#define M2M_FLEET_INPUT_PREFIX "input line "

typedef enum {
	M2M_FLEET_SUCCESS,
	M2M_FLEET_WARNING,
	M2M_FLEET_FAILED,
	M2M_FLEET_EXPIRED,
	M2M_FLEET_ERROR,
} m2m_fleet_status;

const char *m2m_fleet_status_name(m2m_fleet_status s);
m2m_err m2m_fleet_status_parse(const char *s, m2m_fleet_status *out);
/* An answer from the SM-SR: a re-run does not send the row again. */
bool m2m_fleet_status_final(m2m_fleet_status s);

typedef struct {
	m2m_fleet_status status;
	char subject[32];
	char reason[32];
	char message[512];
	char fci[M2M_FLEET_FCI_MAX];
	double seconds;
} m2m_fleet_outcome;

/* printf into o->message; control characters become spaces. */
void m2m_fleet_outcome_msg(m2m_fleet_outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends one result line. */
m2m_err m2m_fleet_result_line(m2m_buf *b, const char *eid, const char *iccid,
			      const m2m_fleet_outcome *o);

/* A line of an existing result file. */
typedef struct {
	unsigned long line;
	m2m_fleet_status status;
	char *eid, *iccid, *fci;
	size_t start, len; /* the line's bytes in the file, without the LF */
	bool matched;      /* an input row took it */
} m2m_fleet_old;

typedef struct {
	m2m_buf text;         /* the file as read */
	size_t complete;      /* bytes up to the end of the last complete line */
	bool header;          /* the file has the header line */
	m2m_fleet_old *line;  /* result lines, bad-input lines left out */
	size_t n, cap;
	m2m_fleet_map index;  /* "EID,ICCID" -> the latest final line, else the latest line */
	size_t malformed;
	unsigned long first_malformed;
} m2m_fleet_results;

/* Reads path. A file that does not exist or is empty gives an empty set (header false).
 * M2M_ERR_FORMAT when it is not a result file (why says so), M2M_ERR_IO. */
m2m_err m2m_fleet_results_load(const char *path, m2m_fleet_results *r, char *why, size_t cap);
/* The line chosen for (eid, iccid), NULL when none. */
m2m_fleet_old *m2m_fleet_results_find(const m2m_fleet_results *r, const char *eid,
				      const char *iccid);
void m2m_fleet_results_free(m2m_fleet_results *r);

#endif
