/*
 * Private to the farm daemon (farm*.c). Threading: everything here belongs to the loop
 * thread, except the fields of an SCP81 session marked "lock" (farm_scp81.c), which the
 * worker thread also touches under the session's mutex.
 */
#ifndef M2M_FARM_INT_H
#define M2M_FARM_INT_H

#include <pthread.h>
#include <time.h>

#include "euicc/ota.h"
#include "farm/farm.h"
#include "farm/farm_db.h"
#include "farm/farm_pkgs.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/smpp_smsc.h"

#define FARM_HASH_BUCKETS 4096u     /* grows with the cache: see farm_cache.c */
#define FARM_ATTACH_FAIL_MAX 64
#define FARM_OUTBOX_MAX 10000u
#define FARM_MT_PER_DEVICE 256u     /* stored MT SMS per device */

/* One MT SMS on its way to a device: what the SMS-DELIVER and the answers need. */
typedef struct farm_mt {
	struct farm_mt *next;
	char esme[16];               /* system_id of the ESME that sent it */
	char message_id[16];
	m2m_smpp_addr source;        /* the ESME's address: TP-OA, and where PoRs go */
	m2m_smpp_addr dest;          /* the device's MSISDN as submitted */
	uint8_t pid, dcs, data_coding, esm_class, reg_delivery;
	uint8_t ud[M2M_SMS_UD_MAX];
	size_t ud_len;
	time_t expires;
	uint64_t ready;              /* in the inbox: when it reaches the device (ms) */
} farm_mt;

/* A deliver_sm waiting for an ESME to bind. */
typedef struct farm_out {
	struct farm_out *next;
	char esme[16];
	bool by_dest;                /* an MO SMS: routed by its destination address */
	time_t expires;
	m2m_smpp_pdu pdu;
} farm_out;

struct farm_scp81;

typedef struct farm_dev {
	int64_t id;
	uint8_t eid[16];
	char msisdn[16];
	m2m_euicc *e;
	m2m_euicc_ota ota;           /* front end: reassembly, MO references, SCP81 state */
	struct farm_dev *lru_prev, *lru_next;
	struct farm_dev *by_eid, *by_msisdn; /* hash chains */
	bool off;                    /* switched off: MT SMS wait, nothing is sent */
	bool attach_check;           /* the next REFRESH came from an OTA command */
	struct farm_scp81 *scp81;    /* a session in progress: the device is busy */
	farm_mt *mt_head, *mt_tail;  /* MT SMS waiting (off or busy) */
	size_t mt_count;
	unsigned delayed;            /* delayed MT SMS still in flight to it */
	struct event *notif_ev;      /* notification repeat timer */
	bool notif_armed;
	unsigned notif_backoff_ms;
	struct event *attach_ev;     /* attach failure -> roll-back */
	struct event *power_ev;      /* switched back on */
	char last_esme[16];          /* who to send MO SMS to */
	bool exposed;                /* shown over PC/SC (farm_pcsc.c): never evicted */
	struct m2m_farm *farm;
} farm_dev;

struct m2m_farm {
	struct event_base *base;
	m2m_farm_cfg cfg;
	char system_id[16], password[9];
	m2m_farm_db *db;
	m2m_farm_pkgs pkgs;
	m2m_smpp_smsc *smsc;
	m2m_http_server *control;
	m2m_sms_addr smsr;
	char scp81_host[M2M_EUICC_OTA_TEXT_MAX], scp81_uri[M2M_EUICC_OTA_TEXT_MAX];
	bool scp81_tls;              /* https (the default) or http (tests of the plumbing) */
	/* cache */
	farm_dev *lru_head, *lru_tail;  /* head = most recently used */
	farm_dev **h_eid, **h_msisdn;
	size_t nbuckets;
	size_t cached;
	/* faults */
	uint64_t rng;
	char attach_fail[FARM_ATTACH_FAIL_MAX][21];
	size_t n_attach_fail;
	/* outbox */
	farm_mt *inbox;                 /* MT SMS on their way, by ready time */
	struct event *inbox_ev;
	farm_out *out_head, *out_tail;
	size_t out_count;
	/* SCP81 */
	struct farm_scp81 *sessions;    /* in progress */
	size_t n_sessions;
	farm_dev **scp81_wait;          /* devices whose trigger waits for a free slot */
	size_t n_wait, cap_wait;
	int wake[2];                    /* workers write a byte here when a response is in */
	struct event *wake_ev;
	struct event *sweep_ev;         /* expiry of stored SMS and of the outbox */
	uint64_t next_msg_id;
	struct farm_pcsc *pcsc;         /* the device shown over PC/SC, or NULL */
	m2m_farm_stats st;
};

