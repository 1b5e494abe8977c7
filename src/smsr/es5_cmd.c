/* ES5 command builders for the ISD-R: the byte layouts of docs/es5.md (njiwa and whty
 * traces, sgp02-facts*.md 2.2, 1, 2, 6, 7b), as our eUICC (docs/euicc.md) accepts them. */
#include <string.h>

#include "core/tlv.h"
#include "crypto/sym.h"
#include "smsr/es5_cmd.h"

#define CLA 0x80
#define INS_INSTALL 0xE6
#define INS_STORE_DATA 0xE2
#define INS_DELETE 0xE4
#define INS_GET_DATA 0xCA
#define INS_GET_STATUS 0xF2

/* SGP.02 Annex H: A0000005591010FFFFFFFF89 || TAR || 00. */
static const uint8_t aid_prefix[12] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10,
				       0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89};
static const uint8_t tar_isdr[3] = {0x00, 0x00, 0x01};

const char *m2m_es5_fn_name(m2m_es5_fn fn)
{
	static const char *const names[] = {
		[M2M_ES5_CREATE_ISDP] = "create_isdp",
		[M2M_ES5_ENABLE_PROFILE] = "enable_profile",
		[M2M_ES5_DISABLE_PROFILE] = "disable_profile",
		[M2M_ES5_DELETE_ISDP] = "delete_isdp",
		[M2M_ES5_MASTER_DELETE] = "master_delete",
		[M2M_ES5_SET_FALLBACK] = "set_fallback_attribute",
		[M2M_ES5_SET_EMERGENCY] = "set_emergency_profile_attribute",
		[M2M_ES5_UPDATE_SMSR_ADDRESSING] = "update_smsr_addressing_parameters",
		[M2M_ES5_AUDIT] = "audit",
		[M2M_ES5_NOTIF_CONFIRM] = "notification_confirm",
		[M2M_ES5_KEYEST_CERT] = "keyest_certificate",
		[M2M_ES5_KEYEST_KEYS] = "keyest_keys",
		[M2M_ES5_DELETE_KEYS] = "delete_keys",
		[M2M_ES5_PUT_KEY_PSK] = "put_key_psk",
		[M2M_ES5_SEND_DATA] = "send_data",
	};

	if ((unsigned)fn < sizeof names / sizeof names[0] && names[fn] != NULL)
		return names[fn];
	return "unknown";
}

/* ---- APDU lists ---- */

void m2m_es5_apdus_init(m2m_es5_apdus *l)
{
	memset(l, 0, sizeof *l);
	m2m_buf_init(&l->bytes);
}

void m2m_es5_apdus_reset(m2m_es5_apdus *l)
{
	m2m_buf_reset(&l->bytes);
	l->count = 0;
}

void m2m_es5_apdus_free(m2m_es5_apdus *l)
{
	m2m_buf_free(&l->bytes);
	m2m_es5_apdus_init(l);
}

m2m_err m2m_es5_apdus_add(m2m_es5_apdus *l, const uint8_t *p, size_t n)
{
	m2m_err err;

	if (l->count == M2M_ES5_APDU_MAX)
		return M2M_ERR_BOUNDS;
	l->off[l->count] = l->bytes.len;
	err = m2m_buf_append(&l->bytes, p, n);
	if (err == M2M_OK)
		l->len[l->count++] = n;
	return err;
}

const uint8_t *m2m_es5_apdus_get(const m2m_es5_apdus *l, size_t i, size_t *len)
{
	if (i >= l->count)
		return NULL;
	*len = l->len[i];
	/* An empty first APDU in an empty buffer still has a valid address. */
	return l->bytes.data != NULL ? l->bytes.data + l->off[i] : (const uint8_t *)"";
}

/* ---- command sets ---- */

void m2m_es5_cmd_init(m2m_es5_cmd *c)
{
	memset(c, 0, sizeof *c);
	m2m_es5_apdus_init(&c->apdus);
	memcpy(c->tar, tar_isdr, sizeof c->tar);
}

