/* Ki, OPc and the algorithm parameters (akaParameter), and the MNO-SD OTA keys. */
#include <stdlib.h>

#include "KeyObject.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/personalise_int.h"

#define KEY_TYPE_DES 0x80
#define KEY_TYPE_DES_CBC 0x82
#define KEY_TYPE_AES 0x88

static bool aka_key_len_ok(long alg, size_t n)
{
	/* TUAK takes 128 or 256-bit K and TOP (TS 35.231); the others 128 bits. */
	if (alg == AlgoParameter__algorithmID_tuak)
		return n == 16 || n == 32;
	return n == 16;
}

static const char *aka_check(const m2m_saip_aka *a, long alg)
{
	if (alg < AlgoParameter__algorithmID_milenage ||
	    alg > AlgoParameter__algorithmID_usim_test_algorithm)
		return "algorithm must be 1 (milenage), 2 (tuak) or 3 (usim-test-algorithm)";
	if (a->key != NULL && !aka_key_len_ok(alg, a->key_len))
		return alg == AlgoParameter__algorithmID_tuak ? "Ki must be 16 or 32 bytes"
							      : "Ki must be 16 bytes";
	if (a->opc != NULL && !aka_key_len_ok(alg, a->opc_len))
		return alg == AlgoParameter__algorithmID_tuak ? "OPc must be 16 or 32 bytes"
							      : "OPc must be 16 bytes";
	return NULL;
}

static m2m_err aka_apply(AlgoParameter_t *ap, const m2m_saip_aka *a)
{
	m2m_err rc = M2M_OK;

	if (a->algorithm_id != 0)
		ap->algorithmID = a->algorithm_id;
	if (a->options != NULL)
		rc = m2m_saip_perso_os_set(&ap->algorithmOptions, a->options, 1);
	if (rc == M2M_OK && a->key != NULL)
		rc = m2m_saip_perso_os_set(&ap->key, a->key, a->key_len);
	if (rc == M2M_OK && a->opc != NULL)
		rc = m2m_saip_perso_os_set(&ap->opc, a->opc, a->opc_len);
	if (rc == M2M_OK && a->rotation != NULL)
		rc = m2m_saip_perso_os_put(&ap->rotationConstants, a->rotation, 5);
	if (rc == M2M_OK && a->xoring != NULL)
		rc = m2m_saip_perso_os_put(&ap->xoringConstants, a->xoring, 80);
	return rc;
}

static AlgoParameter_t *aka_params(ProfileElement_t *pe)
{
	PE_AKAParameter_t *aka;

	if (pe == NULL || pe->present != ProfileElement_PR_akaParameter)
		return NULL;
	aka = &pe->choice.akaParameter;
	if (aka->algoConfiguration.present != PE_AKAParameter__algoConfiguration_PR_algoParameter)
		return NULL;
	return &aka->algoConfiguration.choice.algoParameter;
}

/* The header's algorithm service flag for one element's algorithm. */
static NULL_t **aka_service(ServicesList_t *s, const AlgoParameter_t *ap)
{
	if (ap->algorithmID == AlgoParameter__algorithmID_milenage)
		return &s->milenage;
	if (ap->algorithmID == AlgoParameter__algorithmID_usim_test_algorithm)
		return &s->usim_test_algorithm;
	return ap->key.size == 32 ? &s->tuak256 : &s->tuak128;
}

static void service_put(NULL_t **flag, bool on)
{
	if (on && *flag == NULL)
		*flag = calloc(1, sizeof(**flag));
	else if (!on && *flag != NULL) {
		m2m_asn1_free(*flag); /* the tree's: decoded in an arena scope perhaps */
		*flag = NULL;
	}
}

/* After an algorithm change the header must ask for exactly the algorithms the akaParameter
 * elements use (an eUICC refuses a package whose mandatory services it lacks). */
