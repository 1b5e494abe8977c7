/* Internals of the SMS bearer (sms_bearer*.c): the small hash map, the command in flight,
 * the submit queue and the reassembly of concatenated MO messages. */
#ifndef M2M_SMSR_SMS_BEARER_INT_H
#define M2M_SMSR_SMS_BEARER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card/sms.h"
#include "smsr/es5_txn.h"
#include "smsr/sms_bearer.h"

#define SB_LOG "sms-bearer"
#define SB_KEY_MAX 65

/* ---- hash map (sms_bearer_map.c): byte keys up to SB_KEY_MAX, opaque values ---- */

typedef struct sb_node {
	struct sb_node *next;
	uint32_t hash;
	uint8_t klen;
	uint8_t key[SB_KEY_MAX];
	void *val;
} sb_node;

typedef struct {
	sb_node **bucket;
	size_t nbucket;
	size_t count;
} sb_map;

m2m_err sb_map_init(sb_map *m);
/* Frees the nodes, not the values. */
void sb_map_free(sb_map *m);
/* Adds or replaces. */
m2m_err sb_map_put(sb_map *m, const void *key, size_t klen, void *val);
void *sb_map_get(const sb_map *m, const void *key, size_t klen);
/* Removes and returns the value, NULL if absent. */
void *sb_map_del(sb_map *m, const void *key, size_t klen);

/* ---- one command in flight ---- */

/* Part states of the packet in flight. */
enum { PART_QUEUED, PART_SUBMITTED, PART_ACCEPTED };

typedef struct sb_cmd {
	m2m_sms_bearer *b;
	uint64_t id;
	uint8_t gen;                 /* packet number, in submit references */
	uint8_t eid[M2M_ES5_EID_SIZE];
	char msisdn[21];             /* digits only: the PoR's source is matched on it */
	m2m_smpp_addr dest;
	void *ref;
	m2m_es5_txn txn;
	bool raw;                    /* m2m_sms_bearer_send_raw: secured data, no script */
	uint8_t *part_state;         /* per TP-UD of the packet in flight */
	unsigned *part_sends;
	char (*msgid)[65];           /* SMSC message_id per part, for receipts */
	size_t accepted;
	struct event *timer;
} sb_cmd;

/* A part waiting for the window: command id, packet number, part index. */
typedef struct sb_qent {
	struct sb_qent *next;
	uint64_t token;
} sb_qent;

/* A concatenated MO message being put together, per source MSISDN. */
typedef struct {
	m2m_sms_bearer *b;
	char from[21];
	m2m_sms_reasm r;
	struct event *timer;
} sb_reasm;

struct m2m_sms_bearer {
	struct event_base *base;
	m2m_sms_bearer_cfg cfg;
	char host[64], system_id[16], password[9], system_type[13]; /* cfg.esme strings */
	m2m_sms_bearer_lookup lk;
	void *lk_arg;
	m2m_sms_bearer_cbs cbs;
	void *arg;
	m2m_smpp_esme *esme;
	sb_map by_eid;               /* EID -> sb_cmd */
	sb_map by_msisdn;            /* digits -> sb_cmd */
	sb_map by_id;                /* id -> sb_cmd */
	sb_map by_msgid;             /* message_id -> token */
	sb_map reasm;                /* digits -> sb_reasm */
	sb_qent *qhead, *qtail;
	size_t inflight;             /* submit_sm awaiting their response */
	bool paused;                 /* throttled */
	bool held;                   /* m2m_sms_bearer_hold: a counter awaits its commit */
	struct event *resume;
	uint64_t next_id;
	uint16_t next_ref;
	m2m_sms_bearer_stats st;
};

/* token = id << 16 | gen << 8 | part */
static inline uint64_t sb_token(const sb_cmd *c, size_t part)
{
	return c->id << 16 | (uint64_t)c->gen << 8 | (uint64_t)part;
}

/* Digits of an address (a leading + or other characters dropped). */
void sb_digits(const char *addr, char out[21]);
sb_cmd *sb_cmd_find(const m2m_sms_bearer *b, uint64_t id);
/* Ends the command: on_result, then gone. */
void sb_cmd_complete(sb_cmd *c);
/* Builds and queues the next packet of c (or completes c if that fails). */
void sb_cmd_next_packet(sb_cmd *c);
/* Sends queued parts while the window and the link allow. */
void sb_pump(m2m_sms_bearer *b);

/* sms_bearer_raw.c: a txn of one packet whose secured data is data as is (no script);
 * its PoR ends it: OK for status 00, else a PoR refusal. */
m2m_err sb_raw_start(m2m_es5_txn *t, const uint8_t tar[3], const uint8_t *data, size_t len,
		     const m2m_es5_pack_cfg *cfg, const m2m_scp80_keys *keys,
		     const uint8_t eid[M2M_ES5_EID_SIZE]);
m2m_es5_por_verdict sb_raw_por(m2m_es5_txn *t, const uint8_t *pkt, size_t n);

/* sms_bearer_in.c: a deliver_sm that is not a receipt; returns the deliver_sm_resp status. */
uint32_t sb_deliver(m2m_sms_bearer *b, const m2m_smpp_pdu *dlv);
void sb_reasm_free_all(m2m_sms_bearer *b);

#endif
