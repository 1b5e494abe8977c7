/* The address range of an SMPP bind (SMPP 3.4 5.2.7 address_range: "a single ESME address
 * or a range of ESME addresses ... may be specified as a UNIX Regular Expression"), used by
 * the SMSC to route mobile-originated SMS by their destination address. docs/smpp.md
 * "Routing MO SMS by destination address". */
#ifndef M2M_NET_SMPP_ROUTE_H
#define M2M_NET_SMPP_ROUTE_H

#include <regex.h>
#include <stdbool.h>

#include "core/err.h"

/* How well an address matches a range: a literal range equal to the address beats a
 * pattern. */
typedef enum {
	M2M_SMPP_RANGE_NONE = 0,
	M2M_SMPP_RANGE_PATTERN = 1,
	M2M_SMPP_RANGE_EXACT = 2,
} m2m_smpp_range_match_kind;

typedef struct {
	bool set;       /* false: an empty address_range, which routes nothing */
	bool literal;   /* digits only: compared as a string */
	char text[41];  /* without a leading '+' (SMPP 3.4: address_range up to 40 octets) */
	regex_t re;     /* POSIX extended, anchored at both ends; only when set && !literal */
} m2m_smpp_range;

/* range as the bind carried it: "" (no range), digits (one address, a leading '+'
 * ignored), or a POSIX extended regular expression matched against the whole address's
 * digits. M2M_ERR_ARG for an expression that does not compile. */
m2m_err m2m_smpp_range_set(m2m_smpp_range *r, const char *range);
/* addr: digits, a leading '+' ignored. */
m2m_smpp_range_match_kind m2m_smpp_range_match(const m2m_smpp_range *r, const char *addr);
void m2m_smpp_range_clear(m2m_smpp_range *r);

#endif
