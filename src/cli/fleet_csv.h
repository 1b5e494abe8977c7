/* CSV for the fleet tool (RFC 4180): a record reader that reports a malformed record with its
 * line number and carries on with the next one (bad rows are not fatal), and a field writer
 * that quotes where needed. LF or CRLF line ends; blank lines are skipped. */
#ifndef M2M_CLI_FLEET_CSV_H
#define M2M_CLI_FLEET_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* Longest field and most fields per record the reader accepts. */
#define M2M_FLEET_CSV_FIELD_MAX 4096
#define M2M_FLEET_CSV_FIELDS_MAX 256

typedef struct {
	const char *p;
	size_t len, pos;
	unsigned long line; /* physical line of pos, 1-based */
} m2m_fleet_csv;

typedef struct {
	char **field;
	size_t n, cap;
	unsigned long line; /* where the record starts */
	size_t start, end;  /* its bytes in the text, line end excluded */
} m2m_fleet_csv_rec;

void m2m_fleet_csv_init(m2m_fleet_csv *r, const char *p, size_t len);
/* The next record into rec (its previous fields are freed). M2M_END after the last record;
 * M2M_ERR_FORMAT for a malformed one (*why says what, rec->line where): the reader has moved
 * past it, so the caller may go on. M2M_ERR_NOMEM. */
m2m_err m2m_fleet_csv_next(m2m_fleet_csv *r, m2m_fleet_csv_rec *rec, const char **why);
void m2m_fleet_csv_rec_free(m2m_fleet_csv_rec *rec);

/* Appends s as one field, quoted when it holds a comma, quote, CR or LF or starts or ends
 * with a space; then a comma, or the line end "\n" when last. */
m2m_err m2m_fleet_csv_put(m2m_buf *b, const char *s, bool last);

#endif
