/* The input of a fleet run: a CSV file with a header row naming its columns; "eid" is
 * required, "iccid" too for enable, disable and delete (optional for audit, ignored for
 * smsr-change); other columns are ignored. A row that cannot be sent (malformed record, bad
 * EID or ICCID, duplicate) stays in the table with the reason, to be reported and counted as a
 * failure. */
#ifndef M2M_CLI_FLEET_INPUT_H
#define M2M_CLI_FLEET_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/fleet.h"
#include "core/buf.h"
#include "core/err.h"

#define M2M_FLEET_EID_LEN 32
#define M2M_FLEET_ICCID_MAX 20

typedef struct {
	unsigned long line;                 /* where the record starts */
	char eid[M2M_FLEET_EID_LEN + 1];     /* upper case hex; valid rows */
	char iccid[M2M_FLEET_ICCID_MAX + 1]; /* upper case; "" = none */
	char *bad;                          /* why it cannot be sent; NULL = valid */
	char *raw_eid, *raw_iccid;          /* a bad row's cells as written (may be "") */
	/* Run state (fleet_run.c). */
	uint8_t state;
	uint8_t step;
	double t0;       /* first sent */
	double deadline; /* of the call awaiting an answer */
} m2m_fleet_row;

typedef struct {
	m2m_fleet_row *row;
	size_t n;
	size_t bad;
	char batch[17]; /* from the file's bytes (fleet_ids.h) */
} m2m_fleet_input;

/* M2M_ERR_IO when the file cannot be read; M2M_ERR_FORMAT when it is not a fleet input (no
 * header, no eid column, ...): why says so. */
m2m_err m2m_fleet_input_load(const char *path, m2m_fleet_op op, m2m_fleet_input *in,
			     char *why, size_t cap);
void m2m_fleet_input_free(m2m_fleet_input *in);

/* A row's EID and ICCID as its result line has them (valid rows normalised, bad rows as
 * written). */
const char *m2m_fleet_row_eid(const m2m_fleet_row *r);
const char *m2m_fleet_row_iccid(const m2m_fleet_row *r);

/* Reads a whole file into b (NUL-terminated, the NUL not counted). */
m2m_err m2m_fleet_read_file(const char *path, m2m_buf *b);

#endif
