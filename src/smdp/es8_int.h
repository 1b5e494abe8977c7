/* Internals of the ES8 download session (es8_*.c). */
#ifndef M2M_SMDP_ES8_INT_H
#define M2M_SMDP_ES8_INT_H

#include "card/keyest.h"
#include "card/scp03t.h"
#include "core/buf.h"
#include "core/tlv.h"
#include "smdp/es8_session.h"

/* ES status codes (sgp02-facts-2.md 9; the pairings are documented in smdp-download.md). */
#define M2M_ES8_SUBJ_EUICC "8.1"
#define M2M_ES8_SUBJ_PROFILE "8.2"
#define M2M_ES8_SUBJ_ISDP "8.3"
#define M2M_ES8_SUBJ_ISDR "8.4"
#define M2M_ES8_REASON_EXECUTION "4.2"
#define M2M_ES8_REASON_MEMORY "4.8"
#define M2M_ES8_REASON_VERIFY "6.1"

/* One command of the payload awaiting its answer, with the host's chaining state right
 * after it: a protected 86 answer is checked against the command it answers. */
typedef struct {
	uint8_t tag;             /* 84, 85, 86; 22 for a C-APDU */
	size_t seg;              /* 86: segment number */
	uint8_t mcv[16];
	uint32_t counter;
} m2m_es8_cmd;

struct m2m_es8_session {
	uint8_t eid[M2M_ES8_EID_SIZE];
	uint8_t aid[M2M_ES8_AID_MAX];
	size_t aid_len;
	m2m_buf cert_dp;
	const m2m_eckey *sk_dp;
	const m2m_eckey *pk_ecasd;
	const uint8_t *pkg;
	size_t pkg_len;
	size_t seg_size;
	size_t payload_max;
	m2m_es8_keys_policy policy;
	uint8_t iccid[M2M_ES8_ICCID_SIZE];
	uint8_t host_chal[M2M_SCP03_CHALLENGE];

	m2m_es8_step step;        /* of the next payload, or of the answer awaited */
	bool waiting;             /* a payload is out */
	bool failed;
	bool done;
	m2m_es8_failure fail;
	char abort_subject[16];    /* copies of m2m_es8_abort's codes */
	char abort_reason[16];

	m2m_keyest_params kp;
	m2m_keyest_host ke;
	bool have_keys;
	m2m_es8_keyset keys;
	m2m_scp03t_host host;
	m2m_buf ea;               /* the 85 TLV, built from the 84 answer, not yet sent */

	size_t nseg;              /* segments in the package */
	size_t next_seg;          /* next segment to build */
	m2m_es8_cmd *cmds;        /* commands of the payload out */
	size_t ncmds;
	size_t cmds_cap;
	m2m_buf out;              /* Data of the payload out */
	m2m_buf final;            /* the last segment's EUICCResponse */
};

/* es8_failure.c: records the first failure, wipes every key. Returns the error. */
m2m_err m2m_es8_fail(m2m_es8_session *s, m2m_es8_step step, m2m_err err, const char *subject,
		     const char *reason, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void m2m_es8_wipe_keys(m2m_es8_session *s);
/* Appends a command to s->cmds (with the host's MCV and counter). */
m2m_err m2m_es8_cmd_add(m2m_es8_session *s, uint8_t tag, size_t seg);

/* es8_keyest.c */
m2m_err m2m_es8_keyest_cert(m2m_es8_session *s);
m2m_err m2m_es8_keyest_cert_answer(m2m_es8_session *s, const uint8_t *resp, size_t n);
m2m_err m2m_es8_keyest_epk(m2m_es8_session *s);
m2m_err m2m_es8_keyest_epk_answer(m2m_es8_session *s, const uint8_t *resp, size_t n);

/* es8_download.c */
m2m_err m2m_es8_scp03t_open(m2m_es8_session *s);
m2m_err m2m_es8_iu(m2m_es8_session *s);
m2m_err m2m_es8_iu_answer(m2m_es8_session *s, const uint8_t *resp, size_t n);
m2m_err m2m_es8_data(m2m_es8_session *s);
m2m_err m2m_es8_data_answer(m2m_es8_session *s, const uint8_t *resp, size_t n);
/* The smallest payload_max that still carries one segment of seg_size bytes. */
size_t m2m_es8_payload_min(size_t seg_size);

/* es8_answer.c: the answer TLVs of an SCP03t payload (AF 80 .. 00 00, AB L .., or bare). */
m2m_err m2m_es8_answers_open(const uint8_t *resp, size_t n, m2m_tlv_iter *it);
/* The card's EUICCResponse after a segment: M2M_OK when every element is ok, else the
 * session fails with the element the card named. */
m2m_err m2m_es8_euicc_response_check(m2m_es8_session *s, size_t seg, const uint8_t *der,
				     size_t n, bool last);

#endif
