/* Hex encoding (lower case) and strict decoding (even length, hex digits only). */
#ifndef M2M_CORE_HEX_H
#define M2M_CORE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Value of one hex digit (either case), or -1. */
int m2m_hex_digit(int c);
/* Writes 2*n characters and a NUL; out must hold 2*n+1 bytes. */
void m2m_hex_encode(const uint8_t *in, size_t n, char *out);
/* Appends lower-case hex of in to b, with no NUL. */
m2m_err m2m_hex_append(m2m_buf *b, const uint8_t *in, size_t n);
/* Decodes into out (capacity cap); *n gets the byte count. Spaces are not allowed. */
m2m_err m2m_hex_decode(const char *hex, uint8_t *out, size_t cap, size_t *n);
/* Decodes exactly `want` bytes, else M2M_ERR_HEX. */
m2m_err m2m_hex_decode_exact(const char *hex, uint8_t *out, size_t want);
/* Decodes into a growable buffer (appends). */
m2m_err m2m_hex_decode_buf(const char *hex, m2m_buf *b);

#endif
