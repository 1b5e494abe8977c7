/* The SMS leg: submit_sm -> SMS-DELIVER -> ENVELOPE (SMS-PP DOWNLOAD) -> the eUICC, and its
 * answers (PoR, MO SMS-SUBMIT) back as deliver_sm, MO SMS routed by destination address;
 * delivery receipts; the outbox for when no ESME is bound. docs/devices.md "SMS". */
#include <stdlib.h>
#include <string.h>

#include "card/envelope.h"
#include "core/log.h"
#include "farm/farm_int.h"

#define ESME_RINVDSTADR 0x0Bu /* SMPP 3.4 5.1.3: invalid destination address */
#define FCS_SIM_DL_ERROR 0xD5u /* TS 23.040 9.2.3.22: SIM data download error */

void farm_mt_free(farm_mt *mt)
{
	free(mt);
}

/* ---- deliver_sm out ---- */

static void outbox_add(m2m_farm *f, const char *esme, bool by_dest, const m2m_smpp_pdu *pdu)
{
	farm_out *o;

	if (f->out_count >= FARM_OUTBOX_MAX && (o = f->out_head) != NULL) {
		f->out_head = o->next;
		if (f->out_head == NULL)
			f->out_tail = NULL;
		f->out_count--;
		free(o);
		m2m_warn("farm", "outbox full: oldest deliver_sm dropped");
	}
	if ((o = calloc(1, sizeof *o)) == NULL)
		return;
	snprintf(o->esme, sizeof o->esme, "%s", esme);
	o->by_dest = by_dest;
	o->expires = time(NULL) + (time_t)f->cfg.sms_expiry_s;
	o->pdu = *pdu;
	if (f->out_tail != NULL)
		f->out_tail->next = o;
	else
		f->out_head = o;
	f->out_tail = o;
	f->out_count++;
}

/* The ESME to talk to: the one that last wrote to the device if still bound, else the
 * configured account. */
static m2m_smpp_smsc_session *session_for(m2m_farm *f, const char *esme)
{
	m2m_smpp_smsc_session *s = esme != NULL && esme[0] != '\0' ?
					   m2m_smpp_smsc_find(f->smsc, esme) : NULL;

	return s != NULL ? s : m2m_smpp_smsc_find(f->smsc, f->system_id);
}

/* A notification goes where a real SMSC would route it: to the bind whose address_range
 * covers its destination (among equals, esme: the processes of one SM-SR share a range);
 * what no range covers takes the route of everything else. */
static m2m_smpp_smsc_session *route(m2m_farm *f, const char *esme, bool by_dest,
				    const m2m_smpp_pdu *pdu)
{
	m2m_smpp_smsc_session *s =
		by_dest ? m2m_smpp_smsc_route(f->smsc, pdu->dest.addr, esme) : NULL;

	return s != NULL ? s : session_for(f, esme);
}

/* Sends now; false if no ESME is bound or its queue is full. */
static bool send_now(m2m_farm *f, const char *esme, bool by_dest, m2m_smpp_pdu *pdu)
{
	m2m_smpp_smsc_session *s = route(f, esme, by_dest, pdu);
	uint32_t seq;

	if (s == NULL || m2m_smpp_smsc_deliver(s, pdu, &seq) != M2M_OK)
		return false;
	f->st.sms_out++;
	return true;
}

/* esme: the bind the answer belongs to (by_dest: the fall-back when no range covers the
 * destination). */
static void deliver(m2m_farm *f, const char *esme, bool by_dest, m2m_smpp_pdu *pdu)
{
	/* Keep the order: nothing overtakes what waits in the outbox. */
	if (f->out_head != NULL || !send_now(f, esme, by_dest, pdu))
		outbox_add(f, esme, by_dest, pdu);
}

void farm_deliver(m2m_farm *f, const char *esme, m2m_smpp_pdu *pdu)
{
	deliver(f, esme, false, pdu);
}

void farm_outbox_flush(m2m_farm *f)
{
	time_t now = time(NULL);
	farm_out *o;

	while ((o = f->out_head) != NULL) {
		if (o->expires >= now && !send_now(f, o->esme, o->by_dest, &o->pdu))
			break;
		f->out_head = o->next;
		if (f->out_head == NULL)
			f->out_tail = NULL;
		f->out_count--;
		free(o);
	}
}

