/* The ES8 download session: creation, the payload / answer loop, results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hash.h"
#include "saip/saip.h"
#include "smdp/es8_int.h"

/* An internal failure of the SM-DP itself (crypto, memory): "function provider, execution
 * error". */
#define SUBJ_PROVIDER "1.2"

void m2m_es8_config_init(m2m_es8_config *c)
{
	memset(c, 0, sizeof *c);
	c->curve = M2M_CURVE_P256;
	c->segment_size = M2M_ES8_SEGMENT_DEFAULT;
	c->epk_form = M2M_GP_PUBKEY_RAW;
	c->keys = M2M_ES8_KEYS_KEEP;
}

static bool config_ok(const m2m_es8_config *c, size_t seg)
{
	return c->eid != NULL && c->isdp_aid != NULL && c->isdp_aid_len >= 5 &&
	       c->isdp_aid_len <= M2M_ES8_AID_MAX && c->sk_dp != NULL &&
	       m2m_ec_has_private(c->sk_dp) && c->pk_ecasd != NULL &&
	       m2m_ec_curve(c->pk_ecasd) == c->curve && c->package != NULL &&
	       c->package_len > 0 && c->package_len <= M2M_ES8_PACKAGE_MAX && seg > 0 &&
	       seg <= M2M_SCP03T_SEGMENT_MAX &&
	       (c->payload_max == 0 || c->payload_max >= m2m_es8_payload_min(seg)) &&
	       (c->epk_form == M2M_GP_PUBKEY_RAW || c->epk_form == M2M_GP_PUBKEY_WRAPPED) &&
	       (c->keys == M2M_ES8_KEYS_KEEP || c->keys == M2M_ES8_KEYS_HANDOVER ||
		c->keys == M2M_ES8_KEYS_DELETE);
}

/* The ICCID of the package's first element, which must be its header. */
static m2m_err header_iccid(const uint8_t *pkg, size_t n, uint8_t iccid[M2M_ES8_ICCID_SIZE])
{
	ProfileElement_t *pe = NULL;
	m2m_saip_error why;
	size_t used = 0;
	m2m_err err = m2m_saip_pe_decode(pkg, n, &pe, &used, &why);

	if (err == M2M_OK && (pe->present != ProfileElement_PR_header ||
			      pe->choice.header.iccid.size != M2M_ES8_ICCID_SIZE))
		err = M2M_ERR_FORMAT;
	if (err == M2M_OK)
		memcpy(iccid, pe->choice.header.iccid.buf, M2M_ES8_ICCID_SIZE);
	m2m_saip_pe_free(pe);
	return err == M2M_OK ? M2M_OK : M2M_ERR_FORMAT;
}

