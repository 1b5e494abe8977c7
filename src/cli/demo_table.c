/* Step 9 of the demo: for every eUICC, the EIS the SM-SR holding it keeps (its store: the
 * profiles by ISD-P, their ICCIDs and states; SM-SR2 for the eUICCs step 8 handed over,
 * SM-SR1 for the others) against the card's own state (the farm's control API,
 * GET /devices/{eid}). The whole table goes to DIR/table.txt; the terminal gets its head, the
 * summary and the first mismatches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/demo_int.h"
#include "cli/fleet_progress.h"
#include "store/store.h"

#define SHOWN_ROWS 20    /* table rows printed on the terminal */
#define SHOWN_MISMATCH 5 /* mismatches printed on the terminal */
#define SIDE 160         /* one side of a row: "ISD-P-TAR:ICCID:STATE ..." */

/* E, D or C (created, or any state before a profile is installed). */
static char letter_of_card(const char *state)
{
	if (state != NULL && strcmp(state, "enabled") == 0)
		return 'E';
	if (state != NULL && strcmp(state, "disabled") == 0)
		return 'D';
	return 'C';
}

static char letter_of_store(m2m_store_profile_state s)
{
	return s == M2M_STORE_PROFILE_ENABLED ? 'E' : s == M2M_STORE_PROFILE_DISABLED ? 'D' : 'C';
}

/* "TAR:ICCID:S" items in ISD-P order, space-separated. */
static void add_item(char *out, size_t cap, const char *aid, const char *iccid, char st)
{
	size_t len = strlen(out), n = strlen(aid);
	const char *tar = n >= 8 ? aid + n - 8 : aid; /* TAR: the AID's bytes 13-15 */

	snprintf(out + len, cap - len, "%s%.6s:%s:%c", len ? " " : "", tar, iccid, st);
}

static bool card_side(const m2m_demo *d, const char *eid, char *out, size_t cap)
{
	char path[96], *body = NULL;
	json_t *j = NULL, *p;
	size_t i;
	bool ok = false;

	out[0] = '\0';
	snprintf(path, sizeof path, "/devices/%s", eid);
	if (m2m_demo_control(d, "GET", path, &body) != 200)
		goto out;
	j = json_loads(body, 0, NULL);
	if (!json_is_array(json_object_get(j, "isdps")))
		goto out;
	json_array_foreach(json_object_get(j, "isdps"), i, p) {
		const char *aid = json_string_value(json_object_get(p, "aid"));
		const char *iccid = json_string_value(json_object_get(p, "iccid"));
		const char *state = json_string_value(json_object_get(p, "state"));
		add_item(out, cap, aid ? aid : "?", iccid ? iccid : "-", letter_of_card(state));
	}
	ok = true;
out:
	json_decref(j);
	free(body);
	return ok;
}

/* The profiles of the EIS in st; false (and why in out) when st holds no EIS of eid. */
static bool eis_side(m2m_store *st, const char *eid, char *out, size_t cap)
{
	m2m_store_profile *list = NULL;
	m2m_store_eis e;
	size_t n = 0;
	bool held;

	out[0] = '\0';
	memset(&e, 0, sizeof e);
	held = st != NULL && m2m_store_eis_get(st, eid, &e) == M2M_OK;
	m2m_store_eis_clear(&e);
	if (!held) {
		snprintf(out, cap, "(no EIS in this SM-SR)");
		return false;
	}
	if (m2m_store_profile_list(st, eid, &list, &n) != M2M_OK)
		return false;
	for (size_t i = 0; i < n; i++)
		add_item(out, cap, list[i].isdp_aid, list[i].iccid[0] ? list[i].iccid : "-",
			 letter_of_store(list[i].state));
	m2m_store_profile_list_free(list, n);
	return true;
}

/* No job of the SM-SR st queued or in flight (st NULL: nothing to wait for). */
static bool idle(m2m_store *st)
{
	int64_t queued = 1, sent = 1;

	if (st == NULL)
		return true;
	m2m_store_job_count(st, M2M_STORE_JOB_QUEUED, &queued);
	m2m_store_job_count(st, M2M_STORE_JOB_SENT, &sent);
	return queued == 0 && sent == 0;
}

