/* Eligibility of an eUICC for a profile: the verdict, memory and capabilities; the
 * certificate chain is in eligibility_chain.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "smdp/eligibility.h"

typedef struct {
	const char *name;
	const char *subject;
	const char *reason;
} code;

/* Subjects and reasons from sgp02-facts-2.md 9; the pairings are ours where it is silent
 * (docs/smdp-download.md, "Eligibility"). */
static const code CODES[] = {
	[M2M_SMDP_ELIGIBLE] = {"eligible", "", ""},
	[M2M_SMDP_REFUSE_EIS_INVALID] = {"EIS data invalid", "8.6", "2.1"},
	[M2M_SMDP_REFUSE_EUM_CHAIN] = {"EUM certificate not from the CI", "8.5.2", "6.1"},
	[M2M_SMDP_REFUSE_EUM_EXPIRED] = {"CI or EUM certificate expired", "8.5.2", "6.3"},
	[M2M_SMDP_REFUSE_ECASD_SIGNATURE] = {"ECASD certificate not from the EUM", "8.5.2", "6.1"},
	[M2M_SMDP_REFUSE_ECASD_EXPIRED] = {"ECASD certificate expired", "8.5.2", "6.3"},
	[M2M_SMDP_REFUSE_ECASD_TYPE] = {"not an ECASD certificate", "8.5.2", "2.1"},
	[M2M_SMDP_REFUSE_MEMORY] = {"insufficient memory", "8.1", "4.8"},
	[M2M_SMDP_REFUSE_CAPABILITY] = {"eUICC capabilities", "8.1", "3.8"},
	[M2M_SMDP_REFUSE_INTERNAL] = {"internal error", "1.2", "4.2"},
};

const char *m2m_smdp_refusal_name(m2m_smdp_refusal_kind kind)
{
	return (size_t)kind < sizeof CODES / sizeof CODES[0] ? CODES[kind].name : "unknown";
}

m2m_err m2m_smdp_refuse(m2m_smdp_refusal *why, m2m_smdp_refusal_kind kind, m2m_err err,
			const char *fmt, ...)
{
	va_list ap;

	why->kind = kind;
	why->subject = CODES[kind].subject;
	why->reason = CODES[kind].reason;
	va_start(ap, fmt);
	vsnprintf(why->message, sizeof why->message, fmt, ap);
	va_end(ap);
	return err;
}

static int version_cmp(const uint8_t a[3], const uint8_t b[3])
{
	return memcmp(a, b, 3);
}

static m2m_err check_caps(const m2m_smdp_caps *caps, const m2m_smdp_req *req,
			  m2m_smdp_refusal *why)
{
	static const uint8_t any[3] = {0, 0, 0};

	if (req->need_http && !caps->http)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_CAPABILITY, M2M_ERR_STATE,
				       "the eUICC has no HTTPS (SCP81) support");
	if (version_cmp(req->min_version, any) != 0 &&
	    version_cmp(caps->version, req->min_version) < 0)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_CAPABILITY, M2M_ERR_STATE,
				       "remote provisioning version %u.%u.%u, %u.%u.%u needed",
				       caps->version[0], caps->version[1], caps->version[2],
				       req->min_version[0], req->min_version[1],
				       req->min_version[2]);
	return M2M_OK;
}

m2m_err m2m_smdp_eligibility(const m2m_smdp_eis *eis, const m2m_smdp_req *req,
			     m2m_smdp_eligible *ok, m2m_smdp_refusal *why)
{
	m2m_eckey *pk = NULL;
	uint64_t need;
	m2m_err err;

	if (why == NULL)
		return M2M_ERR_ARG;
	memset(why, 0, sizeof *why);
	if (ok != NULL)
		memset(ok, 0, sizeof *ok);
	if (eis == NULL || req == NULL || ok == NULL)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_INTERNAL, M2M_ERR_ARG, "no input");
	if (req->package_len == 0 || req->overhead > UINT64_MAX - req->package_len)
		return m2m_smdp_refuse(why, M2M_SMDP_REFUSE_INTERNAL, M2M_ERR_ARG,
				       "bad package length");
	/* The chain first: an eUICC that cannot prove itself gets no other answer. */
	err = m2m_smdp_check_chain(eis, req, req->now != 0 ? req->now : time(NULL), &pk, why);
	if (err != M2M_OK)
		return err;
	need = (uint64_t)req->package_len + req->overhead;
	if (need > eis->free_memory) {
		err = m2m_smdp_refuse(why, M2M_SMDP_REFUSE_MEMORY, M2M_ERR_STATE,
				      "the profile needs %llu bytes, the eUICC has %llu free",
				      (unsigned long long)need,
				      (unsigned long long)eis->free_memory);
		goto out;
	}
	err = check_caps(&eis->caps, req, why);
	if (err != M2M_OK)
		goto out;
	ok->pk_ecasd = pk;
	ok->curve = m2m_ec_curve(pk);
	ok->required_memory = need;
	pk = NULL;
	why->kind = M2M_SMDP_ELIGIBLE;
	why->subject = why->reason = "";
out:
	m2m_ec_free(pk);
	return err;
}