static m2m_err session_alloc(const m2m_es8_config *c, m2m_es8_session **out)
{
	size_t seg = c != NULL && c->segment_size > 0 ? c->segment_size : M2M_ES8_SEGMENT_DEFAULT;
	m2m_es8_session *s;
	m2m_err err;

	if (out == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	if (c == NULL || !config_ok(c, seg) || c->cert_dp == NULL || c->cert_dp_len == 0)
		return M2M_ERR_ARG;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return M2M_ERR_NOMEM;
	m2m_buf_init(&s->cert_dp);
	m2m_buf_init(&s->ea);
	m2m_buf_init(&s->out);
	m2m_buf_init(&s->final);
	memcpy(s->eid, c->eid, M2M_ES8_EID_SIZE);
	memcpy(s->aid, c->isdp_aid, c->isdp_aid_len);
	s->aid_len = c->isdp_aid_len;
	s->sk_dp = c->sk_dp;
	s->pk_ecasd = c->pk_ecasd;
	s->pkg = c->package;
	s->pkg_len = c->package_len;
	s->seg_size = seg;
	s->nseg = (c->package_len + seg - 1) / seg;
	s->payload_max = c->payload_max;
	s->policy = c->keys;
	err = m2m_buf_append(&s->cert_dp, c->cert_dp, c->cert_dp_len);
	if (err == M2M_OK)
		err = header_iccid(c->package, c->package_len, s->iccid);
	if (err == M2M_OK && c->host_challenge != NULL)
		memcpy(s->host_chal, c->host_challenge, sizeof s->host_chal);
	else if (err == M2M_OK)
		err = m2m_random(s->host_chal, sizeof s->host_chal);
	if (err != M2M_OK) {
		m2m_es8_session_free(s);
		return err;
	}
	*out = s;
	return M2M_OK;
}

m2m_err m2m_es8_session_new(const m2m_es8_config *c, m2m_es8_session **out)
{
	m2m_es8_session *s = NULL;
	m2m_err err;

	if (out == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	err = session_alloc(c, &s);
	if (err != M2M_OK)
		return err;
	m2m_keyest_params_isdp(&s->kp, c->dr);
	s->kp.epk_form = c->epk_form;
	err = m2m_keyest_host_init(&s->ke, &s->kp);
	if (err != M2M_OK) {
		m2m_es8_session_free(s);
		return err;
	}
	s->step = M2M_ES8_STEP_KEYEST_CERT;
	*out = s;
	return M2M_OK;
}

m2m_err m2m_es8_session_resume(const m2m_es8_config *c, const m2m_es8_keyset *keys,
			       m2m_es8_session **out)
{
	m2m_es8_session *s = NULL;
	m2m_err err;

	if (out == NULL)
		return M2M_ERR_ARG;
	*out = NULL;
	if (keys == NULL || keys->key_len == 0 || keys->key_len > M2M_ES8_KEY_MAX)
		return M2M_ERR_ARG;
	err = session_alloc(c, &s);
	if (err != M2M_OK)
		return err;
	s->keys = *keys;
	s->have_keys = true;
	err = m2m_es8_scp03t_open(s);
	if (err != M2M_OK) {
		m2m_es8_session_free(s);
		return err;
	}
	s->step = M2M_ES8_STEP_INIT_UPDATE;
	*out = s;
	return M2M_OK;
}

void m2m_es8_session_free(m2m_es8_session *s)
{
	if (s == NULL)
		return;
	m2m_es8_wipe_keys(s);
	free(s->cmds);
	m2m_buf_free(&s->cert_dp);
	m2m_buf_free(&s->out);
	m2m_buf_free(&s->final);
	m2m_wipe(s, sizeof *s);
	free(s);
}

static m2m_err build(m2m_es8_session *s)
{
	switch (s->step) {
	case M2M_ES8_STEP_KEYEST_CERT:
		return m2m_es8_keyest_cert(s);
	case M2M_ES8_STEP_KEYEST_EPK:
		return m2m_es8_keyest_epk(s);
	case M2M_ES8_STEP_INIT_UPDATE:
		return m2m_es8_iu(s);
	case M2M_ES8_STEP_EXT_AUTH:
	case M2M_ES8_STEP_SEGMENT:
		return m2m_es8_data(s);
	case M2M_ES8_STEP_DONE:
		break;
	}
	return M2M_ERR_STATE;
}

m2m_err m2m_es8_next(m2m_es8_session *s, m2m_es8_payload *p)
{
	m2m_err err;

	if (s == NULL || p == NULL)
		return M2M_ERR_ARG;
	if (s->done)
		return M2M_END;
	if (s->failed || s->waiting)
		return M2M_ERR_STATE;
	err = build(s);
	if (err != M2M_OK)
		return m2m_es8_fail(s, s->step, err, SUBJ_PROVIDER, M2M_ES8_REASON_EXECUTION,
				    "%s: building the payload: %s", m2m_es8_step_name(s->step),
				    m2m_strerror(err));
	memset(p, 0, sizeof *p);
	p->step = s->step;
	p->target = s->step <= M2M_ES8_STEP_KEYEST_EPK ? M2M_ES8_TO_ISDR : M2M_ES8_TO_ISDP;
	p->sd_aid = s->aid;
	p->sd_aid_len = s->aid_len;
	p->data = s->out.data;
	p->len = s->out.len;
	p->commands = s->ncmds;
	p->more_to_do = s->step < M2M_ES8_STEP_EXT_AUTH || s->next_seg < s->nseg;
	s->waiting = true;
	return M2M_OK;
}

static m2m_err answer(m2m_es8_session *s, const uint8_t *resp, size_t n)
{
	switch (s->step) {
	case M2M_ES8_STEP_KEYEST_CERT:
		return m2m_es8_keyest_cert_answer(s, resp, n);
	case M2M_ES8_STEP_KEYEST_EPK:
		return m2m_es8_keyest_epk_answer(s, resp, n);
	case M2M_ES8_STEP_INIT_UPDATE:
		return m2m_es8_iu_answer(s, resp, n);
	case M2M_ES8_STEP_EXT_AUTH:
	case M2M_ES8_STEP_SEGMENT:
		return m2m_es8_data_answer(s, resp, n);
	case M2M_ES8_STEP_DONE:
		break;
	}
	return M2M_ERR_STATE;
}

m2m_err m2m_es8_response(m2m_es8_session *s, const uint8_t *resp, size_t n)
{
	m2m_err err;

	if (s == NULL || (resp == NULL && n > 0))
		return M2M_ERR_ARG;
	if (s->failed)
		return s->fail.err;
	if (!s->waiting)
		return M2M_ERR_STATE;
	s->waiting = false;
	err = answer(s, resp, n);
	if (err == M2M_OK && s->done) {
		/* The session keys are spent; the static key set follows the policy. */
		m2m_scp03t_host_wipe(&s->host);
		if (s->policy == M2M_ES8_KEYS_DELETE) {
			m2m_es8_keyset_wipe(&s->keys);
			s->have_keys = false;
		}
	}
	return err;
}

void m2m_es8_abort(m2m_es8_session *s, const char *subject, const char *reason,
		   const char *message)
{
	if (s == NULL || s->done || s->failed)
		return;
	snprintf(s->abort_subject, sizeof s->abort_subject, "%s", subject != NULL ? subject : "");
	snprintf(s->abort_reason, sizeof s->abort_reason, "%s", reason != NULL ? reason : "");
	m2m_es8_fail(s, s->step, M2M_ERR_IO, s->abort_subject, s->abort_reason, "%s",
		     message != NULL ? message : "transport failure");
}

bool m2m_es8_done(const m2m_es8_session *s)
{
	return s != NULL && s->done;
}

const m2m_es8_failure *m2m_es8_failure_get(const m2m_es8_session *s)
{
	return s != NULL && s->failed ? &s->fail : NULL;
}

m2m_es8_step m2m_es8_step_get(const m2m_es8_session *s)
{
	return s != NULL ? s->step : M2M_ES8_STEP_KEYEST_CERT;
}

const uint8_t *m2m_es8_iccid(const m2m_es8_session *s)
{
	return s != NULL ? s->iccid : NULL;
}

const uint8_t *m2m_es8_euicc_response(const m2m_es8_session *s, size_t *len)
{
	bool done = s != NULL && s->done;

	if (len != NULL)
		*len = done ? s->final.len : 0;
	return done ? s->final.data : NULL;
}

m2m_err m2m_es8_keys(const m2m_es8_session *s, m2m_es8_keyset *out)
{
	if (s == NULL || out == NULL)
		return M2M_ERR_ARG;
	if (!s->have_keys || s->failed)
		return M2M_ERR_STATE;
	*out = s->keys;
	return M2M_OK;
}

size_t m2m_es8_segments(const m2m_es8_session *s)
{
	return s != NULL ? s->nseg : 0;
}
