/* SMPP 3.4 PDUs through libsmpp34.
 *
 * libsmpp34's unpacker trusts its input (strlen on C-octet strings, TLV lengths not checked
 * against the value it reads, a leaked node when a TLV fails), so every PDU is first walked
 * here with bounds checks. The walk also builds a sanitised copy that holds only the optional
 * parameters we use, each of the size libsmpp34 expects; only that copy reaches smpp34_unpack. */
#include "net/smpp_pdu.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <smpp34.h>
#include <smpp34_structs.h>
#include <smpp34_params.h>

#include "core/log.h"

#define ENCODE_MAX 2048 /* header + every field at its maximum + our TLVs */

void m2m_smpp_pdu_init(m2m_smpp_pdu *p, uint32_t command_id, uint32_t sequence)
{
	memset(p, 0, sizeof *p);
	p->command_id = command_id;
	p->sequence = sequence;
	p->interface_version = 0x34;
	p->message_state = -1;
}

bool m2m_smpp_is_response(uint32_t command_id)
{
	return (command_id & M2M_SMPP_RESP_BIT) != 0;
}

const char *m2m_smpp_command_name(uint32_t id)
{
	switch (id) {
	case M2M_SMPP_GENERIC_NACK: return "generic_nack";
	case M2M_SMPP_SUBMIT_SM: return "submit_sm";
	case M2M_SMPP_SUBMIT_SM_RESP: return "submit_sm_resp";
	case M2M_SMPP_DELIVER_SM: return "deliver_sm";
	case M2M_SMPP_DELIVER_SM_RESP: return "deliver_sm_resp";
	case M2M_SMPP_UNBIND: return "unbind";
	case M2M_SMPP_UNBIND_RESP: return "unbind_resp";
	case M2M_SMPP_BIND_TRANSCEIVER: return "bind_transceiver";
	case M2M_SMPP_BIND_TRANSCEIVER_RESP: return "bind_transceiver_resp";
	case M2M_SMPP_ENQUIRE_LINK: return "enquire_link";
	case M2M_SMPP_ENQUIRE_LINK_RESP: return "enquire_link_resp";
	default: return "unknown";
	}
}

m2m_err m2m_smpp_header_peek(const uint8_t *data, size_t len, uint32_t *cmd_len,
			     uint32_t *cmd_id, uint32_t *status, uint32_t *seq)
{
	m2m_rd r;
	m2m_err err;

	m2m_rd_init(&r, data, len);
	if ((err = m2m_rd_u32be(&r, cmd_len)) != M2M_OK ||
	    (err = m2m_rd_u32be(&r, cmd_id)) != M2M_OK ||
	    (err = m2m_rd_u32be(&r, status)) != M2M_OK)
		return err;
	return m2m_rd_u32be(&r, seq);
}

/* ------------------------------------------------------------------ strict walk */

typedef struct {
	m2m_rd r;           /* over the body */
	m2m_buf *copy;      /* sanitised body, for libsmpp34 */
	const char *why;
} walk;

static m2m_err walk_fail(walk *w, const char *why)
{
	w->why = why;
	return M2M_ERR_FORMAT;
}

/* A C-octet string of at most max octets including its NUL. */
static m2m_err walk_cstr(walk *w, size_t max, const char *what)
{
	size_t left = m2m_rd_left(&w->r);
	const uint8_t *p = w->r.p + w->r.pos;
	const void *nul = memchr(p, 0, left < max ? left : max);
	const uint8_t *taken;

	if (!nul)
		return walk_fail(w, what);
	size_t n = (size_t)((const uint8_t *)nul - p) + 1;
	if (m2m_rd_take(&w->r, n, &taken) != M2M_OK)
		return walk_fail(w, what);
	return m2m_buf_append(w->copy, taken, n);
}

static m2m_err walk_bytes(walk *w, size_t n, const char *what)
{
	const uint8_t *taken;

	if (m2m_rd_take(&w->r, n, &taken) != M2M_OK)
		return walk_fail(w, what);
	return m2m_buf_append(w->copy, taken, n);
}

typedef struct {
	uint16_t tag;
	uint16_t min;
	uint16_t max;
} tlv_rule;

static const tlv_rule submit_tlvs[] = {
	{TLVID_message_payload, 0, M2M_SMPP_MAX_PAYLOAD},
};
static const tlv_rule deliver_tlvs[] = {
	{TLVID_message_payload, 0, M2M_SMPP_MAX_PAYLOAD},
	{TLVID_receipted_message_id, 1, 65},
	{TLVID_message_state, 1, 1},
	{TLVID_network_error_code, 3, 3},
};
static const tlv_rule bind_resp_tlvs[] = {
	{TLVID_sc_interface_version, 1, 1},
};

