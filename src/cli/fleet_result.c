/* Writing and reading the result CSV of a fleet run (fleet_result.h). */
#include "cli/fleet_result.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/fleet_csv.h"
#include "cli/fleet_input.h"

enum { C_EID, C_ICCID, C_STATUS, C_SUBJECT, C_REASON, C_MESSAGE, C_FCI, C_SECONDS, C__N };

static const char *const status_names[] = {
	[M2M_FLEET_SUCCESS] = "EXECUTED_SUCCESS",
	[M2M_FLEET_WARNING] = "EXECUTED_WITHWARNING",
	[M2M_FLEET_FAILED] = "FAILED",
	[M2M_FLEET_EXPIRED] = "EXPIRED",
	[M2M_FLEET_ERROR] = "ERROR",
};

const char *m2m_fleet_status_name(m2m_fleet_status s)
{
	return (size_t)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "?";
}

m2m_err m2m_fleet_status_parse(const char *s, m2m_fleet_status *out)
{
	for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++) {
		if (strcmp(s, status_names[i]) == 0) {
			*out = (m2m_fleet_status)i;
			return M2M_OK;
		}
	}
	return M2M_ERR_FORMAT;
}

bool m2m_fleet_status_final(m2m_fleet_status s)
{
	return s != M2M_FLEET_ERROR;
}

void m2m_fleet_outcome_msg(m2m_fleet_outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->message, sizeof o->message, fmt, ap);
	va_end(ap);
	for (char *p = o->message; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
}

/* One field with control characters as spaces: a result line is one physical line. */
static m2m_err field(m2m_buf *b, const char *s, bool last)
{
	char clean[1024];
	snprintf(clean, sizeof clean, "%s", s);
	for (char *p = clean; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	}
	return m2m_fleet_csv_put(b, clean, last);
}

m2m_err m2m_fleet_result_line(m2m_buf *b, const char *eid, const char *iccid,
			      const m2m_fleet_outcome *o)
{
	char secs[32];
	snprintf(secs, sizeof secs, "%.3f", o->seconds);
	m2m_err err = field(b, eid, false);
	if (err == M2M_OK)
		err = field(b, iccid, false);
	if (err == M2M_OK)
		err = field(b, m2m_fleet_status_name(o->status), false);
	if (err == M2M_OK)
		err = field(b, o->subject, false);
	if (err == M2M_OK)
		err = field(b, o->reason, false);
	if (err == M2M_OK)
		err = field(b, o->message, false);
	if (err == M2M_OK)
		err = field(b, o->fci, false);
	if (err == M2M_OK)
		err = field(b, secs, true);
	return err;
}

static void key_of(const char *eid, const char *iccid, char *out, size_t cap)
{
	snprintf(out, cap, "%s,%s", eid, iccid);
}

static m2m_err add(m2m_fleet_results *r, const m2m_fleet_csv_rec *rec, m2m_fleet_status st,
		   size_t start, size_t len)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		m2m_fleet_old *l = realloc(r->line, cap * sizeof *l);
		if (l == NULL)
			return M2M_ERR_NOMEM;
		r->line = l;
		r->cap = cap;
	}
	m2m_fleet_old *o = &r->line[r->n];
	memset(o, 0, sizeof *o);
	o->line = rec->line;
	o->status = st;
	o->start = start;
	o->len = len;
	o->eid = strdup(rec->field[C_EID]);
	o->iccid = strdup(rec->field[C_ICCID]);
	o->fci = strdup(rec->field[C_FCI]);
	if (o->eid == NULL || o->iccid == NULL || o->fci == NULL) {
		free(o->eid);
		free(o->iccid);
		free(o->fci);
		return M2M_ERR_NOMEM;
	}
	r->n++;
	return M2M_OK;
}

/* The chosen line of a key: the latest final one, else the latest. */
static m2m_err index_line(m2m_fleet_results *r, size_t i)
{
	char key[2 * M2M_FLEET_CSV_FIELD_MAX + 2];
	size_t have;
	const m2m_fleet_old *o = &r->line[i];
	key_of(o->eid, o->iccid, key, sizeof key);
	if (m2m_fleet_map_get(&r->index, key, &have) == M2M_OK &&
	    m2m_fleet_status_final(r->line[have].status) && !m2m_fleet_status_final(o->status))
		return M2M_OK;
	return m2m_fleet_map_put(&r->index, key, i);
}

static void malformed(m2m_fleet_results *r, unsigned long line)
{
	if (r->malformed++ == 0)
		r->first_malformed = line;
}