void farm_outbox_free(m2m_farm *f)
{
	farm_out *o;

	while ((o = f->out_head) != NULL) {
		f->out_head = o->next;
		free(o);
	}
	f->out_tail = NULL;
	f->out_count = 0;
}

/* registered_delivery bits 1-0: 01 receipt on success and failure, 10 on failure only. */
void farm_receipt(m2m_farm *f, const farm_mt *mt, const char *stat, unsigned err)
{
	unsigned want = mt->reg_delivery & 0x03;
	bool ok = strcmp(stat, "DELIVRD") == 0;
	m2m_smpp_smsc_session *s;
	m2m_smpp_pdu sm;
	uint32_t seq;

	if (want == 0 || want == 3 || (want == 2 && ok))
		return;
	m2m_smpp_pdu_init(&sm, M2M_SMPP_SUBMIT_SM, 1);
	sm.source = mt->source;
	sm.dest = mt->dest;
	s = session_for(f, mt->esme);
	if (s != NULL && m2m_smpp_smsc_receipt(s, &sm, mt->message_id, stat, err, &seq) == M2M_OK) {
		f->st.receipts++;
		f->st.sms_out++;
	} else {
		m2m_info("farm", "receipt %s for message %s lost: no ESME bound", stat,
			 mt->message_id);
	}
}

/* ---- the device's answers ---- */

static void addr_from_sms(const m2m_sms_addr *a, m2m_smpp_addr *out)
{
	memset(out, 0, sizeof *out);
	out->ton = (uint8_t)((a->ton_npi >> 4) & 0x07);
	out->npi = (uint8_t)(a->ton_npi & 0x0F);
	snprintf(out->addr, sizeof out->addr, "%s", a->digits);
}

void farm_send_mo(m2m_farm *f, farm_dev *d, m2m_euicc_ota_out *out, bool notification)
{
	m2m_smpp_pdu pdu;

	for (size_t i = 0; i < out->mo_count; i++) {
		m2m_sms_tpdu t;

		if (m2m_sms_submit_decode(out->mo[i].data, out->mo[i].len, &t) != M2M_OK) {
			m2m_error("farm", "%s: unreadable MO SMS-SUBMIT dropped", d->msisdn);
			continue;
		}
		m2m_smpp_pdu_init(&pdu, M2M_SMPP_DELIVER_SM, 1);
		pdu.source.ton = 1;
		pdu.source.npi = 1;
		snprintf(pdu.source.addr, sizeof pdu.source.addr, "%s", d->msisdn);
		addr_from_sms(&t.addr, &pdu.dest);
		/* sgp02-bearers 1.5: MO SMS-PP as pySim-smpp2sim and whty pass it on. */
		pdu.esm_class = t.udhi ? M2M_SMPP_ESM_UDHI : 0;
		pdu.protocol_id = t.pid;
		pdu.data_coding = M2M_SMPP_DCS_8BIT;
		memcpy(pdu.msg, t.ud, t.ud_len);
		pdu.msg_len = t.ud_len;
		if (!notification && i == 0 && t.ud_len >= 3 && memcmp(t.ud, "\x02\x71\x00", 3) == 0)
			f->st.por++;
		f->st.mo++;
		/* A PoR answers the command of the bind that wrote last, as the report's PoR does,
		 * even when SM-SR processes share an address or one submits from another's. */
		deliver(f, d->last_esme, notification, &pdu);
	}
}

/* A PoR in the ENVELOPE response (SMS-DELIVER-REPORT) goes back as a deliver_sm, as
 * pySim-smpp2sim does: addresses swapped, esm_class/PID/DCS of the command (bearers 1.4). */
static void send_report_por(m2m_farm *f, farm_dev *d, const farm_mt *mt, const m2m_buf *r)
{
	m2m_smpp_pdu pdu;

	if (r->len == 0 || r->len > M2M_SMS_UD_MAX)
		return;
	m2m_smpp_pdu_init(&pdu, M2M_SMPP_DELIVER_SM, 1);
	pdu.source = mt->dest;
	snprintf(pdu.source.addr, sizeof pdu.source.addr, "%s", d->msisdn);
	pdu.dest = mt->source;
	pdu.esm_class = M2M_SMPP_ESM_UDHI;
	pdu.protocol_id = mt->pid;
	pdu.data_coding = mt->data_coding;
	memcpy(pdu.msg, r->data, r->len);
	pdu.msg_len = r->len;
	f->st.por++;
	farm_deliver(f, mt->esme, &pdu);
}