/* ---- farm_cache.c ---- */
/* The device (loaded if needed), or NULL (*err says why: M2M_ERR_TLV_NOT_FOUND unknown). */
farm_dev *farm_dev_by_msisdn(m2m_farm *f, const char *msisdn, m2m_err *err);
farm_dev *farm_dev_by_eid(m2m_farm *f, const uint8_t eid[16], m2m_err *err);
/* Writes the device's state to the database. */
m2m_err farm_dev_save(m2m_farm *f, farm_dev *d);
/* Marks d most recently used and evicts idle devices beyond the cache size. */
void farm_dev_touch(m2m_farm *f, farm_dev *d);
bool farm_dev_pinned(const farm_dev *d);
void farm_evict(m2m_farm *f);
m2m_err farm_cache_init(m2m_farm *f);
/* Frees every device (saving none: callers save as they go). */
void farm_cache_free(m2m_farm *f);

/* ---- farm_sms.c ---- */
uint32_t farm_on_submit(m2m_smpp_smsc_session *s, const m2m_smpp_pdu *sm, char message_id[65],
			void *arg);
/* Delivers the waiting MT SMS of d while it is on and not busy. */
void farm_dev_pump(m2m_farm *f, farm_dev *d);
/* Sends the MO SMS-SUBMIT TPDUs of out from d (as deliver_sm). */
void farm_send_mo(m2m_farm *f, farm_dev *d, m2m_euicc_ota_out *out, bool notification);
/* Handles what one eUICC call produced: MO, save, REFRESH, notifications, SCP81.
 * notif_before: the pending notification count before the call. */
void farm_after(m2m_farm *f, farm_dev *d, m2m_euicc_ota_out *out, bool from_ota,
		unsigned notif_before);
/* Sends a deliver_sm to esme (or the configured account), keeping it when none is bound. */
void farm_deliver(m2m_farm *f, const char *esme, m2m_smpp_pdu *pdu);
void farm_outbox_flush(m2m_farm *f);
void farm_receipt(m2m_farm *f, const farm_mt *mt, const char *stat, unsigned err);
void farm_mt_free(farm_mt *mt);
void farm_inbox_run(evutil_socket_t fd, short what, void *arg);
void farm_inbox_free(m2m_farm *f);
void farm_outbox_free(m2m_farm *f);

/* ---- farm_events.c ---- */
void farm_notif_arm(m2m_farm *f, farm_dev *d);
void farm_on_refresh(m2m_farm *f, farm_dev *d);
void farm_dev_power(m2m_farm *f, farm_dev *d, bool on, unsigned seconds);
void farm_dev_events_free(farm_dev *d);
void farm_sweep(m2m_farm *f);

/* ---- farm_fault.c ---- */
uint64_t farm_rand(m2m_farm *f);
/* True with probability p (0..1), one draw. */
bool farm_chance(m2m_farm *f, double p);
m2m_err farm_faults_parse(m2m_farm *f);
bool farm_attach_fails(const m2m_farm *f, const m2m_euicc *e);
m2m_err farm_faults_start(m2m_farm *f);

/* ---- farm_scp81.c ---- */
/* The device's front end asked for a session (out->scp81_open). */
void farm_scp81_open(m2m_farm *f, farm_dev *d);
m2m_err farm_scp81_init(m2m_farm *f);
void farm_scp81_free(m2m_farm *f);

/* ---- farm_http.c ---- */
/* The card's raw POST -> a libcurl request (url from the farm's routing). */
typedef struct {
	char url[2 * M2M_EUICC_OTA_TEXT_MAX + 16];
	char **headers;
	size_t n_headers;
	m2m_buf body;
	bool chunked;
} farm_http_req;

m2m_err farm_http_req_from_raw(const uint8_t *raw, size_t n, const char *connect, bool tls,
			       farm_http_req *out);
void farm_http_req_free(farm_http_req *r);
/* A libcurl response -> the raw bytes the card parses. */
m2m_err farm_http_resp_to_raw(const m2m_http_client_response *resp, m2m_buf *out);

/* ---- farm_pcsc.c ---- */
/* Loads and pins cfg.expose and connects it to vpcd (nothing when cfg.vpcd is NULL). */
m2m_err farm_pcsc_start(m2m_farm *f);
/* d's enabled profile changed: the card is reinserted so that PC/SC sees the new one. */
void farm_pcsc_refresh(m2m_farm *f, farm_dev *d);
void farm_pcsc_free(m2m_farm *f);

/* ---- farm_control.c ---- */
m2m_err farm_control_start(m2m_farm *f);

#endif