static m2m_err aka_services(m2m_saip_pkg *pkg, m2m_saip_error *err)
{
	ServicesList_t *s;
	NULL_t **flags[4];
	bool used[4] = {false, false, false, false};

	if (pkg->count == 0 || pkg->el[0].pe->present != ProfileElement_PR_header)
		return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, M2M_SAIP_NO_INDEX,
					   "the package does not start with its header");
	s = &pkg->el[0].pe->choice.header.eUICC_Mandatory_services;
	flags[0] = &s->milenage;
	flags[1] = &s->tuak128;
	flags[2] = &s->tuak256;
	flags[3] = &s->usim_test_algorithm;
	for (size_t i = 0; i < pkg->count; i++) {
		AlgoParameter_t *ap = aka_params(pkg->el[i].pe);

		for (int f = 0; ap != NULL && f < 4; f++)
			used[f] |= aka_service(s, ap) == flags[f];
	}
	for (int f = 0; f < 4; f++) {
		service_put(flags[f], used[f]);
		if (used[f] && *flags[f] == NULL)
			return m2m_saip_perso_fail(err, M2M_ERR_NOMEM, pkg, 0, "out of memory");
	}
	return M2M_OK;
}

m2m_err m2m_saip_set_aka(m2m_saip_pkg *pkg, const m2m_saip_aka *aka, m2m_saip_error *err)
{
	size_t found = 0;

	/* Every element is checked before any is changed (USIM and ISIM each have one). */
	for (size_t i = 0; i < pkg->count; i++) {
		AlgoParameter_t *ap = aka_params(pkg->el[i].pe);
		const char *why;

		if (ap == NULL)
			continue;
		why = aka_check(aka, aka->algorithm_id != 0 ? aka->algorithm_id : ap->algorithmID);
		if (why != NULL)
			return m2m_saip_perso_fail(err, M2M_ERR_ARG, pkg, i, "%s", why);
		found++;
	}
	if (found == 0)
		return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, M2M_SAIP_NO_INDEX,
					   "the package has no akaParameter element with an "
					   "algoParameter");
	for (size_t i = 0; i < pkg->count; i++) {
		AlgoParameter_t *ap = aka_params(pkg->el[i].pe);
		m2m_err rc;

		if (ap == NULL)
			continue;
		rc = aka_apply(ap, aka);
		if (rc != M2M_OK)
			return m2m_saip_perso_fail(err, rc, pkg, i, "cannot set the parameters: %s",
						   m2m_strerror(rc));
	}
	return aka->algorithm_id != 0 ? aka_services(pkg, err) : M2M_OK;
}

static bool sd_key_len_ok(uint8_t type, size_t n)
{
	if (type == KEY_TYPE_AES)
		return n == 16 || n == 24 || n == 32;
	if (type == KEY_TYPE_DES || type == KEY_TYPE_DES_CBC)
		return n == 16 || n == 24;
	return false;
}

static uint8_t sd_default_usage(uint8_t id)
{
	/* GP key usage qualifiers as the TS.48 MNO-SD and pySim use them. */
	switch (id) {
	case 1:
		return 0x18; /* KIc: C-ENC + R-ENC */
	case 2:
		return 0x14; /* KID: C-MAC + R-MAC */
	case 3:
		return 0x48; /* KIK: key protection */
	default:
		return 0;
	}
}

static struct KeyObject *sd_find(PE_SecurityDomain_t *sd, uint8_t kvn, uint8_t id)
{
	if (sd->keyList == NULL)
		return NULL;
	for (int i = 0; i < sd->keyList->list.count; i++) {
		struct KeyObject *k = sd->keyList->list.array[i];

		if (k->keyIdentifier.size == 1 && k->keyIdentifier.buf[0] == id &&
		    k->keyVersionNumber.size == 1 && k->keyVersionNumber.buf[0] == kvn)
			return k;
	}
	return NULL;
}

static m2m_err sd_replace(struct KeyObject *k, const m2m_saip_sd_key *key, uint8_t type)
{
	struct KeyObject__keyComponents__Member *c = k->keyComponents.list.array[0];
	m2m_err rc;

	rc = m2m_saip_perso_os_set(&c->keyType, &type, 1);
	if (rc == M2M_OK)
		rc = m2m_saip_perso_os_set(&c->keyData, key->data, key->len);
	if (rc == M2M_OK && key->usage != 0)
		rc = m2m_saip_perso_os_set(&k->keyUsageQualifier, &key->usage, 1);
	return rc;
}

