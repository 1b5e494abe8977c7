/*
 * Personalisation values from one row of a CSV file (docs/saip-personalise.md): RFC 4180
 * with strict rules: comma separators, LF or CRLF line ends, optional double quotes around a
 * field ("" inside for a quote), no quote inside an unquoted field, nothing between a closing
 * quote and the next separator, every row as many cells as the header, no empty line except
 * at the end. Cells may hold keys: they are wiped when freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "saip/personalise_int.h"

#define CSV_CELL_MAX 1024
#define CSV_CELLS_MAX 64

typedef struct {
	const char *p;
	size_t len, pos;
	unsigned long line; /* 1-based physical line of pos */
} csv_rd;

typedef struct {
	char *cell[CSV_CELLS_MAX];
	size_t n;
	unsigned long line; /* where the record starts */
} csv_row;

static void row_free(csv_row *r)
{
	for (size_t i = 0; i < r->n; i++) {
		m2m_wipe(r->cell[i], strlen(r->cell[i]));
		free(r->cell[i]);
	}
	r->n = 0;
}

static m2m_err csv_fail(m2m_saip_error *err, unsigned long line, const char *msg)
{
	return m2m_saip_perso_fail(err, M2M_ERR_FORMAT, NULL, M2M_SAIP_NO_INDEX, "CSV line %lu: %s",
				   line, msg);
}

/* End of a field at pos: ',' (more == true), a line end or the end of the text. */
static const char *field_end(csv_rd *rd, bool *more)
{
	*more = false;
	if (rd->pos == rd->len)
		return NULL;
	if (rd->p[rd->pos] == ',') {
		rd->pos++;
		*more = true;
		return NULL;
	}
	if (rd->p[rd->pos] == '\r' && rd->pos + 1 < rd->len && rd->p[rd->pos + 1] == '\n')
		rd->pos++;
	if (rd->p[rd->pos] != '\n')
		return rd->p[rd->pos] == '"' ? "quote inside an unquoted field"
					      : "text after a closing quote";
	rd->pos++;
	rd->line++;
	return NULL;
}

static bool csv_char_ok(char c)
{
	return c != '\0' && c != '\r';
}

static const char *read_quoted(csv_rd *rd, m2m_buf *b)
{
	rd->pos++; /* opening quote */
	for (;;) {
		char c;

		if (rd->pos == rd->len)
			return "unterminated quoted field";
		c = rd->p[rd->pos++];
		if (c == '"') {
			if (rd->pos == rd->len || rd->p[rd->pos] != '"')
				return NULL;
			rd->pos++;
		} else if (c == '\n') {
			rd->line++;
		} else if (c == '\0') {
			return "NUL byte";
		}
		if (m2m_buf_append_u8(b, (uint8_t)c) != M2M_OK)
			return "out of memory";
	}
}

static const char *read_plain(csv_rd *rd, m2m_buf *b)
{
	while (rd->pos < rd->len) {
		char c = rd->p[rd->pos];

		if (c == ',' || c == '\n' || (c == '\r' && rd->pos + 1 < rd->len && rd->p[rd->pos + 1] == '\n'))
			return NULL;
		if (c == '"')
			return "quote inside an unquoted field";
		if (!csv_char_ok(c))
			return c == '\0' ? "NUL byte" : "bare carriage return";
		if (m2m_buf_append_u8(b, (uint8_t)c) != M2M_OK)
			return "out of memory";
		rd->pos++;
	}
	return NULL;
}

/* One field into a new string; *more tells whether another field follows on the record. */
static const char *read_field(csv_rd *rd, char **out, bool *more)
{
	m2m_buf b;
	const char *why;

	m2m_buf_init(&b);
	if (rd->pos < rd->len && rd->p[rd->pos] == '"')
		why = read_quoted(rd, &b);
	else
		why = read_plain(rd, &b);
	if (why == NULL && b.len > CSV_CELL_MAX)
		why = "field longer than 1024 characters";
	if (why == NULL)
		why = field_end(rd, more);
	if (why == NULL && m2m_buf_append_u8(&b, 0) != M2M_OK)
		why = "out of memory";
	if (why == NULL) {
		*out = (char *)b.data; /* ownership moves to the row */
		return NULL;
	}
	m2m_buf_free(&b);
	return why;
}