void farm_after(m2m_farm *f, farm_dev *d, m2m_euicc_ota_out *out, bool from_ota,
		unsigned before)
{
	/* Saved before anything leaves: a PoR never announces a state a crash could lose. */
	if (out->ev.state_changed)
		(void)farm_dev_save(f, d);
	out->ev.state_changed = false;
	farm_send_mo(f, d, out, false);
	if (out->ev.refresh) {
		d->attach_check = from_ota;
		farm_on_refresh(f, d);
	}
	if (m2m_euicc_notif_count(d->e) < before)
		f->st.notif_confirmed += before - (unsigned)m2m_euicc_notif_count(d->e);
	/* A new notification, or one confirmed with more behind it: (re)start the timer. */
	if (out->ev.notification || m2m_euicc_notif_count(d->e) != before)
		farm_notif_arm(f, d);
	if (out->scp81_open)
		farm_scp81_open(f, d);
	memset(&out->ev, 0, sizeof out->ev);
}

/* ---- MT ---- */

static m2m_err build_envelope(const farm_mt *mt, m2m_buf *env)
{
	m2m_envelope_sms_pp e;
	m2m_sms_tpdu t;
	m2m_sms_time now;
	struct tm tm;
	time_t s = time(NULL);
	m2m_buf tpdu;
	m2m_err err;

	memset(&t, 0, sizeof t);
	gmtime_r(&s, &tm);
	now = (m2m_sms_time){(unsigned)tm.tm_year % 100, (unsigned)tm.tm_mon + 1,
			     (unsigned)tm.tm_mday, (unsigned)tm.tm_hour, (unsigned)tm.tm_min,
			     (unsigned)tm.tm_sec, 0};
	t.first = M2M_SMS_MMS;
	t.addr.ton_npi = (uint8_t)(0x80 | (mt->source.ton & 0x07) << 4 | (mt->source.npi & 0x0F));
	for (size_t i = 0, j = 0; mt->source.addr[i] != '\0' && j < M2M_SMS_ADDR_MAX_DIGITS; i++)
		if (mt->source.addr[i] >= '0' && mt->source.addr[i] <= '9')
			t.addr.digits[j++] = mt->source.addr[i];
	t.pid = mt->pid;
	t.dcs = mt->dcs;
	t.udhi = (mt->esm_class & M2M_SMPP_ESM_UDHI) != 0;
	t.ud = mt->ud;
	t.ud_len = mt->ud_len;
	t.udl = (uint8_t)mt->ud_len;
	m2m_buf_init(&tpdu);
	err = m2m_sms_scts_encode(&now, t.scts);
	if (err == M2M_OK)
		err = m2m_sms_deliver_encode(&t, &tpdu);
	memset(&e, 0, sizeof e);
	e.src = M2M_ENV_DEV_NETWORK;
	e.dst = M2M_ENV_DEV_UICC;
	e.tpdu = tpdu.data;
	e.tpdu_len = tpdu.len;
	if (err == M2M_OK)
		err = m2m_envelope_sms_pp_encode(&e, env);
	m2m_buf_free(&tpdu);
	return err;
}

