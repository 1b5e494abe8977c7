/* Progress output of a fleet run (fleet_progress.h). */
#include "cli/fleet_progress.h"

#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

double m2m_fleet_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void m2m_fleet_progress_init(m2m_fleet_progress *p, m2m_fleet_progress_mode mode, FILE *out,
			     const char *what, size_t total, double now)
{
	p->out = out;
	p->off = mode == M2M_FLEET_PROGRESS_OFF;
	p->tty = mode == M2M_FLEET_PROGRESS_TTY ||
		 (mode == M2M_FLEET_PROGRESS_AUTO && isatty(fileno(out)));
	p->what = what;
	p->total = total;
	p->start = now;
	p->last = now;
	p->decile = 0;
	p->drawn = false;
	p->shown_done = p->shown_failures = SIZE_MAX;
}

void m2m_fleet_eta(double seconds, char *out, size_t cap)
{
	if (!(seconds >= 0) || seconds > 1e8) {
		snprintf(out, cap, "--");
		return;
	}
	unsigned long s = (unsigned long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(out, cap, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(out, cap, "%lu:%02lu", s / 60, s % 60);
}

static void figures(const m2m_fleet_progress *p, double now, size_t done, double *rate,
		    char *eta, size_t cap)
{
	double t = now - p->start;
	*rate = t > 0 ? (double)done / t : 0;
	if (done >= p->total)
		snprintf(eta, cap, "0:00");
	else if (*rate > 0)
		m2m_fleet_eta((double)(p->total - done) / *rate, eta, cap);
	else
		snprintf(eta, cap, "--");
}

void m2m_fleet_progress_update(m2m_fleet_progress *p, double now, size_t done,
			       size_t failures, bool force)
{
	char eta[32];
	double rate;
	if (p->off)
		return;
	unsigned decile = p->total ? (unsigned)(done * 10 / p->total) : 10;
	if (p->tty) {
		if (!force && now - p->last < M2M_FLEET_TTY_INTERVAL)
			return;
		figures(p, now, done, &rate, eta, sizeof eta);
		fprintf(p->out, "\r\033[K%zu/%zu, %.1f/s, ETA %s, %zu failure%s", done, p->total,
			rate, eta, failures, failures == 1 ? "" : "s");
		p->drawn = true;
	} else {
		bool same = done == p->shown_done && failures == p->shown_failures;
		bool due = now - p->last >= M2M_FLEET_PLAIN_INTERVAL || decile > p->decile;
		if (!due && !(force && !same))
			return;
		figures(p, now, done, &rate, eta, sizeof eta);
		fprintf(p->out, "%s: %zu/%zu, %.1f/s, ETA %s, %zu failure%s\n", p->what, done,
			p->total, rate, eta, failures, failures == 1 ? "" : "s");
	}
	fflush(p->out);
	p->last = now;
	p->decile = decile;
	p->shown_done = done;
	p->shown_failures = failures;
}

void m2m_fleet_progress_clear(m2m_fleet_progress *p)
{
	if (p->tty && p->drawn) {
		fputs("\r\033[K", p->out);
		fflush(p->out);
		p->drawn = false;
	}
}
