/* Progress of a fleet run on standard error: on a terminal one live line
 * "done/total, rate/s, ETA, failures" redrawn at most 4 times a second; otherwise plain lines
 * every 5 seconds or at every further 10 % of the rows. */
#ifndef M2M_CLI_FLEET_PROGRESS_H
#define M2M_CLI_FLEET_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli/fleet.h"

#define M2M_FLEET_TTY_INTERVAL 0.25
#define M2M_FLEET_PLAIN_INTERVAL 5.0

typedef struct {
	FILE *out;
	bool tty, off;
	const char *what;  /* "fleet enable" */
	size_t total;
	double start;      /* monotonic seconds */
	double last;       /* last drawn */
	unsigned decile;   /* last 10 % step printed (plain) */
	bool drawn;        /* a live line is on the screen */
	size_t shown_done, shown_failures; /* what the last line said */
} m2m_fleet_progress;

/* Monotonic clock in seconds. */
double m2m_fleet_now(void);

void m2m_fleet_progress_init(m2m_fleet_progress *p, m2m_fleet_progress_mode mode, FILE *out,
			     const char *what, size_t total, double now);
/* Draws when due (or always with force). */
void m2m_fleet_progress_update(m2m_fleet_progress *p, double now, size_t done,
			       size_t failures, bool force);
/* Takes a live line off the screen before other output. */
void m2m_fleet_progress_clear(m2m_fleet_progress *p);
/* "1:02:03" or "0:05" or "--" into out. */
void m2m_fleet_eta(double seconds, char *out, size_t cap);

#endif
