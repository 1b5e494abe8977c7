/* Rules on contents: the ICCID, mandatory services and AIDs, key lengths. */
#include <string.h>

#include "KeyObject.h"
#include "saip/personalise.h"
#include "saip/validate_int.h"

/* First fillFileContent of a file (the files checked here hold one), or NULL. */
static const OCTET_STRING_t *file_content(const File_t *f)
{
	for (int i = 0; i < f->list.count; i++)
		if (f->list.array[i]->present == File__Member_PR_fillFileContent)
			return &f->list.array[i]->choice.fillFileContent;
	return NULL;
}

/* BCD digits of the header iccid (first digit high nibble) up to the F padding; NULL and a
 * reason if malformed. */
static const char *iccid_digits(const OCTET_STRING_t *os, char out[21])
{
	size_t n = 0;
	bool pad = false;

	if (os->size != 10)
		return "the ICCID must be 10 bytes";
	for (size_t i = 0; i < 20; i++) {
		unsigned d = (i % 2 == 0) ? os->buf[i / 2] >> 4 : os->buf[i / 2] & 0x0f;

		if (d == 0x0f) {
			pad = true;
			continue;
		}
		if (d > 9 || pad)
			return "the ICCID must be BCD digits, F padded at the end only";
		out[n++] = (char)('0' + d);
	}
	out[n] = '\0';
	return NULL;
}

static void check_ef_iccid(m2m_saip_vctx *v, const OCTET_STRING_t *hdr)
{
	for (size_t i = 0; i < v->pkg->count; i++) {
		const ProfileElement_t *pe = v->pkg->el[i].pe;
		const OCTET_STRING_t *c;
		bool same = true;

		if (pe->present != ProfileElement_PR_mf)
			continue;
		c = file_content(&pe->choice.mf.ef_iccid);
		if (c == NULL)
			continue;
		/* EF.ICCID holds the header's digits with the nibbles of each byte swapped. */
		for (size_t k = 0; k < (size_t)hdr->size && same; k++)
			same = c->size == hdr->size &&
			       c->buf[k] == (uint8_t)((hdr->buf[k] << 4) | (hdr->buf[k] >> 4));
		if (!same)
			m2m_saip_vreport(v, i, "iccid", "EF.ICCID does not hold the header's ICCID");
	}
}

void m2m_saip_vrule_iccid(m2m_saip_vctx *v)
{
	char d[21];
	const char *why;
	size_t n;

	if (v->pkg->count == 0 || v->pkg->el[0].pe->present != ProfileElement_PR_header)
		return; /* reported by the order rule */
	why = iccid_digits(&v->pkg->el[0].pe->choice.header.iccid, d);
	n = why == NULL ? strlen(d) : 0;
	if (why == NULL && (n < 19 || n > 20))
		why = "the ICCID must have 19 or 20 digits";
	if (why == NULL && m2m_saip_luhn(d, n - 1) != d[n - 1])
		why = "wrong ICCID check digit (Luhn)";
	if (why != NULL) {
		m2m_saip_vreport(v, 0, "iccid", "%s", why);
		return;
	}
	check_ef_iccid(v, &v->pkg->el[0].pe->choice.header.iccid);
}

static const AlgoParameter_t *algo(const ProfileElement_t *pe)
{
	const PE_AKAParameter_t *a = &pe->choice.akaParameter;

	if (a->algoConfiguration.present != PE_AKAParameter__algoConfiguration_PR_algoParameter)
		return NULL;
	return &a->algoConfiguration.choice.algoParameter;
}

/* The service an element needs, or NULL; *name gets its ASN.1 name. */
static NULL_t *const *service_for(const ServicesList_t *s, const ProfileElement_t *pe,
				  const char **name)
{
	const AlgoParameter_t *ap;

	switch (pe->present) {
	case ProfileElement_PR_usim:
		*name = "usim";
		return &s->usim;
	case ProfileElement_PR_isim:
		*name = "isim";
		return &s->isim;
	case ProfileElement_PR_csim:
		*name = "csim";
		return &s->csim;
	case ProfileElement_PR_eap:
		*name = "eap";
		return &s->eap;
	case ProfileElement_PR_akaParameter:
		ap = algo(pe);
		if (ap == NULL)
			return NULL;
		if (ap->algorithmID == AlgoParameter__algorithmID_milenage) {
			*name = "milenage";
			return &s->milenage;
		}
		if (ap->algorithmID == AlgoParameter__algorithmID_usim_test_algorithm) {
			*name = "usim-test-algorithm";
			return &s->usim_test_algorithm;
		}
		*name = ap->key.size == 32 ? "tuak256" : "tuak128";
		return ap->key.size == 32 ? &s->tuak256 : &s->tuak128;
	default:
		return NULL;
	}
}

