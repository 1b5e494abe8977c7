/* A fast, one-sided form of core/tlv.h's m2m_tlv_validate for the element pre-check in
 * codec.c (docs/saip.md "Figures"). */
#ifndef M2M_SAIP_TLV_QUICK_H
#define M2M_SAIP_TLV_QUICK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True only if p[0..n) is a sequence of definite-length BER TLVs that
 * m2m_tlv_validate(p, n, M2M_TLV_BER, ...) accepts. False means "not sure" (an indefinite
 * length, anything malformed, nesting over M2M_SAIP_TLV_QUICK_DEPTH): the caller then runs
 * m2m_tlv_validate, which gives the exact verdict and error offset. */
bool m2m_saip_tlv_quick(const uint8_t *p, size_t n);

/* Open constructed values followed; at most M2M_TLV_MAX_DEPTH (checked in tlv_quick.c). */
#define M2M_SAIP_TLV_QUICK_DEPTH 32u

#endif