void m2m_es5_cmd_reset(m2m_es5_cmd *c)
{
	m2m_es5_apdus keep = c->apdus;

	m2m_es5_apdus_reset(&keep);
	memset(c, 0, sizeof *c);
	c->apdus = keep;
	memcpy(c->tar, tar_isdr, sizeof c->tar);
}

void m2m_es5_cmd_free(m2m_es5_cmd *c)
{
	m2m_es5_apdus_free(&c->apdus);
	m2m_es5_cmd_init(c);
}

void m2m_es5_cmd_start(m2m_es5_cmd *c, m2m_es5_fn fn)
{
	m2m_es5_cmd_reset(c);
	c->fn = fn;
}

m2m_err m2m_es5_cmd_apdu(m2m_es5_cmd *c, uint8_t ins, uint8_t p1, uint8_t p2,
			 const uint8_t *data, size_t len, bool le)
{
	uint8_t apdu[5 + 255 + 1];
	size_t n = 0;

	if (len > 255 || (data == NULL && len > 0))
		return M2M_ERR_ARG;
	apdu[n++] = CLA;
	apdu[n++] = ins;
	apdu[n++] = p1;
	apdu[n++] = p2;
	if (len > 0) {
		apdu[n++] = (uint8_t)len;
		memcpy(apdu + n, data, len);
		n += len;
	}
	if (le)
		apdu[n++] = 0x00;
	return m2m_es5_apdus_add(&c->apdus, apdu, n);
}

void m2m_es5_isdp_aid(const uint8_t tar[3], uint8_t aid[M2M_ES5_AID_SIZE])
{
	memcpy(aid, aid_prefix, sizeof aid_prefix);
	memcpy(aid + sizeof aid_prefix, tar, 3);
	aid[15] = 0x00;
}

bool m2m_es5_aid_tar(const uint8_t aid[M2M_ES5_AID_SIZE], uint8_t tar[3])
{
	uint32_t t;

	if (aid == NULL || memcmp(aid, aid_prefix, sizeof aid_prefix) != 0 || aid[15] != 0x00)
		return false;
	t = (uint32_t)aid[12] << 16 | (uint32_t)aid[13] << 8 | aid[14];
	if (t < 0x000010 || t > 0x00FFFF)
		return false;
	if (tar != NULL)
		memcpy(tar, aid + 12, 3);
	return true;
}

/* ---- CreateISDP ---- */

static m2m_err put_lv(m2m_buf *b, const uint8_t *p, size_t n)
{
	m2m_err err = m2m_buf_append_u8(b, (uint8_t)n);

	return err == M2M_OK ? m2m_buf_append(b, p, n) : err;
}

/* C9 {81 02 03 70} (SCP03, i = 70) [EF {83 L mem}] as one LV. */
static m2m_err install_params(m2m_buf *b, uint32_t mem)
{
	static const uint8_t c9[] = {0xC9, 0x04, 0x81, 0x02, 0x03, 0x70};
	uint8_t p[sizeof c9 + 8];
	size_t n = sizeof c9;

	memcpy(p, c9, sizeof c9);
	if (mem > 0) {
		size_t ml = mem > 0xFFFF ? 4 : 2;
		p[n++] = 0xEF;
		p[n++] = (uint8_t)(2 + ml);
		p[n++] = 0x83;
		p[n++] = (uint8_t)ml;
		for (size_t i = ml; i > 0; i--)
			p[n++] = (uint8_t)(mem >> (8 * (i - 1)));
	}
	return put_lv(b, p, n);
}

