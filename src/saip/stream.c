/*
 * Streaming decode: bytes arrive in any chunks (SCP03t segments), whole elements leave.
 * An element is handed to asn1c only once core/tlv.h finds all of it; until then only its
 * header is read, so an oversized element is refused before its bytes are buffered.
 */
#include <stdint.h>
#include <string.h>

#include "core/tlv.h"
#include "saip/saip.h"

void m2m_saip_stream_init(m2m_saip_stream *s, size_t max_element)
{
	memset(s, 0, sizeof *s);
	m2m_buf_init(&s->pending);
	s->max_element = max_element ? max_element : M2M_SAIP_ELEMENT_MAX;
}

void m2m_saip_stream_free(m2m_saip_stream *s)
{
	if (s != NULL)
		m2m_buf_free(&s->pending);
}

m2m_err m2m_saip_stream_feed(m2m_saip_stream *s, const uint8_t *p, size_t n)
{
	m2m_err rc = M2M_ERR_ARG;
	if (s == NULL || (p == NULL && n > 0))
		goto out;
	/* Drop what next() has returned, so the buffer holds one element and the new bytes. */
	if (s->head > 0) {
		memmove(s->pending.data, s->pending.data + s->head, s->pending.len - s->head);
		s->pending.len -= s->head;
		s->head = 0;
	}
	rc = m2m_buf_append(&s->pending, p, n);
out:
	return rc;
}

/* True when tlv.h's verdict on a prefix only means that more bytes are needed. */
static bool incomplete(m2m_err e, size_t err_off, size_t avail)
{
	if (e == M2M_ERR_TLV_TRUNCATED || e == M2M_ERR_TLV_OVERRUN)
		return true;
	/* An indefinite element cut before (or inside) its 00 00. */
	return e == M2M_ERR_TLV_INDEF && err_off + 1 >= avail;
}

/* The whole size the header at p declares, 0 if not known yet (short or indefinite).
 * Reads at most 4 length bytes, as tlv.h accepts no more. */
static size_t declared_size(const uint8_t *p, size_t avail)
{
	size_t i = 1, k, len = 0, size = 0;
	if (avail > 0 && (p[0] & 0x1F) == 0x1F) {
		while (i < avail && (p[i++] & 0x80))
			;
	}
	if (i >= avail)
		goto out;
	k = p[i] < 0x80 ? 0 : p[i] & 0x7Fu;
	len = p[i] < 0x80 ? p[i] : 0;
	i++;
	if (p[i - 1] == 0x80 || k > 4 || avail - i < k)
		goto out;
	for (size_t j = 0; j < k; j++)
		len = len << 8 | p[i + j];
	size = len > SIZE_MAX - i - k ? SIZE_MAX : i + k + len;
out:
	return size;
}

static m2m_err fail(const m2m_saip_stream *s, m2m_saip_error *err, m2m_err rc)
{
	if (err != NULL) {
		err->index = s->index;
		err->offset = s->offset;
	}
	return rc;
}

/* M2M_OK with *size when an element is complete, M2M_END when more bytes are needed. */
static m2m_err element_extent(const m2m_saip_stream *s, size_t *size, m2m_saip_error *err)
{
	const uint8_t *p = s->pending.data + s->head;
	size_t avail = s->pending.len - s->head, off = 0;
	const char *type = m2m_saip_tag_type(p, avail);
	m2m_tlv t;
	m2m_err rc = m2m_tlv_decode(p, avail, M2M_TLV_BER, &t, &off);
	size_t want = rc == M2M_OK ? t.size : declared_size(p, avail);
	if (rc != M2M_OK && !incomplete(rc, off, avail)) {
		m2m_saip_error_set(err, type, "%s at byte %zu", m2m_strerror(rc), off);
		goto out;
	}
	/* Incomplete with no declared size (indefinite form): what is held so far counts. */
	if (rc != M2M_OK && want < avail)
		want = avail;
	if (want > s->max_element) {
		rc = M2M_ERR_BOUNDS;
		m2m_saip_error_set(err, type, "element of %s%zu bytes is over the %zu-byte limit",
				   rc != M2M_OK && want == avail ? "at least " : "", want,
				   s->max_element);
		goto out;
	}
	*size = want;
	if (rc != M2M_OK)
		rc = M2M_END;
out:
	return rc;
}

m2m_err m2m_saip_stream_next(m2m_saip_stream *s, m2m_saip_element *el, m2m_saip_error *err)
{
	m2m_err rc = M2M_ERR_ARG;
	size_t size = 0, used = 0;
	ProfileElement_t *pe = NULL;
	if (err != NULL)
		memset(err, 0, sizeof *err);
	if (s == NULL || el == NULL)
		goto out;
	rc = M2M_END;
	if (s->pending.len == s->head)
		goto out;
	rc = element_extent(s, &size, err);
	if (rc != M2M_OK)
		goto out;
	rc = m2m_saip_pe_decode(s->pending.data + s->head, size, &pe, &used, err);
	if (rc != M2M_OK)
		goto out;
	*el = (m2m_saip_element){pe, s->offset, used};
	s->head += used;
	s->offset += used;
	s->index++;
out:
	if (rc != M2M_OK && rc != M2M_END && s != NULL)
		rc = fail(s, err, rc);
	return rc;
}

/* Why the bytes left at the end of the input are not an element. */
static m2m_err leftover(const uint8_t *p, size_t avail, m2m_saip_error *err)
{
	const char *type = m2m_saip_tag_type(p, avail);
	size_t want = declared_size(p, avail);
	m2m_tlv t;
	m2m_err rc = M2M_ERR_STATE;
	if (m2m_tlv_decode(p, avail, M2M_TLV_BER, &t, NULL) == M2M_OK) {
		m2m_saip_error_set(err, type, "a complete element was not taken with next()");
		goto out;
	}
	rc = M2M_ERR_TLV_TRUNCATED;
	if (want > avail)
		m2m_saip_error_set(err, type, "input ends %zu bytes into an element of %zu bytes",
				   avail, want);
	else
		m2m_saip_error_set(err, type, "input ends %zu bytes into an element", avail);
out:
	return rc;
}

m2m_err m2m_saip_stream_finish(const m2m_saip_stream *s, m2m_saip_error *err)
{
	m2m_err rc = M2M_ERR_ARG;
	if (err != NULL)
		memset(err, 0, sizeof *err);
	if (s == NULL)
		goto out;
	rc = M2M_OK;
	if (s->pending.len > s->head)
		rc = fail(s, err, leftover(s->pending.data + s->head, s->pending.len - s->head, err));
out:
	return rc;
}
