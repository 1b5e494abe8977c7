/* A fleet run from start to end: input and earlier results (what is already finished, which
 * batch), the result file, the callback endpoint, the engine, the final result file and the
 * summary (fleet.h). */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/fleet_call.h"
#include "cli/fleet_int.h"
#include "core/log.h"
#include "net/http_client.h"

#define BAD_ROWS_SHOWN 20

static const char *const op_names[] = {
	[M2M_FLEET_ENABLE] = "enable",
	[M2M_FLEET_DISABLE] = "disable",
	[M2M_FLEET_DELETE] = "delete",
	[M2M_FLEET_AUDIT] = "audit",
	[M2M_FLEET_SMSR_CHANGE] = "smsr-change",
};

const char *m2m_fleet_op_name(m2m_fleet_op op)
{
	return (size_t)op < sizeof op_names / sizeof op_names[0] ? op_names[op] : "?";
}

m2m_ws_fn m2m_fleet_op_fn(m2m_fleet_op op, m2m_fleet_step step)
{
	switch (op) {
	case M2M_FLEET_ENABLE:
		return M2M_WS_ES4_ENABLE_PROFILE;
	case M2M_FLEET_DISABLE:
		return M2M_WS_ES4_DISABLE_PROFILE;
	case M2M_FLEET_DELETE:
		return M2M_WS_ES4_DELETE_PROFILE;
	case M2M_FLEET_AUDIT:
		return M2M_WS_ES4_AUDIT_EIS;
	default:
		return step == M2M_FLEET_STEP_PREPARE ? M2M_WS_ES4_PREPARE_SMSR_CHANGE
						      : M2M_WS_ES4_SMSR_CHANGE;
	}
}

const char *m2m_fleet_step_name(m2m_fleet_op op, m2m_fleet_step step)
{
	return step == M2M_FLEET_STEP_PREPARE ? "prepare-smsr-change" : m2m_fleet_op_name(op);
}