m2m_err m2m_es5_create_isdp(m2m_es5_cmd *c, const uint8_t tar[3], uint32_t mem)
{
	static const uint8_t priv[3] = {0x80, 0xC0, 0x00};
	uint8_t elf[16], em[16], aid[16];
	m2m_buf d;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&d);
	if (c == NULL || tar == NULL)
		goto out;
	m2m_es5_cmd_start(c, M2M_ES5_CREATE_ISDP);
	m2m_es5_isdp_aid(tar, aid);
	if (!m2m_es5_aid_tar(aid, NULL))
		goto out;
	m2m_es5_isdp_aid((const uint8_t[3]){0x00, 0x00, 0x0D}, elf);
	m2m_es5_isdp_aid((const uint8_t[3]){0x00, 0x00, 0x0E}, em);
	memcpy(c->aid, aid, sizeof aid);
	c->has_aid = true;
	err = put_lv(&d, elf, sizeof elf);
	if (err == M2M_OK)
		err = put_lv(&d, em, sizeof em);
	if (err == M2M_OK)
		err = put_lv(&d, aid, sizeof aid);
	if (err == M2M_OK)
		err = put_lv(&d, priv, sizeof priv);
	if (err == M2M_OK)
		err = install_params(&d, mem);
	if (err == M2M_OK)
		err = m2m_buf_append_u8(&d, 0x00); /* no install token */
	if (err == M2M_OK)
		err = m2m_es5_cmd_apdu(c, INS_INSTALL, 0x0C, 0x00, d.data, d.len, true);
out:
	m2m_buf_free(&d);
	return err;
}

/* ---- STORE DATA {4F AID} ---- */

static m2m_err dgi_aid(m2m_es5_cmd *c, m2m_es5_fn fn, uint8_t dgi_lo,
		       const uint8_t aid[M2M_ES5_AID_SIZE])
{
	uint8_t d[3 + 2 + M2M_ES5_AID_SIZE] = {0x3A, dgi_lo, 2 + M2M_ES5_AID_SIZE, 0x4F,
					       M2M_ES5_AID_SIZE};

	if (c == NULL || aid == NULL)
		return M2M_ERR_ARG;
	m2m_es5_cmd_start(c, fn);
	memcpy(d + 5, aid, M2M_ES5_AID_SIZE);
	memcpy(c->aid, aid, M2M_ES5_AID_SIZE);
	c->has_aid = true;
	/* P1 88: last block, DGI format; no Le (whty, njiwa). */
	return m2m_es5_cmd_apdu(c, INS_STORE_DATA, 0x88, 0x00, d, sizeof d, false);
}

m2m_err m2m_es5_enable_profile(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE])
{
	return dgi_aid(c, M2M_ES5_ENABLE_PROFILE, 0x03, aid);
}

m2m_err m2m_es5_disable_profile(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE])
{
	return dgi_aid(c, M2M_ES5_DISABLE_PROFILE, 0x04, aid);
}

m2m_err m2m_es5_set_fallback_attribute(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE])
{
	return dgi_aid(c, M2M_ES5_SET_FALLBACK, 0x05, aid);
}

m2m_err m2m_es5_set_emergency_profile_attribute(m2m_es5_cmd *c,
						 const uint8_t aid[M2M_ES5_AID_SIZE])
{
	return dgi_aid(c, M2M_ES5_SET_EMERGENCY, 0x09, aid);
}

/* ---- DELETE ---- */

m2m_err m2m_es5_delete_isdp(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE])
{
	uint8_t d[2 + M2M_ES5_AID_SIZE] = {0x4F, M2M_ES5_AID_SIZE};

	if (c == NULL || aid == NULL)
		return M2M_ERR_ARG;
	m2m_es5_cmd_start(c, M2M_ES5_DELETE_ISDP);
	memcpy(d + 2, aid, M2M_ES5_AID_SIZE);
	memcpy(c->aid, aid, M2M_ES5_AID_SIZE);
	c->has_aid = true;
	return m2m_es5_cmd_apdu(c, INS_DELETE, 0x00, 0x40, d, sizeof d, true);
}

