/* Error codes shared by every layer, with a message for each. */
#ifndef M2M_CORE_ERR_H
#define M2M_CORE_ERR_H

typedef enum {
	M2M_OK = 0,
	M2M_END,              /* iteration finished: not a failure */
	M2M_ERR_ARG,          /* invalid argument */
	M2M_ERR_NOMEM,        /* allocation failed */
	M2M_ERR_BOUNDS,       /* read or write past a buffer's end */
	M2M_ERR_HEX,          /* malformed hex string */
	M2M_ERR_TLV_TRUNCATED,
	M2M_ERR_TLV_TAG,      /* tag longer than 3 bytes or otherwise malformed */
	M2M_ERR_TLV_LENGTH,   /* length field malformed or longer than 4 bytes */
	M2M_ERR_TLV_OVERRUN,  /* length runs past the enclosing data */
	M2M_ERR_TLV_INDEF,    /* indefinite length where not allowed, or missing 00 00 */
	M2M_ERR_TLV_TRAILING, /* bytes after the last TLV where none are allowed */
	M2M_ERR_TLV_DEPTH,    /* nesting deeper than the decoder allows */
	M2M_ERR_TLV_NOT_FOUND,
	M2M_ERR_CONFIG,       /* configuration file syntax or value */
	M2M_ERR_IO,           /* file or socket I/O */
	M2M_ERR_CRYPTO,       /* the crypto library reported a failure */
	M2M_ERR_VERIFY,       /* a MAC, signature or cryptogram did not verify */
	M2M_ERR_UNSUPPORTED,  /* valid input this implementation refuses on purpose */
	M2M_ERR_FORMAT,       /* input well-formed at the byte level but wrong in meaning */
	M2M_ERR_STATE,        /* operation not allowed in the current state */
	M2M_ERR__COUNT
} m2m_err;

/* Human-readable, never NULL, also for unknown codes. */
const char *m2m_strerror(m2m_err err);

#endif
