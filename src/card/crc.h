/*
 * The redundancy checks (RC) of ETSI TS 102 225 section 5.1.2, which defines them by
 * reference to ISO/IEC 13239 (the HDLC frame check sequences):
 *   CRC16: polynomial x^16 + x^12 + x^5 + 1, reflected, initial value FFFF, result
 *          complemented (the catalogue name is CRC-16/IBM-SDLC, alias X-25);
 *          check value of "123456789" = 906E.
 *   CRC32: polynomial 04C11DB7, reflected, initial value FFFFFFFF, result complemented
 *          (CRC-32/ISO-HDLC, as zlib computes it); check value of "123456789" = CBF43926.
 * SCP80 puts the result in the packet most significant byte first (as pySim does).
 */
#ifndef M2M_CARD_CRC_H
#define M2M_CARD_CRC_H

#include <stddef.h>
#include <stdint.h>

uint16_t m2m_crc16(const uint8_t *p, size_t n);
uint32_t m2m_crc32(const uint8_t *p, size_t n);

#endif
