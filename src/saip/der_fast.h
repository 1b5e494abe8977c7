/*
 * A faster DER encoder for the asn1c 0.9.28 structures of the SAIP module, driven by the same
 * type descriptors as der_encode and producing the very same bytes. It writes backwards from
 * the end of a scratch buffer (contents, then length, then tag), so every length is known when
 * it is written and nothing is encoded twice; asn1c's der_encode re-encodes each constructed
 * value once per enclosing level to learn its length. Kinds it does not handle itself (ANY,
 * SET OF, an odd value such as a BIT STRING with more than 7 unused bits) are encoded by
 * der_encode for that subtree, so the output is always der_encode's.
 */
#ifndef M2M_SAIP_DER_FAST_H
#define M2M_SAIP_DER_FAST_H

#include "ProfileElement.h"
#include "constr_TYPE.h"
#include "core/buf.h"
#include "core/err.h"

/* Nesting of constructed values the encoder follows; the SAIP module needs about 12. */
#define M2M_SAIP_DER_FAST_DEPTH 64u

/* Appends the DER encoding of *sptr (of type td) to out; on failure out is unchanged.
 * M2M_ERR_FORMAT for a tree der_encode refuses too (mandatory member absent, no CHOICE
 * alternative), M2M_ERR_BOUNDS for nesting deeper than M2M_SAIP_DER_FAST_DEPTH. */
m2m_err m2m_saip_der_encode_fast(const asn_TYPE_descriptor_t *td, const void *sptr,
				 m2m_buf *out);

/* asn1c's der_encode of one element (codec.c): the reference the fast encoder must match. */
m2m_err m2m_saip_pe_encode_ref(const ProfileElement_t *pe, m2m_buf *out);

#endif
