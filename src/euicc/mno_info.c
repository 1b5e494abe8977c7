/*
 * The ES6 side of a profile package (docs/euicc.md "ES6"): the MNO-SD is the first
 * securityDomain PE. Its SCP80 key sets (KVN 01-0F, KIc key id 01, KID 02, DEK 03; key type
 * 88 AES or 80 DES), its TARs (the TAR list of its UICC toolkit parameters, TS 102 226
 * 8.2.1.3.2.2), its minimum security level; then the rfm PEs that belong to it (no
 * securityDomainAID, or the MNO-SD's): TAR list, MSL, access domain, ADF.
 */
#include <string.h>

#include "euicc/isdp_int.h"

/* GP key types. */
#define KEYTYPE_DES 0x80

static void put_tar(uint8_t tars[][3], size_t *n, const uint8_t *t)
{
	if (*n < EUICC_MNO_TAR_MAX)
		memcpy(tars[(*n)++], t, 3);
}

/* KIc/KID algorithm nibble for a key: AES-CBC / AES-CMAC, or DES, 3DES 2 or 3 keys. */
static uint8_t alg_of(uint8_t type, size_t len)
{
	if (type == M2M_EUICC_KEYTYPE_AES)
		return len == 16 || len == 24 || len == 32 ? 0x2 : 0;
	if (type == KEYTYPE_DES)
		return len == 8 ? 0x1 : len == 16 ? 0x5 : len == 24 ? 0x9 : 0;
	return 0;
}

static uint64_t be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* One KeyObject into its key set (KVN 01-0F, one component of a known type). */
static void add_key(euicc_mno *m, const KeyObject_t *ko)
{
	const struct KeyObject__keyComponents__Member *kc;
	m2m_euicc_keyset *ks;
	m2m_euicc_key *k;
	uint8_t kvn, id, alg;

	if (ko->keyVersionNumber.size != 1 || ko->keyIdentifier.size != 1 ||
	    ko->keyComponents.list.count < 1)
		return;
	kvn = ko->keyVersionNumber.buf[0];
	id = ko->keyIdentifier.buf[0];
	kc = ko->keyComponents.list.array[0];
	if (kvn < 1 || kvn > M2M_EUICC_MNO_KVN_MAX || id == 0 || kc->keyType.size != 1 ||
	    kc->keyData.size < 1 || kc->keyData.size > M2M_EUICC_KEY_MAX)
		return;
	ks = &m->keys[kvn - 1];
	if (ks->nkeys == M2M_EUICC_KEYS_PER_SET)
		return;
	alg = alg_of(kc->keyType.buf[0], (size_t)kc->keyData.size);
	if (alg == 0)
		return;
	ks->kvn = kvn;
	k = &ks->key[ks->nkeys++];
	k->id = id;
	k->type = kc->keyType.buf[0];
	k->len = (uint8_t)kc->keyData.size;
	memcpy(k->value, kc->keyData.buf, k->len);
	if (id == 0x01)
		ks->kic_alg = alg;
	if (id == 0x02)
		ks->kid_alg = alg;
	if (ko->keyCounterValue != NULL && ko->keyCounterValue->size >= 1 &&
	    ko->keyCounterValue->size <= 5)
		ks->last_counter = be(ko->keyCounterValue->buf, (size_t)ko->keyCounterValue->size);
}

/* UICC toolkit application specific parameters (TS 102 226 table 8.2.1.3.2.2.1): priority,
 * timers, menu text length, menu entries (2 bytes each), channels, MSL (length, value),
 * TARs (length, values). The MSL value is "01 SPI1" (the minimum SPI1) [M]. */
static void toolkit_params(euicc_mno *m, const OCTET_STRING_t *f)
{
	const uint8_t *p = f->buf;
	size_t n = (size_t)f->size, off = 3, len;

	if (n < 4)
		return;
	off += 1 + 2 * (size_t)p[off];         /* menu entries */
	off += 1;                              /* channels */
	if (off >= n)
		return;
	len = p[off++];
	if (off + len > n)
		return;
	if (len >= 2 && p[off] == 0x01)
		m->msl = p[off + 1];
	off += len;
	if (off >= n)
		return;
	len = p[off++];
	if (off + len > n || len % 3 != 0)
		return;
	for (size_t i = 0; i < len; i += 3)
		put_tar(m->tar, &m->ntar, p + off + i);
}

