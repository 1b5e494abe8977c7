/*
 * BER-TLV as ETSI, GlobalPlatform and SGP.02 use it: tags of 1 to 3 bytes, definite lengths
 * of up to 4 length bytes, and the indefinite form (80 ... 00 00) of ETSI TS 102 226 scripts.
 * Decoding never allocates: a decoded TLV points into the caller's bytes.
 */
#ifndef M2M_CORE_TLV_H
#define M2M_CORE_TLV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define M2M_TLV_MAX_DEPTH 32

/* Decoding rules. */
enum {
	M2M_TLV_BER = 0,      /* any length form, indefinite allowed on constructed tags */
	M2M_TLV_DER = 1 << 0, /* minimal definite lengths only */
};

typedef struct {
	uint32_t tag;         /* tag bytes read as a big-endian number: 0x84, 0x5F37, 0xBF30 */
	uint8_t tag_len;      /* 1 to 3 */
	bool constructed;
	bool indefinite;
	const uint8_t *value; /* contents; for the indefinite form, without the 00 00 */
	size_t len;
	size_t hdr_len;       /* tag and length bytes */
	size_t size;          /* whole encoding, end-of-contents included */
} m2m_tlv;

/* Decodes the TLV at the start of p; bytes after it are left alone. *err_off (optional)
 * gets the offset of the faulty byte relative to p. */
m2m_err m2m_tlv_decode(const uint8_t *p, size_t n, unsigned flags, m2m_tlv *out, size_t *err_off);
/* As m2m_tlv_decode, but p must hold exactly one TLV. */
m2m_err m2m_tlv_decode_one(const uint8_t *p, size_t n, unsigned flags, m2m_tlv *out, size_t *err_off);

/* Walks a sequence of sibling TLVs (the value of a constructed TLV, or a top-level list). */
typedef struct {
	const uint8_t *p;
	size_t len;
	size_t pos;
	unsigned flags;
	size_t err_off;       /* after an error: offset relative to p */
} m2m_tlv_iter;

void m2m_tlv_iter_init(m2m_tlv_iter *it, const uint8_t *p, size_t n, unsigned flags);
/* Starts walking the children of a constructed TLV. */
void m2m_tlv_iter_children(m2m_tlv_iter *it, const m2m_tlv *parent, unsigned flags);
/* M2M_OK with the next TLV, M2M_END when the sequence is exhausted, or an error. */
m2m_err m2m_tlv_next(m2m_tlv_iter *it, m2m_tlv *out);
/* First TLV with this tag among the siblings in p (not recursive). */
m2m_err m2m_tlv_find(const uint8_t *p, size_t n, unsigned flags, uint32_t tag, m2m_tlv *out);

/* True for constructed-bit tags whose contents are opaque data, not TLVs: the C-APDU (22)
 * and R-APDU (23) of TS 102 226 scripts. Tree walkers do not descend into them. */
bool m2m_tlv_is_opaque(uint32_t tag);
/* Checks a whole tree: every constructed value (but opaque ones) must be a clean TLV
 * sequence, down to M2M_TLV_MAX_DEPTH. p must be a sequence of complete TLVs. */
m2m_err m2m_tlv_validate(const uint8_t *p, size_t n, unsigned flags, size_t *err_off);

/* Number of bytes of a well-formed tag value (1-3), 0 if the value is not a valid tag. */
size_t m2m_tlv_tag_size(uint32_t tag);
m2m_err m2m_tlv_put_tag(m2m_buf *b, uint32_t tag);
/* Minimal definite length, up to 4 length bytes. */
m2m_err m2m_tlv_put_len(m2m_buf *b, size_t len);
m2m_err m2m_tlv_put(m2m_buf *b, uint32_t tag, const void *value, size_t len);
m2m_err m2m_tlv_put_u8(m2m_buf *b, uint32_t tag, uint8_t v);
/* Nested encoding: begin writes the tag and remembers where the value starts;
 * end inserts the length once the value is known. */
m2m_err m2m_tlv_begin(m2m_buf *b, uint32_t tag, size_t *mark);
m2m_err m2m_tlv_end(m2m_buf *b, size_t mark);
/* Indefinite form: tag 80 ... 00 00. */
m2m_err m2m_tlv_begin_indef(m2m_buf *b, uint32_t tag);
m2m_err m2m_tlv_end_indef(m2m_buf *b);

/* Appends an indented, human-readable tree of the TLV sequence in p to out (NUL-terminated
 * text). On malformed input returns the error and *err_off. */
m2m_err m2m_tlv_dump(const uint8_t *p, size_t n, unsigned flags, m2m_buf *out, size_t *err_off);

#endif