static m2m_err sd_add(PE_SecurityDomain_t *sd, const m2m_saip_sd_key *key, uint8_t type,
		      uint8_t usage)
{
	struct KeyObject *k = calloc(1, sizeof(*k));
	struct KeyObject__keyComponents__Member *c = calloc(1, sizeof(*c));
	m2m_err rc = M2M_ERR_NOMEM;

	if (k == NULL || c == NULL)
		goto out;
	if (ASN_SEQUENCE_ADD(&k->keyComponents.list, c) != 0)
		goto out;
	c = NULL;
	rc = m2m_saip_perso_os_set(&k->keyUsageQualifier, &usage, 1);
	if (rc == M2M_OK)
		rc = m2m_saip_perso_os_set(&k->keyIdentifier, &key->id, 1);
	if (rc == M2M_OK)
		rc = m2m_saip_perso_os_set(&k->keyVersionNumber, &key->kvn, 1);
	if (rc == M2M_OK)
		rc = sd_replace(k, key, type);
	if (rc != M2M_OK)
		goto out;
	rc = M2M_ERR_NOMEM;
	if (sd->keyList == NULL && (sd->keyList = calloc(1, sizeof(*sd->keyList))) == NULL)
		goto out;
	if (ASN_SEQUENCE_ADD(&sd->keyList->list, k) != 0)
		goto out;
	k = NULL;
	rc = M2M_OK;
out:
	free(c);
	if (k != NULL)
		ASN_STRUCT_FREE(asn_DEF_KeyObject, k);
	return rc;
}

/* The type the key will have, or 0 if the key cannot take this value. */
static uint8_t sd_effective_type(const struct KeyObject *k, const m2m_saip_sd_key *key)
{
	if (key->type != 0)
		return key->type;
	if (k == NULL)
		return KEY_TYPE_AES;
	if (k->keyComponents.list.count != 1 ||
	    k->keyComponents.list.array[0]->keyType.size != 1)
		return 0;
	return k->keyComponents.list.array[0]->keyType.buf[0];
}

m2m_err m2m_saip_set_sd_key(m2m_saip_pkg *pkg, const m2m_saip_sd_key *key, m2m_saip_error *err)
{
	size_t i;
	struct KeyObject *k;
	uint8_t type, usage;
	m2m_err rc;

	if (key->kvn == 0 || key->kvn == 0xff || key->id == 0 || key->id > 0x7f)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, NULL, M2M_SAIP_NO_INDEX,
					   "OTA key: KVN must be 01..FE and key id 01..7F");
	for (i = 0; i < pkg->count; i++)
		if (pkg->el[i].pe != NULL && pkg->el[i].pe->present == ProfileElement_PR_securityDomain)
			break;
	if (i == pkg->count)
		return m2m_saip_perso_fail(err, M2M_ERR_STATE, pkg, M2M_SAIP_NO_INDEX,
					   "the package has no securityDomain element (MNO-SD)");
	k = sd_find(&pkg->el[i].pe->choice.securityDomain, key->kvn, key->id);
	type = sd_effective_type(k, key);
	if (type == 0)
		return m2m_saip_perso_fail(err, M2M_ERR_FORMAT, pkg, i,
					   "key %02X of KVN %02X is not a single-component key",
					   key->id, key->kvn);
	if (!sd_key_len_ok(type, key->len))
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, pkg, i,
					   "key %02X of KVN %02X: type %02X takes %s, not %zu bytes",
					   key->id, key->kvn, type,
					   type == KEY_TYPE_AES ? "16, 24 or 32 bytes"
					   : (type == KEY_TYPE_DES || type == KEY_TYPE_DES_CBC)
						   ? "16 or 24 bytes"
						   : "no OTA key (80, 82 or 88 only)",
					   key->len);
	usage = key->usage != 0 ? key->usage : sd_default_usage(key->id);
	if (k == NULL && usage == 0)
		return m2m_saip_perso_fail(err, M2M_ERR_ARG, pkg, i,
					   "new key %02X of KVN %02X needs a key usage qualifier",
					   key->id, key->kvn);
	rc = k != NULL ? sd_replace(k, key, type)
		       : sd_add(&pkg->el[i].pe->choice.securityDomain, key, type, usage);
	if (rc != M2M_OK)
		return m2m_saip_perso_fail(err, rc, pkg, i, "cannot set key %02X of KVN %02X: %s",
					   key->id, key->kvn, m2m_strerror(rc));
	return M2M_OK;
}