/* M2M_OK with a record, M2M_END at the end of the text. */
static m2m_err read_record(csv_rd *rd, csv_row *row, m2m_saip_error *err)
{
	bool more = true;

	row->n = 0;
	row->line = rd->line;
	if (rd->pos == rd->len)
		return M2M_END;
	if (rd->p[rd->pos] == '\n' || rd->p[rd->pos] == '\r') {
		/* An empty line is only allowed as the very end of the file. */
		size_t q = rd->pos;

		while (q < rd->len && (rd->p[q] == '\n' || rd->p[q] == '\r'))
			q++;
		if (q == rd->len)
			return M2M_END;
		return csv_fail(err, rd->line, "empty line");
	}
	while (more) {
		const char *why;

		if (row->n == CSV_CELLS_MAX)
			return csv_fail(err, row->line, "more than 64 columns");
		why = read_field(rd, &row->cell[row->n], &more);
		if (why != NULL)
			return csv_fail(err, rd->line, why);
		row->n++;
	}
	return M2M_OK;
}

/* Maps header cells to fields; unknown or repeated names are errors. */
static m2m_err map_header(const csv_row *h, int *map, m2m_saip_error *err)
{
	char msg[160];

	for (size_t i = 0; i < h->n; i++) {
		map[i] = m2m_saip_field_lookup(h->cell[i]);
		if (map[i] < 0) {
			snprintf(msg, sizeof(msg), "unknown column \"%.40s\"", h->cell[i]);
			return csv_fail(err, h->line, msg);
		}
		for (size_t j = 0; j < i; j++)
			if (map[j] == map[i]) {
				snprintf(msg, sizeof(msg), "column \"%s\" appears twice",
					 m2m_saip_field_name((m2m_saip_field)map[i]));
				return csv_fail(err, h->line, msg);
			}
	}
	return M2M_OK;
}

static m2m_err row_apply(const csv_row *r, const int *map, size_t ncols, m2m_saip_perso *p,
			 m2m_saip_error *err)
{
	char msg[80];

	if (r->n != ncols) {
		snprintf(msg, sizeof(msg), "%zu cells, the header has %zu", r->n, ncols);
		return csv_fail(err, r->line, msg);
	}
	for (size_t i = 0; i < r->n; i++) {
		if (r->cell[i][0] == '\0')
			continue;
		if (m2m_saip_perso_set(p, (m2m_saip_field)map[i], r->cell[i]) != M2M_OK)
			return csv_fail(err, r->line, "out of memory");
	}
	return M2M_OK;
}

m2m_err m2m_saip_perso_csv(const char *text, size_t len, unsigned long row, m2m_saip_perso *p,
			   m2m_saip_error *err)
{
	csv_rd rd = {.p = text, .len = len, .line = 1};
	csv_row header = {.n = 0}, r = {.n = 0};
	int map[CSV_CELLS_MAX];
	char msg[80];
	m2m_err rc;

	if (row == 0) {
		rc = m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					 "CSV row numbers start at 1 (the first row after the header)");
		goto out;
	}
	rc = read_record(&rd, &header, err);
	if (rc == M2M_END)
		rc = csv_fail(err, 1, "no header row");
	if (rc != M2M_OK || (rc = map_header(&header, map, err)) != M2M_OK)
		goto out;
	for (unsigned long i = 1; i <= row; i++) {
		row_free(&r);
		rc = read_record(&rd, &r, err);
		if (rc == M2M_END) {
			snprintf(msg, sizeof(msg), "row %lu asked, the file has %lu data rows", row,
				 i - 1);
			rc = m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
						 "CSV: %s", msg);
		}
		if (rc != M2M_OK)
			goto out;
	}
	rc = row_apply(&r, map, header.n, p, err);
out:
	row_free(&header);
	row_free(&r);
	return rc;
}

m2m_err m2m_saip_perso_csv_file(const char *path, unsigned long row, m2m_saip_perso *p,
				m2m_saip_error *err)
{
	m2m_buf b;
	m2m_err rc;

	m2m_buf_init(&b);
	/* The package reader bounds the size and reports I/O errors the same way. */
	rc = m2m_saip_read_file(path, &b);
	if (rc != M2M_OK) {
		rc = m2m_saip_perso_fail(err, M2M_ERR_IO, NULL, M2M_SAIP_NO_INDEX,
					 "cannot read CSV file %s", path);
		goto out;
	}
	rc = m2m_saip_perso_csv(b.len != 0 ? (const char *)b.data : "", b.len, row, p, err);
out:
	m2m_buf_free(&b);
	return rc;
}