static const tlv_rule *tlv_find(const tlv_rule *rules, size_t n, uint16_t tag)
{
	for (size_t i = 0; i < n; i++)
		if (rules[i].tag == tag)
			return &rules[i];
	return NULL;
}

/* Optional parameters up to the end of the body: known ones are size-checked and kept,
 * unknown ones skipped (section 3.2.4), a repeated known one refused. */
static m2m_err walk_tlvs(walk *w, const tlv_rule *rules, size_t n)
{
	uint32_t seen = 0;
	m2m_err err = M2M_OK;

	while (m2m_rd_left(&w->r) > 0) {
		uint16_t tag, len;
		const uint8_t *val;
		if (m2m_rd_u16be(&w->r, &tag) != M2M_OK || m2m_rd_u16be(&w->r, &len) != M2M_OK)
			return walk_fail(w, "truncated optional parameter header");
		if (m2m_rd_take(&w->r, len, &val) != M2M_OK)
			return walk_fail(w, "optional parameter runs past command_length");
		const tlv_rule *rule = rules ? tlv_find(rules, n, tag) : NULL;
		if (!rule)
			continue;
		uint32_t bit = 1u << (rule - rules);
		if (seen & bit)
			return walk_fail(w, "optional parameter repeated");
		seen |= bit;
		if (len < rule->min || len > rule->max)
			return walk_fail(w, "optional parameter has an invalid length");
		if ((err = m2m_buf_append_u16be(w->copy, tag)) != M2M_OK ||
		    (err = m2m_buf_append_u16be(w->copy, len)) != M2M_OK ||
		    (err = m2m_buf_append(w->copy, val, len)) != M2M_OK)
			return err;
	}
	return err;
}

static m2m_err walk_end(walk *w)
{
	if (m2m_rd_left(&w->r) != 0)
		return walk_fail(w, "trailing octets after the last field");
	return M2M_OK;
}

static m2m_err walk_bind(walk *w)
{
	m2m_err err;

	if ((err = walk_cstr(w, 16, "system_id missing its NUL or longer than 15")) != M2M_OK ||
	    (err = walk_cstr(w, 9, "password missing its NUL or longer than 8")) != M2M_OK ||
	    (err = walk_cstr(w, 13, "system_type missing its NUL or longer than 12")) != M2M_OK ||
	    (err = walk_bytes(w, 3, "truncated bind_transceiver")) != M2M_OK ||
	    (err = walk_cstr(w, 41, "address_range missing its NUL or longer than 40")) != M2M_OK)
		return err;
	return walk_end(w);
}

static m2m_err walk_addr(walk *w, const char *what)
{
	m2m_err err = walk_bytes(w, 2, "truncated address TON/NPI");

	if (err == M2M_OK)
		err = walk_cstr(w, 21, what);
	return err;
}

/* submit_sm and deliver_sm share a layout; deliver_sm's two times must be empty. */
static m2m_err walk_sm(walk *w, bool deliver)
{
	size_t tmax = deliver ? 1 : 17;
	const uint8_t *sm_len;
	m2m_err err;

	if ((err = walk_cstr(w, 6, "service_type missing its NUL or too long")) != M2M_OK ||
	    (err = walk_addr(w, "source_addr missing its NUL or longer than 20")) != M2M_OK ||
	    (err = walk_addr(w, "destination_addr missing its NUL or longer than 20")) != M2M_OK ||
	    (err = walk_bytes(w, 3, "truncated esm_class/protocol_id/priority")) != M2M_OK ||
	    (err = walk_cstr(w, tmax, "schedule_delivery_time invalid")) != M2M_OK ||
	    (err = walk_cstr(w, tmax, "validity_period invalid")) != M2M_OK ||
	    (err = walk_bytes(w, 5, "truncated before short_message")) != M2M_OK)
		return err;
	sm_len = w->copy->data + w->copy->len - 1;
	if (*sm_len > M2M_SMPP_MAX_SM)
		return walk_fail(w, "sm_length above 254");
	if ((err = walk_bytes(w, *sm_len, "short_message runs past command_length")) != M2M_OK)
		return err;
	if (deliver)
		return walk_tlvs(w, deliver_tlvs, sizeof deliver_tlvs / sizeof deliver_tlvs[0]);
	return walk_tlvs(w, submit_tlvs, sizeof submit_tlvs / sizeof submit_tlvs[0]);
}