/* One data line (a record of its own: fields never span lines). */
static m2m_err data_line(m2m_fleet_results *r, const char *p, size_t start, size_t len,
			 unsigned long line)
{
	m2m_fleet_csv rd;
	m2m_fleet_csv_rec rec = {0};
	m2m_fleet_status st;
	const char *why;
	m2m_err err = M2M_OK;
	m2m_fleet_csv_init(&rd, p + start, len);
	m2m_err rerr = m2m_fleet_csv_next(&rd, &rec, &why);
	if (rerr == M2M_END)
		goto out; /* blank */
	if (rerr == M2M_ERR_NOMEM) {
		err = rerr;
		goto out;
	}
	if (rerr != M2M_OK || rec.n != C__N ||
	    m2m_fleet_status_parse(rec.field[C_STATUS], &st) != M2M_OK) {
		malformed(r, line);
		goto out;
	}
	size_t pl = strlen(M2M_FLEET_INPUT_PREFIX);
	if (st == M2M_FLEET_ERROR && strncmp(rec.field[C_MESSAGE], M2M_FLEET_INPUT_PREFIX, pl) == 0)
		goto out; /* a bad input row: not a result, rewritten from the input */
	rec.line = line;
	if ((err = add(r, &rec, st, start, len)) == M2M_OK)
		err = index_line(r, r->n - 1);
out:
	m2m_fleet_csv_rec_free(&rec);
	return err;
}

static m2m_err lines(m2m_fleet_results *r, char *why, size_t cap)
{
	const char *p = (const char *)r->text.data;
	size_t hl = strlen(M2M_FLEET_RESULT_HEADER), pos = 0;
	unsigned long line = 1;
	m2m_err err = M2M_OK;
	const char *nl = memchr(p, '\n', r->complete);
	if (nl == NULL) {
		/* No complete line: an empty file, or a header cut short by a kill. */
		if (strncmp(p, M2M_FLEET_RESULT_HEADER, r->text.len < hl ? r->text.len : hl) == 0)
			return M2M_OK;
		snprintf(why, cap, "not a fleet result file (its first line is not \"%s\")",
			 M2M_FLEET_RESULT_HEADER);
		return M2M_ERR_FORMAT;
	}
	size_t l0 = (size_t)(nl - p);
	if (l0 > 0 && p[l0 - 1] == '\r')
		l0--;
	if (l0 != hl || memcmp(p, M2M_FLEET_RESULT_HEADER, hl) != 0) {
		snprintf(why, cap, "not a fleet result file (its first line is not \"%s\")",
			 M2M_FLEET_RESULT_HEADER);
		return M2M_ERR_FORMAT;
	}
	r->header = true;
	pos = (size_t)(nl - p) + 1;
	while (err == M2M_OK && pos < r->complete) {
		const char *e = memchr(p + pos, '\n', r->complete - pos);
		size_t len = (size_t)(e - (p + pos));
		line++;
		err = data_line(r, p, pos, len, line);
		pos += len + 1;
	}
	return err;
}

m2m_err m2m_fleet_results_load(const char *path, m2m_fleet_results *r, char *why, size_t cap)
{
	memset(r, 0, sizeof *r);
	m2m_buf_init(&r->text);
	m2m_fleet_map_init(&r->index);
	snprintf(why, cap, "%s", "");
	m2m_err err = m2m_fleet_read_file(path, &r->text);
	if (err == M2M_ERR_IO && errno == ENOENT)
		return M2M_OK;
	if (err != M2M_OK) {
		snprintf(why, cap, "cannot read it: %s", err == M2M_ERR_IO ? strerror(errno)
									: m2m_strerror(err));
		return err;
	}
	const uint8_t *last = NULL;
	for (size_t i = r->text.len; i > 0 && last == NULL; i--) {
		if (r->text.data[i - 1] == '\n')
			last = &r->text.data[i - 1];
	}
	r->complete = last != NULL ? (size_t)(last - r->text.data) + 1 : 0;
	if (r->text.len == 0)
		return M2M_OK;
	if (memchr(r->text.data, 0, r->text.len) != NULL) {
		snprintf(why, cap, "not a fleet result file (it holds NUL bytes)");
		return M2M_ERR_FORMAT;
	}
	return lines(r, why, cap);
}

m2m_fleet_old *m2m_fleet_results_find(const m2m_fleet_results *r, const char *eid,
				      const char *iccid)
{
	char key[2 * M2M_FLEET_CSV_FIELD_MAX + 2];
	size_t i;
	key_of(eid, iccid, key, sizeof key);
	return m2m_fleet_map_get(&r->index, key, &i) == M2M_OK ? &r->line[i] : NULL;
}

void m2m_fleet_results_free(m2m_fleet_results *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->line[i].eid);
		free(r->line[i].iccid);
		free(r->line[i].fci);
	}
	free(r->line);
	m2m_fleet_map_free(&r->index);
	m2m_buf_free(&r->text);
	memset(r, 0, sizeof *r);
}
