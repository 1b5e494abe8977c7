#include "core/err.h"

#include <stddef.h>

static const char *const messages[M2M_ERR__COUNT] = {
	[M2M_OK] = "success",
	[M2M_END] = "end of data",
	[M2M_ERR_ARG] = "invalid argument",
	[M2M_ERR_NOMEM] = "out of memory",
	[M2M_ERR_BOUNDS] = "out of bounds",
	[M2M_ERR_HEX] = "malformed hex string",
	[M2M_ERR_TLV_TRUNCATED] = "TLV truncated",
	[M2M_ERR_TLV_TAG] = "TLV tag malformed or longer than 3 bytes",
	[M2M_ERR_TLV_LENGTH] = "TLV length field malformed or longer than 4 bytes",
	[M2M_ERR_TLV_OVERRUN] = "TLV length runs past the end of the data",
	[M2M_ERR_TLV_INDEF] = "TLV indefinite length not allowed here or not terminated by 00 00",
	[M2M_ERR_TLV_TRAILING] = "trailing bytes after TLV",
	[M2M_ERR_TLV_DEPTH] = "TLV nesting too deep",
	[M2M_ERR_TLV_NOT_FOUND] = "TLV tag not found",
	[M2M_ERR_CONFIG] = "configuration error",
	[M2M_ERR_IO] = "I/O error",
	[M2M_ERR_CRYPTO] = "cryptographic library failure",
	[M2M_ERR_VERIFY] = "verification failed",
	[M2M_ERR_UNSUPPORTED] = "not supported",
	[M2M_ERR_FORMAT] = "invalid format",
	[M2M_ERR_STATE] = "operation not allowed in this state",
};

const char *m2m_strerror(m2m_err err)
{
	if ((unsigned)err >= M2M_ERR__COUNT || messages[err] == NULL)
		return "unknown error";
	return messages[err];
}
