/* Notifications over HTTPS on the admin server: the first POST of a session the eUICC opened
 * by itself carries the E1 TLV, hex-encoded in the query as njiwa parses it (`?msg=<hex>`,
 * sgp02-facts.md 2.3) or, as njiwa's "GenericEuiccResponse", as the request body.
 * docs/scp81-server.md "Notifications over HTTPS". */
#include <string.h>

#include "core/hex.h"
#include "core/tlv.h"
#include "smsr/scp81_server_int.h"

#define NOTIF_MAX 512 /* E1 {4C EID, 4D, 4E, 4F AID, 14 IMEI, 6D MEID} is under 100 bytes */
#define MSG_NAME "msg="

void m2m_scp81_server_set_notification(m2m_scp81_server *s, m2m_scp81_server_notif_fn fn,
				       void *arg)
{
	if (s == NULL)
		return;
	s->notif = fn;
	s->notif_arg = fn != NULL ? arg : NULL;
}

/* The value of the one msg= parameter of the query (NULL: none); *n its length. */
static m2m_err msg_param(const char *uri, const char **v, size_t *n, const char **why)
{
	const char *q = strchr(uri, '?');

	*v = NULL;
	*n = 0;
	while (q != NULL) {
		const char *p = q + 1, *end = strchr(p, '&');
		size_t len = end != NULL ? (size_t)(end - p) : strlen(p);

		if (len >= strlen(MSG_NAME) && memcmp(p, MSG_NAME, strlen(MSG_NAME)) == 0) {
			if (*v != NULL) {
				*why = "notification: msg= given twice";
				return M2M_ERR_FORMAT;
			}
			*v = p + strlen(MSG_NAME);
			*n = len - strlen(MSG_NAME);
		}
		q = end;
	}
	return M2M_OK;
}

static m2m_err hex_value(const char *v, size_t n, m2m_buf *out, const char **why)
{
	char tmp[2 * NOTIF_MAX + 1];
	m2m_err err;

	if (n == 0 || n % 2 != 0 || n >= sizeof tmp) {
		*why = "notification: msg= is not 2..1024 hex digits";
		return M2M_ERR_FORMAT;
	}
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	err = m2m_hex_decode_buf(tmp, out);
	if (err != M2M_OK)
		*why = "notification: msg= is not hex";
	return err == M2M_OK ? M2M_OK : M2M_ERR_FORMAT;
}

m2m_err m2m_scp81_notif_of(const m2m_http_request *req, m2m_buf *e1, const char **why)
{
	const char *v;
	size_t n;
	m2m_tlv t;
	m2m_err err = msg_param(req->uri, &v, &n, why);

	if (err != M2M_OK)
		return err;
	if (v != NULL && req->body_len > 0) {
		*why = "notification both in msg= and in the body";
		return M2M_ERR_FORMAT;
	}
	if (v != NULL)
		err = hex_value(v, n, e1, why);
	else if (req->body_len <= NOTIF_MAX)
		err = m2m_buf_append(e1, req->body, req->body_len);
	else
		err = M2M_ERR_FORMAT;
	if (err == M2M_ERR_FORMAT && *why == NULL)
		*why = "notification body too long";
	if (err != M2M_OK || e1->len == 0)
		return err;
	if (m2m_tlv_decode_one(e1->data, e1->len, M2M_TLV_BER, &t, NULL) != M2M_OK ||
	    t.tag != 0xE1) {
		*why = "notification: not one E1 TLV";
		return M2M_ERR_FORMAT;
	}
	return M2M_OK;
}
