/* The administration session triggering parameters for one eUICC (sgp02-bearers.md 2.1-2.2):
 * the 84 OPEN CHANNEL TLVs built from an address, then the card layer's 81 TLV builder. */
#include <string.h>

#include "core/tlv.h"
#include "smsr/scp81_server.h"

/* TS 102 223 simple TLVs as njiwa and whty send them (comprehension bit clear). */
#define TAG_BEARER 0x35      /* bearer description */
#define TAG_BUFFER 0x39      /* buffer size */
#define TAG_NAN 0x47         /* network access name (APN) */
#define TAG_TRANSPORT 0x3C   /* UICC/terminal interface transport level */
#define TAG_ADDRESS 0x3E     /* other address: the data destination */
#define BEARER_DEFAULT 0x03  /* default bearer for the requested transport layer */
#define TRANSPORT_TCP_CLIENT_REMOTE 0x02
#define ADDRESS_IPV4 0x21
#define ADDRESS_IPV6 0x57
#define BUFFER_DEFAULT 1280  /* whty's 05 00 */
#define APN_MAX 100          /* TS 23.003: 100 octets */

/* "internet.itelcel.com" -> 08 internet 07 itelcel 03 com (DNS labels, TS 23.003). */
static m2m_err put_apn(m2m_buf *b, const char *apn)
{
	uint8_t v[APN_MAX];
	size_t n = 0, len = strlen(apn);
	const char *p = apn;

	if (len == 0 || len + 1 > sizeof v)
		return M2M_ERR_ARG;
	while (*p != '\0') {
		const char *dot = strchr(p, '.');
		size_t l = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63)
			return M2M_ERR_ARG;
		for (size_t i = 0; i < l; i++)
			if (p[i] < 0x21 || p[i] > 0x7E)
				return M2M_ERR_ARG;
		v[n++] = (uint8_t)l;
		memcpy(v + n, p, l);
		n += l;
		p += l;
		if (*p == '.' && *++p == '\0')
			return M2M_ERR_ARG; /* trailing dot */
	}
	return m2m_tlv_put(b, TAG_NAN, v, n);
}

static m2m_err put_conn(const m2m_scp81_server_trigger *t, m2m_buf *b)
{
	uint16_t buf = t->buffer_size != 0 ? t->buffer_size : BUFFER_DEFAULT;
	uint8_t bearer = BEARER_DEFAULT;
	uint8_t size[2] = {(uint8_t)(buf >> 8), (uint8_t)buf};
	uint8_t transport[3] = {TRANSPORT_TCP_CLIENT_REMOTE, (uint8_t)(t->port >> 8),
				(uint8_t)t->port};
	uint8_t addr[17];
	m2m_err err;

	if (t->ip_len != 4 && t->ip_len != 16)
		return M2M_ERR_ARG;
	if (t->port == 0)
		return M2M_ERR_ARG;
	addr[0] = t->ip_len == 4 ? ADDRESS_IPV4 : ADDRESS_IPV6;
	memcpy(addr + 1, t->ip, t->ip_len);
	if ((err = m2m_tlv_put(b, TAG_BEARER, &bearer, 1)) != M2M_OK ||
	    (err = m2m_tlv_put(b, TAG_BUFFER, size, sizeof size)) != M2M_OK ||
	    (t->apn != NULL && (err = put_apn(b, t->apn)) != M2M_OK) ||
	    (err = m2m_tlv_put(b, TAG_TRANSPORT, transport, sizeof transport)) != M2M_OK)
		return err;
	return m2m_tlv_put(b, TAG_ADDRESS, addr, 1 + t->ip_len);
}

static m2m_err fill(const m2m_scp81_server_trigger *t, const m2m_buf *conn, m2m_scp81_trigger *p)
{
	memset(p, 0, sizeof *p);
	if (conn->len > 0) {
		p->conn.p = conn->data;
		p->conn.len = conn->len;
	}
	if (t->has_psk) {
		if (t->kvn < M2M_SCP81_KVN_MIN || t->kvn > M2M_SCP81_KVN_MAX ||
		    (t->psk_id == NULL && t->psk_id_len > 0))
			return M2M_ERR_ARG;
		p->has_psk = true;
		p->kvn = t->kvn;
		p->kid = t->kid;
		p->psk_id.p = t->psk_id;
		p->psk_id.len = t->psk_id_len;
	}
	p->has_retry = t->has_retry;
	p->retry_counter = t->retry_counter;
	memcpy(p->retry_timer, t->retry_timer, sizeof p->retry_timer);
	p->retry_report = t->retry_report;
	p->has_http = t->host != NULL || t->agent_id != NULL || t->uri != NULL;
	p->admin_host = m2m_scp81_str_c(t->host);
	p->agent_id = m2m_scp81_str_c(t->agent_id);
	p->admin_uri = m2m_scp81_str_c(t->uri);
	return M2M_OK;
}

m2m_err m2m_scp81_server_trigger_build(const m2m_scp81_server_trigger *t, m2m_buf *out)
{
	m2m_scp81_trigger p;
	m2m_buf conn;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&conn);
	if (t == NULL || out == NULL)
		goto out;
	err = t->ip_len > 0 ? put_conn(t, &conn) : M2M_OK;
	if (err == M2M_OK)
		err = fill(t, &conn, &p);
	if (err == M2M_OK)
		err = m2m_scp81_trigger_build(&p, out);
out:
	m2m_buf_free(&conn);
	return err;
}
