/* `m2mrsp smdp keys`: the ISD-P's SCP03 key set of a downloaded profile, given to its
 * operator (docs/smdp.md "Key set after the download"). ES2 has no element that carries a key
 * set, so the hand-over is this local export. With `[download] keys = handover` the SM-DP
 * forgets the key set once it is written out: from then on only the operator can open the
 * ISD-P. With `keep` it is written out and kept (the SM-DP may still need it). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/hex.h"
#include "core/buf.h"
#include "smdp/smdp.h"
#include "store/store_smdp.h"

/* The sealed blob of smdp_download.c keep_keys: KVN, key length n, ENC, MAC, DEK. */
static bool blob_ok(const m2m_buf *b)
{
	return b->len >= 2 && b->data[1] > 0 && b->data[1] <= M2M_ES8_KEY_MAX &&
	       b->len == 2 + 3 * (size_t)b->data[1];
}

static bool write_keys(FILE *out, const m2m_smdp_profile *p, const m2m_buf *b)
{
	size_t n = b->data[1];
	char hex[3][2 * M2M_ES8_KEY_MAX + 1];
	bool ok;
	int fd;

	for (size_t k = 0; k < 3; k++)
		m2m_hex_encode(b->data + 2 + k * n, n, hex[k]);
	ok = fprintf(out,
		     "{\"iccid\": \"%s\", \"eid\": \"%s\", \"isdp_aid\": \"%s\", \"kvn\": %u, "
		     "\"enc\": \"%s\", \"mac\": \"%s\", \"dek\": \"%s\"}\n",
		     p->iccid, p->eid, p->isdp_aid, (unsigned)b->data[0], hex[0], hex[1],
		     hex[2]) > 0;
	ok = fflush(out) == 0 && ok;
	/* On the disk before a handover forgets the set: after a power cut the key set must be
	 * somewhere. A pipe or a terminal (EINVAL), or a stream without a descriptor (a memory
	 * stream), has nothing to sync. */
	fd = fileno(out);
	ok = ok && (fd < 0 || fsync(fd) == 0 || errno == EINVAL || errno == ENOTSUP);
	m2m_wipe(hex, sizeof hex);
	return ok;
}

m2m_err m2m_smdp_keys_export(const m2m_smdp_cfg *cfg, const char *iccid, FILE *out,
			     bool *forgot, char *errbuf, size_t errlen)
{
	m2m_store *st = NULL;
	m2m_smdp_profile p;
	m2m_buf b;
	m2m_err err;

	*forgot = false;
	m2m_buf_init(&b);
	memset(&p, 0, sizeof p);
	err = m2m_store_open(cfg->db, cfg->master_key, &st, errbuf, errlen);
	if (err != M2M_OK)
		goto out;
	err = m2m_store_smdp_profile_get(st, iccid, &p);
	if (err == M2M_OK && p.state != M2M_SMDP_INSTALLED) {
		snprintf(errbuf, errlen, "%s is %s, not installed", iccid,
			 m2m_smdp_pstate_name(p.state));
		err = M2M_ERR_STATE;
		goto out;
	}
	if (err == M2M_OK)
		err = m2m_store_smdp_keys_get(st, iccid, &b);
	if (err == M2M_END) {
		snprintf(errbuf, errlen, "%s: %s", iccid,
			 p.iccid[0] ? "no key set kept (keys = delete, or handed over already)"
				    : "unknown ICCID");
		goto out;
	}
	if (err != M2M_OK) {
		snprintf(errbuf, errlen, "%s", m2m_store_errmsg(st));
		goto out;
	}
	if (!blob_ok(&b)) {
		snprintf(errbuf, errlen, "%s: the stored key set is malformed", iccid);
		err = M2M_ERR_FORMAT;
		goto out;
	}
	if (!write_keys(out, &p, &b)) {
		snprintf(errbuf, errlen, "cannot write the key set");
		err = M2M_ERR_IO;
		goto out;
	}
	if (cfg->keys == M2M_ES8_KEYS_HANDOVER) {
		err = m2m_store_smdp_keys_put(st, iccid, NULL, 0);
		if (err != M2M_OK)
			snprintf(errbuf, errlen, "written, but not forgotten: %s",
				 m2m_store_errmsg(st));
		*forgot = err == M2M_OK;
	}
out:
	m2m_wipe(b.data, b.len);
	m2m_buf_free(&b);
	m2m_store_close(st);
	return err;
}