static void deliver_one(m2m_farm *f, farm_dev *d, farm_mt *mt)
{
	m2m_euicc_ota_out out;
	m2m_buf env, resp;
	unsigned before;
	m2m_err err;

	/* TS 31.111: only PID 7F with an 8-bit class 2 DCS goes to the card; a text SMS stops
	 * at the modem, which has no use for it here. */
	if (m2m_sms_dcs_is_7bit(mt->dcs)) {
		farm_receipt(f, mt, "DELIVRD", 0);
		return;
	}
	/* The PoR of this command, if sent as SMS-SUBMIT, goes to its bind, even when another
	 * bind's SMS to the device is already waiting behind it. */
	snprintf(d->last_esme, sizeof d->last_esme, "%s", mt->esme);
	m2m_buf_init(&env);
	m2m_buf_init(&resp);
	m2m_euicc_ota_out_init(&out);
	before = (unsigned)m2m_euicc_notif_count(d->e);
	err = build_envelope(mt, &env);
	if (err == M2M_OK)
		err = m2m_euicc_ota_envelope(d->e, &d->ota, env.data, env.len, &resp, &out);
	if (err != M2M_OK) {
		m2m_warn("farm", "%s: message %s not delivered: %s", d->msisdn, mt->message_id,
			 m2m_strerror(err));
		farm_receipt(f, mt, "UNDELIV", FCS_SIM_DL_ERROR);
		goto out;
	}
	f->st.mt_delivered++;
	if (out.ev.state_changed)
		(void)farm_dev_save(f, d);
	out.ev.state_changed = false;
	/* With the full PoR in an SMS-SUBMIT, the report holds only the short PoR 0B: it stays
	 * in the network, as with a real SMSC (sgp02-bearers 1.4). */
	if (out.mo_count == 0)
		send_report_por(f, d, mt, &resp);
	if (out.sw == M2M_EUICC_OTA_SW_OK)
		farm_receipt(f, mt, "DELIVRD", 0);
	else
		farm_receipt(f, mt, "UNDELIV", FCS_SIM_DL_ERROR);
	farm_after(f, d, &out, true, before);
out:
	m2m_euicc_ota_out_free(&out);
	m2m_buf_free(&env);
	m2m_buf_free(&resp);
}

void farm_dev_pump(m2m_farm *f, farm_dev *d)
{
	time_t now = time(NULL);

	while (!d->off && d->scp81 == NULL && d->mt_head != NULL) {
		farm_mt *mt = d->mt_head;

		d->mt_head = mt->next;
		if (d->mt_head == NULL)
			d->mt_tail = NULL;
		d->mt_count--;
		if (mt->expires < now) {
			f->st.mt_expired++;
			farm_receipt(f, mt, "EXPIRED", 0);
		} else {
			deliver_one(f, d, mt);
		}
		farm_mt_free(mt);
	}
}

static void enqueue(m2m_farm *f, farm_dev *d, farm_mt *mt)
{
	if (d->mt_count >= FARM_MT_PER_DEVICE) {
		m2m_warn("farm", "%s: %u MT SMS waiting, message %s refused", d->msisdn,
			 FARM_MT_PER_DEVICE, mt->message_id);
		farm_receipt(f, mt, "UNDELIV", 0);
		farm_mt_free(mt);
		return;
	}
	mt->next = NULL;
	if (d->mt_tail != NULL)
		d->mt_tail->next = mt;
	else
		d->mt_head = mt;
	d->mt_tail = mt;
	d->mt_count++;
	if (d->off || d->scp81 != NULL)
		f->st.mt_stored++;
}

static uint64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static void inbox_arm(m2m_farm *f)
{
	uint64_t now = now_ms(), at;
	struct timeval tv;

	if (f->inbox == NULL)
		return;
	at = f->inbox->ready > now ? f->inbox->ready - now : 0;
	tv.tv_sec = (time_t)(at / 1000);
	tv.tv_usec = (suseconds_t)(at % 1000) * 1000;
	evtimer_add(f->inbox_ev, &tv);
}

/* MT SMS reach their devices in order of arrival, after the submit_sm_resp went out (so the
 * ESME knows the message id before the PoR), delayed ones when their time comes. */
void farm_inbox_run(evutil_socket_t fd, short what, void *arg)
{
	m2m_farm *f = arg;
	uint64_t now = now_ms();

	(void)fd;
	(void)what;
	while (f->inbox != NULL && f->inbox->ready <= now) {
		farm_mt *mt = f->inbox;
		farm_dev *d;
		m2m_err err;

		f->inbox = mt->next;
		d = farm_dev_by_msisdn(f, mt->dest.addr[0] == '+' ? mt->dest.addr + 1 :
				       mt->dest.addr, &err);
		if (d == NULL) {
			farm_receipt(f, mt, "UNDELIV", 0);
			farm_mt_free(mt);
			continue;
		}
		enqueue(f, d, mt);
		farm_dev_pump(f, d);
	}
	farm_evict(f);
	inbox_arm(f);
}

