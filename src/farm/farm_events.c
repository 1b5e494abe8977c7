/* Device-side events: notification repeats, REFRESH and attach failure (roll-back), network
 * loss (fall-back), power off/on, and the expiry sweep. docs/devices.md "Device behaviour". */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "farm/farm_ids.h"
#include "farm/farm_int.h"

static void after_timer(struct event **ev, unsigned ms, event_callback_fn cb, farm_dev *d)
{
	struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

	if (*ev == NULL)
		*ev = evtimer_new(d->farm->base, cb, d);
	if (*ev != NULL)
		evtimer_add(*ev, &tv);
	else
		m2m_error("farm", "%s: no timer (out of memory)", d->msisdn);
}

static void clear_timer(struct event **ev)
{
	if (*ev != NULL)
		event_free(*ev);
	*ev = NULL;
}

/* ---- notifications ---- */

static void notif_disarm(m2m_farm *f, farm_dev *d)
{
	if (d->notif_armed)
		f->st.pending_notif--;
	d->notif_armed = false;
	if (d->notif_ev != NULL)
		evtimer_del(d->notif_ev);
}

/* Over HTTPS: an SCP81 session of the card's own. A session already running (a trigger's,
 * or the previous attempt's) only delays it: the timer fires again. */
static m2m_err notif_https(m2m_farm *f, farm_dev *d, bool *sent)
{
	m2m_err err;

	*sent = false;
	if (d->scp81 != NULL || d->ota.scp81.state != M2M_EUICC_OTA_SCP81_IDLE)
		return M2M_OK;
	err = m2m_euicc_ota_scp81_notify(d->e, &d->ota);
	if (err == M2M_OK) {
		m2m_info("farm", "%s: notification over HTTPS", d->msisdn);
		*sent = true;
		farm_scp81_open(f, d);
	}
	return err;
}

static void notif_fire(evutil_socket_t fd, short what, void *arg)
{
	farm_dev *d = arg;
	m2m_farm *f = d->farm;
	m2m_euicc_ota_out out;
	unsigned next;
	bool sent = true;
	m2m_err err;

	(void)fd;
	(void)what;
	if (d->off)
		return; /* a switched-off device sends nothing; power-on arms again */
	if (m2m_euicc_notif_count(d->e) == 0) {
		notif_disarm(f, d);
		return;
	}
	m2m_euicc_ota_out_init(&out);
	if (f->cfg.notify_https)
		err = notif_https(f, d, &sent);
	else
		err = m2m_euicc_ota_notification(d->e, &d->ota, &out);
	if (err != M2M_OK) {
		m2m_warn("farm", "%s: notification cannot be sent: %s (no SM-SR address or key "
			 "set)", d->msisdn, m2m_strerror(err));
		notif_disarm(f, d);
	} else {
		if (!f->cfg.notify_https)
			farm_send_mo(f, d, &out, true);
		f->st.notif_sent += sent;
		next = d->notif_backoff_ms;
		d->notif_backoff_ms = next >= f->cfg.notif_retry_max_ms / 2 ?
					      f->cfg.notif_retry_max_ms : next * 2;
		after_timer(&d->notif_ev, next, notif_fire, d);
	}
	m2m_euicc_ota_out_free(&out);
}

void farm_notif_arm(m2m_farm *f, farm_dev *d)
{
	if (m2m_euicc_notif_count(d->e) == 0) {
		notif_disarm(f, d);
		return;
	}
	if (!d->notif_armed)
		f->st.pending_notif++;
	d->notif_armed = true;
	d->notif_backoff_ms = f->cfg.notif_retry_ms;
	after_timer(&d->notif_ev, f->cfg.notif_first_ms, notif_fire, d);
}

/* ---- REFRESH, attach, roll-back, fall-back ---- */

static void attach_fire(evutil_socket_t fd, short what, void *arg)
{
	farm_dev *d = arg;
	m2m_farm *f = d->farm;
	m2m_euicc_ota_out out;
	unsigned before = (unsigned)m2m_euicc_notif_count(d->e);
	m2m_err err;

	(void)fd;
	(void)what;
	clear_timer(&d->attach_ev);
	if (!farm_attach_fails(f, d->e))
		return; /* the profile changed again meanwhile */
	m2m_euicc_ota_out_init(&out);
	err = m2m_euicc_rollback(d->e, &out.ev);
	if (err == M2M_OK) {
		f->st.rollback++;
		m2m_info("farm", "%s: attach failed, roll-back to the previous profile", d->msisdn);
		farm_after(f, d, &out, false, before);
	} else {
		m2m_warn("farm", "%s: attach failed and no roll-back is possible: %s", d->msisdn,
			 m2m_strerror(err));
	}
	m2m_euicc_ota_out_free(&out);
}

