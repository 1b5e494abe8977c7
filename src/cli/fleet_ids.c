/* Batch ids and per-row FunctionCallIdentifiers (fleet_ids.h). */
#include "cli/fleet_ids.h"

#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/hex.h"
#include "crypto/hash.h"

#define FCI_HASH_BYTES 16

bool m2m_fleet_batch_valid(const char *batch)
{
	size_t n = strlen(batch);
	if (n == 0 || n > M2M_FLEET_BATCH_MAX)
		return false;
	for (const char *p = batch; *p != '\0'; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':'))
			return false;
	}
	return true;
}

m2m_err m2m_fleet_batch_of(const uint8_t *p, size_t n, char *out, size_t cap)
{
	uint8_t h[M2M_SHA256_SIZE];
	if (cap < 17)
		return M2M_ERR_BOUNDS;
	m2m_err err = m2m_sha256(p, n, h);
	if (err == M2M_OK)
		m2m_hex_encode(h, 8, out);
	return err;
}

static m2m_err part(m2m_buf *b, const char *s)
{
	m2m_err err = m2m_buf_append(b, s, strlen(s));
	return err == M2M_OK ? m2m_buf_append_u8(b, 0) : err;
}

m2m_err m2m_fleet_fci(const char *batch, const char *step, const char *eid, const char *iccid,
		      const char *param, char *out, size_t cap)
{
	uint8_t h[M2M_SHA256_SIZE];
	char hex[2 * FCI_HASH_BYTES + 1];
	m2m_buf b;
	m2m_buf_init(&b);
	m2m_err err = part(&b, "m2mrsp-fleet");
	if (err == M2M_OK)
		err = part(&b, step);
	if (err == M2M_OK)
		err = part(&b, eid);
	if (err == M2M_OK)
		err = part(&b, iccid ? iccid : "");
	if (err == M2M_OK)
		err = part(&b, param ? param : "");
	if (err == M2M_OK)
		err = m2m_buf_append(&b, batch, strlen(batch));
	if (err == M2M_OK)
		err = m2m_sha256(b.data, b.len, h);
	m2m_buf_free(&b);
	if (err != M2M_OK)
		return err;
	m2m_hex_encode(h, FCI_HASH_BYTES, hex);
	int n = snprintf(out, cap, "%s-%s-%s", batch, step, hex);
	return n < 0 || (size_t)n >= cap ? M2M_ERR_BOUNDS : M2M_OK;
}

m2m_err m2m_fleet_fci_parse(const char *fci, char *batch, size_t bcap, char *step, size_t scap)
{
	const char *dash = strchr(fci, '-');
	const char *last = strrchr(fci, '-');
	if (dash == NULL || last == dash || strlen(last + 1) != 2 * FCI_HASH_BYTES)
		return M2M_ERR_FORMAT;
	size_t bl = (size_t)(dash - fci), sl = (size_t)(last - dash - 1);
	if (bl >= bcap || sl >= scap || sl == 0)
		return M2M_ERR_FORMAT;
	memcpy(batch, fci, bl);
	batch[bl] = '\0';
	memcpy(step, dash + 1, sl);
	step[sl] = '\0';
	for (const char *p = last + 1; *p != '\0'; p++) {
		if (m2m_hex_digit(*p) < 0)
			return M2M_ERR_FORMAT;
	}
	return m2m_fleet_batch_valid(batch) ? M2M_OK : M2M_ERR_FORMAT;
}