/* Sorted by ready time; equal times keep their order. */
static void inbox_add(m2m_farm *f, farm_mt *mt, unsigned delay_ms)
{
	farm_mt **pp = &f->inbox;

	mt->ready = now_ms() + delay_ms;
	while (*pp != NULL && (*pp)->ready <= mt->ready)
		pp = &(*pp)->next;
	mt->next = *pp;
	*pp = mt;
	if (f->inbox == mt)
		inbox_arm(f);
}

void farm_inbox_free(m2m_farm *f)
{
	farm_mt *mt;

	while ((mt = f->inbox) != NULL) {
		f->inbox = mt->next;
		farm_mt_free(mt);
	}
}

static farm_mt *mt_new(m2m_farm *f, const m2m_smpp_pdu *sm, const char *esme)
{
	farm_mt *mt = calloc(1, sizeof *mt);

	if (mt == NULL)
		return NULL;
	snprintf(mt->esme, sizeof mt->esme, "%s", esme);
	mt->source = sm->source;
	mt->dest = sm->dest;
	mt->pid = sm->protocol_id;
	mt->data_coding = sm->data_coding;
	/* SMPP data_coding 02/04 (octet unspecified) is 8-bit data without a class. */
	mt->dcs = sm->data_coding == 0x02 ? M2M_SMPP_DCS_8BIT : sm->data_coding;
	mt->esm_class = sm->esm_class;
	mt->reg_delivery = sm->registered_delivery;
	memcpy(mt->ud, sm->msg, sm->msg_len);
	mt->ud_len = sm->msg_len;
	mt->expires = time(NULL) + (time_t)f->cfg.sms_expiry_s;
	return mt;
}

uint32_t farm_on_submit(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *sm, char message_id[65],
			void *arg)
{
	m2m_farm *f = arg;
	const char *msisdn = sm->dest.addr[0] == '+' ? sm->dest.addr + 1 : sm->dest.addr;
	farm_mt *mt, *dup = NULL;
	unsigned ms = 0;
	farm_dev *d;
	m2m_err err;

	if (sm->msg_len > M2M_SMS_UD_MAX) {
		f->st.sms_refused++;
		return M2M_SMPP_RINVMSGLEN;
	}
	if ((d = farm_dev_by_msisdn(f, msisdn, &err)) == NULL) {
		f->st.sms_refused++;
		return err == M2M_ERR_TLV_NOT_FOUND ? ESME_RINVDSTADR : M2M_SMPP_RSYSERR;
	}
	snprintf(d->last_esme, sizeof d->last_esme, "%s", m2m_smpp_smsc_session_id(s));
	if ((mt = mt_new(f, sm, m2m_smpp_smsc_session_id(s))) == NULL)
		return M2M_SMPP_RSYSERR;
	snprintf(mt->message_id, sizeof mt->message_id, "%llu",
		 (unsigned long long)++f->next_msg_id);
	snprintf(message_id, 65, "%s", mt->message_id);
	f->st.sms_in++;
	/* The draws happen in this order for every MT, so a seed replays the same faults. */
	if (farm_chance(f, f->cfg.faults.drop)) {
		m2m_info("farm", "fault: message %s to %s dropped", mt->message_id, d->msisdn);
		f->st.mt_dropped++;
		farm_mt_free(mt);
		return M2M_SMPP_ROK;
	}
	if (farm_chance(f, f->cfg.faults.duplicate) && (dup = malloc(sizeof *dup)) != NULL) {
		*dup = *mt;
		f->st.mt_duplicated++;
		m2m_info("farm", "fault: message %s to %s duplicated", mt->message_id, d->msisdn);
	}
	if (farm_chance(f, f->cfg.faults.delay)) {
		ms = f->cfg.faults.delay_ms;
		f->st.mt_delayed++;
		m2m_info("farm", "fault: message %s to %s delayed %u ms", mt->message_id,
			 d->msisdn, ms);
	}
	inbox_add(f, mt, ms);
	/* The copy follows the original (same time, later in the list). */
	if (dup != NULL)
		inbox_add(f, dup, ms);
	return M2M_SMPP_ROK;
}