static m2m_err walk_body(walk *w, uint32_t id, uint32_t status)
{
	m2m_err err;

	switch (id) {
	case M2M_SMPP_BIND_TRANSCEIVER:
		return walk_bind(w);
	case M2M_SMPP_SUBMIT_SM:
		return walk_sm(w, false);
	case M2M_SMPP_DELIVER_SM:
		return walk_sm(w, true);
	case M2M_SMPP_BIND_TRANSCEIVER_RESP:
		if (status != M2M_SMPP_ROK || m2m_rd_left(&w->r) == 0)
			return M2M_OK; /* an error response may omit its body */
		if ((err = walk_cstr(w, 16, "system_id missing its NUL or too long")) != M2M_OK)
			return err;
		return walk_tlvs(w, bind_resp_tlvs, 1);
	case M2M_SMPP_SUBMIT_SM_RESP:
	case M2M_SMPP_DELIVER_SM_RESP:
		if (status != M2M_SMPP_ROK || m2m_rd_left(&w->r) == 0)
			return M2M_OK;
		if ((err = walk_cstr(w, 65, "message_id missing its NUL or too long")) != M2M_OK)
			return err;
		return walk_end(w);
	case M2M_SMPP_GENERIC_NACK:
	case M2M_SMPP_UNBIND:
	case M2M_SMPP_UNBIND_RESP:
	case M2M_SMPP_ENQUIRE_LINK:
	case M2M_SMPP_ENQUIRE_LINK_RESP:
		return walk_end(w);
	default:
		w->why = "command_id not supported";
		return M2M_ERR_UNSUPPORTED;
	}
}

/* ------------------------------------------------------------------ decode */

static void addr_from(m2m_smpp_addr *a, uint8_t ton, uint8_t npi, const uint8_t *s)
{
	a->ton = ton;
	a->npi = npi;
	snprintf(a->addr, sizeof a->addr, "%s", (const char *)s);
}

static m2m_err tlvs_to_pdu(m2m_smpp_pdu *p, tlv_t *head, const char **why)
{
	tlv_t *t;

	smpp34_tlv_for_each(t, head) {
		if (t->tag == TLVID_message_payload) {
			if (p->msg_len != 0) {
				*why = "both short_message and message_payload present";
				return M2M_ERR_FORMAT;
			}
			memcpy(p->msg, t->value.octet, t->length);
			p->msg_len = t->length;
			p->msg_in_payload = true;
		} else if (t->tag == TLVID_receipted_message_id) {
			/* The NUL is optional on the wire in practice; the copy adds one. */
			size_t n = strnlen((const char *)t->value.octet, t->length);
			memcpy(p->receipted_message_id, t->value.octet, n);
			p->receipted_message_id[n] = '\0';
		} else if (t->tag == TLVID_message_state) {
			p->message_state = t->value.val08;
		}
	}
	return M2M_OK;
}

static m2m_err unpack_sm(m2m_smpp_pdu *p, const uint8_t *buf, int len, const char **why)
{
	submit_sm_t s; /* deliver_sm_t has the same layout up to the TLV list */
	deliver_sm_t d;
	bool deliver = p->command_id == M2M_SMPP_DELIVER_SM;
	m2m_err err = M2M_OK;

	memset(&s, 0, sizeof s);
	memset(&d, 0, sizeof d);
	if (smpp34_unpack(p->command_id, deliver ? (void *)&d : (void *)&s, buf, len) != 0) {
		*why = "field value out of range (TON/NPI)";
		err = M2M_ERR_FORMAT;
		goto out;
	}
#define COPY_SM(x)                                                                         \
	do {                                                                               \
		snprintf(p->service_type, sizeof p->service_type, "%s", (char *)(x).service_type); \
		addr_from(&p->source, (x).source_addr_ton, (x).source_addr_npi, (x).source_addr); \
		addr_from(&p->dest, (x).dest_addr_ton, (x).dest_addr_npi, (x).destination_addr); \
		p->esm_class = (x).esm_class;                                              \
		p->protocol_id = (x).protocol_id;                                          \
		p->priority_flag = (x).priority_flag;                                      \
		snprintf(p->schedule_delivery_time, sizeof p->schedule_delivery_time, "%s", \
			 (char *)(x).schedule_delivery_time);                              \
		snprintf(p->validity_period, sizeof p->validity_period, "%s",              \
			 (char *)(x).validity_period);                                     \
		p->registered_delivery = (x).registered_delivery;                          \
		p->replace_if_present = (x).replace_if_present_flag;                       \
		p->data_coding = (x).data_coding;                                          \
		p->sm_default_msg_id = (x).sm_default_msg_id;                              \
		memcpy(p->msg, (x).short_message, (x).sm_length);                          \
		p->msg_len = (x).sm_length;                                                \
		err = tlvs_to_pdu(p, (x).tlv, why);                                        \
	} while (0)
	if (deliver)
		COPY_SM(d);
	else
		COPY_SM(s);
#undef COPY_SM
out:
	destroy_tlv(s.tlv);
	destroy_tlv(d.tlv);
	return err;
}

