/* The HTTPS (SCP81) bearer of the job engine (docs/smsr.md "HTTPS bearer"): the SCP81 admin
 * server (scp81_server.h) with its PSKs from the store's SCP81 key sets, command sets queued
 * on it as one AE 80 script each, the trigger sent by the SMS bearer as raw SCP80 secured
 * data to the ISD-R, the card's answer read as over SMS (es5_result) and handed to
 * smsr_on_result; notifications over HTTPS go to smsr_on_notification as the SMS ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "smsr/eis.h"
#include "smsr/es5_txn.h"
#include "smsr/smsr_es7.h"
#include "smsr/smsr_int.h"

/* The ref of trigger packets on the SMS bearer: tells them from job commands. */
static char trigger_ref;

static const uint8_t isdr_tar[3] = {0x00, 0x00, 0x01};

/* One command set queued on the server: its slot and a copy of the set, to read the answer. */
typedef struct {
	smsr *s;
	smsr_slot *sl;
	m2m_es5_cmd cmd;
} https_cmd;

/* ---- which bearer ---- */

/* An SCP81 key set of eid in the store (the PSK the card uses). */
static bool has_psk(smsr *s, const char *eid)
{
	uint8_t kvns[32];
	size_t n = 0;

	if (m2m_store_keyset_list(s->st, eid, kvns, sizeof kvns, &n) != M2M_OK)
		return false;
	for (size_t i = 0; i < n; i++)
		if (kvns[i] >= M2M_SCP81_KVN_MIN && kvns[i] <= M2M_SCP81_KVN_MAX)
			return true;
	return false;
}

bool smsr_https_for(smsr *s, const char *eid)
{
	m2m_store_eis e;
	bool https = false;

	if (s->scp81 == NULL)
		return false;
	memset(&e, 0, sizeof e);
	if (m2m_store_eis_get(s->st, eid, &e) == M2M_OK)
		https = (e.caps & M2M_STORE_CAP_HTTPS) != 0 && has_psk(s, eid);
	m2m_store_eis_clear(&e);
	return https;
}

/* ---- commands ---- */

static void cmd_free(https_cmd *h)
{
	m2m_es5_cmd_free(&h->cmd);
	free(h);
}

/* The card's answer (or the server's failure) as the SMS bearer would give it. */
static void on_done(void *arg, const m2m_scp81_completion *c)
{
	https_cmd *h = arg;
	smsr *s = h->s;
	m2m_es5_result r;

	m2m_es5_result_init(&r, h->cmd.fn);
	if (s->stopping)
		goto out; /* the engine gives the leases back */
	if (c->result != M2M_SCP81_CMD_ANSWERED) {
		m2m_info(SMSR_LOG, "job %lld over HTTPS: %s", (long long)h->sl->id,
			 c->reason != NULL ? c->reason : "no answer");
		m2m_es5_result_fail(&r, c->result == M2M_SCP81_CMD_FAILED ? M2M_ES5_TIMEOUT
									    : M2M_ES5_TRANSPORT);
	} else if (c->status != M2M_SCP81_SS_OK ||
		   m2m_es5_result_add_script(&r, c->response, c->response_len, NULL) != M2M_OK ||
		   m2m_es5_result_finish(&h->cmd, &r) != M2M_OK) {
		m2m_info(SMSR_LOG, "job %lld over HTTPS: status %s, answer unreadable",
			 (long long)h->sl->id, m2m_scp81_script_status_name(c->status));
		m2m_es5_result_fail(&r, M2M_ES5_BAD_RESPONSE);
	}
	smsr_on_result(s->sms, h->sl, h->sl->eid_bin, &r, s);
out:
	m2m_es5_result_free(&r);
	cmd_free(h);
}

/* Key establishment for an SM-SR change is two jobs (3A01 with the certificate, then 3A02
 * once the new SM-SR has built it): the card keeps its state only for the SCP81 session, so
 * the session stays open after the first (as SendData's MoreToDo does) and closes after
 * the second. */
#define ES7_LINGER_MS 20000u

static void linger_for_es7(smsr *s, const smsr_slot *sl)
{
	unsigned ms;

	if (strcmp(sl->kind, SMSR_ES7_KIND_CERT) == 0)
		ms = ES7_LINGER_MS;
	else if (strcmp(sl->kind, SMSR_ES7_KIND_KEYS) == 0)
		ms = 0;
	else
		return;
	if (m2m_scp81_server_linger(s->scp81, sl->eid_bin, ms) != M2M_OK)
		m2m_warn(SMSR_LOG, "job %lld: the SCP81 session will not linger", (long long)sl->id);
}

