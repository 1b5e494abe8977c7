/*
 * Private to the SCP81 HTTP files: splitting an HTTP/1.1 head into lines and fields, and the
 * pieces the request and the response share (X-Admin-Protocol, body framing, AID paths).
 */
#ifndef M2M_CARD_SCP81_HTTP_H
#define M2M_CARD_SCP81_HTTP_H

#include "card/scp81.h"

typedef struct {
	m2m_scp81_str name;
	m2m_scp81_str value; /* without surrounding spaces and tabs */
} m2m_scp81_field;

typedef struct {
	m2m_scp81_str start; /* request line or status line, trailing spaces removed */
	m2m_scp81_field f[M2M_SCP81_HEADERS_MAX];
	size_t count;
	size_t head_len;     /* up to and including the blank line */
} m2m_scp81_head;

m2m_err m2m_scp81_fail(m2m_err err, const char *reason, const char **why);
bool m2m_scp81_ieq(m2m_scp81_str s, const char *lit);
bool m2m_scp81_visible(m2m_scp81_str s);

/* Splits the head at the start of p (leading empty lines are skipped and counted). */
m2m_err m2m_scp81_head_split(const uint8_t *p, size_t n, m2m_scp81_head *h, const char **why);
/* M2M_OK with the value, M2M_ERR_TLV_NOT_FOUND when absent, M2M_ERR_FORMAT when repeated. */
m2m_err m2m_scp81_head_get(const m2m_scp81_head *h, const char *name, m2m_scp81_str *v,
			   const char **why);
/* X-Admin-Protocol: *has tells whether it was there; a wrong value is an error. */
m2m_err m2m_scp81_head_protocol(const m2m_scp81_head *h, bool *has, const char **why);
/* Transfer-Encoding / Content-Length. */
m2m_err m2m_scp81_head_framing(const m2m_scp81_head *h, m2m_scp81_framing *framing,
			       size_t *content_length, const char **why);

/* Decodes exactly 2*n hex characters (either case) from p into out. */
bool m2m_scp81_hex_bytes(const char *p, size_t n, uint8_t *out);
/* "<RID>/<PIX>" in hex, RID 5 bytes, PIX 0..11 bytes; either case. */
m2m_err m2m_scp81_aid_path_parse(m2m_scp81_str s, m2m_scp81_aid *aid);
/* Removes prefix (case-insensitive) from *s; false if s does not start with it. */
bool m2m_scp81_eat(m2m_scp81_str *s, const char *prefix);

/* Appends "Name: value\r\n"; the value must be visible ASCII. */
m2m_err m2m_scp81_put_field(m2m_buf *b, const char *name, m2m_scp81_str value);
m2m_err m2m_scp81_put_text(m2m_buf *b, const char *text);
/* Appends upper-case hex. */
m2m_err m2m_scp81_put_hex(m2m_buf *b, const uint8_t *p, size_t n);
/* Appends "<RID>/<PIX>" in upper-case hex. */
m2m_err m2m_scp81_put_aid_path(m2m_buf *b, const m2m_scp81_aid *aid);
bool m2m_scp81_aid_ok(const m2m_scp81_aid *aid);

#endif