static m2m_err unpack_body(m2m_smpp_pdu *p, const uint8_t *buf, int len, const char **why)
{
	bind_transceiver_t b;
	bind_transceiver_resp_t br;
	submit_sm_resp_t sr;
	m2m_err err = M2M_OK;

	memset(&b, 0, sizeof b);
	memset(&br, 0, sizeof br);
	memset(&sr, 0, sizeof sr);
	switch (p->command_id) {
	case M2M_SMPP_BIND_TRANSCEIVER:
		if (smpp34_unpack(p->command_id, &b, buf, len) != 0)
			goto bad;
		snprintf(p->system_id, sizeof p->system_id, "%s", (char *)b.system_id);
		snprintf(p->password, sizeof p->password, "%s", (char *)b.password);
		snprintf(p->system_type, sizeof p->system_type, "%s", (char *)b.system_type);
		addr_from(&p->address_range, b.addr_ton, b.addr_npi, (const uint8_t *)"");
		snprintf(p->address_range.addr, sizeof p->address_range.addr, "%.20s",
			 (char *)b.address_range);
		break;
	case M2M_SMPP_BIND_TRANSCEIVER_RESP:
		if (smpp34_unpack(p->command_id, &br, buf, len) != 0)
			goto bad;
		snprintf(p->system_id, sizeof p->system_id, "%s", (char *)br.system_id);
		break;
	case M2M_SMPP_SUBMIT_SM_RESP:
		if (smpp34_unpack(p->command_id, &sr, buf, len) != 0)
			goto bad;
		snprintf(p->message_id, sizeof p->message_id, "%s", (char *)sr.message_id);
		break;
	default:
		err = unpack_sm(p, buf, len, why);
		break;
	}
	goto out;
bad:
	*why = "field value out of range (TON/NPI)";
	err = M2M_ERR_FORMAT;
out:
	destroy_tlv(br.tlv);
	return err;
}

/* Which PDUs are handed to libsmpp34 (the others are a header, or a lone message_id). */
static bool via_libsmpp34(uint32_t id, uint32_t status, size_t body_len)
{
	switch (id) {
	case M2M_SMPP_BIND_TRANSCEIVER:
	case M2M_SMPP_SUBMIT_SM:
	case M2M_SMPP_DELIVER_SM:
		return true;
	case M2M_SMPP_BIND_TRANSCEIVER_RESP:
	case M2M_SMPP_SUBMIT_SM_RESP:
		return status == M2M_SMPP_ROK && body_len > 0;
	default:
		return false;
	}
}

/* Header of the sanitised copy: status and sequence are neutralised because libsmpp34
 * refuses status codes it does not list and sequence 0; ours are kept from the original. */
static m2m_err copy_header(m2m_buf *copy, uint32_t id)
{
	m2m_err err;

	if ((err = m2m_buf_append_u32be(copy, 0)) != M2M_OK ||
	    (err = m2m_buf_append_u32be(copy, id)) != M2M_OK ||
	    (err = m2m_buf_append_u32be(copy, 0)) != M2M_OK)
		return err;
	return m2m_buf_append_u32be(copy, 1);
}

static void copy_fix_length(m2m_buf *copy)
{
	uint32_t n = (uint32_t)copy->len;

	copy->data[0] = (uint8_t)(n >> 24);
	copy->data[1] = (uint8_t)(n >> 16);
	copy->data[2] = (uint8_t)(n >> 8);
	copy->data[3] = (uint8_t)n;
}

/* bind_transceiver's interface_version: libsmpp34 accepts only 0x34; we record the peer's. */
static void bind_iface_fix(m2m_smpp_pdu *p, m2m_buf *copy)
{
	size_t off = M2M_SMPP_HEADER_LEN;

	for (int i = 0; i < 3; i++)
		off += strlen((const char *)copy->data + off) + 1;
	p->interface_version = copy->data[off];
	copy->data[off] = 0x34;
}

static m2m_err decode_message_id(m2m_smpp_pdu *p, const uint8_t *body, size_t n)
{
	if (n > 0)
		snprintf(p->message_id, sizeof p->message_id, "%s", (const char *)body);
	return M2M_OK;
}

