/*
 * The device farm daemon (`m2mrsp devices run`): the eUICCs of a farm database behind a
 * simulated mobile network, on one libevent loop.
 *   - SMSC (net/smpp_smsc): an SM-SR's ESME binds as transceiver; submit_sm to a device's
 *     MSISDN becomes an SMS-DELIVER in an ENVELOPE (SMS-PP DOWNLOAD) to its eUICC; PoRs,
 *     MO notifications and delivery receipts go back as deliver_sm.
 *   - devices are loaded lazily into a bounded LRU cache and saved when their state changes;
 *   - notifications are sent as MO SMS (or over HTTPS, notify_https) and repeated with
 *     back-off until confirmed;
 *   - REFRESH, attach failure (roll-back), network loss (fall-back), power off/on with
 *     store-and-forward of MT SMS;
 *   - SCP81: a trigger opens a TLS-PSK HTTPS session run by a worker thread;
 *   - fault injection: drop, delay, duplicate MT SMS (seeded, deterministic);
 *   - a control API on loopback HTTP (JSON).
 * docs/devices.md has the details and the threading rules.
 */
#ifndef M2M_FARM_FARM_H
#define M2M_FARM_FARM_H

#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/sms.h"
#include "core/err.h"

typedef struct m2m_farm m2m_farm;

typedef struct {
	double drop;                 /* probability that an MT SMS is lost (0..1) */
	double duplicate;            /* ... delivered twice */
	double delay;                /* ... held for delay_ms first */
	unsigned delay_ms;
	uint64_t seed;               /* of the fault generator: same seed, same faults */
	const char *attach_fail;     /* ICCIDs (digits, comma-separated) that cannot attach */
	const char *off;             /* "EID:SECONDS,..." switched off at start for a while */
} m2m_farm_faults;

typedef struct {
	const char *db_path;
	const char *smpp_addr;       /* numeric; NULL = 127.0.0.1 */
	uint16_t smpp_port;          /* 0 = ephemeral (m2m_farm_smpp_port) */
	const char *system_id;       /* the ESME account; NULL = "smsr" */
	const char *password;        /* NULL = "password" */
	bool control;                /* serve the control API */
	const char *control_addr;    /* NULL = 127.0.0.1 */
	uint16_t control_port;
	size_t cache_max;            /* devices kept loaded (0 = 10000); busy ones may exceed */
	const char *smsr_address;    /* TP-DA of notifications when A3 has none ("+digits" or
				      * "digits"); NULL = "+882999999999999" */
	const char *scp81_url;       /* default admin server ("https://host:port/uri") for
				      * triggers without 8A/8C; NULL = https://127.0.0.1:8443 */
	const char *scp81_connect;   /* "ADDR:PORT" where every session connects, whatever the
				      * Host; NULL = the session's host */
	unsigned scp81_max;          /* concurrent SCP81 sessions (0 = 8) */
	long scp81_timeout_ms;       /* per HTTP exchange (0 = 30000) */
	unsigned notif_first_ms;     /* first send after the change (attach time; 0 = 1000) */
	unsigned notif_retry_ms;     /* first repeat (0 = 10000), doubling up to ... */
	unsigned notif_retry_max_ms; /* (0 = 600000) */
	bool notify_https;           /* notifications in an SCP81 session the card opens
				      * (POST ...?msg=, to the default admin server) instead of
				      * MO SMS; repeated the same way until confirmed */
	unsigned attach_ms;          /* time to find the new profile cannot attach (0 = 2000) */
	unsigned sms_expiry_s;       /* store-and-forward validity (0 = 86400) */
	m2m_farm_faults faults;
	/* PC/SC (docs/pcsc.md): the eUICC `expose` (32 hex digits) is shown to vsmartcard's
	 * vpcd at `vpcd` ("HOST:PORT"); both NULL: none. The device stays loaded. */
	const char *vpcd;
	const char *expose;
} m2m_farm_cfg;

typedef struct {
	uint64_t sms_in;             /* submit_sm accepted */
	uint64_t sms_refused;        /* submit_sm refused (unknown MSISDN, bad length) */
	uint64_t sms_out;            /* deliver_sm sent (PoR, MO, receipts) */
	uint64_t mt_delivered;       /* ENVELOPEs given to eUICCs */
	uint64_t mt_dropped, mt_duplicated, mt_delayed;
	uint64_t mt_stored;          /* held for a switched-off or busy device */
	uint64_t mt_expired;
	uint64_t por;                /* PoRs sent (ENVELOPE response or MO 027100) */
	uint64_t mo;                 /* MO SMS sent (all parts) */
	uint64_t notif_sent;         /* notification transmissions (first and repeats) */
	uint64_t notif_confirmed;
	uint64_t receipts;
	uint64_t scp81_started, scp81_ok, scp81_failed;
	uint64_t refresh, rollback, fallback;
	uint64_t loads, evictions, saves;
	uint64_t cached;             /* devices in memory now */
	uint64_t pending_notif;      /* devices with a notification timer running */
	uint64_t busy;               /* devices in an SCP81 session */
} m2m_farm_stats;

/* Opens the database, binds the SMSC (and the control API), loads the devices that had
 * notifications pending and starts their timers. The caller runs base's loop. Call
 * m2m_http_global_init once before (libcurl). */
m2m_err m2m_farm_new(struct event_base *base, const m2m_farm_cfg *cfg, m2m_farm **out);
/* Ends SCP81 sessions (joins the workers), saves and frees every device. */
void m2m_farm_free(m2m_farm *f);
uint16_t m2m_farm_smpp_port(const m2m_farm *f);
uint16_t m2m_farm_control_port(const m2m_farm *f);
void m2m_farm_stats_get(const m2m_farm *f, m2m_farm_stats *s);
json_t *m2m_farm_stats_json(const m2m_farm *f);

/* Device controls (also behind the control API). M2M_ERR_TLV_NOT_FOUND: no such EID. */
m2m_err m2m_farm_power(m2m_farm *f, const uint8_t eid[16], bool on, unsigned seconds);
m2m_err m2m_farm_network_loss(m2m_farm *f, const uint8_t eid[16]);
/* The device's state as JSON (farm_info.h, without key values) plus its runtime state. */
m2m_err m2m_farm_device_json(m2m_farm *f, const uint8_t eid[16], json_t **out);

#endif