m2m_err smsr_https_send(smsr *s, smsr_slot *sl, const m2m_es5_cmd *c)
{
	https_cmd *h = calloc(1, sizeof *h);
	m2m_buf script;
	m2m_err err = M2M_ERR_NOMEM;

	m2m_buf_init(&script);
	if (h == NULL)
		goto out;
	h->s = s;
	h->sl = sl;
	m2m_es5_cmd_init(&h->cmd);
	err = m2m_es5_cmd_copy(&h->cmd, c);
	if (err == M2M_OK)
		err = m2m_es5_https_script(c, &script);
	if (err == M2M_OK)
		err = m2m_scp81_server_enqueue(s->scp81, sl->eid_bin, NULL, script.data, script.len,
					       on_done, h, NULL);
	if (err == M2M_OK)
		h = NULL; /* the server owns it until on_done */
	if (err == M2M_OK)
		linger_for_es7(s, sl);
out:
	if (h != NULL)
		cmd_free(h);
	m2m_buf_free(&script);
	return err;
}

/* ---- the trigger ---- */

/* Host (with port) and URI the card is sent to: [scp81] trigger_url, else the bound port. */
static void trigger_target(smsr *s, char *host, size_t hcap, char *uri, size_t ucap)
{
	const char *u = s->cfg->scp81_trigger_url, *p, *slash;

	p = strstr(u, "://");
	if (u[0] != '\0' && p != NULL) {
		p += 3;
		slash = strchr(p, '/');
		snprintf(host, hcap, "%.*s", (int)(slash != NULL ? (size_t)(slash - p) : strlen(p)),
			 p);
		snprintf(uri, ucap, "%s", slash != NULL ? slash : "/");
		return;
	}
	snprintf(host, hcap, "%s:%u",
		 s->cfg->scp81_listen_host[0] != '\0' ? s->cfg->scp81_listen_host : "127.0.0.1",
		 (unsigned)m2m_scp81_server_port(s->scp81));
	snprintf(uri, ucap, "%s", M2M_SCP81_SERVER_URI_BASE);
}

static void need_trigger(void *arg, const uint8_t eid[M2M_SCP81_EID_LEN], unsigned attempt)
{
	smsr *s = arg;
	char host[M2M_SMSR_STR + 8], uri[M2M_SCP81_SERVER_URI_MAX], hex[M2M_STORE_EID_SIZE];
	m2m_scp81_server_trigger t;
	m2m_buf trig;
	m2m_err err;

	m2m_buf_init(&trig);
	memset(&t, 0, sizeof t);
	trigger_target(s, host, sizeof host, uri, sizeof uri);
	t.host = host;
	t.uri = uri;
	m2m_eis_hex(eid, M2M_ES5_EID_SIZE, hex);
	err = m2m_scp81_server_trigger_build(&t, &trig);
	if (err == M2M_OK)
		err = m2m_sms_bearer_send_raw(s->sms, eid, isdr_tar, trig.data, trig.len,
					      &trigger_ref);
	/* Not sent (SMS busy with the previous trigger, link down): the server asks again
	 * after its trigger time-out, and fails the commands after its retries. */
	if (err != M2M_OK)
		m2m_warn(SMSR_LOG, "%s: trigger %u not sent: %s", hex, attempt, m2m_strerror(err));
	else
		m2m_info(SMSR_LOG, "%s: trigger %u sent (https://%s%s)", hex, attempt, host, uri);
	m2m_buf_free(&trig);
}

bool smsr_https_trigger_result(smsr *s, void *ref, const uint8_t eid[M2M_ES5_EID_SIZE],
			       const m2m_es5_result *r)
{
	char reason[96];

	if (ref != &trigger_ref)
		return false;
	if (r->outcome == M2M_ES5_OK || s->scp81 == NULL)
		return true;
	/* The card opened its session, so it got the trigger: a PoR lost with the SMSC link
	 * must not end that session (the chained state of a download lives in it). */
	if (m2m_scp81_server_in_session(s->scp81, eid)) {
		m2m_info(SMSR_LOG, "trigger SMS: %s, but the SCP81 session is open: kept",
			 m2m_es5_outcome_name(r->outcome));
		return true;
	}
	/* The card never got it or refused it: the queued commands fail now (TRANSPORT, the
	 * engine retries them) instead of after the trigger time-out. */
	snprintf(reason, sizeof reason, "trigger SMS: %s, PoR %02X",
		 m2m_es5_outcome_name(r->outcome), r->por_status);
	m2m_scp81_server_abort(s->scp81, eid, reason);
	return true;
}

