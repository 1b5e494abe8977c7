/* The result file at the end of a run: one line per input row in input order (the chosen line
 * of each: the latest final one, else the latest), then the final lines of rows that are no
 * longer in the input; written to a temporary file and renamed over the old one, so an
 * interruption leaves either file whole. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/fleet_int.h"

static bool put(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n && fputc('\n', f) != EOF;
}

static bool bad_row(FILE *f, const m2m_fleet_row *row)
{
	m2m_fleet_outcome o = {.status = M2M_FLEET_ERROR};
	m2m_buf line;
	m2m_buf_init(&line);
	m2m_fleet_outcome_msg(&o, "%s", row->bad);
	bool ok = m2m_fleet_result_line(&line, m2m_fleet_row_eid(row), m2m_fleet_row_iccid(row),
					&o) == M2M_OK &&
		  fwrite(line.data, 1, line.len, f) == line.len;
	m2m_buf_free(&line);
	return ok;
}

static bool rows(FILE *f, const m2m_fleet_runner *r, m2m_fleet_results *res)
{
	const char *text = (const char *)res->text.data;
	bool ok = true;
	for (size_t i = 0; ok && i < r->in.n; i++) {
		const m2m_fleet_row *row = &r->in.row[i];
		if (row->bad != NULL) {
			ok = bad_row(f, row);
			continue;
		}
		m2m_fleet_old *old = m2m_fleet_results_find(res, row->eid, row->iccid);
		if (old != NULL && !old->matched) {
			ok = put(f, text + old->start, old->len);
			old->matched = true;
		}
	}
	for (size_t i = 0; ok && i < res->n; i++) {
		m2m_fleet_old *old = &res->line[i];
		if (!old->matched && m2m_fleet_status_final(old->status) &&
		    m2m_fleet_results_find(res, old->eid, old->iccid) == old)
			ok = put(f, text + old->start, old->len);
	}
	return ok;
}

m2m_err m2m_fleet_compact(m2m_fleet_runner *r, char *why, size_t cap)
{
	m2m_fleet_results res;
	char tmp[4096];
	FILE *f = NULL;
	m2m_err err = m2m_fleet_results_load(r->out_path, &res, why, cap);
	if (err != M2M_OK)
		goto out;
	err = M2M_ERR_IO;
	if (snprintf(tmp, sizeof tmp, "%s.tmp", r->out_path) >= (int)sizeof tmp) {
		snprintf(why, cap, "the path is too long");
		goto out;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(why, cap, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	bool ok = fputs(M2M_FLEET_RESULT_HEADER "\n", f) != EOF && rows(f, r, &res) &&
		  fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = fclose(f) == 0 && ok;
	f = NULL;
	if (!ok || rename(tmp, r->out_path) != 0) {
		snprintf(why, cap, "%s: %s", tmp, strerror(errno));
		remove(tmp);
		goto out;
	}
	err = M2M_OK;
out:
	m2m_fleet_results_free(&res);
	return err;
}