bool m2m_demo_quiesce(const m2m_demo *d, double timeout_s)
{
	char err[256];
	m2m_store *st = NULL, *st2 = NULL;
	double t0 = m2m_fleet_now();
	int calm = 0;

	if (m2m_store_open(d->smsr_db, d->master, &st, err, sizeof err) != M2M_OK)
		return false;
	if (d->smsr2_es[0] != '\0' &&
	    m2m_store_open(d->smsr2_db, d->master, &st2, err, sizeof err) != M2M_OK) {
		m2m_store_close(st);
		return false;
	}
	/* Twice in a row: no job waiting or in flight, no notification on any card. */
	while (calm < 2 && m2m_fleet_now() - t0 < timeout_s) {
		bool jobs = idle(st) && idle(st2);
		long pending = m2m_demo_farm_stat(d, "pending_notif");
		long busy = m2m_demo_farm_stat(d, "busy");
		calm = jobs && pending == 0 && busy == 0 ? calm + 1 : 0;
		if (calm < 2)
			usleep(250000);
	}
	m2m_store_close(st2);
	m2m_store_close(st);
	return calm >= 2;
}

/* One line per matching eUICC: EID, the SM-SR holding it, ok, its profiles; a mismatch
 * shows both sides. */
static void row(FILE *f, const char *indent, const char *eid, const char *smsr, const char *eis,
		const char *card, bool same)
{
	if (same)
		fprintf(f, "%s%-32s  %-5s  ok    %s\n", indent, eid, smsr, eis);
	else
		fprintf(f, "%s%-32s  %-5s  DIFF  EIS:  %s\n%s%-32s  %-5s        card: %s\n", indent,
			eid, smsr, eis, indent, "", "", card);
}

int m2m_demo_compare(m2m_demo *d)
{
	char path[PATH_MAX], err[256], eis[SIDE], card[SIDE];
	m2m_store *st = NULL, *st2 = NULL;
	size_t shown_diff = 0;
	FILE *f;
	int rc = 3;

	d->matched = d->mismatched = 0;
	if (!m2m_demo_quiesce(d, 120.0))
		printf("      (the SM-SR or the farm still busy after 120 s: compared anyway)\n");
	m2m_demo_path(d, "table.txt", path, sizeof path);
	f = fopen(path, "w");
	if (f == NULL || m2m_store_open(d->smsr_db, d->master, &st, err, sizeof err) != M2M_OK)
		goto out;
	if (d->smsr2_es[0] != '\0' &&
	    m2m_store_open(d->smsr2_db, d->master, &st2, err, sizeof err) != M2M_OK)
		goto out;
	fprintf(f, "# EID, the SM-SR holding it, match, profiles ISD-P-TAR:ICCID:STATE (E enabled, "
		   "D disabled, C created) of that SM-SR's EIS and of the card\n");
	printf("      %-32s  SM-SR  match profiles: ISD-P-TAR:ICCID:STATE (E enabled, "
	       "D disabled)\n", "EID");
	for (size_t i = 0; i < d->ndev; i++) {
		const char *eid = d->dev[i].eid;
		bool two = d->dev[i].moved;
		bool have = eis_side(two ? st2 : st, eid, eis, sizeof eis);
		if (!card_side(d, eid, card, sizeof card)) {
			snprintf(card, sizeof card, "(could not be read)");
			have = false;
		}
		bool same = have && strcmp(eis, card) == 0;
		same ? d->matched++ : d->mismatched++;
		row(f, "", eid, two ? "smsr2" : "smsr1", eis, card, same);
		if (i == SHOWN_ROWS)
			printf("      ... (all %zu rows in %s)\n", d->ndev, path);
		if (i < SHOWN_ROWS || (!same && shown_diff < SHOWN_MISMATCH) ||
		    (two && i >= SHOWN_ROWS)) {
			row(stdout, "      ", eid, two ? "smsr2" : "smsr1", eis, card, same);
			shown_diff += !same;
		}
	}
	rc = d->mismatched == 0 ? 0 : 1;
out:
	if (f != NULL && fclose(f) != 0)
		rc = 3;
	m2m_store_close(st2);
	m2m_store_close(st);
	return rc;
}