/* ---- PSKs and notifications ---- */

static const m2m_store_key *psk_of(const m2m_store_keyset *ks, uint8_t kid)
{
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->keys[i].index == kid)
			return &ks->keys[i];
	return ks->nkeys == 1 ? &ks->keys[0] : NULL;
}

static m2m_err psk(void *arg, const char *identity, const m2m_scp81_psk_id *id,
		   uint8_t eid[M2M_SCP81_EID_LEN], uint8_t *key, size_t cap, size_t *key_len)
{
	smsr *s = arg;
	uint8_t tlv[M2M_STORE_PSK_ID_MAX];
	m2m_buf b;
	m2m_store_keyset ks;
	const m2m_store_key *k;
	m2m_err err;

	(void)identity;
	if (id == NULL)
		return M2M_ERR_UNSUPPORTED; /* only the SGP.02 identity format is issued */
	memset(&ks, 0, sizeof ks);
	m2m_buf_init_fixed(&b, tlv, sizeof tlv);
	err = m2m_scp81_psk_id_build(id, &b);
	if (err == M2M_OK)
		err = m2m_store_keyset_get_by_psk_id(s->st, b.data, b.len, &ks);
	if (err == M2M_OK && (ks.type != M2M_STORE_KS_SCP81 || ks.kvn != id->kvn))
		err = M2M_ERR_VERIFY;
	if (err == M2M_OK)
		err = m2m_hex_decode_exact(ks.eid, eid, M2M_SCP81_EID_LEN);
	if (err == M2M_OK && memcmp(eid, id->eid, M2M_SCP81_EID_LEN) != 0)
		err = M2M_ERR_VERIFY;
	if (err == M2M_OK && key != NULL) {
		k = psk_of(&ks, id->key_id);
		err = k == NULL || k->len > cap ? M2M_ERR_STATE : M2M_OK;
		if (err == M2M_OK) {
			memcpy(key, k->value, k->len);
			*key_len = k->len;
		}
	}
	m2m_store_keyset_clear(&ks);
	return err;
}

/* E1 from a session the card opened: the PSK identity authenticated it, so it must name
 * the same eUICC; then the same handling as a verified MO SMS (confirmation job, EIS, POL2,
 * forwarding). The confirmation is claimed at once so it goes out in this session. */
static void on_notif(void *arg, const uint8_t eid[M2M_SCP81_EID_LEN], const uint8_t *e1,
		     size_t len)
{
	smsr *s = arg;
	m2m_es5_notif n;

	memset(&n, 0, sizeof n);
	if (m2m_es5_notif_decode(e1, len, &n) != M2M_OK ||
	    memcmp(n.eid, eid, M2M_ES5_EID_SIZE) != 0) {
		m2m_warn(SMSR_LOG, "notification over HTTPS dropped: malformed or another EID");
		return;
	}
	smsr_on_notification(s->sms, &n, "", s);
	smsr_engine_claim(s);
}

/* ---- life cycle ---- */

m2m_err smsr_https_start(smsr *s)
{
	m2m_scp81_server_opts o = {
		.address = s->cfg->scp81_listen_host[0] != '\0' ? s->cfg->scp81_listen_host : NULL,
		.port = s->cfg->scp81_port,
		.psk = psk,
		.need_trigger = need_trigger,
		.arg = s,
	};
	m2m_err err;

	if (!s->cfg->scp81_enabled)
		return M2M_OK;
	err = m2m_scp81_server_new(s->base, &o, &s->scp81);
	if (err != M2M_OK) {
		m2m_error(SMSR_LOG, "SCP81 server: %s", m2m_strerror(err));
		return err;
	}
	m2m_scp81_server_set_notification(s->scp81, on_notif, s);
	printf("scp81 %s:%u\n", o.address != NULL ? o.address : "127.0.0.1",
	       (unsigned)m2m_scp81_server_port(s->scp81));
	m2m_info(SMSR_LOG, "SCP81 admin server on port %u",
		 (unsigned)m2m_scp81_server_port(s->scp81));
	return M2M_OK;
}

void smsr_https_stop(smsr *s)
{
	/* Completes what is queued as CANCELLED: on_done only frees (s->stopping). */
	if (s->scp81 != NULL)
		m2m_scp81_server_free(s->scp81);
	s->scp81 = NULL;
}