/* 4F AID [B6]: the signed part of a Master Delete; b6 must be one B6 TLV. */
static m2m_err master_signed(const uint8_t aid[M2M_ES5_AID_SIZE], const uint8_t *b6,
			     size_t b6_len, m2m_buf *out)
{
	size_t start = out->len;
	m2m_tlv t;
	m2m_err err;

	if (aid == NULL || (b6 == NULL && b6_len > 0))
		return M2M_ERR_ARG;
	if (b6_len > 0 && (m2m_tlv_decode_one(b6, b6_len, M2M_TLV_DER, &t, NULL) != M2M_OK ||
			   t.tag != 0xB6))
		return M2M_ERR_ARG;
	err = m2m_tlv_put(out, 0x4F, aid, M2M_ES5_AID_SIZE);
	if (err == M2M_OK && b6_len > 0)
		err = m2m_buf_append(out, b6, b6_len);
	/* With 9E 10 token it must still fit a short Lc. */
	if (err == M2M_OK && out->len - start > 255 - 2 - M2M_ES5_TOKEN_SIZE)
		err = M2M_ERR_ARG;
	return err;
}

m2m_err m2m_es5_master_delete_token(const uint8_t *key, size_t key_len,
				    const uint8_t aid[M2M_ES5_AID_SIZE], const uint8_t *b6,
				    size_t b6_len, uint8_t token[M2M_ES5_TOKEN_SIZE])
{
	m2m_buf in;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&in);
	if (key == NULL || token == NULL)
		goto out;
	/* P1 P2 L || 4F [B6], L the length of the 4F+B6 part (docs/euicc.md). */
	err = m2m_buf_append(&in, "\x00\x40\x00", 3);
	if (err == M2M_OK)
		err = master_signed(aid, b6, b6_len, &in);
	if (err != M2M_OK)
		goto out;
	in.data[2] = (uint8_t)(in.len - 3);
	err = m2m_aes_cmac(key, key_len, in.data, in.len, token);
out:
	m2m_buf_free(&in);
	return err;
}

m2m_err m2m_es5_master_delete(m2m_es5_cmd *c, const uint8_t aid[M2M_ES5_AID_SIZE],
			      const uint8_t *b6, size_t b6_len,
			      const uint8_t token[M2M_ES5_TOKEN_SIZE])
{
	m2m_buf d;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&d);
	if (c == NULL || token == NULL)
		goto out;
	m2m_es5_cmd_start(c, M2M_ES5_MASTER_DELETE);
	err = master_signed(aid, b6, b6_len, &d);
	if (err == M2M_OK)
		err = m2m_tlv_put(&d, 0x9E, token, M2M_ES5_TOKEN_SIZE);
	if (err == M2M_OK)
		err = m2m_es5_cmd_apdu(c, INS_DELETE, 0x00, 0x40, d.data, d.len, true);
	if (err == M2M_OK) {
		memcpy(c->aid, aid, M2M_ES5_AID_SIZE);
		c->has_aid = true;
	}
out:
	m2m_buf_free(&d);
	return err;
}

/* ---- 3A07 ---- */

m2m_err m2m_es5_smsr_address_tlv(const m2m_sms_addr *addr, m2m_buf *out)
{
	m2m_buf a;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&a);
	if (addr == NULL || out == NULL || addr->digits[0] == '\0')
		goto out;
	err = m2m_sms_addr_encode(addr, &a);
	if (err == M2M_OK)
		err = m2m_tlv_put(out, 0x81, a.data, a.len);
out:
	m2m_buf_free(&a);
	return err;
}

m2m_err m2m_es5_update_smsr_addressing_parameters(m2m_es5_cmd *c, const uint8_t *a3,
						  size_t len)
{
	m2m_buf d;
	size_t mark;
	m2m_err err = M2M_ERR_ARG;

	m2m_buf_init(&d);
	/* The card stores well-formed TLVs only, up to 128 bytes. */
	if (c == NULL || a3 == NULL || len == 0 || len > M2M_ES5_A3_MAX ||
	    m2m_tlv_validate(a3, len, M2M_TLV_BER, NULL) != M2M_OK)
		goto out;
	m2m_es5_cmd_start(c, M2M_ES5_UPDATE_SMSR_ADDRESSING);
	err = m2m_buf_append(&d, "\x3A\x07\x00", 3);
	if (err == M2M_OK)
		err = m2m_tlv_begin(&d, 0xA3, &mark);
	if (err == M2M_OK)
		err = m2m_buf_append(&d, a3, len);
	if (err == M2M_OK)
		err = m2m_tlv_end(&d, mark);
	if (err != M2M_OK)
		goto out;
	d.data[2] = (uint8_t)(d.len - 3); /* A3 <= 131 bytes: a one-byte DGI length */
	err = m2m_es5_cmd_apdu(c, INS_STORE_DATA, 0x88, 0x00, d.data, d.len, false);
out:
	m2m_buf_free(&d);
	return err;
}

