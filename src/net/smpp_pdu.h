/* SMPP 3.4 PDUs used for SIM OTA (SGP.02 ES5 over SMS), encoded and decoded through libsmpp34,
 * plus the delivery receipt text format. See docs/smpp.md. */
#ifndef M2M_NET_SMPP_PDU_H
#define M2M_NET_SMPP_PDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_SMPP_HEADER_LEN 16u
/* Framing bound: a peer announcing a longer PDU is disconnected. */
#define M2M_SMPP_MAX_PDU 65536u
/* short_message is 0..254 octets in SMPP 3.4; libsmpp34 packs at most 253. */
#define M2M_SMPP_MAX_SM 254u
#define M2M_SMPP_MAX_SM_ENCODE 253u
/* message_payload TLV: libsmpp34 holds at most 1024 octets. */
#define M2M_SMPP_MAX_PAYLOAD 1024u

/* command_id (SMPP 3.4 section 5.1.2.1) */
#define M2M_SMPP_GENERIC_NACK 0x80000000u
#define M2M_SMPP_SUBMIT_SM 0x00000004u
#define M2M_SMPP_SUBMIT_SM_RESP 0x80000004u
#define M2M_SMPP_DELIVER_SM 0x00000005u
#define M2M_SMPP_DELIVER_SM_RESP 0x80000005u
#define M2M_SMPP_UNBIND 0x00000006u
#define M2M_SMPP_UNBIND_RESP 0x80000006u
#define M2M_SMPP_BIND_TRANSCEIVER 0x00000009u
#define M2M_SMPP_BIND_TRANSCEIVER_RESP 0x80000009u
#define M2M_SMPP_ENQUIRE_LINK 0x00000015u
#define M2M_SMPP_ENQUIRE_LINK_RESP 0x80000015u
#define M2M_SMPP_RESP_BIT 0x80000000u

/* command_status values we produce or act on (SMPP 3.4 section 5.1.3) */
#define M2M_SMPP_ROK 0x00u
#define M2M_SMPP_RINVMSGLEN 0x01u
#define M2M_SMPP_RINVCMDLEN 0x02u
#define M2M_SMPP_RINVCMDID 0x03u
#define M2M_SMPP_RINVBNDSTS 0x04u
#define M2M_SMPP_RALYBND 0x05u
#define M2M_SMPP_RSYSERR 0x08u
#define M2M_SMPP_RBINDFAIL 0x0Du
#define M2M_SMPP_RINVPASWD 0x0Eu
#define M2M_SMPP_RINVSYSID 0x0Fu
#define M2M_SMPP_RMSGQFUL 0x14u
#define M2M_SMPP_RSUBMITFAIL 0x45u
#define M2M_SMPP_RTHROTTLED 0x58u
#define M2M_SMPP_RINVDCS 0x104u /* SMPP 5.0 value, also used by pySim-smpp2sim */

/* esm_class bits (section 5.2.12) */
#define M2M_SMPP_ESM_DLR 0x04u  /* deliver_sm: SMSC delivery receipt */
#define M2M_SMPP_ESM_TYPE_MASK 0x3Cu
#define M2M_SMPP_ESM_UDHI 0x40u /* short_message starts with a UDH */

/* SIM OTA constants, sgp02-bearers.md section 1.1/1.2 */
#define M2M_SMPP_PID_SIM_DATA_DOWNLOAD 0x7Fu
#define M2M_SMPP_DCS_8BIT_CLASS2 0xF6u
#define M2M_SMPP_DCS_8BIT 0x04u

typedef struct {
	uint8_t ton;
	uint8_t npi;
	char addr[21]; /* C-octet string, up to 20 characters */
} m2m_smpp_addr;

