/*
 * SCP81: GlobalPlatform Amendment B "RAM over HTTP" as SGP.02 profiles it. Message layer only
 * (no sockets, no TLS):
 *   - the TLS PSK identity  80 01 02 | 81 10 EID | 4F 10 ISD-R AID | 82 01 KID | 83 01 KVN,
 *     sent in TLS as upper-case hex ASCII            (scp81_psk.c)
 *   - the administration session triggering parameters pushed by SMS (SCP80 secured data)
 *     81 L { 83 L { 84 85 A5 86 89{8A 8B 8C} } B3 L { D6 FA } }, or 81 00 = defaults
 *                                                    (scp81_trigger.c)
 *   - the HTTP/1.1 heads the card (client) POSTs and the server answers (scp81_request.c,
 *     scp81_response.c, shared header parsing in scp81_http.c)
 *   - HTTP/1.1 chunked transfer coding of the bodies (scp81_chunked.c).
 * Bodies (AE 80 ... 00 00 scripts, AF 80 ... 00 00 answers) are opaque bytes here.
 * docs/scp81.md lists the choices made where the sources disagree.
 *
 * Parsers never allocate (except into an m2m_buf the caller owns) and point into the input.
 * Errors: M2M_ERR_BOUNDS = input incomplete (read more and retry); M2M_ERR_FORMAT = malformed;
 * M2M_ERR_UNSUPPORTED = well-formed but refused (too large, other protocol version...).
 * Every parser takes an optional `why` that receives a static English reason on failure.
 */
#ifndef M2M_CARD_SCP81_H
#define M2M_CARD_SCP81_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_SCP81_EID_LEN 16
#define M2M_SCP81_RID_LEN 5
#define M2M_SCP81_AID_MIN 5
#define M2M_SCP81_AID_MAX 16
#define M2M_SCP81_PSK_ID_FORMAT 0x02 /* 80 01 02: the SGP.02 identity format */
#define M2M_SCP81_KVN_MIN 0x40       /* SGP.02: SCP81 key sets use KVN 40..4F */
#define M2M_SCP81_KVN_MAX 0x4F
/* The identity TLV with a 16-byte ISD-R AID, and its hex form. */
#define M2M_SCP81_PSK_ID_LEN 45
#define M2M_SCP81_PSK_ID_MAX 45
#define M2M_SCP81_PSK_ID_HEX_MAX (2 * M2M_SCP81_PSK_ID_MAX)

#define M2M_SCP81_PROTOCOL "globalplatform-remote-admin/1.0"
#define M2M_SCP81_CT_SCRIPT "application/vnd.globalplatform.card-content-mgt;version=1.0"
#define M2M_SCP81_CT_RESPONSE "application/vnd.globalplatform.card-content-mgt-response;version=1.0"

/* Bounds on what the parsers accept. */
#define M2M_SCP81_HEAD_MAX 8192     /* request/status line and headers, blank line included */
#define M2M_SCP81_HEADERS_MAX 32
#define M2M_SCP81_BODY_MAX 65536    /* default body bound; Content-Length above is refused */

/* Text pointing into a message (not NUL-terminated). p == NULL: absent. */
typedef struct {
	const char *p;
	size_t len;
} m2m_scp81_str;

/* Bytes pointing into a message. p == NULL: absent. */
typedef struct {
	const uint8_t *p;
	size_t len;
} m2m_scp81_bytes;

static inline m2m_scp81_str m2m_scp81_str_c(const char *s)
{
	m2m_scp81_str r = {s, s != NULL ? strlen(s) : 0};
	return r;
}

typedef struct {
	uint8_t b[M2M_SCP81_AID_MAX];
	size_t len; /* 5..16 */
} m2m_scp81_aid;

/* ---- PSK identity (SGP.02 2.4.4.1) ------------------------------------------------------ */

