/* Fault injection (docs/devices.md "Fault injection"): a seeded generator for MT SMS
 * drop / delay / duplicate, the ICCIDs whose attach fails, devices off at start. */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "farm/farm_ids.h"
#include "farm/farm_int.h"

/* splitmix64 (Steele, Lea, Flood 2014): small, seedable, well distributed. */
uint64_t farm_rand(m2m_farm *f)
{
	uint64_t z = (f->rng += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

bool farm_chance(m2m_farm *f, double p)
{
	if (p <= 0.0)
		return false; /* no draw: adding a fault kind keeps the others' sequence */
	return (double)(farm_rand(f) >> 11) / 9007199254740992.0 < p;
}

m2m_err farm_faults_parse(m2m_farm *f)
{
	const char *s = f->cfg.faults.attach_fail;

	f->rng = f->cfg.faults.seed;
	f->n_attach_fail = 0;
	while (s != NULL && *s != '\0') {
		size_t n = strcspn(s, ",");

		if (n < 18 || n > 20 || f->n_attach_fail >= FARM_ATTACH_FAIL_MAX)
			return M2M_ERR_ARG;
		memcpy(f->attach_fail[f->n_attach_fail], s, n);
		f->attach_fail[f->n_attach_fail][n] = '\0';
		if (!m2m_farm_digits(f->attach_fail[f->n_attach_fail], 18, 20))
			return M2M_ERR_ARG;
		f->n_attach_fail++;
		s += n;
		if (*s == ',')
			s++;
	}
	return M2M_OK;
}

bool farm_attach_fails(const m2m_farm *f, const m2m_euicc *e)
{
	int i = m2m_euicc_enabled_isdp(e);
	char iccid[21];

	if (i < 0 || !e->isdp[i].has_profile)
		return false;
	m2m_farm_iccid_digits(e->isdp[i].iccid, iccid);
	for (size_t k = 0; k < f->n_attach_fail; k++)
		if (strcmp(iccid, f->attach_fail[k]) == 0)
			return true;
	return false;
}

/* "EID:SECONDS,...": those devices start switched off and come on after SECONDS. */
m2m_err farm_faults_start(m2m_farm *f)
{
	const char *s = f->cfg.faults.off;

	while (s != NULL && *s != '\0') {
		char item[64], *colon, *end = NULL;
		size_t n = strcspn(s, ",");
		uint8_t eid[16];
		unsigned long secs;
		farm_dev *d;
		m2m_err err;

		if (n >= sizeof item)
			return M2M_ERR_ARG;
		memcpy(item, s, n);
		item[n] = '\0';
		colon = strchr(item, ':');
		if (colon == NULL)
			return M2M_ERR_ARG;
		*colon = '\0';
		secs = strtoul(colon + 1, &end, 10);
		if (end == colon + 1 || *end != '\0' || secs > 86400u * 365 ||
		    m2m_hex_decode_exact(item, eid, 16) != M2M_OK)
			return M2M_ERR_ARG;
		if ((d = farm_dev_by_eid(f, eid, &err)) == NULL)
			return err;
		farm_dev_power(f, d, false, (unsigned)secs);
		s += n;
		if (*s == ',')
			s++;
	}
	return M2M_OK;
}
