/* ES8 profile download: the SCP03t session of an ISD-P (card/scp03t.h) feeding the SAIP
 * stream; elements are installed by isdp_install.c. One download at a time on the card. */
#include <string.h>

#include "euicc/isdp.h"
#include "euicc/isdp_int.h"

#define CODE_FORMAT M2M_SCP03T_CODE_FORMAT
#define CODE_NO_KEY M2M_SCP03T_CODE_NO_KEY

static void changed(m2m_euicc_events *ev)
{
	if (ev != NULL)
		ev->state_changed = true;
}

void euicc_dl_end(euicc_dl *d)
{
	if (d->idx >= 0) {
		m2m_scp03t_card_wipe(&d->card);
		m2m_saip_stream_free(&d->st);
		m2m_saip_fs_free(&d->fs);
	}
	m2m_wipe(d, sizeof *d);
	d->idx = -1;
}

/* A failed download: the session ends and the partial package goes, so the ISD-P is left
 * PERSONALIZED without a profile, which DeleteISDP accepts. */
static void dl_fail(m2m_euicc *e, euicc_dl *d, m2m_euicc_events *ev)
{
	int idx = d->idx;

	euicc_dl_end(d);
	if (idx >= 0 && e->isdp[idx].pkg != 0) {
		euicc_pkg_drop(e, idx);
		changed(ev);
	}
}

static m2m_err error_tlv(m2m_buf *resp, uint8_t cmd_tag, uint8_t code)
{
	return m2m_tlv_put_u8(resp, 0x9F00u | (uint32_t)(cmd_tag - 0x40), code);
}

static const m2m_euicc_key *key_by_id(const m2m_euicc_keyset *k, uint8_t id)
{
	for (size_t i = 0; i < k->nkeys && i < M2M_EUICC_KEYS_PER_SET; i++)
		if (k->key[i].id == id && k->key[i].type == M2M_EUICC_KEYTYPE_AES)
			return &k->key[i];
	return NULL;
}

/* The ISD-P's SCP03 key set (ENC id 01, MAC id 02) as an SCP03 key set. */
m2m_err euicc_isdp_scp03_keys(const m2m_euicc_isdp *p, m2m_scp03_keys *k)
{
	const m2m_euicc_key *enc = key_by_id(&p->scp03, 1), *mac = key_by_id(&p->scp03, 2);

	if (p->scp03.kvn != M2M_EUICC_KVN_SCP03 || enc == NULL || mac == NULL ||
	    enc->len != mac->len)
		return M2M_ERR_TLV_NOT_FOUND;
	return m2m_scp03_keys_set(k, enc->value, mac->value, enc->len, p->scp03.kvn);
}

static m2m_err dl_open(m2m_euicc *e, euicc_dl *d, int idx)
{
	const m2m_euicc_isdp *p = &e->isdp[idx];
	uint32_t next = p->scp03t_seq + 1;
	uint8_t seq[3] = {(uint8_t)(next >> 16), (uint8_t)(next >> 8), (uint8_t)next};
	m2m_scp03_keys k;
	m2m_err err = euicc_isdp_scp03_keys(p, &k);

	if (err == M2M_OK)
		err = m2m_scp03t_card_init(&d->card, &k, p->aid, sizeof p->aid, seq, NULL, false);
	m2m_scp03_keys_wipe(&k);
	if (err != M2M_OK)
		goto out;
	d->idx = idx;
	memcpy(d->aid, p->aid, sizeof d->aid);
	m2m_saip_stream_init(&d->st, 0);
	m2m_saip_fs_init(&d->fs);
	m2m_saip_fs_builder_init(&d->b, &d->fs);
out:
	return err;
}

/* 84: a new session, only for an ISD-P with keys and without a profile. */
static m2m_err dl_start(m2m_euicc *e, euicc_dl *d, int idx, const uint8_t *tlv, size_t n,
			m2m_buf *resp, m2m_euicc_events *ev)
{
	m2m_euicc_isdp *p = &e->isdp[idx];
	m2m_buf plain;
	m2m_err err;

	euicc_dl_end(d);
	m2m_buf_init(&plain);
	if (p->has_profile || (p->lcs != M2M_EUICC_LCS_SELECTABLE &&
			       p->lcs != M2M_EUICC_LCS_PERSONALIZED) || p->scp03t_seq >= 0xFFFFFF) {
		err = error_tlv(resp, M2M_SCP03T_TAG_IU, CODE_FORMAT);
		goto out;
	}
	if (dl_open(e, d, idx) != M2M_OK) {
		err = error_tlv(resp, M2M_SCP03T_TAG_IU, CODE_NO_KEY);
		goto out;
	}
	err = M2M_OK;
	if (m2m_scp03t_card_process(&d->card, tlv, n, resp, &plain) != M2M_OK) {
		dl_fail(e, d, ev);
		goto out;
	}
	/* A download restarts from the first byte: an older partial package goes. */
	if (p->pkg != 0)
		euicc_pkg_drop(e, idx);
	p->scp03t_seq = d->card.seq - 1;
	changed(ev);
out:
	m2m_buf_free(&plain);
	return err;
}

