/* Named personalisation values (options, CSV columns) and applying them to a package. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "saip/personalise_int.h"

static const struct {
	const char *name;
	bool secret;
} fields[M2M_SAIP_F__COUNT] = {
	[M2M_SAIP_F_ICCID] = {"iccid", false},
	[M2M_SAIP_F_IMSI] = {"imsi", false},
	[M2M_SAIP_F_KI] = {"ki", true},
	[M2M_SAIP_F_OPC] = {"opc", true},
	[M2M_SAIP_F_ALGORITHM] = {"algorithm", false},
	[M2M_SAIP_F_ALGORITHM_OPTIONS] = {"algorithm-options", false},
	[M2M_SAIP_F_ROTATION] = {"rotation", false},
	[M2M_SAIP_F_XORING] = {"xoring", false},
	[M2M_SAIP_F_PIN1] = {"pin1", true},
	[M2M_SAIP_F_PIN2] = {"pin2", true},
	[M2M_SAIP_F_ADM1] = {"adm1", true},
	[M2M_SAIP_F_ADM2] = {"adm2", true},
	[M2M_SAIP_F_PUK1] = {"puk1", true},
	[M2M_SAIP_F_PUK2] = {"puk2", true},
	[M2M_SAIP_F_KVN] = {"kvn", false},
	[M2M_SAIP_F_KEY_TYPE] = {"key-type", false},
	[M2M_SAIP_F_KIC] = {"kic", true},
	[M2M_SAIP_F_KID] = {"kid", true},
	[M2M_SAIP_F_KIK] = {"kik", true},
	[M2M_SAIP_F_POL1] = {"pol1", false},
	[M2M_SAIP_F_CONNECTIVITY] = {"connectivity", false},
	[M2M_SAIP_F_SMSC] = {"smsc", false},
};

static char tolower_ascii(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

const char *m2m_saip_field_name(m2m_saip_field f)
{
	if ((unsigned)f >= M2M_SAIP_F__COUNT)
		return NULL;
	return fields[f].name;
}

int m2m_saip_field_lookup(const char *name)
{
	for (int f = 0; f < M2M_SAIP_F__COUNT; f++) {
		/* "algorithm_options" is accepted for "algorithm-options" (CSV habits). */
		const char *a = fields[f].name, *b = name;

		while (*a != '\0' && *b != '\0' &&
		       (tolower_ascii(*a) == tolower_ascii(*b) || (*a == '-' && *b == '_'))) {
			a++;
			b++;
		}
		if (*a == '\0' && *b == '\0')
			return f;
	}
	return -1;
}

bool m2m_saip_field_secret(m2m_saip_field f)
{
	return (unsigned)f < M2M_SAIP_F__COUNT && fields[f].secret;
}

void m2m_saip_perso_init(m2m_saip_perso *p)
{
	memset(p, 0, sizeof(*p));
}

static void value_free(char **v)
{
	if (*v != NULL) {
		m2m_wipe(*v, strlen(*v));
		free(*v);
		*v = NULL;
	}
}

void m2m_saip_perso_free(m2m_saip_perso *p)
{
	for (int f = 0; f < M2M_SAIP_F__COUNT; f++)
		value_free(&p->value[f]);
}

m2m_err m2m_saip_perso_set(m2m_saip_perso *p, m2m_saip_field f, const char *value)
{
	char *copy;

	if ((unsigned)f >= M2M_SAIP_F__COUNT || value == NULL)
		return M2M_ERR_ARG;
	copy = strdup(value);
	if (copy == NULL)
		return M2M_ERR_NOMEM;
	value_free(&p->value[f]);
	p->value[f] = copy;
	return M2M_OK;
}