static bool same_aid(const OCTET_STRING_t *a, const OCTET_STRING_t *b)
{
	return a->size == b->size && memcmp(a->buf, b->buf, (size_t)a->size) == 0;
}

static void security_domain(euicc_mno *m, const PE_SecurityDomain_t *sd)
{
	static const uint8_t isd_tar[3] = {0, 0, 0};
	const ApplicationInstance_t *in = &sd->instance;

	for (int i = 0; sd->keyList != NULL && i < sd->keyList->list.count; i++)
		add_key(m, sd->keyList->list.array[i]);
	if (in->applicationParameters != NULL &&
	    in->applicationParameters->uiccToolkitApplicationSpecificParametersField != NULL)
		toolkit_params(m, in->applicationParameters
					  ->uiccToolkitApplicationSpecificParametersField);
	/* Without a TAR list: bytes 13-15 of a full AID, else the ISD's TAR 000000 (TS 101
	 * 220 annex D) [M]. */
	if (m->ntar == 0)
		put_tar(m->tar, &m->ntar,
			in->instanceAID.size == 16 ? in->instanceAID.buf + 12 : isd_tar);
	for (int k = 0; k < M2M_EUICC_MNO_KVN_MAX; k++)
		m->valid |= m->keys[k].kvn != 0 && m->keys[k].kid_alg != 0;
}

static void rfm(euicc_mno *m, const PE_RFM_t *r, const OCTET_STRING_t *sd_aid)
{
	euicc_rfm_app *app;
	const OCTET_STRING_t *access = &r->uiccAccessDomain;

	if (m->nrfm == EUICC_MNO_RFM_MAX ||
	    (r->securityDomainAID != NULL && !same_aid(r->securityDomainAID, sd_aid)))
		return;
	app = &m->rfm[m->nrfm];
	memset(app, 0, sizeof *app);
	for (int i = 0; r->tarList != NULL && i < r->tarList->list.count; i++)
		if (r->tarList->list.array[i]->size == 3)
			put_tar(app->tar, &app->ntar, r->tarList->list.array[i]->buf);
	if (app->ntar == 0 && r->instanceAID.size == 16)
		put_tar(app->tar, &app->ntar, r->instanceAID.buf + 12);
	if (app->ntar == 0)
		return;
	app->msl = r->minimumSecurityLevel.size >= 1 ? r->minimumSecurityLevel.buf[0] : 0;
	if (r->adfRFMAccess != NULL) {
		const ADFRFMAccess_t *a = r->adfRFMAccess;
		if (a->adfAID.size < 1 || a->adfAID.size > M2M_SAIP_FS_AID_MAX)
			return;
		app->has_adf = true;
		memcpy(app->adf_aid, a->adfAID.buf, (size_t)a->adfAID.size);
		app->adf_aid_len = (size_t)a->adfAID.size;
		access = &a->adfAccessDomain;
	}
	app->access = access->size >= 1 ? access->buf[0] : 0xFF;
	m->nrfm++;
}

void euicc_mno_extract(const m2m_saip_pkg *pkg, euicc_mno *m)
{
	const OCTET_STRING_t *sd_aid = NULL;

	euicc_mno_wipe(m);
	for (size_t i = 0; i < pkg->count && sd_aid == NULL; i++)
		if (pkg->el[i].pe->present == ProfileElement_PR_securityDomain) {
			security_domain(m, &pkg->el[i].pe->choice.securityDomain);
			sd_aid = &pkg->el[i].pe->choice.securityDomain.instance.instanceAID;
		}
	if (!m->valid) {
		euicc_mno_wipe(m);
		return;
	}
	for (size_t i = 0; i < pkg->count; i++)
		if (pkg->el[i].pe->present == ProfileElement_PR_rfm)
			rfm(m, &pkg->el[i].pe->choice.rfm, sd_aid);
}

void euicc_mno_wipe(euicc_mno *m)
{
	m2m_wipe(m, sizeof *m);
}