static int fail(m2m_fleet_runner *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(m2m_fleet_runner *r, int code, const char *fmt, ...)
{
	va_list ap;
	m2m_fleet_progress_clear(&r->progress);
	fprintf(stderr, "m2mrsp: %s: ", r->what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

/* The ES4 endpoint: a URL without a path gets the binding's /soap/es4. */
static int endpoint_url(m2m_fleet_runner *r, const char *url, char *out, size_t cap)
{
	const char *host = strstr(url, "://");
	const char *path = host != NULL ? strchr(host + 3, '/') : NULL;
	int n = path == NULL || strcmp(path, "/") == 0
			? snprintf(out, cap, "%.*s/soap/es4",
				   (int)(path ? (size_t)(path - url) : strlen(url)), url)
			: snprintf(out, cap, "%s", url);
	if (n < 0 || (size_t)n >= cap)
		return fail(r, M2M_EXIT_USAGE, "URL too long: %s", url);
	return 0;
}

/* --- what earlier runs finished ---------------------------------------------------------- */

static bool step_of_op(const m2m_fleet_cfg *cfg, const char *step)
{
	return strcmp(step, m2m_fleet_step_name(cfg->op, M2M_FLEET_STEP_MAIN)) == 0 ||
	       (cfg->op == M2M_FLEET_SMSR_CHANGE &&
		strcmp(step, m2m_fleet_step_name(cfg->op, M2M_FLEET_STEP_PREPARE)) == 0);
}

/* The batch: --batch-id, else the one the result file continues, else the input's. */
static void pick_batch(m2m_fleet_runner *r, const m2m_fleet_results *old)
{
	char batch[M2M_FLEET_BATCH_MAX + 1], step[64];
	const char *given = r->cfg->batch_id;
	snprintf(r->batch, sizeof r->batch, "%s", given ? given : r->in.batch);
	if (r->cfg->batch_id != NULL)
		return;
	for (size_t i = 0; i < old->n; i++) {
		if (m2m_fleet_fci_parse(old->line[i].fci, batch, sizeof batch, step,
					sizeof step) != M2M_OK)
			continue;
		if (strcmp(batch, r->in.batch) != 0)
			fprintf(stderr, "m2mrsp: %s: continuing batch %s of %s (the input file has "
				"changed since)\n", r->what, batch, r->out_path);
		snprintf(r->batch, sizeof r->batch, "%s", batch);
		return;
	}
}

/* Every result line must come from this batch and operation. */
static int check_lines(m2m_fleet_runner *r, const m2m_fleet_results *old)
{
	char batch[M2M_FLEET_BATCH_MAX + 1], step[64];
	for (size_t i = 0; i < old->n; i++) {
		const m2m_fleet_old *l = &old->line[i];
		if (l->fci[0] == '\0' && !m2m_fleet_status_final(l->status))
			continue;
		if (m2m_fleet_fci_parse(l->fci, batch, sizeof batch, step, sizeof step) != M2M_OK ||
		    strcmp(batch, r->batch) != 0 || !step_of_op(r->cfg, step))
			return fail(r, M2M_EXIT_USAGE,
				    "%s line %lu: function call id \"%s\" is not of batch %s %s: "
				    "the file holds another run's results (use another --output, "
				    "or --batch-id)", r->out_path, l->line, l->fci, r->batch,
				    m2m_fleet_op_name(r->cfg->op));
	}
	return 0;
}

/* A row finished before must have been sent with this run's identifiers. */
static int same_call(m2m_fleet_runner *r, const m2m_fleet_row *row, const m2m_fleet_old *l)
{
	char fci[M2M_FLEET_FCI_MAX];
	for (int s = M2M_FLEET_STEP_MAIN; s <= M2M_FLEET_STEP_PREPARE; s++) {
		if (s == M2M_FLEET_STEP_PREPARE && r->cfg->op != M2M_FLEET_SMSR_CHANGE)
			break;
		if (m2m_fleet_row_fci(r->cfg, r->batch, (m2m_fleet_step)s, row, fci, sizeof fci) ==
			    M2M_OK &&
		    strcmp(fci, l->fci) == 0)
			return 0;
	}
	return fail(r, M2M_EXIT_USAGE,
		    "%s line %lu: EID %s was finished with other parameters (function call id %s): "
		    "use another --output", r->out_path, l->line, row->eid, l->fci);
}

/* Marks rows finished before; the others (up to --limit) are to do. */
static int plan(m2m_fleet_runner *r, const m2m_fleet_results *old)
{
	int rc;
	if ((r->todo = calloc(r->in.n ? r->in.n : 1, sizeof *r->todo)) == NULL)
		return fail(r, M2M_EXIT_FAILED, "out of memory");
	for (size_t i = 0; i < r->in.n; i++) {
		m2m_fleet_row *row = &r->in.row[i];
		if (row->bad != NULL) {
			row->state = M2M_FLEET_ROW_BAD;
			continue;
		}
		const m2m_fleet_old *l = m2m_fleet_results_find(old, row->eid, row->iccid);
		if (l != NULL && m2m_fleet_status_final(l->status)) {
			if ((rc = same_call(r, row, l)) != 0)
				return rc;
			row->state = M2M_FLEET_ROW_SKIP;
			r->before[l->status]++;
			continue;
		}
		row->state = M2M_FLEET_ROW_TODO;
		r->todo[r->n_todo++] = i;
	}
	if (r->cfg->limit > 0 && r->n_todo > r->cfg->limit)
		r->n_todo = r->cfg->limit;
	return 0;
}

/* --- set-up ------------------------------------------------------------------------------ */

static int load(m2m_fleet_runner *r, m2m_fleet_results *old)
{
	char why[512];
	int rc;
	m2m_err err = m2m_fleet_input_load(r->cfg->input, r->cfg->op, &r->in, why, sizeof why);
	if (err == M2M_ERR_IO)
		return fail(r, M2M_EXIT_IO, "%s: %s", r->cfg->input, why);
	if (err != M2M_OK)
		return fail(r, err == M2M_ERR_FORMAT ? M2M_EXIT_USAGE : M2M_EXIT_FAILED, "%s: %s",
			    r->cfg->input, err == M2M_ERR_FORMAT ? why : m2m_strerror(err));
	err = m2m_fleet_results_load(r->out_path, old, why, sizeof why);
	if (err != M2M_OK)
		return fail(r, err == M2M_ERR_IO ? M2M_EXIT_IO : M2M_EXIT_USAGE, "%s: %s",
			    r->out_path, why);
	if (old->malformed > 0)
		fprintf(stderr, "m2mrsp: %s: %s: %zu malformed line%s ignored (first: line %lu)\n",
			r->what, r->out_path, old->malformed, old->malformed == 1 ? "" : "s",
			old->first_malformed);
	pick_batch(r, old);
	if ((rc = check_lines(r, old)) != 0)
		return rc;
	return plan(r, old);
}

/* Appends to the result file after its last complete line (a line cut short by a kill is
 * dropped), or starts it with the header. */
static int open_output(m2m_fleet_runner *r, const m2m_fleet_results *old)
{
	if (old->header) {
		if (truncate(r->out_path, (off_t)old->complete) != 0 ||
		    (r->out = fopen(r->out_path, "a")) == NULL)
			return fail(r, M2M_EXIT_IO, "%s: %s", r->out_path, strerror(errno));
		return 0;
	}
	if ((r->out = fopen(r->out_path, "w")) == NULL ||
	    fputs(M2M_FLEET_RESULT_HEADER "\n", r->out) == EOF || fflush(r->out) != 0)
		return fail(r, M2M_EXIT_IO, "%s: %s", r->out_path, strerror(errno));
	return 0;
}

/* Bad rows are written (and shown) at once: they are failures of this run. */
static int bad_rows(m2m_fleet_runner *r)
{
	size_t shown = 0;
	for (size_t i = 0; i < r->in.n; i++) {
		const m2m_fleet_row *row = &r->in.row[i];
		if (row->bad == NULL)
			continue;
		m2m_fleet_outcome o = {.status = M2M_FLEET_ERROR};
		m2m_fleet_outcome_msg(&o, "%s", row->bad);
		if (!m2m_fleet_write(r, row, &o))
			return M2M_EXIT_IO;
		if (shown++ < BAD_ROWS_SHOWN)
			fprintf(stderr, "m2mrsp: %s: %s: %s\n", r->what, r->cfg->input, row->bad);
		r->bad++;
		r->failures++;
		r->done++;
	}
	if (shown > BAD_ROWS_SHOWN)
		fprintf(stderr, "m2mrsp: %s: %zu more bad rows: see %s\n", r->what,
			shown - BAD_ROWS_SHOWN, r->out_path);
	return 0;
}

static int start_callback(m2m_fleet_runner *r)
{
	const m2m_fleet_cfg *cfg = r->cfg;
	if (cfg->sync || r->n_todo == 0)
		return 0; /* nothing will answer to a ReplyTo */
	m2m_fleet_callback_opts o = {
		.host = cfg->listen_host ? cfg->listen_host : "127.0.0.1",
		.port = cfg->listen_port,
		.url = cfg->callback_url,
		.cert = cfg->cert, .key = cfg->key, .ca = cfg->ca,
		.schema = r->schema,
		.answer = m2m_fleet_engine_answer,
		.arg = r,
	};
	m2m_err err = m2m_fleet_callback_start(&o, &r->cb);
	const char *why = err == M2M_ERR_IO	? "cannot listen there"
			  : err == M2M_ERR_CRYPTO ? "bad --cert, --key or --ca"
						  : m2m_strerror(err);
	if (err != M2M_OK)
		return fail(r, M2M_EXIT_IO, "callback endpoint on %s:%u: %s", o.host,
			    (unsigned)o.port, why);
	r->reply_to = m2m_fleet_callback_url(r->cb);
	return 0;
}

static int setup(m2m_fleet_runner *r, m2m_fleet_results *old)
{
	const m2m_fleet_cfg *cfg = r->cfg;
	int rc = endpoint_url(r, cfg->smsr_url, r->url, sizeof r->url);
	if (rc == 0 && cfg->target_url != NULL)
		rc = endpoint_url(r, cfg->target_url, r->target_url, sizeof r->target_url);
	if (rc != 0)
		return rc;
	const char *files[] = {cfg->cert, cfg->key, cfg->ca};
	for (size_t i = 0; i < 3; i++) {
		if (access(files[i], R_OK) != 0)
			return fail(r, M2M_EXIT_IO, "%s: %s", files[i], strerror(errno));
	}
	/* A TLS write to a peer that has gone must be an error, not the end of the process. */
	signal(SIGPIPE, SIG_IGN);
	if (m2m_ws_init() != M2M_OK || m2m_http_global_init() != M2M_OK)
		return fail(r, M2M_EXIT_FAILED, "initialisation failed");
	r->http_init = true;
	if (m2m_ws_schema_load(cfg->wsdl_dir, &r->schema) != M2M_OK)
		return fail(r, M2M_EXIT_IO, "cannot load the ES schema (%s; set %s)",
			    M2M_WS_SCHEMA_FILE, M2M_WS_DIR_ENV);
	if ((rc = load(r, old)) != 0 || (rc = open_output(r, old)) != 0)
		return rc;
	r->total = r->in.bad + r->n_todo;
	m2m_fleet_progress_init(&r->progress, cfg->progress, stderr, r->what, r->total,
				m2m_fleet_now());
	if ((rc = bad_rows(r)) != 0 || (rc = start_callback(r)) != 0)
		return rc;
	if (m2m_fleet_engine_init(r) != M2M_OK)
		return fail(r, M2M_EXIT_FAILED, "out of memory");
	return 0;
}

/* --- the end ----------------------------------------------------------------------------- */

static void summary(const m2m_fleet_runner *r, double seconds)
{
	size_t sent = r->done - r->bad, skipped = 0, left = 0;
	for (size_t i = 0; i < M2M_FLEET_STATUS_COUNT; i++)
		skipped += r->before[i];
	for (size_t i = 0; i < r->in.n; i++) {
		uint8_t s = r->in.row[i].state;
		left += s == M2M_FLEET_ROW_TODO || s == M2M_FLEET_ROW_QUEUED ||
			s == M2M_FLEET_ROW_SENT;
	}
	printf("%s: %zu rows: %zu finished before, %zu bad, %zu done in %.2f s (%.1f/s)\n",
	       r->what, r->in.n, skipped, r->bad, sent, seconds,
	       seconds > 0 ? (double)sent / seconds : 0.0);
	printf("  %s %zu, %s %zu, %s %zu, %s %zu, %s %zu\n",
	       m2m_fleet_status_name(M2M_FLEET_SUCCESS), r->count[M2M_FLEET_SUCCESS],
	       m2m_fleet_status_name(M2M_FLEET_WARNING), r->count[M2M_FLEET_WARNING],
	       m2m_fleet_status_name(M2M_FLEET_FAILED), r->count[M2M_FLEET_FAILED],
	       m2m_fleet_status_name(M2M_FLEET_EXPIRED), r->count[M2M_FLEET_EXPIRED],
	       m2m_fleet_status_name(M2M_FLEET_ERROR), r->count[M2M_FLEET_ERROR]);
	if (left > 0)
		printf("  %zu rows not done: run the same command again to do them\n", left);
	printf("  results: %s (batch %s)\n", r->out_path, r->batch);
	fflush(stdout);
}

/* 0 only when every row of the input has succeeded, in this run or before. */
static int exit_code(const m2m_fleet_runner *r)
{
	if (r->io_failed || r->unreachable)
		return M2M_EXIT_IO;
	if (r->fatal != M2M_OK || r->interrupted || r->bad > 0)
		return M2M_EXIT_FAILED;
	for (size_t i = 0; i < r->in.n; i++) {
		uint8_t s = r->in.row[i].state;
		if (s != M2M_FLEET_ROW_DONE && s != M2M_FLEET_ROW_SKIP &&
		    s != M2M_FLEET_ROW_TIMED_OUT)
			return M2M_EXIT_FAILED;
	}
	for (int s = M2M_FLEET_FAILED; s <= M2M_FLEET_ERROR; s++) {
		if (r->count[s] > 0 || r->before[s] > 0)
			return M2M_EXIT_FAILED;
	}
	return M2M_EXIT_OK;
}

/* After the engine: the result file closed and rewritten, the summary, the exit code. */
static int finish(m2m_fleet_runner *r, double t0)
{
	char why[512];
	m2m_fleet_callback_stop(r->cb);
	r->cb = NULL;
	if (fclose(r->out) != 0 && !r->io_failed)
		r->io_failed = fail(r, 1, "%s: %s", r->out_path, strerror(errno)) != 0;
	r->out = NULL;
	if (!r->io_failed && m2m_fleet_compact(r, why, sizeof why) != M2M_OK)
		fail(r, 0, "%s: not rewritten in input order (%s); its lines stand", r->out_path,
		     why);
	summary(r, m2m_fleet_now() - t0);
	return exit_code(r);
}

int m2m_fleet_run(const m2m_fleet_cfg *cfg)
{
	m2m_fleet_runner r;
	m2m_fleet_results old;
	int rc;

	memset(&r, 0, sizeof r);
	memset(&old, 0, sizeof old);
	r.cfg = cfg;
	r.out_path = cfg->output;
	r.progress.off = true;
	snprintf(r.what, sizeof r.what, "fleet %s", m2m_fleet_op_name(cfg->op));
	double t0 = m2m_fleet_now();
	rc = setup(&r, &old);
	m2m_fleet_results_free(&old);
	if (rc == 0) {
		m2m_err err = m2m_fleet_engine_run(&r);
		if (err != M2M_OK)
			fail(&r, M2M_EXIT_FAILED, "%s", m2m_strerror(err));
		rc = finish(&r, t0);
	}
	m2m_fleet_callback_stop(r.cb);
	if (r.out != NULL)
		fclose(r.out);
	m2m_fleet_engine_free(&r);
	m2m_ws_schema_free(r.schema);
	m2m_fleet_input_free(&r.in);
	free(r.todo);
	if (r.http_init)
		m2m_http_global_cleanup();
	return rc;
}
