/* The state of one fleet run, shared by fleet_run.c (set-up, resume, summary), fleet_engine.c
 * (dispatch, workers, answers, time-outs) and fleet_compact.c. */
#ifndef M2M_CLI_FLEET_INT_H
#define M2M_CLI_FLEET_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/fleet.h"
#include "cli/fleet_callback.h"
#include "cli/fleet_ids.h"
#include "cli/fleet_input.h"
#include "cli/fleet_map.h"
#include "cli/fleet_progress.h"
#include "cli/fleet_result.h"
#include "ws/schema.h"

typedef enum {
	M2M_FLEET_ROW_TODO,
	M2M_FLEET_ROW_SKIP,      /* finished with a final status by an earlier run */
	M2M_FLEET_ROW_BAD,       /* cannot be sent: reported, counted as a failure */
	M2M_FLEET_ROW_QUEUED,    /* waiting for a worker */
	M2M_FLEET_ROW_SENT,      /* a worker has it, or its answer is awaited */
	M2M_FLEET_ROW_DONE,
	M2M_FLEET_ROW_TIMED_OUT, /* written as ERROR; a late answer still replaces it */
} m2m_fleet_row_state;

#define M2M_FLEET_STATUS_COUNT 5

/* An answer (or failure) for a row, from a worker or the callback thread to the main one. */
typedef struct m2m_fleet_done {
	struct m2m_fleet_done *next;
	size_t row;
	m2m_fleet_step step;
	bool late; /* the row had timed out */
	m2m_fleet_outcome o;
} m2m_fleet_done;

typedef struct {
	const m2m_fleet_cfg *cfg;
	char what[64]; /* "fleet enable" */
	char batch[M2M_FLEET_BATCH_MAX + 1];
	char url[1024];
	char target_url[1024];
	m2m_fleet_input in;
	m2m_ws_schema *schema;
	m2m_fleet_callback *cb;
	const char *reply_to; /* NULL with --sync */
	FILE *out;
	const char *out_path;
	m2m_fleet_progress progress;

	/* Shared with the workers and the callback thread: under mu. */
	pthread_mutex_t mu;
	pthread_cond_t work_cv, main_cv;
	size_t *ring;
	size_t ring_cap, ring_head, ring_len;
	m2m_fleet_done *done_head, *done_tail;
	m2m_fleet_map pending; /* MessageID -> row */
	bool quit;
	size_t reached;     /* calls the SM-SR answered in any way */
	size_t transport;   /* calls that got no answer at all */
	size_t consecutive; /* transport failures since the last answer */
	m2m_err fatal;      /* a worker could not work (memory, client set-up) */

	/* Main thread only. */
	size_t *todo;
	size_t n_todo, next_todo;
	size_t outstanding;
	size_t count[M2M_FLEET_STATUS_COUNT];  /* outcomes of this run */
	size_t before[M2M_FLEET_STATUS_COUNT]; /* rows finished by earlier runs */
	size_t bad, done, total, failures;
	bool stopping, unreachable, io_failed, interrupted;
	bool http_init;
	pthread_t *threads;
	size_t n_threads;
} m2m_fleet_runner;

/* fleet_engine.c */
m2m_err m2m_fleet_engine_init(m2m_fleet_runner *r);
void m2m_fleet_engine_free(m2m_fleet_runner *r);
/* Starts the workers; then runs until every row is done or the run stops; then stops them. */
m2m_err m2m_fleet_engine_run(m2m_fleet_runner *r);
/* The callback endpoint's answer function (arg: the runner). */
void m2m_fleet_engine_answer(void *arg, const m2m_ws_call *call);
/* Writes a result line and flushes it; false (and io_failed) on a write error. */
bool m2m_fleet_write(m2m_fleet_runner *r, const m2m_fleet_row *row,
		     const m2m_fleet_outcome *o);

/* fleet_compact.c: rewrites the result file with one line per row, in input order
 * (earlier lines of rows not in the input kept when final). */
m2m_err m2m_fleet_compact(m2m_fleet_runner *r, char *why, size_t cap);

#endif