m2m_err m2m_smpp_pdu_decode(const uint8_t *data, size_t len, m2m_smpp_pdu *p, const char **why)
{
	const char *dummy = NULL;
	uint32_t cmd_len, id, status, seq;
	m2m_buf copy;
	walk w;
	m2m_err err;

	m2m_buf_init(&copy);
	if (!why)
		why = &dummy;
	*why = NULL;
	if (!data || !p) {
		err = M2M_ERR_ARG;
		goto out;
	}
	if (m2m_smpp_header_peek(data, len, &cmd_len, &id, &status, &seq) != M2M_OK) {
		*why = "shorter than the 16-octet header";
		err = M2M_ERR_FORMAT;
		goto out;
	}
	if (cmd_len != len || cmd_len > M2M_SMPP_MAX_PDU) {
		*why = "command_length does not match the PDU size";
		err = M2M_ERR_FORMAT;
		goto out;
	}
	m2m_smpp_pdu_init(p, id, seq);
	p->command_status = status;
	memset(&w, 0, sizeof w);
	m2m_rd_init(&w.r, data + M2M_SMPP_HEADER_LEN, len - M2M_SMPP_HEADER_LEN);
	w.copy = &copy;
	if ((err = copy_header(&copy, id)) != M2M_OK || (err = walk_body(&w, id, status)) != M2M_OK) {
		*why = w.why;
		goto out;
	}
	if (!via_libsmpp34(id, status, copy.len - M2M_SMPP_HEADER_LEN)) {
		if (id == M2M_SMPP_SUBMIT_SM_RESP || id == M2M_SMPP_DELIVER_SM_RESP)
			err = decode_message_id(p, copy.data + M2M_SMPP_HEADER_LEN,
						copy.len - M2M_SMPP_HEADER_LEN);
		goto out;
	}
	copy_fix_length(&copy);
	if (id == M2M_SMPP_BIND_TRANSCEIVER)
		bind_iface_fix(p, &copy);
	/* A NUL past the end, so no string scan in libsmpp34 can leave the buffer. */
	if ((err = m2m_buf_append_u8(&copy, 0)) != M2M_OK)
		goto out;
	err = unpack_body(p, copy.data, (int)copy.len - 1, why);
out:
	m2m_buf_free(&copy);
	return err;
}

/* ------------------------------------------------------------------ encode */

static m2m_err put_cstr(uint8_t *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap);

	if (n >= cap)
		return M2M_ERR_ARG;
	memcpy(dst, src, n + 1);
	return M2M_OK;
}

static m2m_err encode_header_only(const m2m_smpp_pdu *p, m2m_buf *out)
{
	m2m_err err;

	if ((err = m2m_buf_append_u32be(out, M2M_SMPP_HEADER_LEN)) != M2M_OK ||
	    (err = m2m_buf_append_u32be(out, p->command_id)) != M2M_OK ||
	    (err = m2m_buf_append_u32be(out, p->command_status)) != M2M_OK)
		return err;
	return m2m_buf_append_u32be(out, p->sequence);
}

static void tlv_link(tlv_t *t, tlv_t **head, uint16_t tag, uint16_t len, const void *v)
{
	memset(t, 0, sizeof *t);
	t->tag = tag;
	t->length = len;
	if (len == 1 && tag == TLVID_message_state)
		t->value.val08 = *(const uint8_t *)v;
	else
		memcpy(t->value.octet, v, len);
	t->next = *head;
	*head = t;
}

typedef struct {
	tlv_t payload;
	tlv_t rcpt;
	tlv_t state;
	tlv_t *head;
} sm_tlvs;

/* Fills the fields submit_sm_t and deliver_sm_t share. */
#define FILL_SM(x, p, tl, err)                                                                  \
	do {                                                                                    \
		(x).command_id = (p)->command_id;                                               \
		(x).sequence_number = (p)->sequence;                                            \
		if ((err = put_cstr((x).service_type, sizeof (x).service_type,                  \
				    (p)->service_type)) != M2M_OK ||                            \
		    (err = put_cstr((x).source_addr, sizeof (x).source_addr,                    \
				    (p)->source.addr)) != M2M_OK ||                             \
		    (err = put_cstr((x).destination_addr, sizeof (x).destination_addr,          \
				    (p)->dest.addr)) != M2M_OK ||                               \
		    (err = put_cstr((x).schedule_delivery_time,                                 \
				    sizeof (x).schedule_delivery_time,                          \
				    (p)->schedule_delivery_time)) != M2M_OK ||                  \
		    (err = put_cstr((x).validity_period, sizeof (x).validity_period,            \
				    (p)->validity_period)) != M2M_OK)                           \
			break;                                                                  \
		(x).source_addr_ton = (p)->source.ton;                                          \
		(x).source_addr_npi = (p)->source.npi;                                          \
		(x).dest_addr_ton = (p)->dest.ton;                                              \
		(x).dest_addr_npi = (p)->dest.npi;                                              \
		(x).esm_class = (p)->esm_class;                                                 \
		(x).protocol_id = (p)->protocol_id;                                             \
		(x).priority_flag = (p)->priority_flag;                                         \
		(x).registered_delivery = (p)->registered_delivery;                             \
		(x).replace_if_present_flag = (p)->replace_if_present;                          \
		(x).data_coding = (p)->data_coding;                                             \
		(x).sm_default_msg_id = (p)->sm_default_msg_id;                                 \
		if ((p)->msg_in_payload || (p)->msg_len > M2M_SMPP_MAX_SM_ENCODE) {             \
			tlv_link(&(tl)->payload, &(tl)->head, TLVID_message_payload,            \
				 (uint16_t)(p)->msg_len, (p)->msg);                             \
		} else {                                                                        \
			(x).sm_length = (uint8_t)(p)->msg_len;                                  \
			memcpy((x).short_message, (p)->msg, (p)->msg_len);                      \
		}                                                                               \
		(x).tlv = (tl)->head;                                                           \
	} while (0)

