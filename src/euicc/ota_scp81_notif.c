/* Notifications over HTTPS: an SCP81 session the card opens by itself, whose first POST
 * carries the E1 notification hex-encoded in the query, `POST <uri>?msg=<HEX>` (njiwa
 * RamHttp, "Sec 3.15.2"; sgp02-facts.md 2.3). docs/euicc.md "Notifications over HTTPS". */
#include <string.h>

#include "euicc/ota.h"

#define MSG_PARAM "?msg="

m2m_err m2m_euicc_ota_scp81_notify(m2m_euicc *e, m2m_euicc_ota *ota)
{
	m2m_euicc_ota_scp81 *s;
	int i;

	if (e == NULL || ota == NULL)
		return M2M_ERR_ARG;
	s = &ota->scp81;
	i = m2m_euicc_notif_oldest(e);
	if (i < 0 || s->state != M2M_EUICC_OTA_SCP81_IDLE)
		return M2M_ERR_STATE;
	memset(s, 0, sizeof *s);
	m2m_euicc_ota_scp81_default_psk(e, s);
	if (s->kvn == 0 || ota->scp81_default_uri[0] != '/')
		return M2M_ERR_STATE;
	/* The defaults fit: they are fields of the same size. */
	memcpy(s->host, ota->scp81_default_host, sizeof s->host);
	memcpy(s->uri, ota->scp81_default_uri, sizeof s->uri);
	s->host[sizeof s->host - 1] = s->uri[sizeof s->uri - 1] = '\0';
	s->notify = true;
	s->notif_seq = e->notif[i].seq;
	/* A card session of its own, as after a trigger. */
	m2m_euicc_session_end(e);
	s->state = M2M_EUICC_OTA_SCP81_TRIGGERED;
	return M2M_OK;
}

/* The notification of the session, if it is still pending (a reload or a confirmation in
 * between may have removed it: then the oldest pending one). */
static int notif_index(const m2m_euicc *e, uint16_t seq)
{
	for (int i = 0; i < M2M_EUICC_NOTIF_MAX; i++)
		if (e->notif[i].used && e->notif[i].seq == seq)
			return i;
	return m2m_euicc_notif_oldest(e);
}

m2m_err m2m_euicc_ota_scp81_notif_post(m2m_euicc *e, m2m_euicc_ota *ota, m2m_buf *request)
{
	m2m_scp81_request rq;
	m2m_buf e1, uri;
	int i = notif_index(e, ota->scp81.notif_seq);
	m2m_err err = M2M_ERR_STATE;

	m2m_buf_init(&e1);
	m2m_buf_init(&uri);
	if (i < 0)
		goto out;
	err = m2m_euicc_notif_encode(e, i, NULL, 0, &e1);
	if (err == M2M_OK)
		err = m2m_buf_append(&uri, ota->scp81.uri, strlen(ota->scp81.uri));
	if (err == M2M_OK)
		err = m2m_buf_append(&uri, MSG_PARAM, strlen(MSG_PARAM));
	/* Upper case, as njiwa's Utils.HEX writes it; the server takes either case. */
	for (size_t k = 0; err == M2M_OK && k < e1.len; k++) {
		static const char digits[] = "0123456789ABCDEF";
		char two[2] = {digits[e1.data[k] >> 4], digits[e1.data[k] & 0x0F]};
		err = m2m_buf_append(&uri, two, sizeof two);
	}
	if (err != M2M_OK)
		goto out;
	memset(&rq, 0, sizeof rq);
	rq.uri = (m2m_scp81_str){(const char *)uri.data, uri.len};
	rq.host = m2m_scp81_str_c(ota->scp81.host);
	memcpy(rq.eid, e->eid, sizeof rq.eid);
	memcpy(rq.agent.b, m2m_euicc_isdr_aid, M2M_EUICC_AID_SIZE);
	rq.agent.len = M2M_EUICC_AID_SIZE;
	rq.status = M2M_SCP81_SS_NONE;
	err = m2m_scp81_request_build(&rq, NULL, 0, request);
out:
	m2m_buf_free(&e1);
	m2m_buf_free(&uri);
	return err;
}
