/* SCP81 with the card as HTTP client: the trigger, the PSK credentials and the first POST.
 * The request/response loop is in ota_scp81_session.c. */
#include <string.h>

#include "euicc/ota.h"

/* Copies text into a NUL-terminated field; false (field emptied) if it does not fit. */
static bool copy_text(char *dst, m2m_scp81_str s)
{
	dst[0] = '\0';
	if (s.p == NULL || s.len >= M2M_EUICC_OTA_TEXT_MAX)
		return false;
	memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
	return true;
}

/* Without 85 in the trigger: key 01 of the first PSK-TLS key set (KVN 40-4F). */
void m2m_euicc_ota_scp81_default_psk(const m2m_euicc *e, m2m_euicc_ota_scp81 *s)
{
	for (size_t i = 0; i < M2M_EUICC_KEYSET_MAX; i++) {
		uint8_t kvn = e->keysets[i].kvn;
		if (kvn >= M2M_SCP81_KVN_MIN && kvn <= M2M_SCP81_KVN_MAX &&
		    (s->kvn == 0 || kvn < s->kvn)) {
			s->kvn = kvn;
			s->kid = 0x01;
		}
	}
}

bool m2m_euicc_ota_scp81_trigger(m2m_euicc *e, m2m_euicc_ota *ota, const uint8_t *p, size_t n)
{
	m2m_scp81_trigger t;
	m2m_euicc_ota_scp81 *s = &ota->scp81;

	if (m2m_scp81_trigger_parse(p, n, &t, NULL) != M2M_OK)
		return false;
	/* A new trigger replaces a session in progress: the SM-SR gave up on it. */
	m2m_euicc_session_end(e);
	memset(s, 0, sizeof *s);
	if (!(t.has_http && t.admin_host.p != NULL && copy_text(s->host, t.admin_host)))
		copy_text(s->host, m2m_scp81_str_c(ota->scp81_default_host));
	if (!(t.has_http && t.admin_uri.p != NULL && copy_text(s->uri, t.admin_uri)))
		copy_text(s->uri, m2m_scp81_str_c(ota->scp81_default_uri));
	if (t.has_psk) {
		s->kvn = t.kvn;
		s->kid = t.kid;
	} else {
		m2m_euicc_ota_scp81_default_psk(e, s);
	}
	s->has_retry = t.has_retry;
	s->retry_counter = t.retry_counter;
	memcpy(s->retry_timer, t.retry_timer, sizeof s->retry_timer);
	s->retry_report = t.retry_report;
	if (t.conn.p != NULL && t.conn.len <= sizeof s->conn) {
		memcpy(s->conn, t.conn.p, t.conn.len);
		s->conn_len = t.conn.len;
	}
	s->state = M2M_EUICC_OTA_SCP81_TRIGGERED;
	return true;
}

m2m_err m2m_euicc_ota_scp81_psk(const m2m_euicc *e, const m2m_euicc_ota *ota,
				m2m_buf *identity, m2m_buf *psk)
{
	const m2m_euicc_ota_scp81 *s = &ota->scp81;
	m2m_scp81_psk_id id;
	const m2m_euicc_keyset *ks = NULL;
	m2m_err err = M2M_ERR_STATE;

	for (size_t i = 0; i < M2M_EUICC_KEYSET_MAX && ks == NULL; i++)
		if (e->keysets[i].kvn != 0 && e->keysets[i].kvn == s->kvn)
			ks = &e->keysets[i];
	if (s->state == M2M_EUICC_OTA_SCP81_IDLE || ks == NULL)
		goto out;
	memset(&id, 0, sizeof id);
	memcpy(id.eid, e->eid, sizeof id.eid);
	memcpy(id.isdr.b, m2m_euicc_isdr_aid, M2M_EUICC_AID_SIZE);
	id.isdr.len = M2M_EUICC_AID_SIZE;
	id.key_id = s->kid;
	id.kvn = s->kvn;
	err = M2M_ERR_TLV_NOT_FOUND;
	for (size_t i = 0; i < ks->nkeys; i++)
		if (ks->key[i].id == s->kid && ks->key[i].type == M2M_EUICC_KEYTYPE_PSK_TLS)
			err = M2M_OK;
	if (err == M2M_OK)
		err = m2m_scp81_psk_id_build_hex(&id, identity);
	for (size_t i = 0; err == M2M_OK && i < ks->nkeys; i++)
		if (ks->key[i].id == s->kid && ks->key[i].type == M2M_EUICC_KEYTYPE_PSK_TLS)
			err = m2m_buf_append(psk, ks->key[i].value, ks->key[i].len);
out:
	return err;
}

/* The card's POST: X-Admin-From names the ISD-R (sgp02-bearers.md 3.2) whatever the target. */
m2m_err m2m_euicc_ota_scp81_post(const m2m_euicc *e, const m2m_euicc_ota *ota,
				 m2m_scp81_script_status status, const uint8_t *body,
				 size_t len, m2m_buf *request)
{
	m2m_scp81_request rq;

	memset(&rq, 0, sizeof rq);
	rq.uri = m2m_scp81_str_c(ota->scp81.uri);
	rq.host = m2m_scp81_str_c(ota->scp81.host);
	memcpy(rq.eid, e->eid, sizeof rq.eid);
	memcpy(rq.agent.b, m2m_euicc_isdr_aid, M2M_EUICC_AID_SIZE);
	rq.agent.len = M2M_EUICC_AID_SIZE;
	rq.status = status;
	return m2m_scp81_request_build(&rq, body, len, request);
}

m2m_err m2m_euicc_ota_scp81_first(m2m_euicc *e, m2m_euicc_ota *ota, m2m_buf *request)
{
	m2m_err err = M2M_ERR_STATE;

	if (e == NULL || ota == NULL || request == NULL ||
	    ota->scp81.state != M2M_EUICC_OTA_SCP81_TRIGGERED)
		goto out;
	if (ota->scp81.notify)
		err = m2m_euicc_ota_scp81_notif_post(e, ota, request);
	else
		err = m2m_euicc_ota_scp81_post(e, ota, M2M_SCP81_SS_NONE, NULL, 0, request);
	if (err == M2M_OK) {
		ota->scp81.state = M2M_EUICC_OTA_SCP81_WAITING;
		ota->scp81.posts = 1;
	}
out:
	return err;
}

void m2m_euicc_ota_scp81_abort(m2m_euicc *e, m2m_euicc_ota *ota)
{
	if (ota == NULL)
		return;
	memset(&ota->scp81, 0, sizeof ota->scp81);
	if (e != NULL)
		m2m_euicc_session_end(e);
}