/* Plaintext of an accepted 86: stored, streamed, installed element by element. */
static m2m_err dl_data(m2m_euicc *e, euicc_dl *d, const m2m_buf *plain, const m2m_buf *ans,
		       m2m_buf *resp, m2m_euicc_events *ev)
{
	m2m_buf report;
	euicc_el_result r = EL_BROKEN;
	m2m_err err;

	m2m_buf_init(&report);
	if (plain->len > 0) {
		changed(ev);
		if (euicc_pkg_append(e, d->idx, plain->data, plain->len) != M2M_OK ||
		    m2m_saip_stream_feed(&d->st, plain->data, plain->len) != M2M_OK)
			goto done;
	}
	r = euicc_dl_elements(e, d, &report);
done:
	if (r == EL_MORE)
		err = m2m_buf_append(resp, ans->data, ans->len);
	else if (r == EL_BROKEN)
		err = error_tlv(resp, M2M_SCP03T_TAG_DATA, CODE_FORMAT);
	else
		err = m2m_scp03t_card_response(&d->card, report.data, report.len, resp);
	if (r == EL_DONE) {
		euicc_dl_end(d);
		changed(ev);
	} else if (r != EL_MORE) {
		dl_fail(e, d, ev);
	}
	m2m_buf_free(&report);
	return err;
}

/* 85 and 86 of the open session. */
static m2m_err dl_step(m2m_euicc *e, euicc_dl *d, const uint8_t *tlv, size_t n,
		       m2m_buf *resp, m2m_euicc_events *ev)
{
	m2m_buf ans, plain;
	m2m_err err;

	m2m_buf_init(&ans);
	m2m_buf_init(&plain);
	if (m2m_scp03t_card_process(&d->card, tlv, n, &ans, &plain) != M2M_OK) {
		err = m2m_buf_append(resp, ans.data, ans.len);
		dl_fail(e, d, ev);
	} else if (tlv[0] == M2M_SCP03T_TAG_EA) {
		err = m2m_buf_append(resp, ans.data, ans.len);
	} else {
		err = dl_data(e, d, &plain, &ans, resp, ev);
	}
	m2m_buf_free(&ans);
	m2m_buf_free(&plain);
	return err;
}

m2m_err m2m_euicc_isdp_scp03t(m2m_euicc *e, int idx, const uint8_t *tlv, size_t n,
			      m2m_buf *resp, m2m_euicc_events *ev)
{
	struct m2m_euicc_rt *rt;
	euicc_dl *d;
	uint8_t tag = n > 0 && tlv != NULL ? tlv[0] : 0;
	m2m_err err = M2M_ERR_ARG;

	if (e == NULL || idx < 0 || idx >= M2M_EUICC_ISDP_MAX || !e->isdp[idx].used ||
	    resp == NULL || (tlv == NULL && n > 0))
		goto out;
	err = M2M_ERR_NOMEM;
	rt = euicc_rt(e);
	if (rt == NULL)
		goto out;
	d = &rt->dl;
	/* The ISD-P of the download was deleted (or replaced) meanwhile. */
	if (d->idx >= 0 && (!e->isdp[d->idx].used ||
			    memcmp(e->isdp[d->idx].aid, d->aid, sizeof d->aid) != 0))
		euicc_dl_end(d);
	err = M2M_ERR_FORMAT; /* not an SCP03t command: nothing to answer */
	if (tag == M2M_SCP03T_TAG_IU)
		err = dl_start(e, d, idx, tlv, n, resp, ev);
	else if ((tag == M2M_SCP03T_TAG_EA || tag == M2M_SCP03T_TAG_DATA) && d->idx != idx)
		err = error_tlv(resp, tag, CODE_FORMAT);
	else if (tag == M2M_SCP03T_TAG_EA || tag == M2M_SCP03T_TAG_DATA)
		err = dl_step(e, d, tlv, n, resp, ev);
out:
	return err;
}