typedef struct {
	uint8_t eid[M2M_SCP81_EID_LEN];
	m2m_scp81_aid isdr; /* 4F: 16 bytes in SGP.02; 5..16 accepted */
	uint8_t key_id;
	uint8_t kvn;        /* 40..4F */
} m2m_scp81_psk_id;

/* Appends the identity TLV (binary). */
m2m_err m2m_scp81_psk_id_build(const m2m_scp81_psk_id *id, m2m_buf *out);
/* Appends the identity as sent in the TLS ClientKeyExchange: upper-case hex ASCII, no NUL. */
m2m_err m2m_scp81_psk_id_build_hex(const m2m_scp81_psk_id *id, m2m_buf *out);
/* Parses the TLV: tags in the SGP.02 order, each exactly once, nothing after. */
m2m_err m2m_scp81_psk_id_parse(const uint8_t *p, size_t n, m2m_scp81_psk_id *out,
			       const char **why);
/* Parses the hex ASCII form (either case) as received from TLS. */
m2m_err m2m_scp81_psk_id_parse_hex(const char *s, size_t n, m2m_scp81_psk_id *out,
				   const char **why);

/* ---- Administration session triggering parameters (GP Amd B table 3-3) ------------------ */

typedef struct {
	m2m_scp81_bytes conn;     /* 84: OPEN CHANNEL simple TLVs (TS 102 223), opaque */
	bool has_psk;             /* 85: Lpskid pskid 02 KVN KID [sha] */
	m2m_scp81_bytes psk_id;
	uint8_t kvn;
	uint8_t kid;
	bool has_sha;
	uint8_t sha_type;
	m2m_scp81_bytes ext_sec;  /* A5: extended security parameters, opaque */
	bool has_retry;           /* 86: counter(2) A5 03 <timer 3> [87 L ...] */
	uint16_t retry_counter;
	uint8_t retry_timer[3];   /* TS 102 223 timer value, as sent */
	bool retry_report;        /* 87 present: report a failed session */
	bool has_http;            /* 89 present */
	m2m_scp81_str admin_host; /* 8A: Host header */
	m2m_scp81_str agent_id;   /* 8B */
	m2m_scp81_str admin_uri;  /* 8C: URI of the first POST */
	bool has_dns;             /* B3 present */
	m2m_scp81_bytes dns_fqdn; /* D6 */
	m2m_scp81_bytes dns_conn; /* FA value, opaque */
} m2m_scp81_trigger;

/* True when no parameter is set: such a trigger is sent as 81 00 (card defaults). */
bool m2m_scp81_trigger_is_default(const m2m_scp81_trigger *t);
/* Appends the 81 TLV (server side). Text parameters must be visible ASCII. */
m2m_err m2m_scp81_trigger_build(const m2m_scp81_trigger *t, m2m_buf *out);
/* Parses one 81 TLV and nothing after it (card side). Unknown tags inside 81, 83, 89 and B3
 * are skipped; a known tag twice is an error. Pointers go into p. */
m2m_err m2m_scp81_trigger_parse(const uint8_t *p, size_t n, m2m_scp81_trigger *out,
				const char **why);

/* ---- HTTP heads ------------------------------------------------------------------------- */

typedef enum {
	M2M_SCP81_SS_NONE = 0, /* no X-Admin-Script-Status: the first POST of a session */
	M2M_SCP81_SS_OK,
	M2M_SCP81_SS_UNKNOWN_APPLICATION,
	M2M_SCP81_SS_NOT_A_SECURITY_DOMAIN,
	M2M_SCP81_SS_SECURITY_ERROR,
	M2M_SCP81_SS_UNAVAILABLE_SE,
} m2m_scp81_script_status;

/* "ok", "unknown-application"...; NULL for M2M_SCP81_SS_NONE and unknown values. */
const char *m2m_scp81_script_status_name(m2m_scp81_script_status s);