static void receipt_tlvs(const m2m_smpp_pdu *p, sm_tlvs *tl)
{
	if (p->message_state >= 0) {
		uint8_t st = (uint8_t)p->message_state;
		tlv_link(&tl->state, &tl->head, TLVID_message_state, 1, &st);
	}
	if (p->receipted_message_id[0]) {
		size_t n = strnlen(p->receipted_message_id, sizeof p->receipted_message_id - 1);
		tlv_link(&tl->rcpt, &tl->head, TLVID_receipted_message_id, (uint16_t)(n + 1),
			 p->receipted_message_id);
	}
}

static int pack(uint32_t id, uint8_t *buf, int *len, void *pdu)
{
	return smpp34_pack(id, buf, ENCODE_MAX, len, pdu);
}

static m2m_err encode_sm(const m2m_smpp_pdu *p, uint8_t *buf, int *len)
{
	static sm_tlvs tl_zero;
	sm_tlvs tl = tl_zero;
	m2m_err err = M2M_OK;

	if (p->msg_len > M2M_SMPP_MAX_PAYLOAD)
		return M2M_ERR_BOUNDS;
	if (p->command_id == M2M_SMPP_SUBMIT_SM) {
		submit_sm_t s;
		memset(&s, 0, sizeof s);
		FILL_SM(s, p, &tl, err);
		if (err == M2M_OK && pack(p->command_id, buf, len, &s) != 0)
			err = M2M_ERR_ARG;
	} else {
		deliver_sm_t d;
		memset(&d, 0, sizeof d);
		receipt_tlvs(p, &tl);
		FILL_SM(d, p, &tl, err);
		if (err == M2M_OK && pack(p->command_id, buf, len, &d) != 0)
			err = M2M_ERR_ARG;
	}
	return err;
}

static m2m_err encode_bind(const m2m_smpp_pdu *p, uint8_t *buf, int *len)
{
	bind_transceiver_t b;
	m2m_err err;

	memset(&b, 0, sizeof b);
	b.command_id = p->command_id;
	b.sequence_number = p->sequence;
	b.interface_version = p->interface_version;
	b.addr_ton = p->address_range.ton;
	b.addr_npi = p->address_range.npi;
	if ((err = put_cstr(b.system_id, sizeof b.system_id, p->system_id)) != M2M_OK ||
	    (err = put_cstr(b.password, sizeof b.password, p->password)) != M2M_OK ||
	    (err = put_cstr(b.system_type, sizeof b.system_type, p->system_type)) != M2M_OK ||
	    (err = put_cstr(b.address_range, sizeof b.address_range, p->address_range.addr)) != M2M_OK)
		return err;
	return pack(p->command_id, buf, len, &b) == 0 ? M2M_OK : M2M_ERR_ARG;
}

static m2m_err encode_resp(const m2m_smpp_pdu *p, uint8_t *buf, int *len)
{
	bind_transceiver_resp_t br;
	submit_sm_resp_t sr;
	deliver_sm_resp_t dr;
	m2m_err err;

	memset(&br, 0, sizeof br);
	memset(&sr, 0, sizeof sr);
	memset(&dr, 0, sizeof dr);
	if (p->command_id == M2M_SMPP_BIND_TRANSCEIVER_RESP) {
		br.command_id = p->command_id;
		br.sequence_number = p->sequence;
		if ((err = put_cstr(br.system_id, sizeof br.system_id, p->system_id)) != M2M_OK)
			return err;
		return pack(p->command_id, buf, len, &br) == 0 ? M2M_OK : M2M_ERR_ARG;
	}
	if (p->command_id == M2M_SMPP_SUBMIT_SM_RESP) {
		sr.command_id = p->command_id;
		sr.sequence_number = p->sequence;
		if ((err = put_cstr(sr.message_id, sizeof sr.message_id, p->message_id)) != M2M_OK)
			return err;
		return pack(p->command_id, buf, len, &sr) == 0 ? M2M_OK : M2M_ERR_ARG;
	}
	/* deliver_sm_resp: message_id is unused and always empty (section 4.6.2) */
	dr.command_id = p->command_id;
	dr.sequence_number = p->sequence;
	return pack(p->command_id, buf, len, &dr) == 0 ? M2M_OK : M2M_ERR_ARG;
}

