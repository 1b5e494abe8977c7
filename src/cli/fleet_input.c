/* Loading and checking the input CSV of a fleet run (fleet_input.h). */
#include "cli/fleet_input.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/fleet_csv.h"
#include "cli/fleet_ids.h"
#include "cli/fleet_map.h"
#include "core/buf.h"
#include "core/hex.h"

typedef struct {
	m2m_fleet_op op;
	size_t n_fields;
	size_t eid_col, iccid_col; /* SIZE_MAX = absent */
	m2m_fleet_map seen;        /* key -> line */
} columns;

m2m_err m2m_fleet_read_file(const char *path, m2m_buf *b)
{
	char chunk[65536];
	size_t n;
	m2m_err err = M2M_OK;
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return M2M_ERR_IO;
	while (err == M2M_OK && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		err = m2m_buf_append(b, chunk, n);
	if (err == M2M_OK && ferror(f))
		err = M2M_ERR_IO;
	fclose(f);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(b, 0);
	if (err == M2M_OK)
		b->len--;
	return err;
}

const char *m2m_fleet_row_eid(const m2m_fleet_row *r)
{
	return r->bad != NULL ? (r->raw_eid ? r->raw_eid : "") : r->eid;
}

const char *m2m_fleet_row_iccid(const m2m_fleet_row *r)
{
	return r->bad != NULL ? (r->raw_iccid ? r->raw_iccid : "") : r->iccid;
}

/* Leading and trailing blanks off, in place. */
static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
	return s;
}

static m2m_err header(const m2m_fleet_csv_rec *rec, columns *c, char *why, size_t cap)
{
	c->eid_col = c->iccid_col = SIZE_MAX;
	c->n_fields = rec->n;
	for (size_t i = 0; i < rec->n; i++) {
		const char *name = trim(rec->field[i]);
		size_t *col = strcasecmp(name, "eid") == 0	  ? &c->eid_col
			      : strcasecmp(name, "iccid") == 0 ? &c->iccid_col
							       : NULL;
		if (col != NULL && *col != SIZE_MAX) {
			snprintf(why, cap, "line %lu: column \"%s\" given twice", rec->line, name);
			return M2M_ERR_FORMAT;
		}
		if (col != NULL)
			*col = i;
	}
	bool need_iccid = c->op != M2M_FLEET_AUDIT && c->op != M2M_FLEET_SMSR_CHANGE;
	if (c->eid_col == SIZE_MAX || (need_iccid && c->iccid_col == SIZE_MAX)) {
		snprintf(why, cap, "line %lu: the header row needs the column%s", rec->line,
			 need_iccid ? "s eid and iccid" : " eid");
		return M2M_ERR_FORMAT;
	}
	if (c->op == M2M_FLEET_SMSR_CHANGE)
		c->iccid_col = SIZE_MAX;
	return M2M_OK;
}

/* Marks r bad: why, and its cells as written for its result line. */
static m2m_err set_bad(m2m_fleet_row *r, const char *eid, const char *iccid, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));

static m2m_err set_bad(m2m_fleet_row *r, const char *eid, const char *iccid, const char *fmt,
		       ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	r->bad = strdup(text);
	r->raw_eid = strdup(eid);
	r->raw_iccid = strdup(iccid);
	return r->bad && r->raw_eid && r->raw_iccid ? M2M_OK : M2M_ERR_NOMEM;
}

/* EIDType (hexBinary) holding the 16-byte EID. */
static bool eid_ok(const char *s, char *out)
{
	if (strlen(s) != M2M_FLEET_EID_LEN)
		return false;
	for (size_t i = 0; i < M2M_FLEET_EID_LEN; i++) {
		if (m2m_hex_digit(s[i]) < 0)
			return false;
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 'A' : s[i]);
	}
	out[M2M_FLEET_EID_LEN] = '\0';
	return true;
}

/* ICCIDType: 89[0-9fF]{4,18}. */
static bool iccid_ok(const char *s, char *out)
{
	size_t n = strlen(s);
	if (n < 6 || n > M2M_FLEET_ICCID_MAX || s[0] != '8' || s[1] != '9')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || c == 'f' || c == 'F'))
			return false;
		out[i] = c == 'f' ? 'F' : c;
	}
	out[n] = '\0';
	return true;
}

static const char *cell(m2m_fleet_csv_rec *rec, size_t col)
{
	return col < rec->n ? trim(rec->field[col]) : "";
}