/* How a parsed message's body is framed. */
typedef enum {
	M2M_SCP81_BODY_NONE = 0,
	M2M_SCP81_BODY_CHUNKED,
	M2M_SCP81_BODY_LENGTH,
	M2M_SCP81_BODY_UNTIL_CLOSE, /* a 200 with neither: the body ends when TLS closes */
} m2m_scp81_framing;

/* The card's POST. Parsing fills every field; building reads uri, host, eid, agent, status,
 * resume. */
typedef struct {
	m2m_scp81_str uri;
	m2m_scp81_str host;
	uint8_t eid[M2M_SCP81_EID_LEN]; /* X-Admin-From //se-id/eid/<EID> */
	m2m_scp81_aid agent;            /* X-Admin-From //aa-id/aid/<RID>/<PIX> */
	m2m_scp81_script_status status;
	bool resume;                    /* X-Admin-Resume: true */
	bool has_content_type;          /* parse: the script-response type was given */
	m2m_scp81_framing framing;      /* parse */
	size_t content_length;          /* parse, with M2M_SCP81_BODY_LENGTH */
} m2m_scp81_request;

/* Appends the request head. With a script status the request carries the response
 * Content-Type and Transfer-Encoding: chunked; without one (first POST) it has no body. */
m2m_err m2m_scp81_request_build_head(const m2m_scp81_request *rq, m2m_buf *out);
/* Head plus the body as one chunk (the body must be empty when rq->status is NONE). */
m2m_err m2m_scp81_request_build(const m2m_scp81_request *rq, const uint8_t *body, size_t len,
				m2m_buf *out);
/* Parses a request head (server side); *head_len gets its size, the body follows. */
m2m_err m2m_scp81_request_parse(const uint8_t *p, size_t n, m2m_scp81_request *out,
				size_t *head_len, const char **why);

/* The server's answer. Building reads status (200 or 204), next_uri, has_target, target. */
typedef struct {
	unsigned status;                /* parse: any 3-digit code; only 200/204 are checked */
	m2m_scp81_str next_uri;         /* X-Admin-Next-URI; required with 200 */
	bool has_target;
	m2m_scp81_aid target;           /* X-Admin-Targeted-Application //aid/<RID>/<PIX> */
	bool has_protocol;              /* parse */
	bool has_content_type;          /* parse: the script type was given */
	m2m_scp81_framing framing;      /* parse */
	size_t content_length;          /* parse, with M2M_SCP81_BODY_LENGTH */
} m2m_scp81_response;

/* Appends the head, and for 200 the body as one chunk; 204 takes no body. */
m2m_err m2m_scp81_response_build(const m2m_scp81_response *rs, const uint8_t *body,
				 size_t len, m2m_buf *out);
/* Parses a status line and headers (card side). 200 must carry X-Admin-Protocol,
 * X-Admin-Next-URI and, with a body, the script Content-Type. Other codes are returned
 * unchecked in out->status for the caller to end the session. */
m2m_err m2m_scp81_response_parse(const uint8_t *p, size_t n, m2m_scp81_response *out,
				 size_t *head_len, const char **why);

/* ---- Chunked transfer coding (RFC 9112 7.1) --------------------------------------------- */

/* Accept a body ending right after "0\r\n" when the input stops there or the next message
 * starts ("POST ", "HTTP/"): the whty peers never send the final CRLF. */
#define M2M_SCP81_CHUNKED_LENIENT_END 0x1

/* Appends body as chunks of at most max_chunk bytes (0: one chunk), upper-case hex sizes,
 * then "0\r\n\r\n". */
m2m_err m2m_scp81_chunked_encode(const uint8_t *body, size_t n, size_t max_chunk, m2m_buf *out);
/* Decodes a chunked body at the start of p into out (appended), at most max_body bytes.
 * *used gets the bytes consumed. Extensions are skipped, trailers checked and ignored. */
m2m_err m2m_scp81_chunked_decode(const uint8_t *p, size_t n, size_t max_body, unsigned flags,
				 m2m_buf *out, size_t *used, const char **why);

#endif