m2m_err m2m_smpp_pdu_encode(const m2m_smpp_pdu *p, m2m_buf *out)
{
	uint8_t buf[ENCODE_MAX];
	int len = 0;
	m2m_err err;

	if (!p || !out || p->sequence > 0x7FFFFFFFu ||
	    (p->sequence == 0 && p->command_id != M2M_SMPP_GENERIC_NACK))
		return M2M_ERR_ARG;
	switch (p->command_id) {
	case M2M_SMPP_BIND_TRANSCEIVER:
		err = encode_bind(p, buf, &len);
		break;
	case M2M_SMPP_SUBMIT_SM:
	case M2M_SMPP_DELIVER_SM:
		err = encode_sm(p, buf, &len);
		break;
	case M2M_SMPP_BIND_TRANSCEIVER_RESP:
	case M2M_SMPP_SUBMIT_SM_RESP:
	case M2M_SMPP_DELIVER_SM_RESP:
		if (p->command_status != M2M_SMPP_ROK)
			return encode_header_only(p, out);
		err = encode_resp(p, buf, &len);
		break;
	case M2M_SMPP_GENERIC_NACK:
	case M2M_SMPP_UNBIND:
	case M2M_SMPP_UNBIND_RESP:
	case M2M_SMPP_ENQUIRE_LINK:
	case M2M_SMPP_ENQUIRE_LINK_RESP:
		return encode_header_only(p, out);
	default:
		return M2M_ERR_UNSUPPORTED;
	}
	if (err != M2M_OK)
		return err;
	return m2m_buf_append(out, buf, (size_t)len);
}

/* ------------------------------------------------------------------ delivery receipts */

static const struct {
	const char *stat;
	int state;
} receipt_states[] = {
	{"ENROUTE", M2M_SMPP_STATE_ENROUTE},   {"DELIVRD", M2M_SMPP_STATE_DELIVERED},
	{"EXPIRED", M2M_SMPP_STATE_EXPIRED},   {"DELETED", M2M_SMPP_STATE_DELETED},
	{"UNDELIV", M2M_SMPP_STATE_UNDELIVERABLE}, {"ACCEPTD", M2M_SMPP_STATE_ACCEPTED},
	{"UNKNOWN", M2M_SMPP_STATE_UNKNOWN},   {"REJECTD", M2M_SMPP_STATE_REJECTED},
};

int m2m_smpp_receipt_state(const char *stat)
{
	for (size_t i = 0; i < sizeof receipt_states / sizeof receipt_states[0]; i++)
		if (strcmp(stat, receipt_states[i].stat) == 0)
			return receipt_states[i].state;
	return -1;
}

static const char *receipt_stat_of(int state)
{
	for (size_t i = 0; i < sizeof receipt_states / sizeof receipt_states[0]; i++)
		if (receipt_states[i].state == state)
			return receipt_states[i].stat;
	return NULL;
}

m2m_err m2m_smpp_receipt_format(const m2m_smpp_receipt *r, char *out, size_t cap, size_t *len)
{
	int n;

	if (!r || !out || cap == 0)
		return M2M_ERR_ARG;
	n = snprintf(out, cap,
		     "id:%s sub:%03u dlvrd:%03u submit date:%s done date:%s stat:%s err:%03u text:%s",
		     r->id, r->sub, r->dlvrd, r->submit_date, r->done_date, r->stat, r->err,
		     r->text);
	if (n < 0 || (size_t)n >= cap)
		return M2M_ERR_BOUNDS;
	if (len)
		*len = (size_t)n;
	return M2M_OK;
}

typedef enum { K_ID, K_SUB, K_DLVRD, K_SUBMIT, K_DONE, K_STAT, K_ERR, K_TEXT, K_NONE } rkey;

static const char *const receipt_keys[] = {
	"id:", "sub:", "dlvrd:", "submit date:", "done date:", "stat:", "err:", "text:",
};

static rkey receipt_key(const uint8_t *p, size_t left, size_t *klen)
{
	for (size_t k = 0; k < K_NONE; k++) {
		size_t n = strlen(receipt_keys[k]);
		if (n <= left && strncasecmp((const char *)p, receipt_keys[k], n) == 0) {
			*klen = n;
			return (rkey)k;
		}
	}
	return K_NONE;
}

static m2m_err receipt_copy(char *dst, size_t cap, const uint8_t *v, size_t n)
{
	if (n >= cap || memchr(v, 0, n))
		return M2M_ERR_FORMAT;
	memcpy(dst, v, n);
	dst[n] = '\0';
	return M2M_OK;
}