void m2m_saip_vrule_services(m2m_saip_vctx *v)
{
	const ServicesList_t *s;

	if (v->pkg->count == 0 || v->pkg->el[0].pe->present != ProfileElement_PR_header)
		return;
	s = &v->pkg->el[0].pe->choice.header.eUICC_Mandatory_services;
	/* An element present needs its service listed; a listed service without its element
	 * only asks more of the eUICC, which is no error. */
	for (size_t i = 1; i < v->pkg->count; i++) {
		const char *name = NULL;
		NULL_t *const *flag = service_for(s, v->pkg->el[i].pe, &name);

		if (flag != NULL && *flag == NULL)
			m2m_saip_vreport(v, i, "services",
					 "the header's eUICC-Mandatory-services lacks %s", name);
	}
}

/* The ADF's AID (dfName in its file descriptor), or NULL. */
static const OCTET_STRING_t *adf_aid(const File_t *adf)
{
	for (int i = 0; i < adf->list.count; i++)
		if (adf->list.array[i]->present == File__Member_PR_fileDescriptor)
			return adf->list.array[i]->choice.fileDescriptor.dfName;
	return NULL;
}

void m2m_saip_vrule_aids(m2m_saip_vctx *v)
{
	/* RID and application code of TS 101 220 Annex E / 3GPP2: A0000000871002 USIM,
	 * A0000000871004 ISIM, A0000003431002 CSIM. */
	static const uint8_t usim[] = {0xa0, 0, 0, 0, 0x87, 0x10, 0x02},
			     isim[] = {0xa0, 0, 0, 0, 0x87, 0x10, 0x04},
			     csim[] = {0xa0, 0, 0, 0x03, 0x43, 0x10, 0x02};

	for (size_t i = 0; i < v->pkg->count; i++) {
		const ProfileElement_t *pe = v->pkg->el[i].pe;
		const OCTET_STRING_t *aid;
		const uint8_t *want;

		if (pe->present == ProfileElement_PR_usim) {
			aid = adf_aid(&pe->choice.usim.adf_usim);
			want = usim;
		} else if (pe->present == ProfileElement_PR_isim) {
			aid = adf_aid(&pe->choice.isim.adf_isim);
			want = isim;
		} else if (pe->present == ProfileElement_PR_csim) {
			aid = adf_aid(&pe->choice.csim.adf_csim);
			want = csim;
		} else {
			continue;
		}
		if (aid == NULL)
			m2m_saip_vreport(v, i, "aid", "the ADF has no AID (dfName)");
		else if (aid->size < 7 || aid->size > 16 || memcmp(aid->buf, want, 7) != 0)
			m2m_saip_vreport(v, i, "aid", "the ADF's AID is not a %s AID", m2m_saip_pe_type(pe));
	}
}

static void check_aka_keys(m2m_saip_vctx *v, size_t i, const AlgoParameter_t *ap)
{
	bool tuak = ap->algorithmID == AlgoParameter__algorithmID_tuak;

	if (!(ap->key.size == 16 || (tuak && ap->key.size == 32)))
		m2m_saip_vreport(v, i, "key-length", "Ki is %d bytes, not %s", ap->key.size,
				 tuak ? "16 or 32" : "16");
	if (!(ap->opc.size == 16 || (tuak && ap->opc.size == 32)))
		m2m_saip_vreport(v, i, "key-length", "OPc is %d bytes, not %s", ap->opc.size,
				 tuak ? "16 or 32" : "16");
}

static void check_sd_keys(m2m_saip_vctx *v, size_t i, const PE_SecurityDomain_t *sd)
{
	if (sd->keyList == NULL)
		return;
	for (int k = 0; k < sd->keyList->list.count; k++) {
		const struct KeyObject *ko = sd->keyList->list.array[k];

		for (int c = 0; c < ko->keyComponents.list.count; c++) {
			const struct KeyObject__keyComponents__Member *m = ko->keyComponents.list.array[c];
			uint8_t t = m->keyType.size == 1 ? m->keyType.buf[0] : 0;
			size_t n = m->keyData.size;
			bool des = t == 0x80 || t == 0x82, aes = t == 0x88;

			/* Other key types (PSK-TLS 85, public keys...) have other lengths. */
			if ((des && n != 16 && n != 24) || (aes && n != 16 && n != 24 && n != 32))
				m2m_saip_vreport(v, i, "key-length",
						 "key %d (type %02X) is %zu bytes, not %s", k + 1, t, n,
						 des ? "16 or 24" : "16, 24 or 32");
		}
	}
}

void m2m_saip_vrule_keys(m2m_saip_vctx *v)
{
	for (size_t i = 0; i < v->pkg->count; i++) {
		const ProfileElement_t *pe = v->pkg->el[i].pe;

		if (pe->present == ProfileElement_PR_akaParameter && algo(pe) != NULL)
			check_aka_keys(v, i, algo(pe));
		else if (pe->present == ProfileElement_PR_securityDomain)
			check_sd_keys(v, i, &pe->choice.securityDomain);
	}
}