/* Fills r from a well-formed record. */
static m2m_err row(columns *c, m2m_fleet_csv_rec *rec, m2m_fleet_row *r)
{
	char key[M2M_FLEET_EID_LEN + M2M_FLEET_ICCID_MAX + 2];
	size_t first;
	const char *eid = cell(rec, c->eid_col), *iccid = cell(rec, c->iccid_col);
	bool need_iccid = c->op != M2M_FLEET_AUDIT && c->op != M2M_FLEET_SMSR_CHANGE;
	if (rec->n != c->n_fields)
		return set_bad(r, eid, iccid, "input line %lu: %zu fields, the header has %zu",
			       rec->line, rec->n, c->n_fields);
	if (!eid_ok(eid, r->eid))
		return set_bad(r, eid, iccid, "input line %lu: the EID must be 32 hex digits",
			       rec->line);
	if (need_iccid && iccid[0] == '\0')
		return set_bad(r, eid, iccid, "input line %lu: the ICCID is missing", rec->line);
	if (iccid[0] != '\0' && !iccid_ok(iccid, r->iccid))
		return set_bad(r, eid, iccid, "input line %lu: %s", rec->line,
			       "the ICCID must be 89 and 4 to 18 digits");
	snprintf(key, sizeof key, "%s,%s", r->eid, r->iccid);
	if (m2m_fleet_map_get(&c->seen, key, &first) == M2M_OK)
		return set_bad(r, r->eid, r->iccid, "input line %lu: a duplicate of line %zu",
			       rec->line, first);
	return m2m_fleet_map_put(&c->seen, key, rec->line);
}

static m2m_err add_row(m2m_fleet_input *in, size_t *cap, m2m_fleet_row **out)
{
	if (in->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 1024;
		m2m_fleet_row *r = realloc(in->row, ncap * sizeof *r);
		if (r == NULL)
			return M2M_ERR_NOMEM;
		in->row = r;
		*cap = ncap;
	}
	*out = &in->row[in->n++];
	memset(*out, 0, sizeof **out);
	return M2M_OK;
}

static m2m_err rows(m2m_fleet_csv *rd, columns *c, m2m_fleet_input *in)
{
	m2m_fleet_csv_rec rec = {0};
	size_t cap = 0;
	const char *why;
	m2m_err err;
	for (;;) {
		m2m_fleet_row *r;
		m2m_err rerr = m2m_fleet_csv_next(rd, &rec, &why);
		if (rerr == M2M_END) {
			err = M2M_OK;
			break;
		}
		if (rerr != M2M_OK && rerr != M2M_ERR_FORMAT) {
			err = rerr;
			break;
		}
		if ((err = add_row(in, &cap, &r)) != M2M_OK)
			break;
		r->line = rec.line;
		if (rerr == M2M_ERR_FORMAT)
			err = set_bad(r, "", "", "input line %lu: %s", rec.line, why);
		else
			err = row(c, &rec, r);
		if (err != M2M_OK)
			break;
		if (r->bad != NULL)
			in->bad++;
	}
	m2m_fleet_csv_rec_free(&rec);
	return err;
}

m2m_err m2m_fleet_input_load(const char *path, m2m_fleet_op op, m2m_fleet_input *in,
			     char *why, size_t cap)
{
	m2m_buf text;
	m2m_fleet_csv rd;
	m2m_fleet_csv_rec rec = {0};
	const char *what = NULL;
	columns c = {.op = op};
	size_t skip = 0;
	m2m_err err;

	memset(in, 0, sizeof *in);
	m2m_buf_init(&text);
	m2m_fleet_map_init(&c.seen);
	snprintf(why, cap, "%s", "");
	if ((err = m2m_fleet_read_file(path, &text)) != M2M_OK) {
		snprintf(why, cap, "cannot read it: %s", err == M2M_ERR_IO ? strerror(errno)
									: m2m_strerror(err));
		goto out;
	}
	if ((err = m2m_fleet_batch_of(text.data, text.len, in->batch, sizeof in->batch)) != M2M_OK)
		goto out;
	if (text.len >= 3 && memcmp(text.data, "\xEF\xBB\xBF", 3) == 0)
		skip = 3; /* a UTF-8 byte order mark, as spreadsheets write */
	m2m_fleet_csv_init(&rd, (const char *)text.data + skip, text.len - skip);
	err = m2m_fleet_csv_next(&rd, &rec, &what);
	if (err == M2M_END || err == M2M_ERR_FORMAT) {
		snprintf(why, cap, "%s", err == M2M_END ? "empty: no header row"
							: "the header row is malformed");
		err = M2M_ERR_FORMAT;
	}
	if (err == M2M_OK)
		err = header(&rec, &c, why, cap);
	if (err == M2M_OK)
		err = rows(&rd, &c, in);
out:
	m2m_fleet_csv_rec_free(&rec);
	m2m_fleet_map_free(&c.seen);
	m2m_buf_free(&text);
	if (err != M2M_OK)
		m2m_fleet_input_free(in);
	return err;
}

void m2m_fleet_input_free(m2m_fleet_input *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->row[i].bad);
		free(in->row[i].raw_eid);
		free(in->row[i].raw_iccid);
	}
	free(in->row);
	memset(in, 0, sizeof *in);
}