/* ---- audit ---- */

static m2m_err get_status(m2m_es5_cmd *c, const uint8_t *aid)
{
	/* Every tag the card serves (docs/euicc.md): AID, LCS, attributes, memory. */
	static const uint8_t tags[] = {0x5C, 0x06, 0x4F, 0x9F, 0x70, 0x53, 0x8F, 0x91};
	uint8_t d[2 + M2M_ES5_AID_SIZE + sizeof tags] = {0x4F, 0x00};
	size_t n = 2;

	if (aid != NULL) {
		d[1] = M2M_ES5_AID_SIZE;
		memcpy(d + 2, aid, M2M_ES5_AID_SIZE);
		n += M2M_ES5_AID_SIZE;
	}
	memcpy(d + n, tags, sizeof tags);
	n += sizeof tags;
	c->audit_status_cmds++;
	return m2m_es5_cmd_apdu(c, INS_GET_STATUS, 0x40, 0x02, d, n, true);
}

m2m_err m2m_es5_audit(m2m_es5_cmd *c, unsigned what, const uint8_t (*aids)[M2M_ES5_AID_SIZE],
		      size_t naids)
{
	static const uint8_t bf30[] = {0x5C, 0x02, 0x7F, 0x21};
	m2m_err err = M2M_OK;

	if (c == NULL || what == 0 || (what & ~0x0Fu) != 0 || (aids == NULL && naids > 0) ||
	    naids > M2M_ES5_ISDP_MAX)
		return M2M_ERR_ARG;
	m2m_es5_cmd_start(c, M2M_ES5_AUDIT);
	c->audit = what;
	if (what & M2M_ES5_AUDIT_EID)
		err = m2m_es5_cmd_apdu(c, INS_GET_DATA, 0x00, 0x5A, NULL, 0, true);
	if (err == M2M_OK && (what & M2M_ES5_AUDIT_RESOURCES))
		err = m2m_es5_cmd_apdu(c, INS_GET_DATA, 0xFF, 0x21, NULL, 0, true);
	if (err == M2M_OK && (what & M2M_ES5_AUDIT_ECASD_CERT))
		err = m2m_es5_cmd_apdu(c, INS_GET_DATA, 0xBF, 0x30, bf30, sizeof bf30, true);
	/* GET STATUS last: a 6310 answer continues with GET STATUS P2 03 in the next packet,
	 * in the same card session, hence the chain the listing of every ISD-P opens. */
	if (err == M2M_OK && (what & M2M_ES5_AUDIT_ISDPS) && naids == 0) {
		err = get_status(c, NULL);
		c->chain = M2M_CHAIN_FIRST_DELETE;
	}
	for (size_t i = 0; err == M2M_OK && (what & M2M_ES5_AUDIT_ISDPS) && i < naids; i++)
		err = get_status(c, aids[i]);
	return err;
}

/* ---- 3A08 ---- */

m2m_err m2m_es5_notification_confirm(m2m_es5_cmd *c, uint16_t seq)
{
	uint8_t d[] = {0x3A, 0x08, 0x04, 0x4E, 0x02, (uint8_t)(seq >> 8), (uint8_t)seq};

	if (c == NULL)
		return M2M_ERR_ARG;
	m2m_es5_cmd_start(c, M2M_ES5_NOTIF_CONFIRM);
	c->seq = seq;
	/* P1 89 as whty and njiwa send it; Le: the answer lists the ISD-Ps deleted. */
	return m2m_es5_cmd_apdu(c, INS_STORE_DATA, 0x89, 0x00, d, sizeof d, true);
}
