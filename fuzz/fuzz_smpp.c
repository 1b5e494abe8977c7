/* libFuzzer target: the SMPP PDU decoder (with a re-encode of what it accepts) and the
 * delivery receipt text parser. */
#include <stddef.h>
#include <stdint.h>

#include "core/log.h"
#include "net/smpp_pdu.h"

static m2m_smpp_pdu pdu;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	m2m_smpp_receipt r;
	m2m_buf b;

	m2m_buf_init(&b);
	if (m2m_smpp_pdu_decode(data, size, &pdu, NULL) == M2M_OK) {
		/* What we accept must encode again (or be refused cleanly). */
		if (pdu.sequence != 0)
			(void)m2m_smpp_pdu_encode(&pdu, &b);
		if (pdu.command_id == M2M_SMPP_DELIVER_SM)
			(void)m2m_smpp_pdu_get_receipt(&pdu, &r);
	}
	(void)m2m_smpp_receipt_parse(data, size, &r);
	m2m_buf_free(&b);
	return 0;
}
