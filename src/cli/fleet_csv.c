/* RFC 4180 CSV reading and writing for the fleet tool. */
#include "cli/fleet_csv.h"

#include <stdlib.h>
#include <string.h>

void m2m_fleet_csv_init(m2m_fleet_csv *r, const char *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->line = 1;
}

static void fields_clear(m2m_fleet_csv_rec *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		free(rec->field[i]);
	rec->n = 0;
}

void m2m_fleet_csv_rec_free(m2m_fleet_csv_rec *rec)
{
	fields_clear(rec);
	free(rec->field);
	memset(rec, 0, sizeof *rec);
}

static m2m_err push(m2m_fleet_csv_rec *rec, const m2m_buf *cell)
{
	if (rec->n == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 8;
		char **f = realloc(rec->field, cap * sizeof *f);
		if (f == NULL)
			return M2M_ERR_NOMEM;
		rec->field = f;
		rec->cap = cap;
	}
	char *s = malloc(cell->len + 1);
	if (s == NULL)
		return M2M_ERR_NOMEM;
	if (cell->len)
		memcpy(s, cell->data, cell->len);
	s[cell->len] = '\0';
	rec->field[rec->n++] = s;
	return M2M_OK;
}

/* True at a line end (LF, CRLF) or the end of the text; consumes it. */
static bool at_eol(m2m_fleet_csv *r)
{
	if (r->pos == r->len)
		return true;
	if (r->p[r->pos] == '\n') {
		r->pos++;
		r->line++;
		return true;
	}
	if (r->p[r->pos] == '\r' && r->pos + 1 < r->len && r->p[r->pos + 1] == '\n') {
		r->pos += 2;
		r->line++;
		return true;
	}
	return false;
}

/* Skips the rest of a malformed record's physical line. */
static void skip_line(m2m_fleet_csv *r)
{
	while (r->pos < r->len && r->p[r->pos] != '\n')
		r->pos++;
	if (r->pos < r->len) {
		r->pos++;
		r->line++;
	}
}

/* A quoted field; pos is after the opening quote. */
static const char *quoted(m2m_fleet_csv *r, m2m_buf *cell)
{
	for (;;) {
		if (r->pos == r->len)
			return "a quoted field is not closed";
		char c = r->p[r->pos++];
		if (c == '"') {
			if (r->pos < r->len && r->p[r->pos] == '"')
				r->pos++;
			else
				return NULL;
		}
		if (c == '\n')
			r->line++;
		if (c == '\0')
			return "a NUL byte";
		if (cell->len == M2M_FLEET_CSV_FIELD_MAX)
			return "a field is too long";
		if (m2m_buf_append_u8(cell, (uint8_t)c) != M2M_OK)
			return "out of memory";
	}
}

static const char *plain(m2m_fleet_csv *r, m2m_buf *cell)
{
	while (r->pos < r->len) {
		char c = r->p[r->pos];
		if (c == ',' || c == '\n' || (c == '\r' && r->pos + 1 < r->len &&
					       r->p[r->pos + 1] == '\n'))
			return NULL;
		if (c == '"')
			return "a quote inside an unquoted field";
		if (c == '\0')
			return "a NUL byte";
		if (cell->len == M2M_FLEET_CSV_FIELD_MAX)
			return "a field is too long";
		if (m2m_buf_append_u8(cell, (uint8_t)c) != M2M_OK)
			return "out of memory";
		r->pos++;
	}
	return NULL;
}

/* Reads the fields of one record; pos is at its first byte. */
static const char *record(m2m_fleet_csv *r, m2m_fleet_csv_rec *rec, m2m_buf *cell, m2m_err *err)
{
	for (;;) {
		const char *why;
		m2m_buf_reset(cell);
		if (r->pos < r->len && r->p[r->pos] == '"') {
			r->pos++;
			why = quoted(r, cell);
		} else {
			why = plain(r, cell);
		}
		if (why != NULL)
			return why;
		if (rec->n == M2M_FLEET_CSV_FIELDS_MAX)
			return "too many fields";
		if ((*err = push(rec, cell)) != M2M_OK)
			return "out of memory";
		rec->end = r->pos;
		if (r->pos < r->len && r->p[r->pos] == ',') {
			r->pos++;
			continue;
		}
		if (at_eol(r))
			return NULL;
		return "text after a closing quote";
	}
}

m2m_err m2m_fleet_csv_next(m2m_fleet_csv *r, m2m_fleet_csv_rec *rec, const char **why)
{
	m2m_buf cell;
	m2m_err err = M2M_OK;

	fields_clear(rec);
	*why = NULL;
	while (r->pos < r->len && (r->p[r->pos] == '\n' || r->p[r->pos] == '\r')) {
		if (!at_eol(r))
			break; /* a lone CR: the record reader reports it */
	}
	if (r->pos == r->len)
		return M2M_END;
	rec->line = r->line;
	rec->start = r->pos;
	m2m_buf_init(&cell);
	*why = record(r, rec, &cell, &err);
	m2m_buf_free(&cell);
	if (err != M2M_OK)
		return err;
	if (*why != NULL) {
		fields_clear(rec);
		skip_line(r);
		return M2M_ERR_FORMAT;
	}
	return M2M_OK;
}

static bool needs_quotes(const char *s)
{
	size_t n = strlen(s);
	if (n > 0 && (s[0] == ' ' || s[n - 1] == ' '))
		return true;
	return strpbrk(s, ",\"\r\n") != NULL;
}

m2m_err m2m_fleet_csv_put(m2m_buf *b, const char *s, bool last)
{
	m2m_err err = M2M_OK;
	if (!needs_quotes(s)) {
		err = m2m_buf_append(b, s, strlen(s));
	} else {
		err = m2m_buf_append_u8(b, '"');
		for (const char *q = s; err == M2M_OK && *q != '\0'; q++) {
			if (*q == '"')
				err = m2m_buf_append_u8(b, '"');
			if (err == M2M_OK)
				err = m2m_buf_append_u8(b, (uint8_t)*q);
		}
		if (err == M2M_OK)
			err = m2m_buf_append_u8(b, '"');
	}
	if (err == M2M_OK)
		err = m2m_buf_append_u8(b, last ? '\n' : ',');
	return err;
}