static m2m_err receipt_number(unsigned *dst, const uint8_t *v, size_t n)
{
	unsigned x = 0;

	if (n == 0 || n > 9)
		return M2M_ERR_FORMAT;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return M2M_ERR_FORMAT;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	*dst = x;
	return M2M_OK;
}

static m2m_err receipt_date(char *dst, size_t cap, const uint8_t *v, size_t n)
{
	if (n != 10 && n != 12)
		return M2M_ERR_FORMAT;
	for (size_t i = 0; i < n; i++)
		if (v[i] < '0' || v[i] > '9')
			return M2M_ERR_FORMAT;
	return receipt_copy(dst, cap, v, n);
}

static m2m_err receipt_field(m2m_smpp_receipt *r, rkey k, const uint8_t *v, size_t n)
{
	switch (k) {
	case K_ID: return receipt_copy(r->id, sizeof r->id, v, n);
	case K_SUB: return receipt_number(&r->sub, v, n);
	case K_DLVRD: return receipt_number(&r->dlvrd, v, n);
	case K_SUBMIT: return receipt_date(r->submit_date, sizeof r->submit_date, v, n);
	case K_DONE: return receipt_date(r->done_date, sizeof r->done_date, v, n);
	case K_STAT: return receipt_copy(r->stat, sizeof r->stat, v, n);
	case K_ERR: return receipt_number(&r->err, v, n);
	case K_TEXT:
		/* Only the first 20 characters are quoted by the SMSC; keep what fits. */
		if (n >= sizeof r->text)
			n = sizeof r->text - 1;
		return receipt_copy(r->text, sizeof r->text, v, n);
	default: return M2M_OK;
	}
}

m2m_err m2m_smpp_receipt_parse(const uint8_t *text, size_t len, m2m_smpp_receipt *r)
{
	uint32_t seen = 0;
	size_t pos = 0;
	m2m_err err = M2M_OK;

	if (!text || !r)
		return M2M_ERR_ARG;
	memset(r, 0, sizeof *r);
	r->state = -1;
	while (pos < len) {
		size_t klen = 0, end;
		if (text[pos] == ' ') {
			pos++;
			continue;
		}
		rkey k = receipt_key(text + pos, len - pos, &klen);
		pos += klen;
		/* text: runs to the end (it may hold spaces); the others end at a space. */
		for (end = pos; end < len && (k == K_TEXT || text[end] != ' '); end++)
			;
		if (k != K_NONE) {
			if ((seen & (1u << k)) || (err = receipt_field(r, k, text + pos, end - pos)) != M2M_OK)
				return M2M_ERR_FORMAT;
			seen |= 1u << k;
		}
		pos = end;
	}
	if (!(seen & (1u << K_ID)) || !(seen & (1u << K_STAT)))
		return M2M_ERR_FORMAT;
	r->state = m2m_smpp_receipt_state(r->stat);
	return err;
}

m2m_err m2m_smpp_pdu_set_receipt(m2m_smpp_pdu *p, const m2m_smpp_receipt *r)
{
	char text[M2M_SMPP_MAX_SM_ENCODE + 1];
	size_t n = 0;
	m2m_err err;

	if (!p || !r)
		return M2M_ERR_ARG;
	if ((err = m2m_smpp_receipt_format(r, text, sizeof text, &n)) != M2M_OK)
		return err;
	p->esm_class = M2M_SMPP_ESM_DLR;
	p->data_coding = 0;
	memcpy(p->msg, text, n);
	p->msg_len = n;
	p->msg_in_payload = false;
	snprintf(p->receipted_message_id, sizeof p->receipted_message_id, "%s", r->id);
	p->message_state = r->state >= 0 ? r->state : m2m_smpp_receipt_state(r->stat);
	return M2M_OK;
}

m2m_err m2m_smpp_pdu_get_receipt(const m2m_smpp_pdu *p, m2m_smpp_receipt *r)
{
	m2m_err err;

	if (!p || !r || p->command_id != M2M_SMPP_DELIVER_SM ||
	    (p->esm_class & M2M_SMPP_ESM_TYPE_MASK) != M2M_SMPP_ESM_DLR)
		return M2M_ERR_ARG;
	err = m2m_smpp_receipt_parse(p->msg, p->msg_len, r);
	if (err != M2M_OK && !p->receipted_message_id[0])
		return err;
	if (err != M2M_OK) {
		/* Text unreadable but the TLVs carry the essentials. */
		memset(r, 0, sizeof *r);
		r->state = -1;
	}
	if (p->receipted_message_id[0])
		snprintf(r->id, sizeof r->id, "%s", p->receipted_message_id);
	if (p->message_state >= 0) {
		const char *stat = receipt_stat_of(p->message_state);
		r->state = p->message_state;
		if (stat && !r->stat[0])
			snprintf(r->stat, sizeof r->stat, "%s", stat);
	}
	return M2M_OK;
}
