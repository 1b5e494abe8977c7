/* ES5 UpdateSMSRAddressingParameters after an SM-SR change (smsr_address.h). The job is
 * queued in the transaction that records FinaliseISDRhandover's success, so a restart never
 * loses it; it runs after that job (the engine runs an eUICC's jobs oldest first). Its end is
 * the engine's: logged and in the audit trail under the kind's name. */
#include <string.h>

#include "card/sms.h"
#include "core/hex.h"
#include "core/log.h"
#include "smsr/smsr_address.h"

m2m_err smsr_address_a3(const char *address, m2m_buf *out)
{
	m2m_sms_addr a;
	const char *d = address;
	size_t n;

	if (address == NULL || out == NULL)
		return M2M_ERR_ARG;
	memset(&a, 0, sizeof a);
	a.ton_npi = d[0] == '+' ? 0x91 : 0x81;
	d += d[0] == '+';
	n = strlen(d);
	if (n == 0 || n > M2M_SMS_ADDR_MAX_DIGITS || strspn(d, "0123456789") != n)
		return M2M_ERR_ARG;
	memcpy(a.digits, d, n + 1);
	return m2m_es5_smsr_address_tlv(&a, out);
}

m2m_err smsr_address_queue(smsr *s, const char *eid)
{
	m2m_buf a3;
	smsr_job j;
	m2m_err err;

	if (s->cfg->sms_address[0] == '\0')
		return M2M_OK;
	m2m_buf_init(&a3);
	smsr_job_init(&j);
	/* Checked at load: a failure here is out of memory, and must not undo the finalise. */
	if (smsr_address_a3(s->cfg->sms_address, &a3) != M2M_OK || a3.len * 2 >= sizeof j.data) {
		m2m_warn(SMSR_LOG, "%s: UpdateSMSRAddressingParameters not built", eid);
		err = M2M_OK;
		goto out;
	}
	m2m_hex_encode(a3.data, a3.len, j.data);
	err = smsr_job_queue(s->st, eid, SMSR_KIND_ADDRESS, &j,
			     m2m_store_now_ms() + (int64_t)s->cfg->validity_s * 1000, NULL);
	if (err == M2M_OK)
		m2m_info(SMSR_LOG, "%s: UpdateSMSRAddressingParameters (%s) queued", eid,
			 s->cfg->sms_address);
out:
	m2m_buf_free(&a3);
	return err;
}

bool smsr_address_kind(const char *kind)
{
	return strcmp(kind, SMSR_KIND_ADDRESS) == 0;
}

m2m_err smsr_address_build(const smsr_slot *sl, m2m_es5_cmd *c)
{
	uint8_t a3[M2M_ES5_A3_MAX];
	size_t n = 0;

	if (m2m_hex_decode(sl->job.data, a3, sizeof a3, &n) != M2M_OK)
		return M2M_ERR_FORMAT;
	return m2m_es5_update_smsr_addressing_parameters(c, a3, n);
}