/* One PDU, flattened: only the fields of command_id are meaningful. */
typedef struct {
	uint32_t command_id;
	uint32_t command_status;
	uint32_t sequence;
	/* bind_transceiver */
	char system_id[16];
	char password[9];
	char system_type[13];
	uint8_t interface_version;
	m2m_smpp_addr address_range;
	/* submit_sm_resp, deliver_sm_resp: message_id; bind_transceiver_resp: system_id above */
	char message_id[65];
	/* submit_sm, deliver_sm */
	char service_type[6];
	m2m_smpp_addr source;
	m2m_smpp_addr dest;
	uint8_t esm_class;
	uint8_t protocol_id;
	uint8_t priority_flag;
	char schedule_delivery_time[17];
	char validity_period[17];
	uint8_t registered_delivery;
	uint8_t replace_if_present;
	uint8_t data_coding;
	uint8_t sm_default_msg_id;
	uint8_t msg[M2M_SMPP_MAX_PAYLOAD];
	size_t msg_len;
	bool msg_in_payload;            /* msg travels in message_payload, sm_length = 0 */
	/* deliver_sm receipt TLVs */
	char receipted_message_id[65];  /* empty = absent */
	int message_state;              /* -1 = absent */
} m2m_smpp_pdu;

/* Zeroes p and sets the command and sequence; interface_version 0x34, message_state -1. */
void m2m_smpp_pdu_init(m2m_smpp_pdu *p, uint32_t command_id, uint32_t sequence);

/* Appends the encoded PDU to out. Error responses are sent with an empty body (SMPP 3.4
 * 4.1.6 / 4.4.2). msg longer than M2M_SMPP_MAX_SM_ENCODE goes to message_payload. */
m2m_err m2m_smpp_pdu_encode(const m2m_smpp_pdu *p, m2m_buf *out);

/* Decodes exactly one PDU (len must equal command_length). On failure *why (if not NULL)
 * names the problem. Unknown optional parameters are skipped, as section 3.2.4 asks. */
m2m_err m2m_smpp_pdu_decode(const uint8_t *data, size_t len, m2m_smpp_pdu *p, const char **why);

/* Reads the 16-octet header; no check beyond the length being available. */
m2m_err m2m_smpp_header_peek(const uint8_t *data, size_t len, uint32_t *cmd_len,
			     uint32_t *cmd_id, uint32_t *status, uint32_t *seq);

bool m2m_smpp_is_response(uint32_t command_id);
const char *m2m_smpp_command_name(uint32_t command_id);

/* --- delivery receipts (SMPP 3.4 Appendix B; sgp02-bearers.md 1.6) --- */

/* message_state values (section 5.2.28) */
enum {
	M2M_SMPP_STATE_ENROUTE = 1,
	M2M_SMPP_STATE_DELIVERED = 2,
	M2M_SMPP_STATE_EXPIRED = 3,
	M2M_SMPP_STATE_DELETED = 4,
	M2M_SMPP_STATE_UNDELIVERABLE = 5,
	M2M_SMPP_STATE_ACCEPTED = 6,
	M2M_SMPP_STATE_UNKNOWN = 7,
	M2M_SMPP_STATE_REJECTED = 8,
};

typedef struct {
	char id[65];
	unsigned sub;
	unsigned dlvrd;
	char submit_date[13]; /* YYMMDDhhmm, some SMSCs add ss */
	char done_date[13];
	char stat[8];         /* DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE */
	unsigned err;
	char text[21];        /* first 20 characters of the message, may be empty */
	int state;            /* message_state, from the TLV or derived from stat */
} m2m_smpp_receipt;

/* Writes the text form into out (NUL-terminated); *len gets its length. */
m2m_err m2m_smpp_receipt_format(const m2m_smpp_receipt *r, char *out, size_t cap, size_t *len);
/* Parses the text form; fields may be in any order, text: must be last. */
m2m_err m2m_smpp_receipt_parse(const uint8_t *text, size_t len, m2m_smpp_receipt *r);
/* message_state for a stat word, or -1 if unknown. */
int m2m_smpp_receipt_state(const char *stat);

/* Makes p a deliver_sm receipt (esm_class 0x04, text, receipted_message_id, message_state). */
m2m_err m2m_smpp_pdu_set_receipt(m2m_smpp_pdu *p, const m2m_smpp_receipt *r);
/* Reads a receipt out of a deliver_sm; TLVs win over the text when both are present. */
m2m_err m2m_smpp_pdu_get_receipt(const m2m_smpp_pdu *p, m2m_smpp_receipt *r);

#endif