void farm_on_refresh(m2m_farm *f, farm_dev *d)
{
	int i = m2m_euicc_enabled_isdp(d->e);
	char iccid[21] = "none";

	f->st.refresh++;
	if (i >= 0 && d->e->isdp[i].has_profile)
		m2m_farm_iccid_digits(d->e->isdp[i].iccid, iccid);
	m2m_info("farm", "%s: REFRESH, enabled profile ICCID %s", d->msisdn, iccid);
	/* Only a change the SM-SR asked for can fail to attach; a roll-back or a fall-back
	 * does not roll back again. */
	if (d->attach_check && farm_attach_fails(f, d->e))
		after_timer(&d->attach_ev, f->cfg.attach_ms, attach_fire, d);
	d->attach_check = false;
	farm_pcsc_refresh(f, d);
}

m2m_err m2m_farm_network_loss(m2m_farm *f, const uint8_t eid[16])
{
	m2m_euicc_ota_out out;
	farm_dev *d;
	unsigned before;
	m2m_err err;

	if ((d = farm_dev_by_eid(f, eid, &err)) == NULL)
		return err;
	before = (unsigned)m2m_euicc_notif_count(d->e);
	m2m_euicc_ota_out_init(&out);
	err = m2m_euicc_fallback_activate(d->e, &out.ev);
	if (err == M2M_OK) {
		f->st.fallback++;
		m2m_info("farm", "%s: network lost, fall-back profile enabled", d->msisdn);
		farm_after(f, d, &out, false, before);
	}
	m2m_euicc_ota_out_free(&out);
	return err;
}

/* ---- power ---- */

static void power_fire(evutil_socket_t fd, short what, void *arg)
{
	farm_dev *d = arg;

	(void)fd;
	(void)what;
	clear_timer(&d->power_ev);
	farm_dev_power(d->farm, d, true, 0);
}

void farm_dev_power(m2m_farm *f, farm_dev *d, bool on, unsigned seconds)
{
	clear_timer(&d->power_ev);
	if (!on) {
		if (!d->off) {
			/* A card reset: card session and front-end state are lost. */
			m2m_euicc_session_end(d->e);
			m2m_sms_reasm_free(&d->ota.reasm);
			m2m_sms_reasm_init(&d->ota.reasm);
			m2m_info("farm", "%s: switched off", d->msisdn);
		}
		d->off = true;
		if (seconds > 0)
			after_timer(&d->power_ev, seconds * 1000u, power_fire, d);
		return;
	}
	if (!d->off)
		return;
	d->off = false;
	m2m_info("farm", "%s: switched on", d->msisdn);
	farm_dev_pump(f, d);
	if (m2m_euicc_notif_count(d->e) > 0)
		farm_notif_arm(f, d);
	farm_evict(f);
}

m2m_err m2m_farm_power(m2m_farm *f, const uint8_t eid[16], bool on, unsigned seconds)
{
	m2m_err err;
	farm_dev *d = farm_dev_by_eid(f, eid, &err);

	if (d != NULL)
		farm_dev_power(f, d, on, seconds);
	return err;
}

void farm_dev_events_free(farm_dev *d)
{
	if (d->notif_armed)
		d->farm->st.pending_notif--;
	d->notif_armed = false;
	clear_timer(&d->notif_ev);
	clear_timer(&d->attach_ev);
	clear_timer(&d->power_ev);
}

/* ---- expiry ---- */

static void expire_stored(m2m_farm *f, farm_dev *d, time_t now)
{
	farm_mt **pp = &d->mt_head, *last = NULL;

	while (*pp != NULL) {
		farm_mt *mt = *pp;

		if (mt->expires >= now) {
			last = mt;
			pp = &mt->next;
			continue;
		}
		*pp = mt->next;
		d->mt_count--;
		f->st.mt_expired++;
		farm_receipt(f, mt, "EXPIRED", 0);
		farm_mt_free(mt);
	}
	d->mt_tail = last;
}

void farm_sweep(m2m_farm *f)
{
	time_t now = time(NULL);
	farm_out **pp = &f->out_head, *last = NULL;

	for (farm_dev *d = f->lru_head; d != NULL; d = d->lru_next)
		if (d->mt_count > 0)
			expire_stored(f, d, now);
	while (*pp != NULL) {
		farm_out *o = *pp;

		if (o->expires >= now) {
			last = o;
			pp = &o->next;
			continue;
		}
		*pp = o->next;
		f->out_count--;
		free(o);
	}
	f->out_tail = last;
	farm_outbox_flush(f);
	farm_evict(f);
}
